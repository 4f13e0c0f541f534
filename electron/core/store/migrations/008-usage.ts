import type { Migration } from './index';

/**
 * Usage records and their daily rollup. Records reference workspaces, keys and models by ID
 * without foreign keys: usage history outlives a deleted workspace, key or model.
 * `usage_daily` is maintained in the same transaction as the inserts (see usage-repository.ts),
 * so reports never scan `usage_records`.
 */
export const migration008Usage: Migration = {
  version: 8,
  name: '008-usage',
  up(db) {
    db.exec(`
      CREATE TABLE usage_records (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        at TEXT NOT NULL CHECK (length(at) = 24),
        workspace_id TEXT NOT NULL,
        key_id TEXT,
        model_id TEXT NOT NULL,
        requests INTEGER NOT NULL CHECK (requests >= 0),
        input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
        output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0),
        cached_tokens INTEGER NOT NULL CHECK (cached_tokens >= 0),
        cost_micros INTEGER NOT NULL CHECK (cost_micros >= 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3)
      ) STRICT;
      -- Time-range scans (raw export, the raw baseline in the report benchmark).
      CREATE INDEX usage_records_at ON usage_records (at);

      CREATE TABLE usage_daily (
        day TEXT NOT NULL,
        workspace_id TEXT NOT NULL,
        key_id TEXT NOT NULL DEFAULT '',
        model_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL,
        PRIMARY KEY (day, workspace_id, key_id, model_id, currency)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
