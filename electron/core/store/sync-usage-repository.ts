import type { UsageRecordWire } from '../../../shared/gateway-protocol/v1';
import type { Db } from './database';
import { createUsageRepository, type UsageRecord } from './usage-repository';

/**
 * Usage pulled from a remote's usage feed. Each page is stored exactly once: records are
 * idempotent by id (a duplicate is skipped and adds nothing to the rollup), and the feed cursor
 * advances in the same transaction as the records and the `usage_daily` rollup, so a crash before
 * the commit re-reads the page and a crash after it continues from the next one. Records for
 * workspaces this laptop does not know are stored too, as CSV imports do (usage has no foreign keys).
 */
export function createSyncUsageRepository(db: Db, now: () => Date) {
  // The same insert + rollup path as CSV imports, so both kinds of usage add up identically.
  const usage = createUsageRepository(db);
  const upsertCursor = db.prepare(
    `INSERT INTO sync_cursors (remote_id, stream, cursor, updated_at) VALUES (@remoteId, 'usage', @cursor, @at)
     ON CONFLICT (remote_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
  );
  const cursorOf = db.prepare("SELECT cursor FROM sync_cursors WHERE remote_id = ? AND stream = 'usage'").pluck();

  const toRecord = (r: UsageRecordWire): UsageRecord => ({
    id: r.id,
    at: r.occurred_at,
    workspaceId: r.workspace_id,
    keyId: r.key_id,
    modelId: r.model_id,
    requests: r.requests,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cachedTokens: r.cached_tokens,
    costMicros: r.cost_micros,
    currency: r.currency,
  });

  return {
    /**
     * Stores one validated page and moves the usage cursor of `remoteId` to `cursor`, inside the
     * caller's transaction (which must be open). Returns how many records were new.
     */
    insertPulledPage(records: readonly UsageRecordWire[], remoteId: string, cursor: string | null): { inserted: number; duplicates: number } {
      if (!db.inTransaction) throw new Error('sync-usage-repository.insertPulledPage must run inside the caller’s transaction');
      const counts = usage.insertBatch(records.map(toRecord));
      upsertCursor.run({ remoteId, cursor, at: now().toISOString() });
      return counts;
    },

    /** Where the next usage pull of `remoteId` starts (null: from the beginning). */
    usageCursor(remoteId: string): string | null {
      return (cursorOf.get(remoteId) as string | null | undefined) ?? null;
    },
  };
}
export type SyncUsageRepository = ReturnType<typeof createSyncUsageRepository>;
