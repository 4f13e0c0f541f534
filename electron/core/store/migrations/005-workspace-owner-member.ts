import type { Migration } from './index';

/**
 * A workspace's owner becomes a member (issue: members and roles). The old free-text `owner`
 * column stays as a name snapshot for rows written before; reads prefer the member's current name.
 * No ON DELETE action: the store refuses to delete a member who still owns a workspace.
 */
export const migration005WorkspaceOwnerMember: Migration = {
  version: 5,
  name: '005-workspace-owner-member',
  up(db) {
    db.exec(`
      ALTER TABLE workspaces ADD COLUMN owner_member_id TEXT REFERENCES members (id);
      CREATE INDEX workspaces_owner ON workspaces (owner_member_id);
    `);
  },
};
