/**
 * Writing one export as a job on the core's job runner. The door says where the file goes
 * (`chooseSavePath`: the desktop save dialog, the CLI's `--out`, the browser host's downloads
 * folder); the rows are streamed to a temp file next to it and renamed on success, so a cancelled
 * or failed export leaves nothing behind.
 */
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { JobResult } from '../../../shared/contract/job-schemas';
import { writeCsvFile } from '../csv/csv-writer';
import type { HostCapabilities } from '../host-capabilities';
import { JobCancelledError, type JobHandle } from '../jobs/job-runner';
import { FILE_PROBLEMS, toStorageError } from '../store/storage-errors';
import type { AnyExportSource } from './export-sources';

/** Progress is reported to the job about every this many rows. */
const PROGRESS_EVERY_ROWS = 5_000;

export type ExportResult = Extract<JobResult, { kind: 'export' }>;

/** A file-system error writing the export (Node errors carry `syscall`), as E_STORAGE naming the file. */
function exportFileError(error: unknown, target: string): AppError | null {
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  if (typeof code !== 'string' || typeof syscall !== 'string') return null;
  return new AppError('E_STORAGE', `Cannot write ${target}: ${FILE_PROBLEMS[code] ?? code}; no file was written`);
}

export interface ExportDestination {
  chooseSavePath: NonNullable<HostCapabilities['chooseSavePath']>;
  /** The door hands the finished file to its user as a download (browser host). */
  savesForDownload: boolean;
}

/** Asks the door where to save, then streams `source` there with progress and cancellation. */
export async function runExportJob(job: JobHandle, source: AnyExportSource, destination: ExportDestination): Promise<ExportResult> {
  const chosen = await destination.chooseSavePath({ suggestedName: source.fileName, jobId: job.jobId });
  job.throwIfCancelled();
  if (chosen === null) throw new JobCancelledError('No file was chosen');
  job.setRunning();
  job.progress(0, source.totalRows);
  const target = path.resolve(chosen);
  const written = await writeCsvFile({
    path: target,
    columns: source.columns,
    rows: source.rows,
    ...(source.preformatted ? { preformatted: source.preformatted } : {}),
    signal: job.signal,
    checkpoint: () => job.checkpoint(),
    progressEvery: PROGRESS_EVERY_ROWS,
    // A concurrent import can add rows after the count: never report done > total.
    onProgress: (rows) => job.progress(rows, Math.max(rows, source.totalRows)),
  }).catch((error: unknown) => {
    throw exportFileError(error, target) ?? toStorageError(error) ?? error;
  });
  return {
    kind: 'export',
    rowsWritten: written.rowsWritten,
    // A download keeps the suggested name; a saved file is called what the user called it.
    fileName: destination.savesForDownload ? source.fileName : path.basename(written.path),
    savedTo: destination.savesForDownload ? null : written.path,
    downloadable: destination.savesForDownload,
  };
}
