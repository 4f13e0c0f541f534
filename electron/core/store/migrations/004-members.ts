import type { Migration } from './index';

export const migration004Members: Migration = {
  version: 4,
  name: '004-members',
  up(db) {
    db.exec(`
      CREATE TABLE members (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        email TEXT NOT NULL,
        email_key TEXT NOT NULL UNIQUE,
        is_local_user INTEGER NOT NULL DEFAULT 0 CHECK (is_local_user IN (0, 1)),
        version INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX members_one_local_user ON members (is_local_user) WHERE is_local_user = 1;

      CREATE TABLE workspace_members (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, member_id)
      ) STRICT;
      CREATE INDEX workspace_members_member ON workspace_members (member_id);
    `);
  },
};
