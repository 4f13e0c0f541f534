import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/contract/errors';
import { jobStatusSchema, type JobStatus } from '../../../shared/contract/job-schemas';
import { createJobRunner, type JobHandle } from './job-runner';

const result = (inserted: number) => ({ kind: 'usage-import' as const, rows: inserted, inserted, duplicates: 0 });

function runnerWithEvents() {
  const events: JobStatus[] = [];
  const runner = createJobRunner({ onEvent: (job) => events.push(job) });
  return { runner, events };
}

describe('job runner', () => {
  it('answers the first status before any work runs, then reports progress and a typed result', async () => {
    const { runner, events } = runnerWithEvents();
    let ran = false;
    const first = runner.start({
      kind: 'usage-import',
      label: 'Import',
      total: 3,
      async run(job) {
        ran = true;
        for (let i = 1; i <= 3; i++) {
          job.progress(i);
          await job.checkpoint();
        }
        return result(3);
      },
    });
    expect(ran).toBe(false);
    expect(first.state).toBe('running');
    expect(jobStatusSchema.parse(first)).toEqual(first);
    const done = await runner.settled(first.jobId);
    expect(done).toMatchObject({ state: 'done', done: 3, total: 3, result: result(3), error: null });
    expect(done.finishedAt).not.toBeNull();
    expect(jobStatusSchema.safeParse(done).success).toBe(true);
    expect(events.at(-1)?.state).toBe('done');
    for (const event of events) expect(jobStatusSchema.safeParse(event).success).toBe(true);
  });

  it('other work runs between chunks: checkpoint yields the event loop', async () => {
    const { runner } = runnerWithEvents();
    const order: string[] = [];
    const job = runner.start({
      kind: 'usage-generate',
      label: 'Generate',
      async run(handle) {
        for (let i = 0; i < 3; i++) {
          order.push(`chunk ${i}`);
          await handle.checkpoint();
        }
        return { kind: 'usage-generate', inserted: 0, duplicates: 0, from: '2026-01-01', to: '2026-01-01', seed: 1 };
      },
    });
    setImmediate(() => order.push('request'));
    await runner.settled(job.jobId);
    expect(order.indexOf('request')).toBeGreaterThan(0);
    expect(order.indexOf('request')).toBeLessThan(order.length - 1);
  });

  it('cancel lands at the next checkpoint with E_CANCELLED, and cleanup runs', async () => {
    const { runner } = runnerWithEvents();
    let chunks = 0;
    let cleaned: JobStatus | null = null;
    let handle: JobHandle | null = null;
    const job = runner.start({
      kind: 'usage-import',
      label: 'Import',
      async run(h) {
        handle = h;
        for (;;) {
          chunks++;
          await h.checkpoint();
        }
      },
      cleanup(outcome) {
        cleaned = outcome;
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(handle).not.toBeNull();
    const cancelling = runner.cancel(job.jobId);
    expect(cancelling.message).toBe('Cancelling…');
    const settled = await runner.settled(job.jobId);
    expect(settled.state).toBe('cancelled');
    expect(settled.error?.code).toBe('E_CANCELLED');
    expect(cleaned).toMatchObject({ state: 'cancelled' });
    const after = chunks;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(chunks).toBe(after);
    // Cancelling a finished job changes nothing.
    expect(runner.cancel(job.jobId).state).toBe('cancelled');
  });

  it('an AppError fails the job with its payload; an unknown error is classified or internal, never leaked', async () => {
    const runner = createJobRunner({ classifyError: (e) => (String(e).includes('SQLITE_FULL') ? new AppError('E_STORAGE', 'The disk is full') : null), logError: () => {} });
    const typed = runner.start({ kind: 'export', label: 'x', run: () => Promise.reject(AppError.field('E_VALIDATION', 'to', 'bad date')) });
    expect((await runner.settled(typed.jobId)).error).toEqual({ code: 'E_VALIDATION', message: 'bad date', issues: [{ path: 'to', message: 'bad date' }] });
    const storage = runner.start({ kind: 'export', label: 'x', run: () => Promise.reject(new Error('SQLITE_FULL: database or disk is full')) });
    expect((await runner.settled(storage.jobId)).error).toEqual({ code: 'E_STORAGE', message: 'The disk is full' });
    const secret = runner.start({ kind: 'export', label: 'x', run: () => Promise.reject(new Error('sk-secret-value')) });
    const failed = await runner.settled(secret.jobId);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('E_INTERNAL');
    expect(JSON.stringify(failed)).not.toContain('sk-secret');
  });

  it('unknown job ids are E_NOT_FOUND; list is newest first', async () => {
    const { runner } = runnerWithEvents();
    expect(() => runner.status('job-0000000000000000')).toThrow(AppError);
    const a = runner.start({ kind: 'export', label: 'a', run: async () => ({ kind: 'export', rowsWritten: 0, fileName: 'a.csv', savedTo: null, downloadable: true }) });
    const b = runner.start({ kind: 'export', label: 'b', run: async () => ({ kind: 'export', rowsWritten: 0, fileName: 'b.csv', savedTo: null, downloadable: true }) });
    expect(runner.list().map((j) => j.jobId)).toEqual([b.jobId, a.jobId]);
    await Promise.all([runner.settled(a.jobId), runner.settled(b.jobId)]);
  });

  it('dispose cancels running jobs and waits until they stopped', async () => {
    const { runner } = runnerWithEvents();
    let stoppedCleanly = false;
    const job = runner.start({
      kind: 'usage-generate',
      label: 'Generate',
      async run(h) {
        try {
          for (;;) await h.checkpoint();
        } finally {
          stoppedCleanly = true;
        }
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await runner.dispose();
    expect(stoppedCleanly).toBe(true);
    expect(runner.status(job.jobId)).toMatchObject({ state: 'cancelled', message: expect.stringContaining('closing') });
  });

  it('a waiting job turns running with setRunning and measures rate and ETA from then', async () => {
    const { runner } = runnerWithEvents();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const job = runner.start({
      kind: 'export',
      label: 'x',
      waiting: true,
      total: 100,
      async run(h) {
        await gate;
        h.setRunning();
        h.progress(50);
        await new Promise((resolve) => setTimeout(resolve, 600));
        const mid = runner.status(h.jobId);
        expect(mid.ratePerSecond).toBeGreaterThan(0);
        expect(mid.etaSeconds).not.toBeNull();
        return { kind: 'export', rowsWritten: 100, fileName: 'x.csv', savedTo: null, downloadable: true };
      },
    });
    expect(job.state).toBe('waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(runner.status(job.jobId).state).toBe('waiting');
    release();
    expect((await runner.settled(job.jobId)).state).toBe('done');
  });
});
