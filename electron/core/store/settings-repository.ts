import { WORKSPACE_NAME_MAX } from '../../../shared/domain/workspace-rules';
import type { Db } from './database';

/** A limit a remote reported (its capabilities), and which remote. */
export interface RemoteLimit {
  value: number;
  remoteName: string;
}

export interface SettingsRow {
  /** The settings row's default, replaced by the remotes' limit (the strictest remote's) once one reported it. */
  maxWorkspaces: number;
  /** The settings row's default, replaced by the remotes' limit (the strictest remote's) once one reported it. */
  maxActiveKeysPerWorkspace: number;
  /** Longest workspace name: WORKSPACE_NAME_MAX, or a remote's when that is stricter. */
  maxNameLength: number;
  /**
   * The strictest limit any remote reported at its last test or sync, per kind (null: none did);
   * already folded into the numbers above. Services quote it so a refusal names the remote.
   */
  remoteLimits: {
    maxWorkspaces: RemoteLimit | null;
    maxActiveKeysPerWorkspace: RemoteLimit | null;
    maxNameLength: RemoteLimit | null;
  };
  localUserName: string | null;
  activeWorkspaceId: string | null;
}

interface RemoteLimitsRow {
  remoteName: string;
  maxWorkspaces: unknown;
  maxKeysPerWorkspace: unknown;
  maxNameLength: unknown;
}

/** The smallest positive whole value among the remotes (stored answers were validated, checked again anyway). */
function strictest(rows: RemoteLimitsRow[], pick: (row: RemoteLimitsRow) => unknown): RemoteLimit | null {
  let best: RemoteLimit | null = null;
  for (const row of rows) {
    const value = pick(row);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) continue;
    if (!best || value < best.value) best = { value, remoteName: row.remoteName };
  }
  return best;
}

const tighter = (local: number, remote: RemoteLimit | null) => (remote && remote.value < local ? remote.value : local);

export function createSettingsRepository(db: Db) {
  const select = db.prepare(
    `SELECT max_workspaces AS maxWorkspaces, max_active_keys_per_workspace AS maxActiveKeysPerWorkspace,
            local_user_name AS localUserName, active_workspace_id AS activeWorkspaceId
       FROM settings WHERE id = 1`,
  );
  // The limits of every remote's last capabilities answer replace the defaults (names: only shorter).
  const remoteLimits = db.prepare(
    `SELECT name AS remoteName,
            json_extract(capabilities_json, '$.limits.max_workspaces') AS maxWorkspaces,
            json_extract(capabilities_json, '$.limits.max_keys_per_workspace') AS maxKeysPerWorkspace,
            json_extract(capabilities_json, '$.limits.max_name_length') AS maxNameLength
       FROM sync_remotes WHERE capabilities_json IS NOT NULL AND json_valid(capabilities_json) ORDER BY name_key`,
  );
  const setActive = db.prepare('UPDATE settings SET active_workspace_id = ? WHERE id = 1');
  const setLocalUser = db.prepare('UPDATE settings SET local_user_name = ? WHERE id = 1');
  return {
    get(): SettingsRow {
      const row = select.get() as Pick<SettingsRow, 'maxWorkspaces' | 'maxActiveKeysPerWorkspace' | 'localUserName' | 'activeWorkspaceId'>;
      const remotes = remoteLimits.all() as RemoteLimitsRow[];
      const limits = {
        maxWorkspaces: strictest(remotes, (r) => r.maxWorkspaces),
        maxActiveKeysPerWorkspace: strictest(remotes, (r) => r.maxKeysPerWorkspace),
        maxNameLength: strictest(remotes, (r) => r.maxNameLength),
      };
      return {
        ...row,
        // A remote's account limits replace the settings row's defaults (issue #10: "replacing the defaults").
        maxWorkspaces: limits.maxWorkspaces?.value ?? row.maxWorkspaces,
        maxActiveKeysPerWorkspace: limits.maxActiveKeysPerWorkspace?.value ?? row.maxActiveKeysPerWorkspace,
        // Names cannot grow past what the local schema accepts; a remote may only shorten them.
        maxNameLength: tighter(WORKSPACE_NAME_MAX, limits.maxNameLength),
        remoteLimits: limits,
      };
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
