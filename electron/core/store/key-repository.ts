import type { Db } from './database';

export interface KeyRow {
  id: string;
  workspaceId: string;
  name: string;
  secretPrefix: string;
  last4: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  rotatedAt: string | null;
  previousValidUntil: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  monthlyBudgetMinor: number | null;
  version: number;
  createdAt: string;
  updatedAt: string;
  status: 'active' | 'expired' | 'revoked';
}

export interface KeyHashes {
  secretHash: string;
  previousSecretHash: string | null;
}

/** Status is derived at read time against the caller's clock (`@now`), so expiry needs no job. */
const STATUS_SQL = `CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
  WHEN expires_at IS NOT NULL AND expires_at <= @now THEN 'expired' ELSE 'active' END`;
// Hashes are deliberately absent: nothing selected here can leak them.
const COLUMNS = `id, workspace_id AS workspaceId, name, secret_prefix AS secretPrefix, last4, expires_at AS expiresAt,
  revoked_at AS revokedAt, last_used_at AS lastUsedAt, rotated_at AS rotatedAt, previous_valid_until AS previousValidUntil,
  rpm_limit AS rpmLimit, tpm_limit AS tpmLimit, monthly_budget_minor AS monthlyBudgetMinor, version,
  created_at AS createdAt, updated_at AS updatedAt, ${STATUS_SQL} AS status`;

export const ACTIVE_KEY_CONDITION = 'revoked_at IS NULL AND (expires_at IS NULL OR expires_at > @now)';

export function createKeyRepository(db: Db) {
  const byId = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = @id`);
  const list = db.prepare(
    `SELECT ${COLUMNS} FROM api_keys
      WHERE workspace_id = @workspaceId
        AND (@status = 'all' OR ${STATUS_SQL} = @status)
        AND (@search = '' OR instr(lower(name), @search) > 0 OR last4 = @searchRaw)
      ORDER BY created_at DESC, id`,
  );
  const countActive = db.prepare(`SELECT COUNT(*) FROM api_keys WHERE workspace_id = @workspaceId AND ${ACTIVE_KEY_CONDITION}`).pluck();
  const countAllActive = db.prepare(`SELECT COUNT(*) FROM api_keys WHERE ${ACTIVE_KEY_CONDITION}`).pluck();
  const insert = db.prepare(
    `INSERT INTO api_keys (id, workspace_id, name, secret_prefix, last4, secret_hash, expires_at, rpm_limit, tpm_limit,
                           monthly_budget_minor, version, created_at, updated_at)
     VALUES (@id, @workspaceId, @name, @secretPrefix, @last4, @secretHash, @expiresAt, @rpmLimit, @tpmLimit,
             @monthlyBudgetMinor, 1, @createdAt, @createdAt)`,
  );
  const rotate = db.prepare(
    `UPDATE api_keys SET previous_secret_hash = @previousSecretHash, previous_valid_until = @previousValidUntil,
            secret_hash = @secretHash, last4 = @last4, rotated_at = @at, updated_at = @at, version = version + 1
      WHERE id = @id`,
  );
  const revoke = db.prepare(
    `UPDATE api_keys SET revoked_at = @at, previous_secret_hash = NULL, previous_valid_until = NULL,
            updated_at = @at, version = version + 1 WHERE id = @id AND revoked_at IS NULL`,
  );
  const remove = db.prepare('DELETE FROM api_keys WHERE id = ?');
  const hashesOf = db.prepare('SELECT secret_hash AS secretHash, previous_secret_hash AS previousSecretHash FROM api_keys WHERE id = ?');
  const names = db.prepare('SELECT id, workspace_id AS workspaceId, name FROM api_keys');
  const unrevokedNames = db.prepare('SELECT name FROM api_keys WHERE workspace_id = ? AND revoked_at IS NULL').pluck();
  const activeIds = db.prepare(`SELECT id FROM api_keys WHERE ${ACTIVE_KEY_CONDITION}`).pluck();
  const withOwnLimits = db.prepare(
    `SELECT id, workspace_id AS workspaceId, name, rpm_limit AS rpmLimit, tpm_limit AS tpmLimit FROM api_keys
      WHERE (rpm_limit IS NOT NULL OR tpm_limit IS NOT NULL) AND ${ACTIVE_KEY_CONDITION}
      ORDER BY workspace_id, name, id`,
  );
  const byHash = db.prepare(
    `SELECT ${COLUMNS}, CASE WHEN secret_hash = @hash THEN 'current' ELSE 'previous' END AS matched FROM api_keys
      WHERE secret_hash = @hash OR (previous_secret_hash = @hash AND previous_valid_until > @now)`,
  );

  return {
    get: (id: string, now: string) => byId.get({ id, now }) as KeyRow | undefined,
    list: (query: { workspaceId: string; status: string; search: string }, now: string) =>
      list.all({ ...query, search: query.search.toLowerCase(), searchRaw: query.search, now }) as KeyRow[],
    countActive: (workspaceId: string, now: string) => countActive.get({ workspaceId, now }) as number,
    countAllActive: (now: string) => countAllActive.get({ now }) as number,
    insert: (row: Omit<KeyRow, 'status' | 'revokedAt' | 'lastUsedAt' | 'rotatedAt' | 'previousValidUntil' | 'version' | 'updatedAt'> & { secretHash: string }) =>
      void insert.run(row),
    rotate: (params: { id: string; secretHash: string; last4: string; previousSecretHash: string | null; previousValidUntil: string | null; at: string }) =>
      void rotate.run(params),
    revoke: (id: string, at: string) => revoke.run({ id, at }).changes === 1,
    delete: (id: string) => void remove.run(id),
    hashesOf: (id: string) => hashesOf.get(id) as KeyHashes | undefined,
    findByHash: (hash: string, now: string) => byHash.get({ hash, now }) as (KeyRow & { matched: 'current' | 'previous' }) | undefined,
    /** Every key's name and workspace, revoked and expired ones included (usage labels). */
    names: () => names.all() as Array<{ id: string; workspaceId: string; name: string }>,
    /** Names of a workspace's keys that are not revoked (expired ones included): the uniqueness rule. */
    unrevokedNames: (workspaceId: string) => unrevokedNames.all(workspaceId) as string[],
    /** IDs of the keys active at `now` (not revoked, not expired). */
    activeIds: (now: string) => activeIds.all({ now }) as string[],
    /** Active keys that carry their own RPM/TPM limit (the limit checker compares them with grants). */
    withOwnLimits: (now: string) =>
      withOwnLimits.all({ now }) as Array<{ id: string; workspaceId: string; name: string; rpmLimit: number | null; tpmLimit: number | null }>,
  };
}
export type KeyRepository = ReturnType<typeof createKeyRepository>;
