import fc from 'fast-check';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USAGE_CSV_COLUMNS } from '../../../shared/domain/usage-rules';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { createUploadDoor, importUsageResult, type UploadDoor } from '../testing/usage-import-door';
import { createUsageRepository, type UsageRecord } from '../store/usage-repository';

let core: TestCore;
let door: UploadDoor;
let now: Date;
let wsA: string;
let wsB: string;
beforeEach(() => {
  now = new Date('2026-06-17T12:00:00.000Z'); // a Wednesday
  const dataDir = makeTempDir();
  door = createUploadDoor(dataDir);
  core = openTestCore({ now: () => now, dataDir, capabilities: door.capabilities });
  disposeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  wsA = core.ok('workspaces:create', { name: 'Alpha', monthlyBudgetMinor: 50_000 }).id;
  wsB = core.ok('workspaces:create', { name: 'Beta' }).id;
});
let disposeDir = () => {};
afterEach(() => {
  core.dispose();
  disposeDir();
});

const HEADER = USAGE_CSV_COLUMNS.join(',');
const line = (r: Partial<Record<(typeof USAGE_CSV_COLUMNS)[number], string | number>>) =>
  USAGE_CSV_COLUMNS.map((c) => r[c] ?? { id: 'r', time: '2026-06-01T10:00:00Z', workspace_id: wsA, key_id: '', model_id: 'gpt-x', requests: 1, input_tokens: 100, output_tokens: 50, cached_tokens: 0, cost_micros: 1000, currency: 'USD' }[c]).join(',');
const csvOf = (...rows: string[]) => [HEADER, ...rows].join('\n') + '\n';

/** `usage:import` of `csv` (as an upload), awaited to the end of its job: the counts or the error. */
const importCsv = (csv: string) => importUsageResult(core, door, csv);
const importOk = async (csv: string) => {
  const result = await importCsv(csv);
  if (!result.ok) throw new Error(`usage:import failed: ${JSON.stringify(result.error)}`);
  return result.data;
};

const count = (table: string) => core.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();

describe('usage:import', () => {
  it('stores valid rows with their rollup; re-importing the same file inserts nothing', async () => {
    const csv = csvOf(
      line({ id: 'a1', time: '2026-06-01T10:00:00Z', cost_micros: 1500 }),
      line({ id: 'a2', time: '2026-06-01T23:59:59.999+00:00', requests: 3, cost_micros: 500 }),
      line({ id: 'a3', time: '2026-06-02T01:30:00+02:00', workspace_id: wsB, key_id: 'key-gone', cost_micros: 7 }), // 2026-06-01T23:30Z
      line({ id: 'a4', time: '2026-06-03T00:00:00Z', currency: 'EUR', cost_micros: 9 }),
    );
    expect(await importOk(csv)).toEqual({ rows: 4, inserted: 4, duplicates: 0 });
    const daily = core.db.prepare('SELECT day, workspace_id, key_id, currency, record_count, requests, cost_micros FROM usage_daily ORDER BY day, workspace_id, currency').all();
    expect(daily).toEqual(
      [
        { day: '2026-06-01', workspace_id: wsA, key_id: '', currency: 'USD', record_count: 2, requests: 4, cost_micros: 2000 },
        { day: '2026-06-01', workspace_id: wsB, key_id: 'key-gone', currency: 'USD', record_count: 1, requests: 1, cost_micros: 7 },
        { day: '2026-06-03', workspace_id: wsA, key_id: '', currency: 'EUR', record_count: 1, requests: 1, cost_micros: 9 },
      ].sort((x, y) => (x.day + x.workspace_id + x.currency).localeCompare(y.day + y.workspace_id + y.currency)),
    );
    expect(core.db.prepare("SELECT at, key_id FROM usage_records WHERE id = 'a3'").get()).toEqual({ at: '2026-06-01T23:30:00.000Z', key_id: 'key-gone' });
    expect(core.db.prepare("SELECT key_id FROM usage_records WHERE id = 'a1'").pluck().get()).toBeNull();

    const before = dumpTables(core);
    expect(await importOk(csv)).toEqual({ rows: 4, inserted: 0, duplicates: 4 });
    const after = dumpTables(core);
    expect(after.usage_records).toEqual(before.usage_records);
    expect(after.usage_daily).toEqual(before.usage_daily);
    expect(core.ok('usage:summary', {})).toEqual({ records: 4, firstDay: '2026-06-01', lastDay: '2026-06-03' });
  });

  it('a repeated ID inside one file is stored once; columns may come in any order', async () => {
    const reordered = [...USAGE_CSV_COLUMNS].reverse();
    const row = (id: string) => reordered.map((c) => ({ id, time: '2026-06-05T00:00:00Z', workspace_id: wsA, key_id: '', model_id: 'm', requests: '2', input_tokens: '1', output_tokens: '1', cached_tokens: '0', cost_micros: '10', currency: 'USD' })[c]).join(',');
    const csv = [reordered.join(','), row('x'), row('x'), row('y')].join('\r\n');
    expect(await importOk(csv)).toEqual({ rows: 3, inserted: 2, duplicates: 1 });
    expect(core.db.prepare('SELECT record_count, cost_micros FROM usage_daily').get()).toEqual({ record_count: 2, cost_micros: 20 });
  });

  it('bad rows are reported with their line numbers and nothing is written', async () => {
    await importOk(csvOf(line({ id: 'keep' })));
    const before = dumpTables(core);
    const csv = csvOf(
      line({ id: 'ok1' }),
      line({ id: 'bad-time', time: '2026-06-01 10:00' }),
      line({ id: 'ok2' }),
      line({ id: 'bad-num', requests: '-1', cost_micros: '1.5' }),
      line({ id: '', currency: 'usd' }),
      line({ id: 'cached', cached_tokens: 500 }),
      'only,three,cells',
    );
    const result = await importCsv(csv);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('E_VALIDATION');
    expect(result.error.message).toMatch(/^7 problems in the file; nothing was imported/);
    expect(result.error.issues?.map((i) => i.message)).toEqual([
      'line 3: time: "2026-06-01 10:00" is not an ISO-8601 time with a zone (e.g. 2026-01-31T13:45:00Z)',
      'line 5: requests: "-1" is not a whole number ≥ 0',
      'line 5: cost_micros: "1.5" is not a whole number ≥ 0',
      'line 6: id: is required',
      'line 6: currency: "usd" is not a 3-letter currency code (e.g. USD)',
      'line 7: cached_tokens: cannot exceed input_tokens',
      'line 8: row: has 3 columns, the header has 11',
    ]);
    expect(result.error.issues?.every((i) => i.path === 'csv')).toBe(true);
    expect(dumpTables(core)).toEqual(before);
  });

  it('header problems and malformed CSV are rejected with a line number', async () => {
    expect(await importCsv('id,time\n1,2\n')).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'csv', message: expect.stringMatching(/^line 1: header: missing workspace_id, key_id, model_id/) }] },
    });
    expect(await importCsv(`${HEADER},extra\n`)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/unknown extra/) } });
    expect(await importCsv(csvOf(line({ id: 'q' }), '"unterminated,2026'))).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', message: expect.stringMatching(/^line 3: /) },
    });
    expect(await importCsv('')).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'csv' }] } });
    expect(count('usage_records')).toBe(0);
  });

  it('writes one audit entry with counts (no rows) and no change-log entry', async () => {
    const changesBefore = count('change_log');
    await importOk(csvOf(line({ id: 'secretive-id-1' }), line({ id: 'secretive-id-2' })));
    const audit = core.db.prepare("SELECT action, entity_type, after_json FROM audit_log WHERE entity_type = 'usage'").all() as Array<{ after_json: string }>;
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.after_json)).toEqual({ rows: 2, inserted: 2, duplicates: 0 });
    expect(audit[0]!.after_json).not.toContain('secretive-id');
    expect(count('change_log')).toBe(changesBefore);
  });
});

describe('usage:generateSample', () => {
  /** Starts the generation job and waits for its result (the job itself is tested in usage-sample-job.test.ts). */
  const generate = async (input: { days: number; rows: number; seed?: number }) => {
    const job = await core.jobs.settled(core.ok('usage:generateSample', input).jobId);
    if (job.state !== 'done' || job.result?.kind !== 'usage-generate') throw new Error(`generation did not finish: ${JSON.stringify(job)}`);
    const { kind: _kind, ...result } = job.result;
    return result;
  };

  it('is deterministic for a seed, spreads over existing workspaces and keys, and re-running inserts nothing', async () => {
    const key = core.ok('keys:create', { workspaceId: wsA, name: 'backend' }).key.id;
    const first = await generate({ days: 30, rows: 3000, seed: 42 });
    expect(first).toEqual({ inserted: 3000, duplicates: 0, from: '2026-05-19', to: '2026-06-17', seed: 42 });
    const records = core.db.prepare('SELECT * FROM usage_records ORDER BY seq').all() as Array<Record<string, unknown>>;
    const workspaces = new Set(records.map((r) => r.workspace_id));
    expect(workspaces.has(wsA) && workspaces.has(wsB)).toBe(true);
    expect(records.filter((r) => r.workspace_id === wsA).every((r) => r.key_id === key)).toBe(true);
    expect(records.every((r) => (r.at as string) >= '2026-05-19' && (r.at as string) < '2026-06-18')).toBe(true);
    const knownModels = new Set(core.db.prepare('SELECT id FROM models').pluck().all());
    expect(records.every((r) => knownModels.has(r.model_id))).toBe(true);
    expect(records.every((r) => (r.cost_micros as number) > 0)).toBe(true);
    // Time-ordered output keeps the insert path sequential.
    expect(records.map((r) => r.at)).toEqual(records.map((r) => r.at as string).sort());

    const again = await generate({ days: 30, rows: 3000, seed: 42 });
    expect(again).toMatchObject({ inserted: 0, duplicates: 3000 });
    // Weekdays are busier than weekends.
    const perWeekday = core.db.prepare("SELECT strftime('%w', day) AS w, SUM(record_count) AS n FROM usage_daily GROUP BY w").all() as Array<{ w: string; n: number }>;
    const n = (w: string) => perWeekday.find((p) => p.w === w)!.n;
    expect(n('3')).toBeGreaterThan(n('0') * 1.5);
  });

  it('steers the heaviest budgeted USD workspace past its monthly budget', async () => {
    await generate({ days: 60, rows: 20_000, seed: 7 });
    const spent = core.db.prepare("SELECT SUM(cost_micros) FROM usage_daily WHERE workspace_id = ? AND day >= '2026-06-01'").pluck().get(wsA) as number;
    const monthToDateBudgetMicros = ((50_000 * 10_000) * 17) / 30;
    expect(spent).toBeGreaterThan(monthToDateBudgetMicros);
  });

  it('validates its input', () => {
    expect(core.call('usage:generateSample', { days: 0, rows: 10 })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'days' }] } });
    expect(core.call('usage:generateSample', { days: 10, rows: 1.5 })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'rows' }] } });
  });
});

describe('usage:report', () => {
  const seedRecords = () =>
    importOk(
      csvOf(
        line({ id: '1', time: '2026-06-14T10:00:00Z', cost_micros: 100 }), // Sunday → week of 06-08
        line({ id: '2', time: '2026-06-15T10:00:00Z', cost_micros: 200 }), // Monday → week of 06-15
        line({ id: '3', time: '2026-06-16T10:00:00Z', workspace_id: wsB, cost_micros: 300 }),
        line({ id: '4', time: '2026-06-16T11:00:00Z', workspace_id: 'ws-deleted', cost_micros: 400, currency: 'EUR' }),
      ),
    );

  it('buckets by ISO week (Monday) and month, labels groups, totals per currency, lists empty buckets', async () => {
    await seedRecords();
    const weekly = core.ok('usage:report', { from: '2026-06-01', to: '2026-06-30', groupBy: 'workspace', bucket: 'week' });
    expect(weekly.buckets).toEqual(['2026-06-01', '2026-06-08', '2026-06-15', '2026-06-22', '2026-06-29']);
    const byBucketThenLabel = (rows: typeof weekly.rows) =>
      rows.map((r) => [r.bucket, r.groupLabel, r.costMicros, r.currency]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
    expect(byBucketThenLabel(weekly.rows)).toEqual([
      ['2026-06-08', 'Alpha', 100, 'USD'],
      ['2026-06-15', 'Alpha', 200, 'USD'],
      ['2026-06-15', 'Beta', 300, 'USD'],
      ['2026-06-15', 'ws-deleted (not in this store)', 400, 'EUR'],
    ]);
    expect(weekly.rows.map((r) => r.bucket)).toEqual(weekly.rows.map((r) => r.bucket).sort());
    expect(weekly.totals).toEqual([
      { currency: 'EUR', records: 1, requests: 1, inputTokens: 100, outputTokens: 50, cachedTokens: 0, costMicros: 400 },
      { currency: 'USD', records: 3, requests: 3, inputTokens: 300, outputTokens: 150, cachedTokens: 0, costMicros: 600 },
    ]);
    const monthly = core.ok('usage:report', { from: '2026-05-01', to: '2026-06-30', groupBy: 'vendor', bucket: 'month' });
    expect(monthly.buckets).toEqual(['2026-05', '2026-06']);
    expect(monthly.rows.map((r) => [r.bucket, r.groupId, r.costMicros])).toEqual([
      ['2026-06', 'Unknown', 400],
      ['2026-06', 'Unknown', 600],
    ]);
    const filtered = core.ok('usage:report', { from: '2026-06-15', to: '2026-06-16', groupBy: 'key', bucket: 'day', workspaceIds: [wsA, wsB] });
    expect(filtered.rows.map((r) => [r.bucket, r.groupLabel, r.costMicros])).toEqual([
      ['2026-06-15', 'No key', 200],
      ['2026-06-16', 'No key', 300],
    ]);
  });

  it('rejects an end before the start, and impossible dates, on the right field', () => {
    expect(core.call('usage:report', { from: '2026-06-10', to: '2026-06-01' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'to' }] } });
    expect(core.call('usage:report', { from: '2026-02-30', to: '2026-03-01' })).toMatchObject({ ok: false, error: { issues: [{ path: 'from' }] } });
  });

  it('facets list what has usage, labelled', async () => {
    await seedRecords();
    const facets = core.ok('usage:facets', {});
    expect(facets.workspaces.map((w) => w.label)).toEqual(['Alpha', 'Beta', 'ws-deleted (not in this store)']);
    expect(facets.models).toEqual([{ id: 'gpt-x', label: 'gpt-x' }]);
    expect(facets.keys).toEqual([]);
  });

  it('a deleted workspace keeps its last name, marked deleted; an ID the store never had is not called deleted', async () => {
    await seedRecords();
    core.ok('workspaces:update', { id: wsB, changes: { name: 'Beta renamed' } });
    core.ok('workspaces:delete', { id: wsB, confirmName: 'Beta renamed' });
    const labels = core.ok('usage:facets', {}).workspaces.map((w) => w.label);
    expect(labels).toEqual(['Alpha', 'Beta renamed (deleted)', 'ws-deleted (not in this store)']);
  });
});

describe('rollup = raw aggregation (property)', () => {
  const DAYS = ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02', '2026-03-08', '2026-03-09', '2026-12-31', '2027-01-01'];
  const recordArb = fc.record({
    id: fc.string({ minLength: 1, maxLength: 4 }),
    day: fc.constantFrom(...DAYS),
    ms: fc.integer({ min: 0, max: 86_399_999 }),
    workspaceId: fc.constantFrom('ws-a', 'ws-b', 'ws-c'),
    keyId: fc.constantFrom(null, 'key-1', 'key-2'),
    modelId: fc.constantFrom('gpt-4o', 'claude-sonnet-4', 'unknown-model'),
    requests: fc.integer({ min: 0, max: 1000 }),
    inputTokens: fc.integer({ min: 0, max: 1_000_000 }),
    outputTokens: fc.integer({ min: 0, max: 1_000_000 }),
    cachedTokens: fc.integer({ min: 0, max: 1000 }),
    costMicros: fc.integer({ min: 0, max: 10_000_000 }),
    currency: fc.constantFrom('USD', 'EUR'),
  });
  const queryArb = fc.record({
    from: fc.constantFrom(...DAYS),
    to: fc.constantFrom(...DAYS),
    groupBy: fc.constantFrom('workspace', 'model', 'key', 'vendor'),
    bucket: fc.constantFrom('day', 'week', 'month'),
    workspaceIds: fc.subarray(['ws-a', 'ws-c']),
    modelIds: fc.subarray(['gpt-4o', 'unknown-model']),
    keyIds: fc.subarray(['', 'key-2']),
  } as const);

  it('for random records inserted in random batches, every report from the rollup equals a GROUP BY over the records', () => {
    const repo = createUsageRepository(core.db);
    fc.assert(
      fc.property(fc.array(fc.array(recordArb, { maxLength: 30 }), { maxLength: 4 }), fc.array(queryArb, { minLength: 1, maxLength: 5 }), (batches, queries) => {
        core.db.exec('DELETE FROM usage_records; DELETE FROM usage_daily;');
        for (const batch of batches) {
          const records: UsageRecord[] = batch.map(({ day, ms, ...r }) => ({ ...r, at: new Date(Date.parse(`${day}T00:00:00Z`) + ms).toISOString() }));
          core.db.transaction(() => repo.insertBatch(records)).immediate();
        }
        const stored = core.db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get();
        const rolled = core.db.prepare('SELECT COALESCE(SUM(record_count), 0) FROM usage_daily').pluck().get();
        expect(rolled).toBe(stored);
        for (const q of queries) {
          const query = { ...q, from: q.from < q.to ? q.from : q.to, to: q.from < q.to ? q.to : q.from, workspaceIds: [...q.workspaceIds], modelIds: [...q.modelIds], keyIds: [...q.keyIds] };
          expect(repo.rollupReport(query)).toEqual(repo.recordsReport(query));
        }
      }),
      { numRuns: 150 },
    );
  });
});
