/**
 * The one runner for long work: exports, usage import, sample generation (and later sync).
 *
 * A job is an async function that does its work in short synchronous chunks (each write chunk one
 * IMMEDIATE transaction of well under ~200 ms) and awaits `job.checkpoint()` between them. Inside
 * the core's worker this yields the event loop, so requests are answered between chunks, and it is
 * where cancellation lands: `checkpoint()` throws once the job is cancelled.
 */
import { randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppError, type ErrorPayload } from '../../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobKind, type JobResult, type JobStatus } from '../../../shared/contract/job-schemas';

/** Finished jobs kept for `jobs:status`; older finished ones are forgotten. */
const MAX_KEPT_JOBS = 50;
/** Progress events per job are throttled to one per this many ms (state changes are never throttled). */
const PROGRESS_EVENT_MS = 100;

export interface JobHandle {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Reports work done (and, when known, the total); cheap to call often. */
  progress(done: number, total?: number | null): void;
  /** What the job is doing now, e.g. "Checking rows". */
  setMessage(message: string): void;
  /** Marks the job as working (after `waiting`, e.g. once the user chose a file). */
  setRunning(): void;
  /** Yields to the event loop; throws a cancellation error if the job was cancelled. */
  checkpoint(): Promise<void>;
  /** Throws the cancellation error if cancelled, without yielding. */
  throwIfCancelled(): void;
}

export interface JobSpec<R extends JobResult = JobResult> {
  kind: JobKind;
  label: string;
  unit?: JobStatus['unit'];
  total?: number | null;
  /** Start in `waiting` (e.g. a save dialog comes first) instead of `running`. */
  waiting?: boolean;
  run(job: JobHandle): Promise<R>;
  /** Runs after the job settles, whatever the outcome (remove temp files, …). Must not throw. */
  cleanup?(outcome: JobStatus): void | Promise<void>;
}

export interface JobRunnerOptions {
  now?: () => Date;
  onEvent?: (job: JobStatus) => void;
  /** Maps unexpected errors to typed ones (storage errors); null = internal error. */
  classifyError?: (error: unknown) => AppError | null;
  logError?: (context: string, error: unknown) => void;
}

export class JobCancelledError extends AppError {
  constructor(message = 'Cancelled; nothing was changed') {
    super('E_CANCELLED', message);
  }
}

interface Job {
  status: JobStatus;
  controller: AbortController;
  startedMs: number;
  lastEventMs: number;
  done: Promise<JobStatus>;
}

export function createJobRunner(options: JobRunnerOptions = {}) {
  const now = options.now ?? (() => new Date());
  const jobs = new Map<string, Job>();

  const emit = (job: Job, force: boolean) => {
    const t = Date.now();
    if (!force && t - job.lastEventMs < PROGRESS_EVENT_MS) return;
    job.lastEventMs = t;
    options.onEvent?.(snapshot(job));
  };

  const snapshot = (job: Job): JobStatus => {
    const s = job.status;
    if (s.state !== 'running') return { ...s };
    const seconds = (Date.now() - job.startedMs) / 1000;
    const rate = seconds >= 0.5 && s.done > 0 ? s.done / seconds : null;
    const eta = rate && s.total !== null ? Math.max(0, (s.total - s.done) / rate) : null;
    return { ...s, ratePerSecond: rate === null ? null : Math.round(rate * 10) / 10, etaSeconds: eta === null ? null : Math.round(eta * 10) / 10 };
  };

  const toPayload = (error: unknown): ErrorPayload => {
    if (error instanceof AppError) return error.toPayload();
    const typed = options.classifyError?.(error);
    if (typed) return typed.toPayload();
    options.logError?.('job', error);
    return { code: 'E_INTERNAL', message: 'The job failed unexpectedly; nothing was changed' };
  };

  const forgetOldJobs = () => {
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_KEPT_JOBS) break;
      if (FINISHED_JOB_STATES.includes(job.status.state)) jobs.delete(id);
    }
  };

  const requireJob = (jobId: string): Job => {
    const job = jobs.get(jobId);
    if (!job) throw AppError.field('E_NOT_FOUND', 'jobId', `Job ${jobId} does not exist (finished jobs are forgotten when Gatehouse restarts)`);
    return job;
  };

  async function execute(job: Job, spec: JobSpec): Promise<JobStatus> {
    const { signal } = job.controller;
    const cancelledError = () => (signal.reason instanceof AppError ? signal.reason : new JobCancelledError());
    const handle: JobHandle = {
      jobId: job.status.jobId,
      signal,
      progress(done, total) {
        job.status.done = done;
        if (total !== undefined) job.status.total = total;
        emit(job, false);
      },
      setMessage(message) {
        job.status.message = message;
        emit(job, true);
      },
      setRunning() {
        if (job.status.state === 'waiting') {
          job.status.state = 'running';
          job.startedMs = Date.now();
          emit(job, true);
        }
      },
      throwIfCancelled() {
        if (signal.aborted) throw cancelledError();
      },
      async checkpoint() {
        if (signal.aborted) throw cancelledError();
        await yieldToEventLoop();
        if (signal.aborted) throw cancelledError();
      },
    };
    try {
      const result = await spec.run(handle);
      job.status = { ...snapshot(job), state: 'done', result, error: null, message: null, etaSeconds: 0, finishedAt: now().toISOString() };
    } catch (error) {
      const ownCancel = error instanceof AppError && error.code === 'E_CANCELLED';
      const cancelled = signal.aborted || ownCancel;
      // A job that ends itself as cancelled says why ("No file was chosen", what it kept).
      const payload = ownCancel ? error.toPayload() : cancelled ? cancelledError().toPayload() : toPayload(error);
      job.status = { ...snapshot(job), state: cancelled ? 'cancelled' : 'failed', error: payload, message: payload.message, etaSeconds: null, finishedAt: now().toISOString() };
    }
    try {
      await spec.cleanup?.(job.status);
    } catch (error) {
      options.logError?.('job cleanup', error);
    }
    emit(job, true);
    return job.status;
  }

  return {
    /** Starts `spec` and returns its first status at once; progress arrives as events. */
    start(spec: JobSpec): JobStatus {
      const jobId = `job-${randomBytes(8).toString('hex')}`;
      const job: Job = {
        status: {
          jobId,
          kind: spec.kind,
          label: spec.label,
          state: spec.waiting ? 'waiting' : 'running',
          done: 0,
          total: spec.total ?? null,
          unit: spec.unit ?? 'rows',
          ratePerSecond: null,
          etaSeconds: null,
          message: null,
          startedAt: now().toISOString(),
          finishedAt: null,
          error: null,
          result: null,
        },
        controller: new AbortController(),
        startedMs: Date.now(),
        lastEventMs: 0,
        done: Promise.resolve(null as unknown as JobStatus),
      };
      jobs.set(jobId, job);
      const first = snapshot(job);
      // Start on the next turn so the caller's response (the first status) goes out before any work.
      job.done = yieldToEventLoop().then(() => execute(job, spec));
      emit(job, true);
      forgetOldJobs();
      return first;
    },

    status(jobId: string): JobStatus {
      return snapshot(requireJob(jobId));
    },

    list(): JobStatus[] {
      return [...jobs.values()].map(snapshot).reverse();
    },

    /** Cancels a waiting or running job (it stops at its next checkpoint); a finished job is returned unchanged. */
    cancel(jobId: string, reason?: AppError): JobStatus {
      const job = requireJob(jobId);
      if (!FINISHED_JOB_STATES.includes(job.status.state)) {
        job.controller.abort(reason ?? new JobCancelledError());
        job.status.message = 'Cancelling…';
        emit(job, true);
      }
      return snapshot(job);
    },

    /** Resolves when the job has settled (tests, CLI). */
    settled(jobId: string): Promise<JobStatus> {
      return requireJob(jobId).done;
    },

    /** Cancels every unfinished job and waits (at most `timeoutMs`) until they have stopped. */
    async dispose(timeoutMs = 10_000): Promise<void> {
      const running = [...jobs.values()].filter((j) => !FINISHED_JOB_STATES.includes(j.status.state));
      for (const job of running) job.controller.abort(new JobCancelledError('Cancelled because Gatehouse is closing; nothing was changed'));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(running.map((j) => j.done)),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}
export type JobRunner = ReturnType<typeof createJobRunner>;
