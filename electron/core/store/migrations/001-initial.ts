import type { Migration } from './index';

export const migration001Initial: Migration = {
  version: 1,
  name: '001-initial',
  up(db) {
    db.exec(`
      CREATE TABLE settings (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        max_workspaces INTEGER NOT NULL DEFAULT 20 CHECK (max_workspaces > 0),
        max_active_keys_per_workspace INTEGER NOT NULL DEFAULT 20 CHECK (max_active_keys_per_workspace > 0),
        local_user_name TEXT,
        active_workspace_id TEXT
      ) STRICT;
      INSERT INTO settings (id) VALUES (1);

      CREATE TABLE workspaces (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        environment TEXT NOT NULL CHECK (environment IN ('production', 'staging', 'sandbox')),
        region TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'review')),
        owner TEXT NOT NULL,
        monthly_budget_minor INTEGER NOT NULL DEFAULT 0 CHECK (monthly_budget_minor >= 0),
        currency TEXT NOT NULL DEFAULT 'USD',
        is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX workspaces_one_default ON workspaces (is_default) WHERE is_default = 1;

      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        workspace_id TEXT,
        before_json TEXT,
        after_json TEXT
      ) STRICT;
      CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
      CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
      -- The audit log is append-only: no channel edits it, and the database refuses too.
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log entries cannot be changed'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit log entries cannot be deleted'); END;

      CREATE TABLE change_log (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id TEXT NOT NULL,
        op TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
        payload_json TEXT NOT NULL,
        base_version INTEGER,
        synced_at TEXT
      ) STRICT;
      CREATE INDEX change_log_pending ON change_log (seq) WHERE synced_at IS NULL;
    `);
  },
};
