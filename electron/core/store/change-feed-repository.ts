import type { ChangedEntity } from '../../../shared/contract/event-schemas';
import type { Db } from './database';

/**
 * What another process committed: `PRAGMA data_version` changes only for other connections'
 * commits, and every mutation writes an audit entry, so new audit rows say what changed.
 */
export function createChangeFeedRepository(db: Db) {
  const maxAuditId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck();
  const since = db.prepare(
    'SELECT id, entity_type AS entityType, entity_id AS entityId, workspace_id AS workspaceId FROM audit_log WHERE id > ? ORDER BY id LIMIT ?',
  );
  return {
    isOpen: () => db.open,
    dataVersion: () => db.pragma('data_version', { simple: true }) as number,
    maxAuditId: () => maxAuditId.get() as number,
    auditSince: (afterId: number, limit: number) => since.all(afterId, limit) as Array<ChangedEntity & { id: number }>,
  };
}
export type ChangeFeedRepository = ReturnType<typeof createChangeFeedRepository>;
