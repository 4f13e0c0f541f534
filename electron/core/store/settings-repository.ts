import type { Db } from './database';

export interface SettingsRow {
  maxWorkspaces: number;
  maxActiveKeysPerWorkspace: number;
  localUserName: string | null;
  activeWorkspaceId: string | null;
}

export function createSettingsRepository(db: Db) {
  const select = db.prepare(
    `SELECT max_workspaces AS maxWorkspaces, max_active_keys_per_workspace AS maxActiveKeysPerWorkspace,
            local_user_name AS localUserName, active_workspace_id AS activeWorkspaceId
       FROM settings WHERE id = 1`,
  );
  const setActive = db.prepare('UPDATE settings SET active_workspace_id = ? WHERE id = 1');
  const setLocalUser = db.prepare('UPDATE settings SET local_user_name = ? WHERE id = 1');
  return {
    get(): SettingsRow {
      return select.get() as SettingsRow;
    },
    setActiveWorkspaceId(id: string): void {
      setActive.run(id);
    },
    setLocalUserName(name: string): void {
      setLocalUser.run(name);
    },
  };
}
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
