import type { Migration } from './index';

/**
 * A usage CSV import runs as a job in short transactions, yet stays all-or-nothing for the user:
 * phase 1 validates the file and stages its rows in `usage_import_rows`; phase 2 moves them into
 * `usage_records` + `usage_daily` chunk by chunk. `usage_imports` is the journal of each import:
 * `staging` (a crash here discards the staged rows at the next open) or `applying` (a crash here
 * is finished at the next open; `applied_seq` and the counts advance in the same transaction as
 * each chunk, so a resumed import neither repeats nor double-counts a chunk).
 * `owner_*` and `heartbeat_ms` say which process runs the import, so opening the store from a
 * second process never discards or resumes an import that is still alive.
 */
export const migration011UsageImportStaging: Migration = {
  version: 11,
  name: '011-usage-import-staging',
  up(db) {
    db.exec(`
      CREATE TABLE usage_imports (
        id INTEGER PRIMARY KEY,
        state TEXT NOT NULL CHECK (state IN ('staging', 'applying')),
        owner_pid INTEGER NOT NULL,
        owner_thread INTEGER NOT NULL,
        owner_token TEXT NOT NULL,
        heartbeat_ms INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0 CHECK (rows >= 0),
        applied_seq INTEGER NOT NULL DEFAULT 0 CHECK (applied_seq >= 0),
        inserted INTEGER NOT NULL DEFAULT 0 CHECK (inserted >= 0),
        duplicates INTEGER NOT NULL DEFAULT 0 CHECK (duplicates >= 0)
      ) STRICT;

      -- Validated rows waiting to be applied; seq is the row's order in the file (1, 2, …).
      -- No foreign key: staged rows are deleted in chunks before their journal row, never by cascade.
      CREATE TABLE usage_import_rows (
        import_id INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        at TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        key_id TEXT,
        model_id TEXT NOT NULL,
        requests INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        currency TEXT NOT NULL,
        PRIMARY KEY (import_id, seq)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
