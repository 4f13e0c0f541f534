import type { Db } from './database';

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  entityType: string;
  entityId: string;
  workspaceId: string | null;
  workspaceName: string | null;
  beforeJson: string | null;
  afterJson: string | null;
}

export interface AuditFilter {
  workspaceId?: string | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

// Read model: joins workspaces for the workspace name of each entry (list, detail, export).
// Workspace names come from the entry itself when the workspace is gone (deleted workspaces stay readable).
const COLUMNS = `a.id, a.at, a.actor, a.action, a.entity_type AS entityType, a.entity_id AS entityId, a.workspace_id AS workspaceId,
  COALESCE(w.name, CASE WHEN a.entity_type = 'workspace' THEN json_extract(COALESCE(a.after_json, a.before_json), '$.name') END) AS workspaceName,
  a.before_json AS beforeJson, a.after_json AS afterJson`;
/**
 * WHERE clause with only the active filters, so SQLite can pick the matching index
 * (`x IS NULL OR col = x` would defeat it). Statements are cached per filter combination.
 */
const CONDITIONS: Array<[keyof AuditFilter, string]> = [
  ['workspaceId', 'a.workspace_id = @workspaceId'],
  ['actor', 'a.actor = @actor'],
  ['action', 'a.action = @action'],
  ['entityType', 'a.entity_type = @entityType'],
  ['from', 'a.at >= @from'],
  ['to', 'a.at < @to'],
];
function whereFor(filter: AuditFilter, extra: string[] = []): { key: string; sql: string } {
  const active = CONDITIONS.filter(([field]) => filter[field] !== undefined);
  const clauses = [...active.map(([, sql]) => sql), ...extra];
  return { key: active.map(([f]) => f).join(',') + '|' + extra.join(','), sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '' };
}

/**
 * The export walks ids downwards page after page, so each page must continue where the last one
 * stopped: indexes that do not keep id order (`at`, the entity index) are kept out with a unary
 * `+`, else SQLite re-reads and sorts the whole match for every page (quadratic: measured 2–5 s
 * per 1,000-entry page of a 2-month range in a 1M-entry log). (workspace|actor|action, id) stay usable.
 */
const UNORDERED_INDEX_FIELDS: ReadonlySet<keyof AuditFilter> = new Set(['entityType', 'from', 'to']);

const params = (filter: AuditFilter) => {
  const out: Record<string, string> = {};
  for (const [field] of CONDITIONS) {
    const value = filter[field];
    if (value !== undefined) out[field] = field === 'from' || field === 'to' ? new Date(value).toISOString() : value;
  }
  return out;
};

export function createAuditRepository(db: Db) {
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  const statement = (filter: AuditFilter, extra: string[], tail: string) => {
    const where = whereFor(filter, extra);
    const key = `${where.key}|${tail}`;
    let stmt = statements.get(key);
    if (!stmt) {
      stmt = db.prepare(`SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id ${where.sql} ORDER BY a.id DESC ${tail}`);
      statements.set(key, stmt);
    }
    return stmt;
  };
  const byId = db.prepare(`SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE a.id = ?`);
  // Distinct values by index skip-scan (one index seek per value), not a full scan of the log.
  const distinct = (column: string) =>
    db
      .prepare(
        `WITH RECURSIVE d(v) AS (SELECT MIN(${column}) FROM audit_log
           UNION ALL SELECT (SELECT MIN(${column}) FROM audit_log WHERE ${column} > d.v) FROM d WHERE d.v IS NOT NULL)
         SELECT v FROM d WHERE v IS NOT NULL`,
      )
      .pluck();
  const actors = distinct('actor');
  const actions = distinct('action');
  const entityTypes = distinct('entity_type');

  return {
    page: (filter: AuditFilter, beforeId: number | null, limit: number) =>
      statement(filter, beforeId === null ? [] : ['a.id < @beforeId'], 'LIMIT @limit').all({
        ...params(filter),
        ...(beforeId === null ? {} : { beforeId }),
        limit,
      }) as AuditRow[],
    get: (id: number) => byId.get(id) as AuditRow | undefined,
    /** The audit export's page: `limit` entries below `beforeId`, newest first (see UNORDERED_INDEX_FIELDS). */
    exportPage: (filter: AuditFilter, beforeId: number, limit: number) => {
      const active = CONDITIONS.filter(([field]) => filter[field] !== undefined);
      const size = Math.max(1, Math.trunc(limit));
      const key = `export|${active.map(([f]) => f).join(',')}|${size}`;
      let stmt = statements.get(key);
      if (!stmt) {
        const clauses = [...active.map(([field, sql]) => (UNORDERED_INDEX_FIELDS.has(field) ? `+${sql}` : sql)), 'a.id < @beforeId'];
        // A literal LIMIT: with a bound one the planner assumes a large result and prefers a sort.
        stmt = db.prepare(`SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE ${clauses.join(' AND ')} ORDER BY a.id DESC LIMIT ${size}`);
        statements.set(key, stmt);
      }
      return stmt.all({ ...params(filter), beforeId }) as AuditRow[];
    },
    /** Matching entries (below `beforeId` when given): the audit export's progress total. */
    count: (filter: AuditFilter, beforeId: number | null) => {
      const where = whereFor(filter, beforeId === null ? [] : ['a.id < @beforeId']);
      const key = `count|${where.key}`;
      let stmt = statements.get(key);
      if (!stmt) {
        stmt = db.prepare(`SELECT COUNT(*) FROM audit_log a ${where.sql}`).pluck();
        statements.set(key, stmt);
      }
      return stmt.get({ ...params(filter), ...(beforeId === null ? {} : { beforeId }) }) as number;
    },
    facets: () => ({ actors: actors.all() as string[], actions: actions.all() as string[], entityTypes: entityTypes.all() as string[] }),
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
