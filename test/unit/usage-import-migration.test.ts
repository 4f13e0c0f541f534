// Migration 011 (usage import staging + journal), in the style of migrations.test.ts.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS, runMigrations } from '../../electron/core/store/migrations';
import { createUsageRepository } from '../../electron/core/store/usage-repository';
import { makeTempDir } from '../../electron/core/testing/temp-core';

const VERSION = 11;
let dir: string;
let db: Database.Database;

beforeEach(() => {
  dir = makeTempDir('gatehouse-migration-011-');
  db = new Database(path.join(dir, 'gatehouse.sqlite'));
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tables = () => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'usage_import%' ORDER BY name").pluck().all();
const plan = (sql: string, ...params: unknown[]) =>
  (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join(' | ');

describe('migration 011-usage-import-staging', () => {
  it('is number 11, after 010', () => {
    expect(MIGRATIONS[VERSION - 1]?.name).toBe('011-usage-import-staging');
    expect(MIGRATIONS[VERSION - 2]?.version).toBe(10);
  });

  it('adds the journal and the staging table (STRICT; staging WITHOUT ROWID), nothing else, and no index', () => {
    runMigrations(db, MIGRATIONS, VERSION - 1);
    expect(tables()).toEqual([]);
    const before = db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
    runMigrations(db, MIGRATIONS, VERSION);
    expect(db.pragma('user_version', { simple: true })).toBe(VERSION);
    expect(tables()).toEqual(['usage_import_rows', 'usage_imports']);
    const after = db.prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
    expect(after).toEqual(
      [...before, { type: 'table', name: 'usage_import_rows' }, { type: 'table', name: 'usage_imports' }].sort((a, b) =>
        `${(a as { type: string }).type}${(a as { name: string }).name}`.localeCompare(`${(b as { type: string }).type}${(b as { name: string }).name}`),
      ),
    );
    const list = db.prepare("SELECT name, strict, wr FROM pragma_table_list WHERE name LIKE 'usage_import%' ORDER BY name").all();
    expect(list).toEqual([
      { name: 'usage_import_rows', strict: 1, wr: 1 },
      { name: 'usage_imports', strict: 1, wr: 0 },
    ]);
  });

  it('keeps existing usage data as it is', () => {
    runMigrations(db, MIGRATIONS, VERSION - 1);
    db.prepare(
      `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES ('r1', '2026-01-01T00:00:00.000Z', 'ws', NULL, 'm', 1, 2, 3, 0, 4, 'USD')`,
    ).run();
    const records = db.prepare('SELECT * FROM usage_records').all();
    runMigrations(db, MIGRATIONS, VERSION);
    expect(db.prepare('SELECT * FROM usage_records').all()).toEqual(records);
  });

  it('checks its columns: journal state, non-negative counts, one staged row per (import, seq)', () => {
    runMigrations(db, MIGRATIONS, VERSION);
    const journal = db.prepare(
      'INSERT INTO usage_imports (id, state, owner_pid, owner_thread, owner_token, heartbeat_ms, started_at, rows) VALUES (?, ?, 1, 0, ?, 0, ?, ?)',
    );
    journal.run(1, 'staging', 't', 't', 0);
    expect(() => journal.run(2, 'done', 't', 't', 0)).toThrow(/CHECK/);
    expect(() => journal.run(3, 'applying', 't', 't', -1)).toThrow(/CHECK/);
    expect(() => journal.run(4, 'applying', 't', 't', 'many')).toThrow(/cannot store TEXT value in INTEGER column/); // STRICT
    expect(db.prepare('SELECT applied_seq, inserted, duplicates FROM usage_imports').get()).toEqual({ applied_seq: 0, inserted: 0, duplicates: 0 });
    const staged = db.prepare(
      `INSERT INTO usage_import_rows (import_id, seq, id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES (1, ?, 'r', 'a', 'w', NULL, 'm', 1, 1, 1, 0, 1, 'USD')`,
    );
    staged.run(1);
    staged.run(2); // the same record ID twice in one file is staged twice (a duplicate, counted at apply)
    expect(() => staged.run(1)).toThrow(/UNIQUE|PRIMARY KEY/);
  });

  it('the import statements seek by (import, seq) and never scan staged rows', () => {
    runMigrations(db, MIGRATIONS); // the repository also needs later tables (013's usage_totals)
    createUsageRepository(db); // every statement prepares against the migrated schema
    const select = plan('SELECT * FROM usage_import_rows WHERE import_id = ? AND seq > ? ORDER BY seq LIMIT ?', 1, 0, 10);
    expect(select).toMatch(/SEARCH usage_import_rows USING PRIMARY KEY \(import_id=\? AND seq>\?\)/);
    expect(select).not.toMatch(/SCAN|TEMP B-TREE/);
    expect(plan('DELETE FROM usage_import_rows WHERE import_id = ? AND seq <= ?', 1, 10)).toMatch(/SEARCH usage_import_rows USING PRIMARY KEY \(import_id=\? AND seq<\?\)/);
    const chunk = plan(
      'DELETE FROM usage_import_rows WHERE import_id = @id AND seq IN (SELECT seq FROM usage_import_rows WHERE import_id = @id ORDER BY seq LIMIT @limit)',
      { id: 1, limit: 10 },
    );
    expect(chunk).not.toMatch(/SCAN usage_import_rows/);
    expect(plan('UPDATE usage_imports SET rows = 1 WHERE id = ? AND owner_token = ?', 1, 't')).toMatch(/SEARCH usage_imports USING INTEGER PRIMARY KEY/);
  });
});
