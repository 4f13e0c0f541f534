import type { ErrorPayload } from '../../../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobStatus } from '../../../../shared/contract/job-schemas';
import type { CoreClient } from '../../../core/client/core-client';
import { CLI_SENDER, type CliIo } from './cli-plan';

/** `CODE: message` plus the field issues, as every CLI failure is printed. */
export function formatCliError(error: ErrorPayload): string {
  const issues = (error.issues ?? []).filter((i) => i.message !== error.message).map((i) => `\n  ${i.path}: ${i.message}`);
  return `${error.code}: ${error.message}${issues.join('')}`;
}

export type JobOutcome = { ok: true; job: JobStatus } | { ok: false; error: ErrorPayload };

export interface FollowOptions {
  /** Progress lines on stderr ("exporting… 5000 / 20000 rows"); null prints none (--json). */
  progressVerb: string | null;
}

const isFinished = (job: JobStatus) => FINISHED_JOB_STATES.includes(job.state);

/**
 * Starts a job through `channel` and follows it to its end through the client's job events (no
 * polling), with progress on stderr. Ctrl+C cancels it with `jobs:cancel` (the job stops at its
 * next chunk); a second Ctrl+C is Node's default, immediate exit. Works with the in-process and
 * the worker client alike.
 */
export async function runJob(client: CoreClient, io: CliIo, channel: string, input: unknown, options: FollowOptions): Promise<JobOutcome> {
  let jobId: string | null = null;
  // Events can come before `channel` answers (worker client): keep the latest per job until then.
  const early = new Map<string, JobStatus>();
  let finish: ((job: JobStatus) => void) | null = null;
  let lastShown = -1;
  const show = (job: JobStatus) => {
    if (options.progressVerb === null || job.state !== 'running' || job.done === 0 || job.done === lastShown) return;
    lastShown = job.done;
    io.err(`${options.progressVerb}… ${job.done} / ${job.total ?? '?'} ${job.unit}`);
  };
  const onJob = (job: JobStatus) => {
    if (jobId === null) {
      early.set(job.jobId, job);
      return;
    }
    if (job.jobId !== jobId) return;
    show(job);
    if (isFinished(job)) finish?.(job);
  };
  const unsubscribe = client.on((event) => {
    if (event.type === 'job') onJob(event.job);
  });
  const onInterrupt = () => {
    if (jobId === null) return;
    io.err('Cancelling…');
    void client.invoke('jobs:cancel', { jobId }, CLI_SENDER);
  };
  try {
    const started = await client.invoke(channel, input, CLI_SENDER);
    if (!started.ok) return { ok: false, error: started.error };
    const first = started.data as JobStatus;
    const settled = new Promise<JobStatus>((resolve) => {
      finish = resolve;
    });
    jobId = first.jobId;
    const latest = early.get(first.jobId) ?? first;
    early.clear();
    process.once('SIGINT', onInterrupt);
    if (isFinished(latest)) return { ok: true, job: latest };
    show(latest);
    return { ok: true, job: await settled };
  } finally {
    unsubscribe();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** The error to print for a job that did not finish: `E_CANCELLED: …` or its typed error. */
export function jobFailure(job: JobStatus, what: string): ErrorPayload {
  return job.error ?? { code: job.state === 'cancelled' ? 'E_CANCELLED' : 'E_INTERNAL', message: `The ${what} did not finish` };
}
