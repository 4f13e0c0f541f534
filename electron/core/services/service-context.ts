import type { ChangedEntity } from '../../../shared/contract/event-schemas';
import type { Db } from '../store/database';
import { createMutationLog, type MutationRecord } from '../store/mutation-log';
import { createSettingsRepository, type SettingsRepository } from '../store/settings-repository';

/**
 * What every service gets: the store, the one clock, the actor, and the two ways to write —
 * `write(fn)` (one short IMMEDIATE transaction) and `record(entry)` (its audit + change-log entry).
 */
export interface ServiceContext {
  db: Db;
  /** The one clock: every "active", "expired", "this month" rule reads it. */
  now: () => Date;
  /** The member recorded as actor in the audit log. */
  actor: () => string;
  settings: SettingsRepository;
  /** Runs `fn` in one IMMEDIATE transaction; after it commits, listeners hear what it changed. */
  write<T>(fn: () => T): T;
  /** The audit entry and (unless local-only) the change-log entry of one mutation; inside `write`. */
  record(entry: MutationRecord): void;
  /**
   * A change that is not an admin action (a local preference such as the active workspace): this
   * core's listeners hear of it after the commit, but it is neither audited nor synced.
   */
  touch(entity: ChangedEntity): void;
}

export interface ServiceContextOptions {
  db: Db;
  now: () => Date;
  /** Called after each commit with the entities it changed (never inside the transaction). */
  onCommitted?: (entities: ChangedEntity[]) => void;
}

/** The core's own view of the context: what services get, plus the hooks the core wires. */
export interface CoreServiceContext extends ServiceContext {
  setActor(fn: () => string): void;
  /** For writes made outside `write` (raw transactions): announces them once nothing is open. */
  flushCommitted(): void;
  isOwnAuditId(id: number): boolean;
}

export function createServiceContext(options: ServiceContextOptions): CoreServiceContext {
  const { db } = options;
  const settings = createSettingsRepository(db);
  const log = createMutationLog(db);
  let pending: ChangedEntity[] = [];
  let actorName: () => string = () => settings.get().localUserName ?? 'Local admin';

  const flush = () => {
    if (pending.length === 0 || db.inTransaction) return;
    const entities = pending;
    pending = [];
    options.onCommitted?.(entities);
  };

  // Audit ids written here, so the external-change watcher does not announce them twice.
  const ownAuditIds = new Set<number>();
  const record = (entry: MutationRecord) => {
    ownAuditIds.add(log.record(entry));
    if (ownAuditIds.size > 10_000) ownAuditIds.delete(ownAuditIds.values().next().value!);
    pending.push({ entityType: entry.entityType, entityId: entry.entityId, workspaceId: entry.workspaceId });
  };

  const ctx: CoreServiceContext = {
    db,
    now: options.now,
    actor: () => actorName(),
    settings,
    write<T>(fn: () => T): T {
      if (db.inTransaction) return db.transaction(fn)(); // nested: a savepoint inside the caller's write
      try {
        const result = db.transaction(fn).immediate();
        flush();
        return result;
      } catch (error) {
        pending = [];
        throw error;
      }
    },
    record,
    touch(entity) {
      pending.push(entity);
    },
    setActor(fn) {
      actorName = fn;
    },
    flushCommitted: flush,
    isOwnAuditId: (id) => ownAuditIds.has(id),
  };
  return ctx;
}
