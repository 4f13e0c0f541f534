/**
 * Export jobs: async work in the core process behind a sync dispatcher. `start` returns at once;
 * the renderer polls `status` for the progress bar and may `cancel`. The file is written to a
 * temp file next to the target and renamed on success, so a cancelled or failed export leaves
 * nothing behind.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ExportKind, ExportState, ExportStatus } from '../../../shared/contract/export-schemas';
import { AppError } from '../../../shared/contract/errors';
import { writeCsvFile } from '../csv/csv-writer';
import type { AnyExportSource } from './export-sources';

/** Finished jobs kept for `status` calls; older ones are forgotten (their download file too). */
const MAX_KEPT_JOBS = 50;
/** Undownloaded browser-host exports older than this are removed when the core starts. */
const STALE_DOWNLOAD_MS = 60 * 60 * 1000;

export const EXPORTS_DIR_NAME = 'exports';

export function downloadPathFor(dataDir: string, jobId: string): string {
  return path.join(dataDir, EXPORTS_DIR_NAME, `${jobId}.csv`);
}

interface Job {
  status: ExportStatus;
  controller: AbortController;
  done: Promise<void>;
}

export interface ExportJobsOptions {
  dataDir: string;
  /** Desktop: the save dialog. Absent: the file waits in `<dataDir>/exports/` for one download. */
  chooseSavePath?: ((suggestedName: string) => Promise<string | null>) | undefined;
  logError?: ((channel: string, error: unknown) => void) | undefined;
}

export function createExportJobs(options: ExportJobsOptions) {
  const jobs = new Map<string, Job>();
  const downloadsDir = path.join(options.dataDir, EXPORTS_DIR_NAME);
  removeStaleDownloads(downloadsDir);

  const forgetOldJobs = () => {
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_KEPT_JOBS) break;
      if (job.status.state === 'running' || job.status.state === 'choosing') continue;
      if (job.status.downloadable) fs.rmSync(downloadPathFor(options.dataDir, id), { force: true });
      jobs.delete(id);
    }
  };

  const finish = (job: Job, state: ExportState, message: string | null) => {
    job.status = { ...job.status, state, message };
  };

  async function run(job: Job, source: AnyExportSource): Promise<void> {
    const { signal } = job.controller;
    let target: string;
    if (options.chooseSavePath) {
      const chosen = await options.chooseSavePath(source.fileName);
      if (signal.aborted) return finish(job, 'cancelled', 'Export cancelled');
      if (chosen === null) return finish(job, 'cancelled', 'No file was chosen');
      target = chosen;
      job.status = { ...job.status, fileName: path.basename(chosen) };
    } else {
      fs.mkdirSync(downloadsDir, { recursive: true });
      target = downloadPathFor(options.dataDir, job.status.jobId);
    }
    job.status = { ...job.status, state: 'running' };
    try {
      const result = await writeCsvFile({
        path: target,
        columns: source.columns,
        rows: source.rows,
        ...(source.preformatted ? { preformatted: source.preformatted } : {}),
        signal,
        progressEvery: 5_000,
        onProgress: (rowsWritten) => {
          job.status = { ...job.status, rowsWritten };
        },
      });
      job.status = {
        ...job.status,
        state: 'done',
        rowsWritten: result.rowsWritten,
        savedTo: options.chooseSavePath ? result.path : null,
        downloadable: !options.chooseSavePath,
        message: null,
      };
    } catch (error) {
      // Closing the store mid-export can surface as a database error: still a cancellation.
      if (signal.aborted) return finish(job, 'cancelled', 'Export cancelled; no file was written');
      options.logError?.('exports:start', error);
      finish(job, 'failed', `The export failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const requireJob = (jobId: string): Job => {
    const job = jobs.get(jobId);
    if (!job) throw AppError.field('E_NOT_FOUND', 'jobId', `Export ${jobId} does not exist (finished exports are forgotten when the app restarts)`);
    return job;
  };

  return {
    /** Starts writing `source` in the background and returns the job's first status. */
    start(kind: ExportKind, source: AnyExportSource): ExportStatus {
      const jobId = `exp-${randomBytes(8).toString('hex')}`;
      const job: Job = {
        status: {
          jobId,
          kind,
          state: options.chooseSavePath ? 'choosing' : 'running',
          rowsWritten: 0,
          totalRows: source.totalRows,
          fileName: source.fileName,
          savedTo: null,
          downloadable: false,
          message: null,
        },
        controller: new AbortController(),
        done: Promise.resolve(),
      };
      jobs.set(jobId, job);
      job.done = run(job, source).catch((error: unknown) => {
        options.logError?.('exports:start', error);
        finish(job, 'failed', 'The export failed');
      });
      forgetOldJobs();
      return job.status;
    },

    status(jobId: string): ExportStatus {
      return requireJob(jobId).status;
    },

    /** Aborts a job that is still choosing or running; a finished job is returned unchanged. */
    cancel(jobId: string): ExportStatus {
      const job = requireJob(jobId);
      if (job.status.state === 'choosing' || job.status.state === 'running') job.controller.abort(new Error('cancelled by the user'));
      return job.status;
    },

    /** Resolves when the job has settled (tests, CLI). */
    settled(jobId: string): Promise<ExportStatus> {
      const job = requireJob(jobId);
      return job.done.then(() => job.status);
    },

    /** Aborts every unfinished job (the store is about to close). */
    dispose(): void {
      for (const job of jobs.values()) job.controller.abort(new Error('Gatehouse is closing'));
    },
  };
}
export type ExportJobs = ReturnType<typeof createExportJobs>;

function removeStaleDownloads(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return; // no exports yet
  }
  const cutoff = Date.now() - STALE_DOWNLOAD_MS;
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      if (fs.statSync(file).mtimeMs < cutoff) fs.rmSync(file, { force: true });
    } catch {
      /* raced with a download or another process: fine */
    }
  }
}
