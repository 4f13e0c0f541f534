import type { Migration } from './index';

/** Provider keys (encrypted secrets) and per-workspace provider access. */
export const migration007ProviderKeys: Migration = {
  version: 7,
  name: '007-provider-keys',
  up(db) {
    db.exec(`
      CREATE TABLE provider_keys (
        id TEXT PRIMARY KEY,
        vendor TEXT NOT NULL,
        label TEXT NOT NULL,
        -- Lower-cased label: labels are unique per vendor regardless of case.
        label_key TEXT NOT NULL,
        -- Which protection encrypted this row, so a door knows whether it can decrypt it.
        scheme TEXT NOT NULL CHECK (scheme IN ('os-keychain', 'local-key-file')),
        -- The only copy of the secret, encrypted; never selected for a response or a log.
        ciphertext BLOB NOT NULL CHECK (length(ciphertext) > 0),
        last4 TEXT NOT NULL CHECK (length(last4) <= 4),
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- Target of the composite foreign key below: a pin can only name a key of its own vendor.
        UNIQUE (id, vendor)
      ) STRICT;
      CREATE UNIQUE INDEX provider_keys_vendor_label ON provider_keys (vendor, label_key);

      -- Exceptions only: a key with no row here is enabled for the workspace.
      CREATE TABLE workspace_provider_access (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        provider_key_id TEXT NOT NULL,
        vendor TEXT NOT NULL,
        -- One row per (workspace, key), so a key cannot be both pinned and disabled.
        mode TEXT NOT NULL CHECK (mode IN ('disabled', 'pinned')),
        created_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, provider_key_id),
        FOREIGN KEY (provider_key_id, vendor) REFERENCES provider_keys (id, vendor) ON DELETE CASCADE
      ) STRICT;
      CREATE UNIQUE INDEX workspace_provider_access_one_pin ON workspace_provider_access (workspace_id, vendor) WHERE mode = 'pinned';
      CREATE INDEX workspace_provider_access_key ON workspace_provider_access (provider_key_id, vendor);
    `);
  },
};
