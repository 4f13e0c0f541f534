import type { ChangedEntity } from '../../../shared/contract/event-schemas';
import type { ChangeFeedRepository } from '../store/change-feed-repository';

export interface ExternalChangeWatcherOptions {
  feed: ChangeFeedRepository;
  /** Audit ids this core wrote itself (their changes were already announced as `this-core`). */
  isOwnAuditId: (id: number) => boolean;
  onChanged: (entities: ChangedEntity[], truncated: boolean) => void;
  intervalMs?: number;
  maxEntities?: number;
}

/**
 * Notices commits made by other processes on the same store (the CLI while the app runs, a second
 * browser host) by polling the store's data version, and announces the entities they touched.
 */
export function watchExternalChanges(options: ExternalChangeWatcherOptions): () => void {
  const { feed } = options;
  const max = options.maxEntities ?? 200;
  let version = feed.dataVersion();
  let lastSeen = feed.maxAuditId();

  const tick = () => {
    if (!feed.isOpen()) return;
    try {
      const now = feed.dataVersion();
      if (now === version) return;
      version = now;
      const rows = feed.auditSince(lastSeen, max + 1);
      const truncated = rows.length > max;
      const seen = rows.slice(0, max);
      lastSeen = truncated ? feed.maxAuditId() : (seen.at(-1)?.id ?? lastSeen);
      const foreign = seen.filter((r) => !options.isOwnAuditId(r.id)).map(({ entityType, entityId, workspaceId }) => ({ entityType, entityId, workspaceId }));
      // A commit without a readable audit row (e.g. a restore): still tell the listeners something changed.
      if (foreign.length > 0 || truncated || seen.length === 0) options.onChanged(foreign, truncated || seen.length === 0);
    } catch {
      /* busy or closing: try again on the next tick */
    }
  };
  const timer = setInterval(tick, options.intervalMs ?? 500);
  timer.unref?.();
  return () => clearInterval(timer);
}
