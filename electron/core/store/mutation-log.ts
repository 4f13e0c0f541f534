import type { Db } from './database';

export interface MutationRecord {
  at: string;
  actor: string;
  /** e.g. `workspace.create`, `workspace.update`. */
  action: string;
  entityType: string;
  entityId: string;
  workspaceId: string | null;
  /** Entity snapshots without secrets; null for create (before) and delete (after). */
  before: object | null;
  after: object | null;
  /** Change-log (sync outbox) part; omitted for local-only preferences that never sync. */
  change?: { op: 'create' | 'update' | 'delete'; payload: object; baseVersion: number | null };
}

/**
 * Writes the audit entry and the change-log entry of one mutation. Call it inside the same
 * transaction as the mutation so all three commit or roll back together.
 */
export function createMutationLog(db: Db) {
  const insertAudit = db.prepare(
    `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertChange = db.prepare(
    `INSERT INTO change_log (at, entity_type, entity_id, op, payload_json, base_version) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  return {
    /** Returns the audit entry's id. */
    record(entry: MutationRecord): number {
      if (!db.inTransaction) throw new Error('mutation-log.record must run inside the mutation transaction');
      const audit = insertAudit.run(
        entry.at,
        entry.actor,
        entry.action,
        entry.entityType,
        entry.entityId,
        entry.workspaceId,
        entry.before ? JSON.stringify(entry.before) : null,
        entry.after ? JSON.stringify(entry.after) : null,
      );
      if (entry.change) {
        insertChange.run(
          entry.at,
          entry.entityType,
          entry.entityId,
          entry.change.op,
          JSON.stringify(entry.change.payload),
          entry.change.baseVersion,
        );
      }
      return Number(audit.lastInsertRowid);
    },
  };
}
export type MutationLog = ReturnType<typeof createMutationLog>;
