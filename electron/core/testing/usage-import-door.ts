import fs from 'node:fs';
import path from 'node:path';
import type { Result } from '../../../shared/contract/errors';
import type { JobResult, JobStatus } from '../../../shared/contract/job-schemas';
import type { Core } from '../core';
import type { HostCapabilities } from '../host-capabilities';
import type { Sender } from '../handlers/pipeline';

type ImportCounts = Omit<Extract<JobResult, { kind: 'usage-import' }>, 'kind'>;

/**
 * A door for usage-import tests, like the browser host's: CSV text becomes an upload (a real temp
 * file in `dir`) that the core resolves by ID and releases when its job is done.
 */
export function createUploadDoor(dir: string) {
  const uploads = new Map<string, string>();
  const released: string[] = [];
  let next = 0;
  const capabilities: HostCapabilities = {
    resolveUpload: (uploadId) => Promise.resolve(uploads.get(uploadId) ?? null),
    releaseUpload: (uploadId) => {
      released.push(uploadId);
      const file = uploads.get(uploadId);
      uploads.delete(uploadId);
      if (file) fs.rmSync(file, { force: true });
      return Promise.resolve();
    },
  };
  return {
    capabilities,
    /** Upload IDs the core has released, in order. */
    released,
    upload(csv: string | Buffer): string {
      const uploadId = `up-${++next}`;
      const file = path.join(dir, `${uploadId}.csv`);
      fs.writeFileSync(file, csv);
      uploads.set(uploadId, file);
      return uploadId;
    },
  };
}
export type UploadDoor = ReturnType<typeof createUploadDoor>;

const CLI: Sender = { kind: 'cli' };

/** Starts `usage:import` on an upload of `csv` and waits for the job to settle. */
export async function importUsage(core: Core, door: UploadDoor, csv: string | Buffer): Promise<JobStatus> {
  const started = core.dispatcher.dispatch('usage:import', { source: 'upload', uploadId: door.upload(csv) }, CLI) as Result<JobStatus>;
  if (!started.ok) throw new Error(`usage:import failed to start: ${JSON.stringify(started.error)}`);
  return core.jobs.settled(started.data.jobId);
}

/** The import's outcome as a channel result used to be: its counts, or its error. */
export async function importUsageResult(core: Core, door: UploadDoor, csv: string | Buffer): Promise<Result<ImportCounts>> {
  const job = await importUsage(core, door, csv);
  if (job.state === 'done' && job.result?.kind === 'usage-import') {
    const { kind: _kind, ...counts } = job.result;
    return { ok: true, data: counts };
  }
  return { ok: false, error: job.error ?? { code: 'E_INTERNAL', message: `job ended ${job.state}` } };
}
