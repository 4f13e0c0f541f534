import type { Migration } from './index';

/**
 * Budget alert thresholds and mode per workspace. A workspace without a row uses the defaults
 * (50/80/100 %, alert only), so existing workspaces need no backfill. The amount and currency stay
 * on `workspaces` (foundation); this table only adds how to react to it.
 */
export const migration009Budgets: Migration = {
  version: 9,
  name: '009-budgets',
  up(db) {
    db.exec(`
      CREATE TABLE workspace_budgets (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        thresholds TEXT NOT NULL CHECK (json_valid(thresholds) AND json_type(thresholds) = 'array'
                                        AND json_array_length(thresholds) BETWEEN 1 AND 6),
        mode TEXT NOT NULL CHECK (mode IN ('alert', 'hard')),
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
