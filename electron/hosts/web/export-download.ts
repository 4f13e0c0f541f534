import fs from 'node:fs';
import type http from 'node:http';
import type { CoreClient } from '../../core/client/core-client';
import { downloadPath, JOB_ID } from './host-folders';
import { SECURITY_HEADERS, sendUnauthorized } from './http-util';

const EXPORT_PREFIX = '/api/exports/';

export function isExportDownloadPath(pathname: string): boolean {
  return pathname.startsWith(EXPORT_PREFIX);
}

/** RFC 6266: an ASCII fallback plus the exact UTF-8 name. */
function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

const notFound = (res: http.ServerResponse, message: string) => res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(message);

/** What `jobs:status` says about a finished, downloadable export (null for anything else). */
async function downloadableExport(client: CoreClient, jobId: string): Promise<{ fileName: string; contentType: string } | null> {
  const status = await client.invoke('jobs:status', { jobId }, { kind: 'web', tokenValid: true });
  if (!status.ok) return null;
  const job = status.data as { state?: string; result?: { kind?: string; downloadable?: boolean; fileName?: string } | null };
  const result = job.result;
  // A backup archive is handed out the same way (once, then deleted).
  if (job.state !== 'done' || (result?.kind !== 'export' && result?.kind !== 'backup') || result.downloadable !== true || typeof result.fileName !== 'string') return null;
  return { fileName: result.fileName, contentType: result.kind === 'backup' ? 'application/octet-stream' : 'text/csv; charset=utf-8' };
}

/**
 * GET /api/exports/<jobId>: a finished browser-host export (bearer token required), served once
 * and deleted after it was sent. The job runner says whether the export is done and downloadable;
 * the file is claimed by a rename first, so a second request for the same export gets 404
 * instead of racing the first.
 */
export async function serveExportDownload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: { client: CoreClient; downloadsDir: string; tokenValid: boolean; pathname: string },
): Promise<void> {
  if (req.method !== 'GET') {
    res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET' }).end();
    return;
  }
  if (!options.tokenValid) {
    sendUnauthorized(res);
    return;
  }
  const jobId = options.pathname.slice(EXPORT_PREFIX.length);
  if (!JOB_ID.test(jobId)) {
    notFound(res, 'No such export');
    return;
  }
  const ready = await downloadableExport(options.client, jobId);
  if (!ready) {
    notFound(res, 'This export does not exist, is not finished, or was already downloaded');
    return;
  }
  const file = downloadPath(options.downloadsDir, jobId);
  const claimed = `${file}.sending`;
  let size: number;
  try {
    await fs.promises.rename(file, claimed);
    size = (await fs.promises.stat(claimed)).size;
  } catch {
    notFound(res, 'This export was already downloaded');
    return;
  }
  const remove = () => fs.rm(claimed, { force: true }, () => {});
  if (res.destroyed) {
    // The browser went away while we looked the export up.
    remove();
    return;
  }
  res.on('close', remove);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': ready.contentType,
    'Content-Length': String(size),
    'Content-Disposition': contentDisposition(ready.fileName),
  });
  const stream = fs.createReadStream(claimed);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
