import type { ChangedEntity } from '../../../shared/contract/event-schemas';
import type { Db } from '../store/database';

export interface ExternalChangeWatcherOptions {
  db: Db;
  /** Audit ids this core wrote itself (their changes were already announced as `this-core`). */
  isOwnAuditId: (id: number) => boolean;
  onChanged: (entities: ChangedEntity[], truncated: boolean) => void;
  intervalMs?: number;
  maxEntities?: number;
}

/**
 * Notices commits made by other processes on the same store (the CLI while the app runs, a second
 * browser host). `PRAGMA data_version` changes only for other connections' commits; every mutation
 * writes an audit entry, so the new audit rows say what changed.
 */
export function watchExternalChanges(options: ExternalChangeWatcherOptions): () => void {
  const { db } = options;
  const max = options.maxEntities ?? 200;
  const dataVersion = () => db.pragma('data_version', { simple: true }) as number;
  const maxAuditId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM audit_log').pluck();
  const since = db.prepare(
    'SELECT id, entity_type AS entityType, entity_id AS entityId, workspace_id AS workspaceId FROM audit_log WHERE id > ? ORDER BY id LIMIT ?',
  );
  let version = dataVersion();
  let lastSeen = maxAuditId.get() as number;

  const tick = () => {
    if (!db.open) return;
    try {
      const now = dataVersion();
      if (now === version) return;
      version = now;
      const rows = since.all(lastSeen, max + 1) as Array<ChangedEntity & { id: number }>;
      const truncated = rows.length > max;
      const seen = rows.slice(0, max);
      lastSeen = truncated ? (maxAuditId.get() as number) : (seen.at(-1)?.id ?? lastSeen);
      const foreign = seen.filter((r) => !options.isOwnAuditId(r.id)).map(({ entityType, entityId, workspaceId }) => ({ entityType, entityId, workspaceId }));
      // Something changed without a readable audit row (e.g. a restore): still tell the listeners.
      if (foreign.length > 0 || truncated || seen.length === 0) options.onChanged(foreign, truncated || seen.length === 0);
    } catch {
      /* busy or closing: try again on the next tick */
    }
  };
  const timer = setInterval(tick, options.intervalMs ?? 500);
  timer.unref?.();
  return () => clearInterval(timer);
}
