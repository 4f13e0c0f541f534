import type { Migration } from './index';

/**
 * Workspaces from before members (005) get the laptop's user as owner, once, here — this used to
 * be an UPDATE on every open (member-service), which took the write lock even when nothing was
 * missing. Like that UPDATE it changes only `owner_member_id` (no version bump: a backfill, not an
 * edit). A store with no local user yet (upgraded before first run finished) is left to first run,
 * which gives unowned workspaces to the local user it creates.
 */
export const migration010WorkspaceOwnerBackfill: Migration = {
  version: 10,
  name: '010-workspace-owner-backfill',
  up(db) {
    db.exec(`
      UPDATE workspaces SET owner_member_id = (SELECT id FROM members WHERE is_local_user = 1)
       WHERE owner_member_id IS NULL AND EXISTS (SELECT 1 FROM members WHERE is_local_user = 1);
    `);
  },
};
