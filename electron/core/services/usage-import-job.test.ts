import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../shared/contract/job-schemas';
import { USAGE_CSV_COLUMNS } from '../../../shared/domain/usage-rules';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { dailyRollups, writeUsageCsv } from '../testing/usage-csv-fixture';
import { createUploadDoor, importUsage, type UploadDoor } from '../testing/usage-import-door';
import { CHUNK_ROWS } from './usage-import-job';

let dir: string;
let door: UploadDoor;
let core: TestCore;
const open: TestCore[] = [];

const openCore = (extra: Parameters<typeof openTestCore>[0] = {}) => {
  const opened = openTestCore({ dataDir: dir, capabilities: door.capabilities, ...extra });
  open.push(opened);
  return opened;
};

beforeEach(() => {
  dir = makeTempDir('gatehouse-import-job-');
  door = createUploadDoor(dir);
  core = openCore();
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const csvFile = (name: string, rows: number, repeatEvery = 0, idPrefix = 'r') => {
  const file = path.join(dir, name);
  return { file, ...writeUsageCsv(file, { rows, idPrefix, repeatEvery }) };
};
const count = (c: TestCore, table: string) => c.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
const importAudits = (c: TestCore) =>
  (c.db.prepare("SELECT after_json FROM audit_log WHERE action = 'usage.import' ORDER BY id").pluck().all() as string[]).map((j) => JSON.parse(j) as unknown);
const usageTables = (c: TestCore) => {
  const { usage_records, usage_daily, usage_imports, usage_import_rows, audit_log } = dumpTables(c);
  return { usage_records, usage_daily, usage_imports, usage_import_rows, audit_log };
};

/**
 * Waits until the job's status `match`es, looking after every event-loop turn: the job yields
 * between chunks, so this sees each chunk boundary (progress events are throttled, status is not).
 */
async function until(c: TestCore, jobId: string, match: (job: JobStatus) => boolean): Promise<JobStatus> {
  for (;;) {
    const status = c.jobs.status(jobId);
    if (match(status)) return status;
    if (['done', 'failed', 'cancelled'].includes(status.state)) throw new Error(`job ended before the awaited point: ${JSON.stringify(status)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const startImport = (c: TestCore, file: string) => c.ok('usage:import', { source: 'upload', uploadId: door.upload(fs.readFileSync(file)) }).jobId;

// Real files of tens of thousands of rows through real SQLite: give a busy CI box headroom.
describe('usage import job', { timeout: 120_000 }, () => {
  it('imports in chunks with the old semantics: counts, duplicates in the file and vs the store, rollup = raw GROUP BY, re-import inserts 0', async () => {
    // Several staging and apply chunks (chunks start at CHUNK_ROWS and at most double); every 10th row repeats the previous ID.
    const rows = 3 * CHUNK_ROWS + 1234;
    const big = csvFile('big.csv', rows, 10);
    const first = csvFile('first.csv', 3000, 0);
    expect((await importUsage(core, door, fs.readFileSync(first.file))).result).toEqual({ kind: 'usage-import', rows: 3000, inserted: 3000, duplicates: 0 });

    const events: JobStatus[] = [];
    core.on((event) => {
      if (event.type === 'job') events.push(event.job);
    });
    const job = await importUsage(core, door, fs.readFileSync(big.file));
    expect(job).toMatchObject({ kind: 'usage-import', state: 'done', label: 'Import usage CSV', error: null });
    // first.csv's 3000 IDs are big.csv's first IDs (same prefix): 2700 distinct of them are already stored.
    const alreadyStored = 3000 - Math.floor(3000 / 10);
    const counts = { rows, inserted: big.distinctIds - alreadyStored, duplicates: rows - big.distinctIds + alreadyStored };
    expect(job.result).toEqual({ kind: 'usage-import', ...counts });
    expect(count(core, 'usage_records')).toBe(big.distinctIds + 3000 - alreadyStored);
    const { stored, raw } = dailyRollups(core.db);
    expect(stored).toEqual(raw);
    // The store totals count each stored record once: the duplicates gave their reservation back.
    const storeTotals = () => core.db.prepare('SELECT currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros FROM usage_totals ORDER BY currency').all();
    const recordSums = `SELECT currency, COUNT(*) AS record_count, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
      SUM(cached_tokens) AS cached_tokens, SUM(cost_micros) AS cost_micros FROM usage_records GROUP BY currency ORDER BY currency`;
    expect(storeTotals()).toEqual(core.db.prepare(recordSums).all());
    expect(count(core, 'usage_import_rows') + count(core, 'usage_imports')).toBe(0);
    expect(importAudits(core)).toEqual([
      { rows: 3000, inserted: 3000, duplicates: 0 },
      counts,
    ]);
    // Progress went through both phases: rows checked without a total, then rows written of the total.
    const mine = events.filter((e) => e.jobId === job.jobId);
    expect(mine[0]!.state).toBe('waiting');
    expect(mine.some((e) => e.state === 'running' && e.message === 'Checking rows' && e.total === null)).toBe(true);
    expect(mine.some((e) => e.state === 'running' && e.message === 'Writing records' && e.total === rows)).toBe(true);
    expect(door.released).toEqual(['up-1', 'up-2']); // the upload is released when the job is done

    const before = usageTables(core);
    const again = await importUsage(core, door, fs.readFileSync(big.file));
    expect(again.result).toEqual({ kind: 'usage-import', rows, inserted: 0, duplicates: rows });
    const after = usageTables(core);
    expect(after.usage_records).toEqual(before.usage_records);
    expect(after.usage_daily).toEqual(before.usage_daily);
    expect(after.audit_log).toHaveLength(before.audit_log!.length + 1);
    expect(storeTotals()).toEqual(core.db.prepare(recordSums).all());
  });

  it('a bad row after many staged chunks fails with E_VALIDATION and leaves every table as it was', async () => {
    const good = csvFile('good.csv', 3 * CHUNK_ROWS, 0, 'ok');
    const lines = fs.readFileSync(good.file, 'utf8').trimEnd().split('\n');
    lines.push(lines[1]!.replace(/^ok-1,[^,]+/, 'late-bad,2026-13-40T00:00:00Z'));
    lines.push(['ok-more', '2026-01-01T00:00:00Z', 'ws-a', '', 'm', '1', '5', '1', '9', '1', 'USD'].join(',')); // cached > input
    const before = dumpTables(core);
    const job = await importUsage(core, door, lines.join('\n'));
    expect(job.state).toBe('failed');
    expect(job.error).toEqual({
      code: 'E_VALIDATION',
      message: '2 problems in the file; nothing was imported',
      issues: [
        { path: 'csv', message: `line ${lines.length - 1}: time: 2026-13-40 has no month 13` },
        { path: 'csv', message: `line ${lines.length}: cached_tokens: cannot exceed input_tokens` },
      ],
    });
    expect(dumpTables(core)).toEqual(before);
  });

  it('lists only the first 50 problems but counts all of them', async () => {
    const bad = Array.from({ length: 70 }, (_v, i) => [`b${i}`, 'yesterday', 'ws', '', 'm', '1', '1', '1', '0', '1', 'USD'].join(','));
    const job = await importUsage(core, door, [USAGE_CSV_COLUMNS.join(','), ...bad].join('\n'));
    expect(job.error?.message).toBe('70 problems in the file (first 50 shown); nothing was imported');
    expect(job.error?.issues).toHaveLength(50);
    expect(job.error?.issues?.[49]?.message).toMatch(/^line 51: time: /);
  });

  it('cancel while rows are being checked: the job ends cancelled and nothing is written', async () => {
    const big = csvFile('big.csv', 12 * CHUNK_ROWS);
    const before = dumpTables(core);
    const jobId = startImport(core, big.file);
    const seen = await until(core, jobId, (j) => j.message === 'Checking rows' && j.done > CHUNK_ROWS);
    const staged = count(core, 'usage_import_rows'); // staged before the cancel
    expect(staged).toBeGreaterThan(0);
    expect(staged).toBeLessThanOrEqual(seen.done);
    core.ok('jobs:cancel', { jobId });
    const job = await core.jobs.settled(jobId);
    expect(job).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED' } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('cancel once writing has started is deferred: the job says so and finishes the whole import', async () => {
    const big = csvFile('big.csv', 6 * CHUNK_ROWS);
    const messages: string[] = [];
    core.on((event) => {
      if (event.type === 'job' && event.job.message) messages.push(event.job.message);
    });
    const jobId = startImport(core, big.file);
    await until(core, jobId, (j) => j.message === 'Writing records' && j.done > 0);
    core.ok('jobs:cancel', { jobId });
    const job = await core.jobs.settled(jobId);
    expect(messages).toContain('Writing records: too late to cancel, the import finishes');
    expect(job).toMatchObject({ state: 'done', result: { rows: big.rows, inserted: big.rows, duplicates: 0 } });
    expect(count(core, 'usage_records')).toBe(big.rows);
  });

  it('a crash between apply chunks resumes at the next open: complete, counted once, rollup not doubled', async () => {
    const rows = 5 * CHUNK_ROWS + 77;
    const big = csvFile('big.csv', rows, 9);
    const seed = csvFile('seed.csv', 1000);
    await importUsage(core, door, fs.readFileSync(seed.file)); // some IDs already stored
    // The reference: the same imports on a store that never crashes.
    const reference = openTestCore({ dataDir: path.join(dir, 'reference'), capabilities: door.capabilities });
    open.push(reference);
    await importUsage(reference, door, fs.readFileSync(seed.file));
    const expected = await importUsage(reference, door, fs.readFileSync(big.file));

    // Simulated crash: the apply chunk that would pass the middle of the file dies before it commits (as if the process did).
    core.db.exec(`CREATE TEMP TRIGGER crash BEFORE UPDATE OF applied_seq ON usage_imports
                  WHEN NEW.applied_seq > ${Math.floor(rows / 2)} BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    const crashed = await importUsage(core, door, fs.readFileSync(big.file));
    expect(crashed.state).toBe('failed');
    const [journal] = core.db.prepare('SELECT state, rows, applied_seq AS appliedSeq FROM usage_imports').all() as Array<{ state: string; rows: number; appliedSeq: number }>;
    expect(journal).toMatchObject({ state: 'applying', rows });
    expect(journal!.appliedSeq).toBeGreaterThan(0);
    expect(journal!.appliedSeq).toBeLessThanOrEqual(rows / 2);
    expect(crashed.error?.message).toMatch(new RegExp(`^Writing the import stopped after ${journal!.appliedSeq} of ${rows} rows.*; it finishes the next time Gatehouse opens$`));
    expect(count(core, 'usage_records')).toBeGreaterThan(seed.rows);
    expect(importAudits(core)).toHaveLength(1); // only the seed import so far
    await core.close();

    const reopened = openCore();
    const resumed = reopened.jobs.list().filter((j) => j.kind === 'usage-import');
    expect(resumed.map((j) => j.label)).toEqual(['Finishing an interrupted usage import']);
    const finished = await reopened.jobs.settled(resumed[0]!.jobId);
    expect(finished.state).toBe('done');
    expect(finished.result).toEqual(expected.result);
    expect(importAudits(reopened)).toEqual(importAudits(reference));
    expect(dumpTables(reopened).usage_records).toEqual(dumpTables(reference).usage_records);
    const { stored, raw } = dailyRollups(reopened.db);
    expect(stored).toEqual(raw);
    expect(stored).toEqual(dailyRollups(reference.db).stored);
    expect(count(reopened, 'usage_import_rows') + count(reopened, 'usage_imports')).toBe(0);
  });

  it('a crash while rows are being checked is discarded at the next open; an open with nothing to resume writes nothing', async () => {
    const big = csvFile('big.csv', 4 * CHUNK_ROWS);
    const before = dumpTables(core);
    core.db.exec(`CREATE TEMP TRIGGER crash BEFORE UPDATE OF rows ON usage_imports
                  WHEN NEW.rows > ${2 * CHUNK_ROWS} BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    // A crashed process cleans nothing up: keep the staged rows by making the cleanup fail too.
    core.db.exec(`CREATE TEMP TRIGGER no_cleanup BEFORE DELETE ON usage_import_rows BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    const crashed = await importUsage(core, door, fs.readFileSync(big.file));
    expect(crashed.state).toBe('failed');
    const [journal] = core.db.prepare('SELECT state, rows FROM usage_imports').all() as Array<{ state: string; rows: number }>;
    expect(journal?.state).toBe('staging');
    expect(journal!.rows).toBeGreaterThan(0);
    expect(count(core, 'usage_import_rows')).toBe(journal!.rows);
    await core.close();

    const reopened = openCore();
    const [discard] = reopened.jobs.list().filter((j) => j.kind === 'usage-import');
    expect(discard?.label).toBe('Discarding an interrupted usage import');
    expect(await reopened.jobs.settled(discard!.jobId)).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED', message: expect.stringMatching(/was discarded; nothing was imported/) } });
    expect(dumpTables(reopened)).toEqual(before);
    await reopened.close();

    // Nothing left to resume: opening reads, and writes nothing at all (the file's data_version-visible state is unchanged).
    const bytes = fs.readFileSync(path.join(dir, 'gatehouse.sqlite'));
    const quiet = openCore();
    expect(quiet.jobs.list()).toEqual([]);
    await quiet.close();
    expect(fs.readFileSync(path.join(dir, 'gatehouse.sqlite')).equals(bytes)).toBe(true);
  });

  it("another live process's import is left alone at open", async () => {
    const id = 4242;
    core.db
      .prepare("INSERT INTO usage_imports (id, state, owner_pid, owner_thread, owner_token, heartbeat_ms, started_at) VALUES (?, 'staging', ?, 0, 'theirs', ?, 't')")
      .run(id, process.ppid, Date.now());
    await core.close();
    const second = openCore();
    expect(second.jobs.list()).toEqual([]);
    expect(second.db.prepare('SELECT owner_token FROM usage_imports').pluck().all()).toEqual(['theirs']);
  });

  it('file source: the door chooses the file; none chosen → cancelled "No file was chosen"; a missing upload → E_NOT_FOUND; too big → E_LIMIT', async () => {
    const small = csvFile('small.csv', 10);
    let chosen: string | null = small.file;
    const requests: unknown[] = [];
    const fileCore = openTestCore({
      dataDir: path.join(dir, 'file-door'),
      capabilities: {
        chooseOpenPath: (request) => {
          requests.push(request);
          return Promise.resolve(chosen);
        },
      },
    });
    open.push(fileCore);
    const run = async (input: { source: 'file' } | { source: 'upload'; uploadId: string }, c: TestCore = fileCore) => c.jobs.settled(c.ok('usage:import', input).jobId);
    expect((await run({ source: 'file' })).result).toEqual({ kind: 'usage-import', rows: 10, inserted: 10, duplicates: 0 });
    expect(requests).toEqual([{ title: 'Import usage CSV', extensions: ['csv'] }]);
    chosen = null;
    expect(await run({ source: 'file' })).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED', message: 'No file was chosen' } });
    chosen = path.join(dir, 'missing.csv');
    expect(await run({ source: 'file' })).toMatchObject({ state: 'failed', error: { code: 'E_NOT_FOUND' } });
    // A sparse file just over the cap: refused before a byte is read.
    chosen = path.join(dir, 'huge.csv');
    fs.closeSync(fs.openSync(chosen, 'w'));
    fs.truncateSync(chosen, 2 * 1024 ** 3 + 1);
    expect(await run({ source: 'file' })).toMatchObject({ state: 'failed', error: { code: 'E_LIMIT', message: expect.stringMatching(/^The file is 2\.0 GiB \(2,147,483,649 bytes\); at most 2 GiB/) } });
    fs.rmSync(chosen);

    expect(await run({ source: 'upload', uploadId: 'never-uploaded' }, core)).toMatchObject({ state: 'failed', error: { code: 'E_NOT_FOUND', issues: [{ path: 'uploadId' }] } });
    // Doors that cannot do a source say so at once; the input is strict.
    expect(fileCore.call('usage:import', { source: 'upload', uploadId: 'x' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'source' }] } });
    expect(core.call('usage:import', { source: 'file' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'source' }] } });
    expect(core.call('usage:import', { source: 'upload', uploadId: '../../etc/passwd' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'uploadId' }] } });
    expect(core.call('usage:import', { csv: 'id\n' } as never)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
  });
});
