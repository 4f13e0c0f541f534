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

// Workspace names come from the entry itself when the workspace is gone (deleted workspaces stay readable).
const COLUMNS = `a.id, a.at, a.actor, a.action, a.entity_type AS entityType, a.entity_id AS entityId, a.workspace_id AS workspaceId,
  COALESCE(w.name, CASE WHEN a.entity_type = 'workspace' THEN json_extract(COALESCE(a.after_json, a.before_json), '$.name') END) AS workspaceName,
  a.before_json AS beforeJson, a.after_json AS afterJson`;
// Every filter is "param IS NULL OR match", so one prepared statement serves all combinations
// and the id-descending primary key gives keyset pages without OFFSET scans.
const WHERE = `WHERE (@workspaceId IS NULL OR a.workspace_id = @workspaceId)
  AND (@actor IS NULL OR a.actor = @actor)
  AND (@action IS NULL OR a.action = @action)
  AND (@entityType IS NULL OR a.entity_type = @entityType)
  AND (@from IS NULL OR a.at >= @from)
  AND (@to IS NULL OR a.at < @to)`;

const params = (filter: AuditFilter) => ({
  workspaceId: filter.workspaceId ?? null,
  actor: filter.actor ?? null,
  action: filter.action ?? null,
  entityType: filter.entityType ?? null,
  from: filter.from ? new Date(filter.from).toISOString() : null,
  to: filter.to ? new Date(filter.to).toISOString() : null,
});

export function createAuditRepository(db: Db) {
  const page = db.prepare(
    `SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id
      ${WHERE} AND (@beforeId IS NULL OR a.id < @beforeId) ORDER BY a.id DESC LIMIT @limit`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id WHERE a.id = ?`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM audit_log a LEFT JOIN workspaces w ON w.id = a.workspace_id ${WHERE} ORDER BY a.id DESC`);
  const distinct = (column: string) => db.prepare(`SELECT DISTINCT ${column} FROM audit_log ORDER BY 1`).pluck();
  const actors = distinct('actor');
  const actions = distinct('action');
  const entityTypes = distinct('entity_type');

  return {
    page: (filter: AuditFilter, beforeId: number | null, limit: number) => page.all({ ...params(filter), beforeId, limit }) as AuditRow[],
    get: (id: number) => byId.get(id) as AuditRow | undefined,
    /** Streams matching rows; used by the export. */
    iterate: (filter: AuditFilter) => all.iterate(params(filter)) as IterableIterator<AuditRow>,
    facets: () => ({ actors: actors.all() as string[], actions: actions.all() as string[], entityTypes: entityTypes.all() as string[] }),
  };
}
export type AuditRepository = ReturnType<typeof createAuditRepository>;
