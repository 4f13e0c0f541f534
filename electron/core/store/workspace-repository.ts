import type { Environment, Region, WorkspaceSortField, WorkspaceStatus } from '../../../shared/domain/workspace-rules';
import type { Db } from './database';

export interface WorkspaceRow {
  id: string;
  name: string;
  description: string;
  environment: Environment;
  region: Region;
  status: WorkspaceStatus;
  owner: string;
  ownerMemberId: string | null;
  monthlyBudgetMinor: number;
  currency: string;
  isDefault: boolean;
  keyCount: number;
  memberCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type WorkspaceWritable = Omit<WorkspaceRow, 'keyCount' | 'memberCount'>;

// Read model: joins members (owner name), api_keys (keyCount) and workspace_members (memberCount) for the workspace list and detail.
// keyCount = active keys (not revoked, not expired), the number the per-workspace limit counts.
const SELECT_COLUMNS = `
  id, name, description, environment, region, status,
  COALESCE((SELECT m.name FROM members m WHERE m.id = workspaces.owner_member_id), workspaces.owner) AS owner,
  owner_member_id AS ownerMemberId,
  monthly_budget_minor AS monthlyBudgetMinor, currency, is_default AS isDefault,
  (SELECT COUNT(*) FROM api_keys k WHERE k.workspace_id = workspaces.id AND k.revoked_at IS NULL
     AND (k.expires_at IS NULL OR k.expires_at > @now)) AS keyCount,
  (SELECT COUNT(*) FROM workspace_members wm WHERE wm.workspace_id = workspaces.id) AS memberCount, version, created_at AS createdAt, updated_at AS updatedAt`;

/** Whitelist from API sort field to SQL expression; never interpolate caller text. */
const SORT_SQL: Record<WorkspaceSortField, string> = {
  name: 'name_key',
  id: 'id',
  environment: 'environment',
  region: 'region',
  status: 'status',
  owner: 'owner COLLATE NOCASE',
  monthlyBudgetMinor: 'monthly_budget_minor',
  keyCount: 'keyCount',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

type RawRow = Omit<WorkspaceRow, 'isDefault'> & { isDefault: 0 | 1 };
const toRow = (raw: RawRow): WorkspaceRow => ({ ...raw, isDefault: raw.isDefault === 1 });

export interface WorkspaceListQuery {
  search: string;
  sort: { field: WorkspaceSortField; direction: 'asc' | 'desc' };
  page: { index: number; size: number };
}

/**
 * `now` is the core's one clock: the active-key count uses it exactly as the key repository's
 * ACTIVE_KEY_CONDITION does (SQLite's own 'now' would be a second clock tests cannot move).
 */
export function createWorkspaceRepository(db: Db, now: () => Date) {
  const clock = () => ({ now: now().toISOString() });
  const byId = db.prepare(`SELECT ${SELECT_COLUMNS} FROM workspaces WHERE id = @id`);
  const byNameKey = db.prepare('SELECT id FROM workspaces WHERE name_key = ?');
  const count = db.prepare('SELECT COUNT(*) FROM workspaces').pluck();
  const defaultRow = db.prepare(`SELECT ${SELECT_COLUMNS} FROM workspaces WHERE is_default = 1`);
  const insert = db.prepare(
    `INSERT INTO workspaces (id, name, name_key, description, environment, region, status, owner, owner_member_id,
                             monthly_budget_minor, currency, is_default, version, created_at, updated_at)
     VALUES (@id, @name, @nameKey, @description, @environment, @region, @status, @owner, @ownerMemberId,
             @monthlyBudgetMinor, @currency, @isDefault, @version, @createdAt, @updatedAt)`,
  );
  const update = db.prepare(
    `UPDATE workspaces SET name = @name, name_key = @nameKey, description = @description, environment = @environment,
            region = @region, status = @status, owner = @owner, owner_member_id = @ownerMemberId, monthly_budget_minor = @monthlyBudgetMinor,
            currency = @currency, version = @version, updated_at = @updatedAt
      WHERE id = @id`,
  );
  const remove = db.prepare('DELETE FROM workspaces WHERE id = ?');
  const budgetTotals = db.prepare(
    'SELECT currency, SUM(monthly_budget_minor) AS amountMinor FROM workspaces GROUP BY currency ORDER BY currency',
  );
  const countByEnvironment = db.prepare('SELECT COUNT(*) FROM workspaces WHERE environment = ?').pluck();
  const names = db.prepare('SELECT id, name FROM workspaces');
  // The audit log keeps the last snapshot of a deleted workspace (its entries are append-only).
  const deletedNames = db.prepare(
    `SELECT entity_id AS id, json_extract(before_json, '$.name') AS name FROM audit_log
     WHERE entity_type = 'workspace' AND action = 'workspace.delete' AND json_valid(before_json)
       AND entity_id NOT IN (SELECT id FROM workspaces)`,
  );
  const namesOwnedBy = db.prepare('SELECT name FROM workspaces WHERE owner_member_id = ? ORDER BY name_key').pluck();
  const unowned = db.prepare('SELECT id, owner, version FROM workspaces WHERE owner_member_id IS NULL ORDER BY created_at, id');
  const setOwnerIfUnowned = db.prepare('UPDATE workspaces SET owner_member_id = ? WHERE id = ? AND owner_member_id IS NULL');
  const forSampling = db.prepare('SELECT id, currency, monthly_budget_minor AS monthlyBudgetMinor FROM workspaces ORDER BY created_at, id');
  const listStatements = new Map<string, { rows: ReturnType<Db['prepare']>; total: ReturnType<Db['prepare']> }>();

  const params = (row: WorkspaceWritable, nameKey: string) => ({ ...row, nameKey, isDefault: row.isDefault ? 1 : 0 });

  return {
    get(id: string): WorkspaceRow | undefined {
      const raw = byId.get({ id, ...clock() }) as RawRow | undefined;
      return raw && toRow(raw);
    },
    getDefault(): WorkspaceRow | undefined {
      const raw = defaultRow.get(clock()) as RawRow | undefined;
      return raw && toRow(raw);
    },
    idForNameKey(nameKey: string): string | undefined {
      return (byNameKey.get(nameKey) as { id: string } | undefined)?.id;
    },
    count(): number {
      return count.get() as number;
    },
    countByEnvironment(environment: Environment): number {
      return countByEnvironment.get(environment) as number;
    },
    budgetTotals(): Array<{ currency: string; amountMinor: number }> {
      return budgetTotals.all() as Array<{ currency: string; amountMinor: number }>;
    },
    /** Every workspace's name (usage labels). */
    names(): Array<{ id: string; name: string }> {
      return names.all() as Array<{ id: string; name: string }>;
    },
    /** Last known names of deleted workspaces, from their delete entries in the audit log. */
    deletedNames(): Array<{ id: string; name: string }> {
      return (deletedNames.all() as Array<{ id: string; name: unknown }>).flatMap((r) => (typeof r.name === 'string' ? [{ id: r.id, name: r.name }] : []));
    },
    /** What sample usage generation spreads records over, oldest workspace first. */
    forSampling(): Array<{ id: string; currency: string; monthlyBudgetMinor: number }> {
      return forSampling.all() as Array<{ id: string; currency: string; monthlyBudgetMinor: number }>;
    },
    /** Names of the workspaces this member owns, by name. */
    namesOwnedBy(memberId: string): string[] {
      return namesOwnedBy.all(memberId) as string[];
    },
    /** Workspaces nobody owns yet (first run, before the local user exists). */
    unowned(): Array<{ id: string; owner: string; version: number }> {
      return unowned.all() as Array<{ id: string; owner: string; version: number }>;
    },
    /** Sets the owner member of a workspace that has none (no version bump: see member-service). */
    setOwnerIfUnowned(workspaceId: string, memberId: string): void {
      setOwnerIfUnowned.run(memberId, workspaceId);
    },
    insert(row: WorkspaceWritable, nameKey: string): void {
      insert.run(params(row, nameKey));
    },
    update(row: WorkspaceWritable, nameKey: string): void {
      update.run(params(row, nameKey));
    },
    delete(id: string): void {
      remove.run(id);
    },
    /** Search (name or ID, substring, case-insensitive), sort and page, all in SQL. */
    list(query: WorkspaceListQuery): { items: WorkspaceRow[]; total: number } {
      const direction = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
      const cacheKey = `${query.sort.field}:${direction}`;
      let statements = listStatements.get(cacheKey);
      if (!statements) {
        const where = `WHERE (@pattern = '%%' OR name_key LIKE @pattern ESCAPE '\\' OR id LIKE @pattern ESCAPE '\\')`;
        statements = {
          rows: db.prepare(
            `SELECT ${SELECT_COLUMNS} FROM workspaces ${where}
              ORDER BY ${SORT_SQL[query.sort.field]} ${direction}, name_key ASC, id ASC
              LIMIT @limit OFFSET @offset`,
          ),
          total: db.prepare(`SELECT COUNT(*) FROM workspaces ${where}`).pluck(),
        };
        listStatements.set(cacheKey, statements);
      }
      const needle = query.search.trim().normalize('NFKC').toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
      const pattern = `%${needle}%`;
      const rows = statements.rows.all({
        pattern,
        ...clock(),
        limit: query.page.size,
        offset: query.page.index * query.page.size,
      }) as RawRow[];
      return { items: rows.map(toRow), total: statements.total.get({ pattern }) as number };
    },
  };
}
export type WorkspaceRepository = ReturnType<typeof createWorkspaceRepository>;
