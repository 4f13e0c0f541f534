// Issue #12 item 4: every number Gatehouse reports over imported or pulled usage is exact.
// Per-record caps (CSV import, the gateway protocol), per-currency store totals at most 2^53 − 1
// (refused with E_LIMIT beyond), an import's reservation of its room, and a property test that
// imports records at the caps and checks usage:report, usage:summary and budgets:status against
// BigInt sums.
import fc from 'fast-check';
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../shared/contract/job-schemas';
import { budgetStatusOutput } from '../../shared/contract/budget-schemas';
import { usageReportOutput, usageSummaryOutput } from '../../shared/contract/usage-schemas';
import { microsToMinor } from '../../shared/domain/budget-math';
import { USAGE_BUCKETS, USAGE_CSV_COLUMNS, USAGE_RECORD_MAX, USAGE_TOTAL_MAX, type UsageBucket } from '../../shared/domain/usage-rules';
import { usageRecordSchema } from '../../shared/gateway-protocol/v1';
import { createSyncUsageRepository } from '../../electron/core/store/sync-usage-repository';
import { CHUNK_ROWS } from '../../electron/core/services/usage-import-job';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { createUploadDoor, importUsage, type UploadDoor } from '../../electron/core/testing/usage-import-door';

const NOW = new Date('2026-03-01T00:00:01.000Z'); // one second into the month: the forecast's steepest point
const HEADER = USAGE_CSV_COLUMNS.join(',');
const CAP = USAGE_RECORD_MAX;
const LIMIT = BigInt(USAGE_TOTAL_MAX);

let dir: string;
let door: UploadDoor;
let core: TestCore;
let workspaces: string[];

beforeEach(() => {
  dir = makeTempDir('gatehouse-exact-');
  door = createUploadDoor(dir);
  core = openTestCore({ dataDir: dir, capabilities: door.capabilities, now: () => NOW });
  const defaultId = core.ok('workspaces:list', {}).items[0]!.id;
  core.ok('workspaces:update', { id: defaultId, changes: { monthlyBudgetMinor: 100 } });
  workspaces = [
    defaultId,
    core.ok('workspaces:create', { name: 'Yen', currency: 'JPY', monthlyBudgetMinor: 1 }).id,
    core.ok('workspaces:create', { name: 'No budget' }).id,
  ];
});
afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Row {
  id: string;
  time: string;
  workspace: string;
  key: string;
  model: string;
  requests: number;
  input: number;
  output: number;
  cached: number;
  cost: number;
  currency: string;
}
const line = (r: Row) => [r.id, r.time, r.workspace, r.key, r.model, r.requests, r.input, r.output, r.cached, r.cost, r.currency].join(',');
const csv = (rows: Row[]) => [HEADER, ...rows.map(line)].join('\n');
const capped = (id: string, extra: Partial<Row> = {}): Row => ({
  id,
  time: '2026-03-01T10:00:00Z',
  workspace: workspaces[0]!,
  key: '',
  model: 'gpt-4o',
  requests: CAP.requests,
  input: CAP.inputTokens,
  output: CAP.outputTokens,
  cached: CAP.cachedTokens,
  cost: CAP.costMicros,
  currency: 'USD',
  ...extra,
});
const manyCapped = (prefix: string, count: number, extra: Partial<Row> = {}) => Array.from({ length: count }, (_v, i) => capped(`${prefix}-${i}`, extra));

/** The store totals (a currency whose rows all turned out duplicates keeps a row of zeros). */
const totalsTable = (c: TestCore = core) =>
  c.db
    .prepare('SELECT currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros FROM usage_totals WHERE record_count > 0 ORDER BY currency')
    .safeIntegers(true)
    .all();
const rollupSums = (c: TestCore = core) =>
  c.db
    .prepare(
      `SELECT currency, SUM(record_count) AS record_count, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
              SUM(cached_tokens) AS cached_tokens, SUM(cost_micros) AS cost_micros FROM usage_daily GROUP BY currency ORDER BY currency`,
    )
    .safeIntegers(true)
    .all();

describe('per-record caps', () => {
  it('a record at every cap is imported; one over a cap fails its line with "at most …", nothing imported', async () => {
    expect((await importUsage(core, door, csv([capped('at-cap')]))).result).toMatchObject({ inserted: 1 });
    const before = dumpTables(core);
    const rows = [
      capped('over-requests', { requests: CAP.requests + 1 }),
      capped('over-input', { input: CAP.inputTokens + 1 }),
      capped('over-output', { output: CAP.outputTokens + 1 }),
      capped('over-cached', { cached: CAP.cachedTokens + 1 }),
      capped('over-cost', { cost: CAP.costMicros + 1 }),
    ];
    // 30 digits: over the cap, not "not a whole number".
    const text = `${csv(rows)}\n${line(capped('huge')).replace(`,${CAP.costMicros},USD`, ',123456789012345678901234567890,USD')}`;
    const job = await importUsage(core, door, text);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('E_VALIDATION');
    expect(job.error?.issues?.map((i) => i.message)).toEqual([
      'line 2: requests: at most 1,000,000,000 per record (got 1000000001)',
      'line 3: input_tokens: at most 10,000,000,000 per record (got 10000000001)',
      'line 4: output_tokens: at most 10,000,000,000 per record (got 10000000001)',
      'line 5: cached_tokens: at most 10,000,000,000 per record (got 10000000001)',
      'line 6: cost_micros: at most 1,000,000,000,000 per record (got 1000000000001)',
      'line 7: cost_micros: at most 1,000,000,000,000 per record (got 12345678901234567890…)',
    ]);
    expect(dumpTables(core)).toEqual(before);
  });

  it('the gateway protocol takes exactly the same caps for pulled usage', () => {
    const wire = {
      id: 'u-1',
      ingest_seq: 1,
      occurred_at: '2026-03-01T10:00:00.000Z',
      workspace_id: 'ws-default',
      key_id: null,
      model_id: 'gpt-4o',
      requests: CAP.requests,
      input_tokens: CAP.inputTokens,
      output_tokens: CAP.outputTokens,
      cached_tokens: CAP.cachedTokens,
      cost_micros: CAP.costMicros,
      currency: 'USD',
    };
    expect(usageRecordSchema.safeParse(wire).success).toBe(true);
    for (const field of ['requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost_micros'] as const) {
      expect(usageRecordSchema.safeParse({ ...wire, [field]: wire[field] + 1 }).success, field).toBe(false);
    }
  });
});

describe('store totals: every sum stays at most 2^53 − 1', { timeout: 120_000 }, () => {
  // The remote the pulled pages come from (its usage cursor references it).
  beforeEach(() => {
    core.db
      .prepare(
        `INSERT INTO sync_remotes (id, name, name_key, kind, base_url, credential_scheme, credential_ciphertext, created_at, updated_at)
         VALUES ('rem-x', 'gw', 'gw', 'gatehouse-v1', 'http://127.0.0.1', 'local-key-file', x'01', 't', 't')`,
      )
      .run();
  });
  // 9,007 records at the cost cap plus one of 199,254,740,991 micro-units make exactly 2^53 − 1.
  const FULL = 9007;
  const REST = USAGE_TOTAL_MAX - FULL * CAP.costMicros;

  it('an import that brings a total to exactly 2^53 − 1 is taken and reported exactly; one micro-unit more is refused, nothing imported', async () => {
    const rows = [...manyCapped('full', FULL, { requests: 1, input: 1, output: 1, cached: 0 }), capped('rest', { cost: REST, requests: 1, input: 1, output: 1, cached: 0 })];
    expect((await importUsage(core, door, csv(rows))).result).toMatchObject({ inserted: FULL + 1 });
    const report = core.ok('usage:report', { from: '2026-03-01', to: '2026-03-31', bucket: 'month' });
    expect(report.totals).toEqual([{ records: FULL + 1, requests: FULL + 1, inputTokens: FULL + 1, outputTokens: FULL + 1, cachedTokens: 0, costMicros: USAGE_TOTAL_MAX, currency: 'USD' }]);
    // USD 90,071,992,547.40991 rounds to 9,007,199,254,740 cents… one second into the month projects past any exact integer.
    expect(core.ok('budgets:status', {}).workspaces[0]).toMatchObject({ spentMinor: 900_719_925_474, forecastMinor: Number.MAX_SAFE_INTEGER, crossed: [50, 80, 100] });

    const before = dumpTables(core);
    const job = await importUsage(core, door, csv([capped('one-more', { cost: 1, requests: 0, input: 0, output: 0, cached: 0 })]));
    expect(job.state).toBe('failed');
    const message =
      "The file's usage would bring the stored cost_micros in USD to more than 9,007,199,254,740,991 (2^53 − 1), the most Gatehouse adds up exactly; nothing was imported (every row of the file counts, also one already stored)";
    expect(job.error).toEqual({ code: 'E_LIMIT', message, issues: [{ path: 'csv', message }] });
    expect(dumpTables(core)).toEqual(before);
    // Other currencies have their own totals.
    expect((await importUsage(core, door, csv([capped('eur', { currency: 'EUR' })]))).result).toMatchObject({ inserted: 1 });
    // The room is reserved for every row of a file before any is looked up, so at the limit even a
    // file of stored records is refused (documented in the message); below it, it is skipped as usual.
    expect((await importUsage(core, door, csv(rows.slice(0, 10)))).error?.message).toMatch(/every row of the file counts, also one already stored\)$/);
    expect((await importUsage(core, door, csv([capped('eur', { currency: 'EUR' })]))).result).toMatchObject({ inserted: 0, duplicates: 1 });
    expect(totalsTable()).toEqual(rollupSums());
  });

  it('usage pulled by sync (and any other write) past the limit is refused with E_LIMIT and rolls back', async () => {
    await importUsage(core, door, csv(manyCapped('base', FULL)));
    const sync = createSyncUsageRepository(core.db, () => NOW);
    const wire = (id: string, cost: number) => ({
      id,
      ingest_seq: 1,
      occurred_at: '2026-03-02T00:00:00.000Z',
      workspace_id: workspaces[0]!,
      key_id: null,
      model_id: 'm',
      requests: 1,
      input_tokens: 1,
      output_tokens: 1,
      cached_tokens: 0,
      cost_micros: cost,
      currency: 'USD',
    });
    const before = dumpTables(core);
    expect(() => core.db.transaction(() => sync.insertPulledPage([wire('p-1', REST), wire('p-2', 1)], 'rem-x', 'c1'))()).toThrow(
      expect.objectContaining({ code: 'E_LIMIT', message: 'Storing these usage records would bring the stored cost_micros in USD to more than 9,007,199,254,740,991 (2^53 − 1), the most Gatehouse adds up exactly; nothing was stored' }),
    );
    expect(dumpTables(core)).toEqual(before);
    core.db.transaction(() => sync.insertPulledPage([wire('p-1', REST)], 'rem-x', 'c1'))();
    expect(core.ok('usage:report', { from: '2026-03-01', to: '2026-03-31', bucket: 'month' }).totals[0]?.costMicros).toBe(USAGE_TOTAL_MAX);
  });

  it('an import being written holds its room: a concurrent write that would take it is refused, the import finishes exact', async () => {
    // More than one apply chunk, every record at the cost cap: the file alone nearly fills USD.
    // Its last 400 rows repeat earlier IDs (duplicates in the file, found in the last chunk).
    const distinct = FULL - 401;
    const rows = manyCapped('big', FULL - 1, { requests: 1, input: 1, output: 1, cached: 0 }).map((r, i) => (i >= distinct ? { ...r, id: `big-${i - distinct}` } : r));
    expect(distinct).toBeGreaterThan(CHUNK_ROWS);
    const jobId = core.ok('usage:import', { source: 'upload', uploadId: door.upload(csv(rows)) }).jobId;
    // Wait for the first applied chunk (the job yields between chunks).
    await until(jobId, (job) => job.message?.startsWith('Writing records') === true && job.done > 0);
    const stored = () => core.db.prepare("SELECT COUNT(*) FROM usage_records WHERE id LIKE 'big-%'").pluck().get() as number;
    expect(stored()).toBeLessThan(distinct);
    const sync = createSyncUsageRepository(core.db, () => NOW);
    // The whole file is reserved (its duplicates too, until found): two more records at the cap do not fit now…
    const pulled = [1, 2].map((n) => ({ ...wireRecord(`pull-${n}`), cost_micros: CAP.costMicros }));
    expect(() => core.db.transaction(() => sync.insertPulledPage(pulled, 'rem-x', 'c1'))()).toThrow(expect.objectContaining({ code: 'E_LIMIT' }));
    const job = await core.jobs.settled(jobId);
    expect(job.result).toEqual({ kind: 'usage-import', rows: rows.length, inserted: distinct, duplicates: rows.length - distinct });
    // …and once the import has found its duplicates and given their room back, they do.
    core.db.transaction(() => sync.insertPulledPage(pulled, 'rem-x', 'c1'))();
    expect(totalsTable()).toEqual(rollupSums());
    const total = core.ok('usage:report', { from: '2026-03-01', to: '2026-03-31', bucket: 'month' }).totals[0]!;
    expect(BigInt(total.costMicros)).toBe(BigInt(distinct + 2) * BigInt(CAP.costMicros));
  });

  const wireRecord = (id: string) => ({
    id,
    ingest_seq: 1,
    occurred_at: '2026-03-02T00:00:00.000Z',
    workspace_id: workspaces[0]!,
    key_id: null,
    model_id: 'm',
    requests: 1,
    input_tokens: 1,
    output_tokens: 1,
    cached_tokens: 0,
    cost_micros: 1,
    currency: 'USD',
  });

  async function until(jobId: string, match: (job: JobStatus) => boolean): Promise<JobStatus> {
    for (;;) {
      const status = core.jobs.status(jobId);
      if (match(status)) return status;
      if (['done', 'failed', 'cancelled'].includes(status.state)) throw new Error(`job ended before the awaited point: ${JSON.stringify(status)}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
});

describe('property: reports over anything the import accepts are valid and exact', { timeout: 300_000 }, () => {
  type Spec = { n: number; cost: number; tokens: number; requests: number; day: number; ws: number; key: number; model: number; currency: number; dup: boolean };
  const CURRENCIES = ['USD', 'JPY', 'EUR'];
  const KEYS = ['', 'key-a', 'key-b'];
  const MODELS = ['gpt-4o', 'claude-sonnet-4', 'unknown-model'];
  // Mostly at the caps, sometimes anywhere below them.
  const amount = (max: number) => fc.oneof({ weight: 6, arbitrary: fc.constant(max) }, { weight: 1, arbitrary: fc.constant(max - 1) }, { weight: 2, arbitrary: fc.integer({ min: 0, max }) });
  const group = fc.record({
    n: fc.integer({ min: 1, max: 1500 }),
    cost: amount(CAP.costMicros),
    tokens: amount(CAP.inputTokens),
    requests: amount(CAP.requests),
    day: fc.integer({ min: 0, max: 40 }), // March and early April: some usage outside the budget month
    ws: fc.integer({ min: 0, max: 3 }), // 3 = a workspace that does not exist (usage outlives workspaces)
    key: fc.integer({ min: 0, max: 2 }),
    model: fc.integer({ min: 0, max: 2 }),
    currency: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: 1, max: 2 })),
    dup: fc.boolean(),
  });
  // An import is a few groups of identical-amount records; a run is a few imports, often after a
  // first import that nearly fills USD (8,000–9,007 records at the cost cap), so the limit is hit.
  const run = fc.record({
    prefill: fc.option(fc.integer({ min: 8000, max: 9007 }), { nil: 0 }),
    imports: fc.array(fc.array(group, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }),
  });

  it('usage:report (every grouping and bucket), usage:summary and budgets:status match BigInt sums', async () => {
    let runNo = 0;
    await fc.assert(
      fc.asyncProperty(run, async ({ prefill, imports }) => {
        runNo += 1;
        core.db.exec('DELETE FROM usage_records; DELETE FROM usage_daily; DELETE FROM usage_totals;');
        const accepted = new Map<string, Row>();
        if (prefill > 0) {
          const rows = manyCapped(`r${runNo}-fill`, prefill);
          expect((await importUsage(core, door, csv(rows))).state).toBe('done');
          for (const r of rows) accepted.set(r.id, r);
        }
        for (const [i, groups] of imports.entries()) {
          const rows: Row[] = [];
          for (const [g, s] of groups.entries()) {
            for (let k = 0; k < s.n; k++) {
              // `dup`: IDs of the previous import again (duplicates, skipped and counted).
              const id = s.dup && i > 0 ? `r${runNo}-${i - 1}-${g}-${k}` : `r${runNo}-${i}-${g}-${k}`;
              rows.push(rowOf(s, id, k));
            }
          }
          const job = await importUsage(core, door, csv(rows));
          const fresh = new Map<string, Row>();
          for (const r of rows) if (!accepted.has(r.id) && !fresh.has(r.id)) fresh.set(r.id, r);
          // The import reserves room for every row of the file (duplicates until found, see reserveImport).
          const reserved = sums([...accepted.values(), ...rows], () => 'all');
          const fits = [...reserved.values()].every((t) => Object.values(t).every((v) => v <= LIMIT));
          if (job.state === 'done') {
            expect(fits).toBe(true);
            expect(job.result).toMatchObject({ inserted: fresh.size, duplicates: rows.length - fresh.size });
            for (const [id, r] of fresh) accepted.set(id, r);
          } else {
            // Refused only when the store's totals would not stay exact, and then with E_LIMIT.
            expect(job.error?.code).toBe('E_LIMIT');
            expect(fits).toBe(false);
          }
          check([...accepted.values()]);
          expect(totalsTable()).toEqual(rollupSums());
        }
      }),
      { numRuns: 12 },
    );
  });

  function rowOf(s: Spec, id: string, k: number): Row {
    const day = new Date(Date.parse('2026-03-01T00:00:00Z') + s.day * 86_400_000 + (k % 86_400) * 1000).toISOString();
    return {
      id,
      time: day.replace('.000Z', 'Z'),
      workspace: s.ws < workspaces.length ? workspaces[s.ws]! : 'ws-gone000001',
      key: KEYS[s.key]!,
      model: MODELS[s.model]!,
      requests: s.requests,
      input: s.tokens,
      output: s.tokens,
      cached: Math.floor(s.tokens / 2),
      cost: s.cost,
      currency: CURRENCIES[s.currency]!,
    };
  }

  type Sums = { records: bigint; requests: bigint; inputTokens: bigint; outputTokens: bigint; cachedTokens: bigint; costMicros: bigint };
  function sums(rows: Row[], keyOf: (r: Row) => string): Map<string, Sums> {
    const out = new Map<string, Sums>();
    for (const r of rows) {
      const key = `${keyOf(r)}|${r.currency}`;
      const s = out.get(key) ?? { records: 0n, requests: 0n, inputTokens: 0n, outputTokens: 0n, cachedTokens: 0n, costMicros: 0n };
      s.records += 1n;
      s.requests += BigInt(r.requests);
      s.inputTokens += BigInt(r.input);
      s.outputTokens += BigInt(r.output);
      s.cachedTokens += BigInt(r.cached);
      s.costMicros += BigInt(r.cost);
      out.set(key, s);
    }
    return out;
  }
  const big = (a: { records: number; requests: number; inputTokens: number; outputTokens: number; cachedTokens: number; costMicros: number }): Sums => {
    for (const v of [a.records, a.requests, a.inputTokens, a.outputTokens, a.cachedTokens, a.costMicros]) expect(Number.isSafeInteger(v)).toBe(true);
    return { records: BigInt(a.records), requests: BigInt(a.requests), inputTokens: BigInt(a.inputTokens), outputTokens: BigInt(a.outputTokens), cachedTokens: BigInt(a.cachedTokens), costMicros: BigInt(a.costMicros) };
  };

  const bucketOf = (day: string, bucket: UsageBucket) => {
    if (bucket === 'month') return day.slice(0, 7);
    if (bucket === 'day') return day;
    const d = new Date(`${day}T00:00:00Z`);
    return new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10);
  };

  function check(rows: Row[]): void {
    const from = '2026-02-23';
    const to = '2026-04-30';
    for (const groupBy of ['workspace', 'model', 'key'] as const) {
      for (const bucket of USAGE_BUCKETS) {
        const result = core.call('usage:report', { from, to, groupBy, bucket });
        if (!result.ok) throw new Error(`usage:report ${groupBy}/${bucket}: ${JSON.stringify(result.error)}`);
        expect(usageReportOutput.safeParse(result.data).success).toBe(true);
        const group = (r: Row) => `${bucketOf(utcDayOf(r.time), bucket)}|${groupBy === 'workspace' ? r.workspace : groupBy === 'model' ? r.model : r.key}`;
        const want = sums(rows, group);
        expect(new Map(result.data.rows.map((r) => [`${r.bucket}|${r.groupId}|${r.currency}`, big(r)]))).toEqual(want);
        const wantTotals = sums(rows, () => 'all');
        expect(new Map(result.data.totals.map((t) => [`all|${t.currency}`, big(t)]))).toEqual(wantTotals);
      }
    }
    const vendor = core.call('usage:report', { from, to, groupBy: 'vendor', bucket: 'month' });
    expect(vendor.ok).toBe(true);

    const summary = core.call('usage:summary', {});
    if (!summary.ok) throw new Error(JSON.stringify(summary.error));
    expect(usageSummaryOutput.safeParse(summary.data).success).toBe(true);
    expect(summary.data.records).toBe(rows.length);

    const status = core.call('budgets:status', {});
    if (!status.ok) throw new Error(`budgets:status: ${JSON.stringify(status.error)}`);
    expect(budgetStatusOutput.safeParse(status.data).success).toBe(true);
    const march = rows.filter((r) => r.time.startsWith('2026-03'));
    for (const ws of status.data.workspaces) {
      const mine = sums(march.filter((r) => r.workspace === ws.workspaceId), () => 'ws');
      const micros = mine.get(`ws|${ws.currency}`)?.costMicros ?? 0n;
      const perMinor = ws.currency === 'JPY' ? 1_000_000n : 10_000n;
      const wantMinor = micros / perMinor + (micros % perMinor >= perMinor / 2n ? 1n : 0n);
      expect(BigInt(ws.spentMinor)).toBe(wantMinor);
      expect(ws.spentMinor).toBe(microsToMinor(Number(micros), ws.currency === 'JPY' ? 0 : 2));
      expect(new Map(ws.otherCurrencies.map((o) => [o.currency, BigInt(o.costMicros)]))).toEqual(
        new Map([...mine].filter(([k]) => k !== `ws|${ws.currency}`).map(([k, v]) => [k.slice(3), v.costMicros])),
      );
    }
  }
  const utcDayOf = (time: string) => new Date(time).toISOString().slice(0, 10);
});
