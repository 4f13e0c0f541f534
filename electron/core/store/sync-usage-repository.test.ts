import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { usagePageSchema, type UsageRecordWire } from '../../../shared/gateway-protocol/v1';
import { openTestCoreFromTemplate, type TestCore } from '../testing/temp-core';
import { createSyncUsageRepository, type SyncUsageRepository } from './sync-usage-repository';
import { createUsageRepository, type UsageRollupQuery } from './usage-repository';

const NOW = new Date('2026-06-10T08:00:00.000Z');
const REMOTE = 'rem-office1';

let core: TestCore;
let repo: SyncUsageRepository;
beforeEach(() => {
  core = openTestCoreFromTemplate({ externalChangePollMs: 0 });
  repo = createSyncUsageRepository(core.db, () => NOW);
  // sync_cursors references a remote; the remotes repository is not this module's, so a bare row.
  core.db
    .prepare(
      `INSERT INTO sync_remotes (id, name, name_key, kind, base_url, credential_scheme, credential_ciphertext, created_at, updated_at)
       VALUES (?, 'Office', 'office', 'gatehouse-v1', 'http://127.0.0.1:1', 'local-key-file', x'01', ?, ?)`,
    )
    .run(REMOTE, NOW.toISOString(), NOW.toISOString());
});
afterEach(() => core.dispose());

const record = (n: number, extra: Partial<UsageRecordWire> = {}): UsageRecordWire => ({
  id: `rec-${n}`,
  ingest_seq: n,
  occurred_at: `2026-06-0${(n % 5) + 1}T10:00:00.000Z`,
  workspace_id: 'ws-remoteonly1',
  key_id: n % 2 === 0 ? 'key-remote01' : null,
  model_id: n % 3 === 0 ? 'model-a' : 'model-b',
  requests: 1,
  input_tokens: 100 * n,
  output_tokens: 10 * n,
  cached_tokens: n,
  cost_micros: 1000 * n,
  currency: 'USD',
  ...extra,
});
const insertPage = (records: UsageRecordWire[], cursor: string) => core.db.transaction(() => repo.insertPulledPage(records, REMOTE, cursor)).immediate();
const totals = () =>
  core.db
    .prepare('SELECT COALESCE(SUM(record_count), 0) AS records, COALESCE(SUM(cost_micros), 0) AS cost, COALESCE(SUM(input_tokens), 0) AS input FROM usage_daily')
    .get() as { records: number; cost: number; input: number };
const query: UsageRollupQuery = { from: '2026-01-01', to: '2026-12-31', groupBy: 'model', bucket: 'day', workspaceIds: [], modelIds: [], keyIds: [] };

describe('insertPulledPage', () => {
  it('must run inside the caller’s transaction', () => {
    expect(() => repo.insertPulledPage([record(1)], REMOTE, 'c1')).toThrow(/transaction/);
    expect(totals().records).toBe(0);
    expect(repo.usageCursor(REMOTE)).toBeNull();
  });

  it('stores records (unknown workspaces too), maps occurred_at to at, rolls up, moves the cursor', () => {
    const page = [record(1), record(2), record(3)];
    expect(usagePageSchema.safeParse({ records: page, next_cursor: 'c1', has_more: false }).success).toBe(true);
    expect(insertPage(page, 'c1')).toEqual({ inserted: 3, duplicates: 0 });
    const stored = core.db.prepare('SELECT id, at, workspace_id AS workspaceId, key_id AS keyId FROM usage_records ORDER BY id').all();
    expect(stored).toEqual([
      { id: 'rec-1', at: '2026-06-02T10:00:00.000Z', workspaceId: 'ws-remoteonly1', keyId: null },
      { id: 'rec-2', at: '2026-06-03T10:00:00.000Z', workspaceId: 'ws-remoteonly1', keyId: 'key-remote01' },
      { id: 'rec-3', at: '2026-06-04T10:00:00.000Z', workspaceId: 'ws-remoteonly1', keyId: null },
    ]);
    expect(totals()).toEqual({ records: 3, cost: 6000, input: 600 });
    expect(repo.usageCursor(REMOTE)).toBe('c1');
    expect(core.db.prepare("SELECT updated_at FROM sync_cursors WHERE remote_id = ? AND stream = 'usage'").pluck().get(REMOTE)).toBe(NOW.toISOString());
  });

  it('is idempotent by record id: the same page twice gives the same sums', () => {
    const page = [record(1), record(2), record(3)];
    insertPage(page, 'c1');
    const once = totals();
    expect(insertPage(page, 'c1')).toEqual({ inserted: 0, duplicates: 3 });
    expect(totals()).toEqual(once);
    // An overlapping page adds only what is new.
    expect(insertPage([record(3), record(4)], 'c2')).toEqual({ inserted: 1, duplicates: 1 });
    expect(totals()).toEqual({ records: 4, cost: 10_000, input: 1000 });
    expect(repo.usageCursor(REMOTE)).toBe('c2');
  });

  it('the cursor commits with the rows: a rolled-back page leaves neither', () => {
    insertPage([record(1)], 'c1');
    expect(() =>
      core.db
        .transaction(() => {
          repo.insertPulledPage([record(2), record(3)], REMOTE, 'c2');
          throw new Error('crash before commit');
        })
        .immediate(),
    ).toThrow('crash before commit');
    expect(repo.usageCursor(REMOTE)).toBe('c1');
    expect(totals().records).toBe(1);
    expect(core.db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get()).toBe(1);
  });

  it('property: any split into pages, with pages replayed, gives the rollup of the distinct records', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 60 }),
        fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
        (ids, sizes, replays) => {
          core.db.exec('DELETE FROM usage_records; DELETE FROM usage_daily; DELETE FROM sync_cursors;');
          const records = ids.map((n) => record(n));
          let at = 0;
          let page = 0;
          while (at < records.length) {
            const size = sizes[page % sizes.length]!;
            const chunk = records.slice(at, at + size);
            insertPage(chunk, `c${page}`);
            if (replays[page % replays.length]) insertPage(chunk, `c${page}`); // duplicated delivery
            at += size;
            page += 1;
          }
          const usage = createUsageRepository(core.db);
          expect(usage.rollupReport(query)).toEqual(usage.recordsReport(query));
          expect(totals().records).toBe(ids.length);
          expect(totals().cost).toBe(ids.reduce((sum, n) => sum + 1000 * n, 0));
          expect(repo.usageCursor(REMOTE)).toBe(`c${page - 1}`);
        },
      ),
      { numRuns: 50 },
    );
  });
});
