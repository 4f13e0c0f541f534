import { AppError } from '../../../shared/contract/errors';
import { getBridge, type UploadOptions } from './bridge';

/** True in the browser host, where files reach the core as uploads (Electron: the core opens the file dialog). */
export function canUpload(): boolean {
  return typeof getBridge().upload === 'function';
}

/**
 * Streams `file` to the browser host (POST /api/uploads) and resolves its upload ID, for
 * `usage:import {source: 'upload', uploadId}`. Failures are AppErrors (E_LIMIT over 2 GiB,
 * E_CANCELLED when `signal` aborts, E_FORBIDDEN for a wrong token).
 */
export async function uploadFile(file: Blob, options: UploadOptions = {}): Promise<string> {
  const upload = getBridge().upload;
  if (!upload) throw new AppError('E_CONFLICT', 'Uploads exist only in the browser host');
  const result = await upload(file, options);
  if (!result.ok) throw new AppError(result.error.code, result.error.message, result.error.issues);
  return result.data.uploadId;
}
