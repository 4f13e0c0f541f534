import type { Migration } from './index';

/**
 * Sync with remote gateways (gatehouse-v1).
 * - `sync_remotes`: one row per remote; the admin credential is encrypted like provider keys
 *   (`credential_scheme` + `credential_ciphertext`, never selected for a response or a log).
 *   `lock_*` is the single-writer lease of a plan/apply against this remote.
 * - `sync_links`: per linked entity, the remote id it maps to and the canonical snapshot both sides
 *   agreed on at the last sync (`base_json`, the diff3 base). Local write-only values (key hashes,
 *   a provider secret's fingerprint) may be in it; secrets never are.
 * - `sync_remote_cache`: the remote's resources as last read (full listing, change feed, or the
 *   answer to our own write), so a plan can follow the change feed instead of relisting.
 * - `sync_cursors`: change-feed and usage-feed positions, committed with what they cover.
 * - `sync_runs` / `sync_ops`: each plan (its JSON and hash) and the journal of its apply: every
 *   operation's idempotency key and request is committed `sent` before the request leaves.
 * - `sync_resolutions`: the admin's keep-local / take-remote choices, valid while the two values
 *   they chose between still hold.
 */
export const migration012Sync: Migration = {
  version: 12,
  name: '012-sync',
  up(db) {
    db.exec(`
      CREATE TABLE sync_remotes (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('gatehouse-v1')),
        base_url TEXT NOT NULL,
        credential_scheme TEXT NOT NULL CHECK (credential_scheme IN ('os-keychain', 'local-key-file')),
        credential_ciphertext BLOB NOT NULL CHECK (length(credential_ciphertext) > 0),
        ca_certificate TEXT,
        capabilities_json TEXT,
        last_tested_at TEXT,
        last_sync_at TEXT,
        last_usage_pull_at TEXT,
        lock_owner TEXT,
        lock_expires_at TEXT,
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE sync_links (
        remote_id TEXT NOT NULL REFERENCES sync_remotes (id) ON DELETE CASCADE,
        entity_type TEXT NOT NULL,
        local_id TEXT NOT NULL,
        remote_ref TEXT NOT NULL,
        base_json TEXT NOT NULL CHECK (json_valid(base_json)),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (remote_id, entity_type, local_id),
        UNIQUE (remote_id, entity_type, remote_ref)
      ) STRICT;

      CREATE TABLE sync_remote_cache (
        remote_id TEXT NOT NULL REFERENCES sync_remotes (id) ON DELETE CASCADE,
        entity_type TEXT NOT NULL,
        remote_ref TEXT NOT NULL,
        resource_json TEXT NOT NULL CHECK (json_valid(resource_json)),
        version INTEGER NOT NULL,
        PRIMARY KEY (remote_id, entity_type, remote_ref)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE sync_cursors (
        remote_id TEXT NOT NULL REFERENCES sync_remotes (id) ON DELETE CASCADE,
        stream TEXT NOT NULL CHECK (stream IN ('changes', 'usage')),
        cursor TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (remote_id, stream)
      ) STRICT;

      CREATE TABLE sync_runs (
        id TEXT PRIMARY KEY,
        remote_id TEXT NOT NULL REFERENCES sync_remotes (id) ON DELETE CASCADE,
        state TEXT NOT NULL CHECK (state IN ('planned', 'applying', 'applied', 'partial', 'failed', 'interrupted', 'discarded')),
        plan_json TEXT NOT NULL CHECK (json_valid(plan_json)),
        plan_hash TEXT NOT NULL,
        change_seq_high INTEGER NOT NULL,
        message TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX sync_runs_remote ON sync_runs (remote_id, created_at);

      CREATE TABLE sync_ops (
        run_id TEXT NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
        ord INTEGER NOT NULL,
        entity_type TEXT NOT NULL,
        local_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        -- method, path, preconditions and body as sent; a provider secret is never in it.
        request_json TEXT CHECK (request_json IS NULL OR json_valid(request_json)),
        idempotency_key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'done', 'failed', 'conflict', 'skipped')),
        attempts INTEGER NOT NULL DEFAULT 0,
        last_status INTEGER,
        message TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (run_id, ord)
      ) STRICT;

      CREATE TABLE sync_resolutions (
        remote_id TEXT NOT NULL REFERENCES sync_remotes (id) ON DELETE CASCADE,
        entity_type TEXT NOT NULL,
        local_id TEXT NOT NULL,
        path TEXT NOT NULL,
        choice TEXT NOT NULL CHECK (choice IN ('keep-local', 'take-remote')),
        local_json TEXT NOT NULL,
        remote_json TEXT NOT NULL,
        resolved_at TEXT NOT NULL,
        PRIMARY KEY (remote_id, entity_type, local_id, path)
      ) STRICT;
    `);
  },
};
