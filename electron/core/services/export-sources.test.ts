import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvToString, writeCsvFile } from '../csv/csv-writer';
import { openTestCore, type TestCore } from '../testing/temp-core';
import { createAuditRepository } from '../store/audit-repository';
import { createUsageExportRepository } from '../store/usage-export-repository';
import { AUDIT_PAGE_ROWS, isPlainCsvPage, microsCell, usageRawExport } from './export-sources';

let core: TestCore;
beforeAll(() => {
  core = openTestCore();
});
afterAll(() => core.dispose());

const nasty = fc.constantFrom('a', 'Z', '9', '-', '_', '.', ':', ',', '"', '\r', '\n', '\t', '\0', '=', '+', '@', ' ', 'é', '😀', '\uFF1D', "'");
const text = (min: number) => fc.array(nasty, { minLength: min, maxLength: 8 }).map((cs) => cs.join(''));
const plain = fc.stringMatching(/^[a-z0-9][a-z0-9_.:-]{0,12}$/);
// Mostly plain cells, so whole pages take the fast path, with enough nasty ones to force the fallback.
const cellText = fc.oneof({ arbitrary: plain, weight: 30 }, { arbitrary: text(0), weight: 1 });
const record = fc.record({
  id: cellText,
  day: fc.integer({ min: 1, max: 28 }),
  workspaceId: cellText,
  keyId: fc.option(cellText, { nil: null }),
  modelId: cellText,
  requests: fc.nat(),
  tokens: fc.nat({ max: 2 ** 40 }),
  cost: fc.oneof(fc.nat({ max: 1_000_000 }), fc.maxSafeNat()),
  currency: fc.oneof({ arbitrary: fc.constantFrom('USD', 'EUR'), weight: 30 }, { arbitrary: fc.constantFrom('=1+', ',"x'), weight: 1 }),
});

describe('usage raw export', () => {
  it('formats cost micro-units with six fixed decimals', () => {
    expect([0, 5, 999_999, 1_000_000, 1_234_567, 9_007_199_254_740_991].map(microsCell)).toEqual([
      '0.000000',
      '0.000005',
      '0.999999',
      '1.000000',
      '1.234567',
      '9007199254.740991',
    ]);
  });

  it('accepts a page as plain only when no cell needs quoting or neutralising', () => {
    expect(isPlainCsvPage('a,b,c\r\nd,,f\r\n', 2, 3)).toBe(true);
    for (const bad of ['a,b,c,\r\nd,e,f\r\n', 'a,"b,c\r\nd,e,f\r\n', 'a,b\nx,c\r\nd,e,f\r\n', 'a,b\rx,c\r\nd,e,f\r\n', 'a,\0b,c\r\nd,e,f\r\n']) {
      expect(isPlainCsvPage(bad, 2, 3), JSON.stringify(bad)).toBe(false);
    }
    for (const trigger of ['=', '+', '-', '@', '\t', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']) {
      expect(isPlainCsvPage(`${trigger}a,b,c\r\nd,e,f\r\n`, 2, 3)).toBe(false);
      expect(isPlainCsvPage(`a,b,c\r\nd,${trigger}e,f\r\n`, 2, 3)).toBe(false);
      expect(isPlainCsvPage(`a,b,c\r\nd,e${trigger},f\r\n`, 2, 3)).toBe(true); // only a leading trigger matters
    }
  });

  it('the SQLite-rendered fast path is byte-identical to formatting every cell in JS (and parses back)', async () => {
    let fastRows = 0;
    let fallbackRows = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 30 }), async (records) => {
        core.db.exec('DELETE FROM usage_records');
        const insert = core.db.prepare(
          `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        );
        records.forEach((r, i) =>
          insert.run(`${i}${r.id}`, `2026-02-${String(r.day).padStart(2, '0')}T10:00:00.000Z`, r.workspaceId, r.keyId, r.modelId, r.requests, r.tokens, r.tokens, 0, r.cost, r.currency),
        );
        const source = usageRawExport(createUsageExportRepository(core.db), '2026-02-01', '2026-02-28');
        const out = path.join(core.dataDir, 'raw.csv');
        await writeCsvFile({ path: out, columns: source.columns, rows: source.rows, ...(source.preformatted ? { preformatted: source.preformatted } : {}) });
        // Reference: every row through the column getters, no fast path.
        const reference = core.db
          .prepare('SELECT id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency, seq FROM usage_records ORDER BY seq')
          .raw(true)
          .all() as never[];
        expect(fs.readFileSync(out, 'utf8')).toBe(csvToString(source.columns, reference));
        for (const item of usageRawExport(createUsageExportRepository(core.db), '2026-02-01', '2026-02-28').rows as Iterable<unknown>) if (Array.isArray(item)) fallbackRows++;
        else fastRows++;
      }),
      { numRuns: 60 },
    );
    // Both paths were exercised: whole pages rendered by SQLite, and rows formatted cell by cell.
    expect(fastRows).toBeGreaterThan(5);
    expect(fallbackRows).toBeGreaterThan(5);
  });

  it('takes only the day range, inclusive of both days, UTC', () => {
    core.db.exec('DELETE FROM usage_records');
    const insert = core.db.prepare(
      `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES (?, ?, 'ws', NULL, 'm', 1, 1, 1, 0, 1, 'USD')`,
    );
    for (const [id, at] of [['before', '2026-02-28T23:59:59.999Z'], ['first', '2026-03-01T00:00:00.000Z'], ['last', '2026-03-02T23:59:59.999Z'], ['after', '2026-03-03T00:00:00.000Z']]) insert.run(id, at);
    const source = usageRawExport(createUsageExportRepository(core.db), '2026-03-01', '2026-03-02');
    expect(source.totalRows).toBe(2);
    const items = [...(source.rows as Iterable<{ text: string; rows: number } | unknown[]>)];
    expect(items).toEqual([{ rows: 2, text: 'first,2026-03-01T00:00:00.000Z,ws,,m,1,1,1,0,0.000001,USD\r\nlast,2026-03-02T23:59:59.999Z,ws,,m,1,1,1,0,0.000001,USD\r\n' }]);
    expect(usageRawExport(createUsageExportRepository(core.db), '2027-01-01', '2027-01-02').totalRows).toBe(0);
    expect([...(usageRawExport(createUsageExportRepository(core.db), '2027-01-01', '2027-01-02').rows as Iterable<unknown>)]).toEqual([]);
  });
});

describe('audit export pages', () => {
  const FIELDS = ['workspaceId', 'actor', 'action', 'entityType', 'from', 'to'] as const;
  const sample = { workspaceId: 'ws-a1', actor: 'ana', action: 'workspace.update', entityType: 'workspace', from: '2026-01-01T10:00:00Z', to: '2026-01-03T00:00:00Z' };
  /** Every combination of active filters. */
  const combinations = Array.from({ length: 2 ** FIELDS.length }, (_x, mask) =>
    Object.fromEntries(FIELDS.filter((_f, i) => mask & (1 << i)).map((f) => [f, sample[f]])),
  );

  beforeAll(() => {
    core.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < 3000)
         INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
         SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (i * 97) || ' seconds'), CASE WHEN i % 3 = 0 THEN 'ana' ELSE 'bo' END,
                CASE WHEN i % 2 = 0 THEN 'workspace.update' ELSE 'api_key.create' END, CASE WHEN i % 5 = 0 THEN 'api_key' ELSE 'workspace' END,
                'e' || (i % 7), 'ws-a' || (i % 4), NULL, json_object('i', i) FROM n`,
      )
      .run();
  });

  it('walk every matching entry exactly once, newest first, for every filter combination (same rows as a plain query)', () => {
    const repo = createAuditRepository(core.db);
    for (const filter of combinations) {
      const ids: number[] = [];
      for (let beforeId = Number.MAX_SAFE_INTEGER; ; ) {
        const page = repo.exportPage(filter, beforeId, 97);
        ids.push(...page.map((r) => r.id));
        if (page.length < 97) break;
        beforeId = page[page.length - 1]!.id;
      }
      const where = Object.keys(filter).map((f) => ({ workspaceId: 'workspace_id = @workspaceId', actor: 'actor = @actor', action: 'action = @action', entityType: 'entity_type = @entityType', from: 'at >= @from', to: 'at < @to' })[f as (typeof FIELDS)[number]]);
      const bound = { ...filter, ...(filter.from ? { from: new Date(filter.from).toISOString() } : {}), ...(filter.to ? { to: new Date(filter.to).toISOString() } : {}) };
      const expected = core.db.prepare(`SELECT id FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC`).pluck().all(bound);
      expect(ids, JSON.stringify(filter)).toEqual(expected);
      expect(repo.count(filter, null), JSON.stringify(filter)).toBe(expected.length);
    }
  });

  it('never sort per page: each page statement walks ids in order (no temp B-tree), whatever the filters', () => {
    const prepared: string[] = [];
    const spy = new Proxy(core.db, {
      get(target, prop, receiver) {
        if (prop === 'prepare') return (sql: string) => (prepared.push(sql), target.prepare(sql));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const repo = createAuditRepository(spy);
    for (const filter of combinations) {
      prepared.length = 0;
      repo.exportPage(filter, 1_000_000, AUDIT_PAGE_ROWS);
      const sql = prepared.find((s) => s.includes('LIMIT'))!;
      const plan = (core.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ ...sample, beforeId: 1 }) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');
      expect(plan, JSON.stringify(filter)).not.toMatch(/TEMP B-TREE/);
    }
  });
});
