import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../shared/contract/job-schemas';
import { openTestCore, type TestCore } from '../testing/temp-core';
import { generateSampleRecords, nextSampleChunkSize, SAMPLE_CHUNK, takeRecords } from './usage-sample-generator';

let core: TestCore;
beforeEach(() => {
  core = openTestCore({ now: () => new Date('2026-06-17T12:00:00.000Z') });
  core.ok('workspaces:create', { name: 'Alpha', monthlyBudgetMinor: 50_000 });
});
afterEach(async () => {
  await core.close();
  core.dispose();
});

/** Needs at least three chunks whatever the timing (the size at most doubles per chunk). */
const ROWS = SAMPLE_CHUNK.first * 5;
const records = () => core.db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get() as number;
const generateAudits = () =>
  (core.db.prepare("SELECT after_json FROM audit_log WHERE action = 'usage.generate' ORDER BY id").pluck().all() as string[]).map(
    (json) => JSON.parse(json) as Record<string, unknown>,
  );

/** Counts of stored records seen between the job's turns until it settles. */
async function watchCounts(jobId: string, onTurn: (turn: number) => void = () => {}): Promise<{ counts: number[]; job: JobStatus }> {
  const counts: number[] = [];
  let job: JobStatus | null = null;
  void core.jobs.settled(jobId).then((j) => (job = j));
  for (let turn = 0; job === null; turn++) {
    counts.push(records());
    onTurn(turn);
    await nextTurn();
  }
  return { counts, job };
}

describe('sample generation as a chunked job', () => {
  it('writes in chunks, each its own transaction, yielding between them; one audit entry at the end', async () => {
    const started = core.ok('usage:generateSample', { days: 30, rows: ROWS, seed: 9 });
    expect(started).toMatchObject({ kind: 'usage-generate', state: 'running', total: ROWS, unit: 'records', done: 0, result: null });
    expect(started.label).toContain('seed 9');
    const { counts, job } = await watchCounts(started.jobId);
    expect(job).toMatchObject({
      state: 'done',
      done: ROWS,
      total: ROWS,
      result: { kind: 'usage-generate', inserted: ROWS, duplicates: 0, from: '2026-05-19', to: '2026-06-17', seed: 9 },
    });
    // Between turns the store grew chunk by chunk: the first chunk, then at least one more before the end.
    const between = [...new Set(counts)].filter((n) => n > 0 && n < ROWS);
    expect(between[0]).toBe(SAMPLE_CHUNK.first);
    expect(between.length).toBeGreaterThanOrEqual(2);
    expect([...between].sort((a, b) => a - b)).toEqual(between);
    expect(records()).toBe(ROWS);
    expect(generateAudits()).toEqual([{ days: 30, rows: ROWS, seed: 9, from: '2026-05-19', to: '2026-06-17', inserted: ROWS, duplicates: 0 }]);
    expect(core.db.prepare("SELECT COUNT(*) FROM change_log WHERE entity_type = 'usage'").pluck().get()).toBe(0); // usage never syncs back
  });

  it('cancel stops after the current chunk: written records stay, the audit entry has the counts so far, re-running adds the rest', async () => {
    const started = core.ok('usage:generateSample', { days: 30, rows: ROWS, seed: 4 });
    let cancelled = false;
    const { job } = await watchCounts(started.jobId, () => {
      if (!cancelled && records() > 0) {
        cancelled = true;
        core.ok('jobs:cancel', { jobId: started.jobId });
      }
    });
    const kept = records();
    expect(kept).toBe(SAMPLE_CHUNK.first); // cancelled right after the first chunk: it stops before the next
    expect(kept).toBeLessThan(ROWS);
    expect(job).toMatchObject({ state: 'cancelled', done: kept, result: null, error: { code: 'E_CANCELLED' } });
    expect(job.error!.message).toBe(
      `Cancelled after ${kept.toLocaleString('en-US')} of ${ROWS.toLocaleString('en-US')} records; the ${kept.toLocaleString('en-US')} written stay ` +
        '(sample records have stable IDs: generating again with seed 4 today adds only the rest)',
    );
    expect(generateAudits()).toEqual([{ days: 30, rows: ROWS, seed: 4, from: '2026-05-19', to: '2026-06-17', cancelled: true, inserted: kept, duplicates: 0 }]);

    const again = await core.jobs.settled(core.ok('usage:generateSample', { days: 30, rows: ROWS, seed: 4 }).jobId);
    expect(again.result).toMatchObject({ inserted: ROWS - kept, duplicates: kept });
    expect(records()).toBe(ROWS);
    // The rollup still equals the records after the interrupted run and its completion.
    const rollup = core.db.prepare('SELECT SUM(record_count) AS n, SUM(cost_micros) AS cost FROM usage_daily').get();
    expect(rollup).toEqual(core.db.prepare('SELECT COUNT(*) AS n, SUM(cost_micros) AS cost FROM usage_records').get());
    expect(generateAudits()).toHaveLength(2);
  });

  it('other requests, writes included, are answered between chunks', async () => {
    const ws = core.ok('workspaces:getActive', {});
    const started = core.ok('usage:generateSample', { days: 30, rows: ROWS, seed: 2 });
    const answers: Array<{ ok: boolean }> = [];
    const { job } = await watchCounts(started.jobId, (turn) => {
      answers.push(core.call('workspaces:update', { id: ws.id, changes: { description: `turn ${turn}` } }));
      answers.push(core.call('usage:summary', {}));
    });
    expect(job.state).toBe('done');
    expect(answers.filter((a) => !a.ok)).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(6); // at least one turn per chunk
  });

  it('closing the core stops the job after its chunk and records what was written', async () => {
    const started = core.ok('usage:generateSample', { days: 30, rows: ROWS, seed: 3 });
    while (records() === 0) await nextTurn();
    const final = core.jobs.settled(started.jobId);
    const kept = records();
    await core.close();
    const job = await final;
    expect(job).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED' } });
    expect(job.error!.message).toContain('written stay');
    expect(job.done).toBeGreaterThanOrEqual(kept);
    expect(job.done).toBeLessThan(ROWS);
    const reopened = openTestCore({ dataDir: core.dataDir });
    try {
      expect(reopened.db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get()).toBe(job.done);
      const audit = JSON.parse(reopened.db.prepare("SELECT after_json FROM audit_log WHERE action = 'usage.generate'").pluck().get() as string) as { inserted: number; cancelled: boolean };
      expect(audit).toMatchObject({ inserted: job.done, cancelled: true });
    } finally {
      await reopened.close();
    }
  });
});

describe('chunk sizing', () => {
  it('aims each chunk at the target time, moving at most ×2 or ÷2 per step, within the bounds', () => {
    const { targetMs, min, max } = SAMPLE_CHUNK;
    expect(nextSampleChunkSize(4_000, targetMs)).toBe(4_000); // on target: unchanged
    expect(nextSampleChunkSize(4_000, targetMs * 2)).toBe(2_000); // twice too slow: halved
    expect(nextSampleChunkSize(4_000, targetMs * 10)).toBe(2_000); // far too slow: still only halved
    expect(nextSampleChunkSize(4_000, targetMs / 1.6)).toBe(6_400);
    expect(nextSampleChunkSize(4_000, targetMs / 100)).toBe(8_000); // far too fast: doubled
    expect(nextSampleChunkSize(4_000, 0)).toBe(8_000); // unmeasurably fast
    expect(nextSampleChunkSize(max, 1)).toBe(max);
    expect(nextSampleChunkSize(min, targetMs * 50)).toBe(min);
    // A loaded box (chunks 4× too slow) shrinks to its size within a few chunks, and recovers.
    let size: number = SAMPLE_CHUNK.first;
    const perRecordMs = (targetMs * 4) / SAMPLE_CHUNK.first;
    for (let i = 0; i < 6; i++) size = nextSampleChunkSize(size, size * perRecordMs);
    expect(size).toBe(SAMPLE_CHUNK.first / 4);
    for (let i = 0; i < 6; i++) size = nextSampleChunkSize(size, size * (perRecordMs / 40));
    expect(size).toBe(max);
  });
});

describe('takeRecords', () => {
  it('takes chunks off a stream without reading ahead, the last one short', () => {
    const plan = { workspaces: [{ id: 'ws', currency: 'USD', monthlyBudgetMinor: 0, keyIds: [] }], models: [], days: 3, rows: 25, seed: 1, lastDay: '2026-06-17' };
    const all = [...generateSampleRecords(plan)];
    const stream = generateSampleRecords(plan);
    const chunks = [takeRecords(stream, 10), takeRecords(stream, 10), takeRecords(stream, 10), takeRecords(stream, 10)];
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5, 0]);
    expect(chunks.flat()).toEqual(all);
  });
});
