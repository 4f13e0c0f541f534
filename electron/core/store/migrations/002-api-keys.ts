import type { Migration } from './index';

export const migration002ApiKeys: Migration = {
  version: 2,
  name: '002-api-keys',
  up(db) {
    db.exec(`
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        secret_prefix TEXT NOT NULL,
        last4 TEXT NOT NULL,
        -- SHA-256 of the full secret, hex. The secret itself is never stored.
        secret_hash TEXT NOT NULL UNIQUE,
        -- During a rotation grace window the previous secret still verifies until this time.
        previous_secret_hash TEXT UNIQUE,
        previous_valid_until TEXT,
        expires_at TEXT,
        revoked_at TEXT,
        rpm_limit INTEGER CHECK (rpm_limit IS NULL OR rpm_limit > 0),
        tpm_limit INTEGER CHECK (tpm_limit IS NULL OR tpm_limit > 0),
        monthly_budget_minor INTEGER CHECK (monthly_budget_minor IS NULL OR monthly_budget_minor >= 0),
        last_used_at TEXT,
        rotated_at TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX api_keys_workspace ON api_keys (workspace_id, created_at);
    `);
  },
};
