// Migration 013 (per-currency usage totals), in the style of usage-import-migration.test.ts: what it
// seeds from an existing store, and how a store filled before the caps behaves once upgraded.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USAGE_CSV_COLUMNS } from '../../shared/domain/usage-rules';
import { DATABASE_FILE_NAME } from '../../electron/core/store/database';
import { MIGRATIONS, runMigrations } from '../../electron/core/store/migrations';
import { makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { createUploadDoor, importUsage } from '../../electron/core/testing/usage-import-door';

const VERSION = 13;
const MAX = Number.MAX_SAFE_INTEGER;
let dir: string;
let db: Database.Database;
const cores: TestCore[] = [];

beforeEach(() => {
  dir = makeTempDir('gatehouse-migration-013-');
  db = new Database(path.join(dir, DATABASE_FILE_NAME));
});
afterEach(async () => {
  if (db.open) db.close();
  for (const core of cores.splice(0)) await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A record and its rollup row, written the way the app before 013 wrote them (no caps, no totals). */
function legacyRecord(id: string, day: string, costMicros: number | bigint, currency = 'USD', keyId = '') {
  db.prepare(
    `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
     VALUES (?, ?, 'ws-a', ?, 'm', 1, 10, 5, 0, ?, ?)`,
  ).run(id, `${day}T10:00:00.000Z`, keyId || null, costMicros, currency);
  db.prepare(
    `INSERT INTO usage_daily (day, workspace_id, key_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
     VALUES (?, 'ws-a', ?, 'm', ?, 1, 1, 10, 5, 0, ?)
     ON CONFLICT DO UPDATE SET record_count = record_count + 1, requests = requests + 1, input_tokens = input_tokens + 10,
       output_tokens = output_tokens + 5, cost_micros = cost_micros + excluded.cost_micros`,
  ).run(day, keyId, currency, costMicros);
}
const totals = (d: Database.Database) => d.prepare('SELECT * FROM usage_totals ORDER BY currency').safeIntegers(true).all();
const open = () => {
  db.close();
  const door = createUploadDoor(dir);
  const core = openTestCore({ dataDir: dir, capabilities: door.capabilities, now: () => new Date('2026-01-20T00:00:00Z') });
  cores.push(core);
  return { core, door };
};

describe('migration 013-usage-totals', () => {
  it('is number 13, after 012', () => {
    expect(MIGRATIONS[VERSION - 1]?.name).toBe('013-usage-totals');
    expect(MIGRATIONS[VERSION - 2]?.version).toBe(12);
  });

  it('seeds the totals from the rollup plus the rows an import being written has left to write', () => {
    runMigrations(db, MIGRATIONS, VERSION - 1);
    legacyRecord('a', '2026-01-01', 100);
    legacyRecord('b', '2026-01-02', 250);
    legacyRecord('c', '2026-01-02', 7, 'EUR');
    const journal = db.prepare(
      "INSERT INTO usage_imports (id, state, owner_pid, owner_thread, owner_token, heartbeat_ms, started_at, rows, applied_seq) VALUES (?, ?, 1, 0, 't', 0, 't', 3, ?)",
    );
    journal.run(1, 'applying', 1); // seq 1 is in usage_records already, 2 and 3 are still to come
    journal.run(2, 'staging', 0); // discarded at the next open: reserves nothing
    const staged = db.prepare(
      `INSERT INTO usage_import_rows (import_id, seq, id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES (?, ?, ?, '2026-01-03T00:00:00.000Z', 'ws-a', NULL, 'm', 2, 20, 10, 5, ?, 'USD')`,
    );
    staged.run(1, 2, 's2', 1000);
    staged.run(1, 3, 's3', 2000);
    staged.run(2, 1, 'x1', 999_999);
    runMigrations(db, MIGRATIONS, VERSION);
    expect(totals(db)).toEqual([
      { currency: 'EUR', record_count: 1n, requests: 1n, input_tokens: 10n, output_tokens: 5n, cached_tokens: 0n, cost_micros: 7n },
      { currency: 'USD', record_count: 4n, requests: 6n, input_tokens: 60n, output_tokens: 30n, cached_tokens: 10n, cost_micros: 3350n },
    ]);
    const list = db.prepare("SELECT strict, wr FROM pragma_table_list WHERE name = 'usage_totals'").get();
    expect(list).toEqual({ strict: 1, wr: 1 });
  });

  it('an import interrupted while writing before the upgrade finishes after it, and the totals match the rollup', async () => {
    runMigrations(db, MIGRATIONS, VERSION - 1);
    legacyRecord('s1', '2026-01-03', 500); // the journal's applied first row
    db.prepare(
      "INSERT INTO usage_imports (id, state, owner_pid, owner_thread, owner_token, heartbeat_ms, started_at, rows, applied_seq, inserted) VALUES (7, 'applying', 1, 0, 'gone', 0, 't', 3, 1, 1)",
    ).run();
    const staged = db.prepare(
      `INSERT INTO usage_import_rows (import_id, seq, id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES (7, ?, ?, '2026-01-03T10:00:00.000Z', 'ws-a', NULL, 'm', 1, 10, 5, 0, ?, 'USD')`,
    );
    staged.run(2, 's2', 1000);
    staged.run(3, 's1', 500); // a duplicate of the applied row: its reservation is given back
    const { core } = open();
    await core.jobs.settled(core.jobs.list()[0]!.jobId);
    const rollup = core.db
      .prepare('SELECT currency, SUM(record_count) AS n, SUM(cost_micros) AS cost FROM usage_daily GROUP BY currency')
      .safeIntegers(true)
      .all();
    expect(rollup).toEqual([{ currency: 'USD', n: 2n, cost: 1500n }]);
    expect(core.db.prepare('SELECT record_count AS n, cost_micros AS cost FROM usage_totals').safeIntegers(true).all()).toEqual([{ n: 2n, cost: 1500n }]);
  });

  it('a store filled before the caps: reports over the inexact sums answer E_LIMIT (never E_INTERNAL), the rest works', async () => {
    runMigrations(db, MIGRATIONS, VERSION - 1);
    // Two records of 2^53 − 1 on one day (what the issue reproduced), and 1,100 more on other keys:
    // their SUM overflows SQLite's 64-bit integers.
    legacyRecord('big-1', '2026-01-05', MAX);
    legacyRecord('big-2', '2026-01-05', MAX);
    db.transaction(() => {
      for (let i = 0; i < 1100; i++) legacyRecord(`over-${i}`, '2026-01-06', MAX, 'USD', `key-${i}`);
    })();
    legacyRecord('fine', '2026-01-10', 1234);
    const { core, door } = open();
    expect(totals(core.db)).toEqual([expect.objectContaining({ currency: 'USD', cost_micros: 9_000_000_000_000_000_000n })]);

    const inexact = { ok: false, error: { code: 'E_LIMIT', message: expect.stringMatching(/^This usage adds up to more than 9,007,199,254,740,991 \(2\^53 − 1\).*Narrow the range or filters/) } };
    expect(core.call('usage:report', { from: '2026-01-05', to: '2026-01-05' })).toEqual(inexact); // past 2^53
    expect(core.call('usage:report', { from: '2026-01-06', to: '2026-01-06' })).toEqual(inexact); // SQLite integer overflow
    expect(core.call('usage:report', { from: '2026-01-01', to: '2026-01-31', groupBy: 'key', bucket: 'month' })).toEqual(inexact);
    expect(core.ok('usage:report', { from: '2026-01-10', to: '2026-01-10' }).totals).toEqual([expect.objectContaining({ costMicros: 1234 })]);
    expect(core.ok('usage:summary', {})).toEqual({ records: 1103, firstDay: '2026-01-05', lastDay: '2026-01-10' });
    expect(core.call('budgets:status', {})).toEqual(inexact); // January's spend cannot be counted exactly

    // No more USD can be stored until the totals are exact again; other currencies can.
    const line = (id: string, currency: string) => [id, '2026-01-11T00:00:00Z', 'ws-a', '', 'm', 1, 1, 1, 0, 1, currency].join(',');
    const header = USAGE_CSV_COLUMNS.join(',');
    expect((await importUsage(core, door, `${header}\n${line('n1', 'USD')}`)).error).toMatchObject({ code: 'E_LIMIT' });
    expect((await importUsage(core, door, `${header}\n${line('n2', 'EUR')}`)).result).toMatchObject({ inserted: 1 });
  });
});
