import type { Db } from './database';

/** What the engine remembers per linked entity: the remote id and the agreed snapshot (diff3 base). */
export interface SyncLink {
  entityType: string;
  localId: string;
  remoteRef: string;
  base: Record<string, unknown>;
}

export interface SyncRunRow {
  id: string;
  remoteId: string;
  state: 'planned' | 'applying' | 'applied' | 'partial' | 'failed' | 'interrupted' | 'discarded';
  planJson: string;
  planHash: string;
  changeSeqHigh: number;
  message: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type SyncOpState = 'pending' | 'sent' | 'done' | 'failed' | 'conflict' | 'skipped';

export interface SyncOpRow {
  runId: string;
  ord: number;
  entityType: string;
  localId: string;
  kind: string;
  requestJson: string | null;
  idempotencyKey: string;
  state: SyncOpState;
  attempts: number;
  lastStatus: number | null;
  message: string | null;
}

export interface SyncResolutionRow {
  entityType: string;
  localId: string;
  path: string;
  choice: 'keep-local' | 'take-remote';
  localJson: string;
  remoteJson: string;
}

export interface PendingChange {
  seq: number;
  entityType: string;
  entityId: string;
  op: string;
}

/** Change-log entity types that sync carries (the rest are local-only). */
const SYNCED_CHANGE_TYPES = [
  'workspace',
  'api_key',
  'member',
  'workspace_member',
  'workspace_model_grants',
  'workspace_budget',
  'provider_key',
  'workspace_provider_access',
];
const SYNCED_IN = SYNCED_CHANGE_TYPES.map((t) => `'${t}'`).join(', ');

const RUN_COLUMNS = `id, remote_id AS remoteId, state, plan_json AS planJson, plan_hash AS planHash, change_seq_high AS changeSeqHigh,
  message, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt`;
const OP_COLUMNS = `run_id AS runId, ord, entity_type AS entityType, local_id AS localId, kind, request_json AS requestJson,
  idempotency_key AS idempotencyKey, state, attempts, last_status AS lastStatus, message`;

/** SQL of the sync engine's own tables (sync_links, sync_remote_cache, sync_cursors, sync_runs, sync_ops, sync_resolutions). */
export function createSyncRepository(db: Db) {
  const linksOf = db.prepare('SELECT entity_type AS entityType, local_id AS localId, remote_ref AS remoteRef, base_json AS baseJson FROM sync_links WHERE remote_id = ?');
  const upsertLink = db.prepare(
    `INSERT INTO sync_links (remote_id, entity_type, local_id, remote_ref, base_json, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (remote_id, entity_type, local_id) DO UPDATE SET remote_ref = excluded.remote_ref, base_json = excluded.base_json, updated_at = excluded.updated_at`,
  );
  const deleteLinkByRemote = db.prepare('DELETE FROM sync_links WHERE remote_id = ? AND entity_type = ? AND remote_ref = ? AND local_id <> ?');
  const deleteLink = db.prepare('DELETE FROM sync_links WHERE remote_id = ? AND entity_type = ? AND local_id = ?');

  const cacheOf = db.prepare('SELECT resource_json FROM sync_remote_cache WHERE remote_id = ?').pluck();
  const cachedVersion = db.prepare('SELECT version FROM sync_remote_cache WHERE remote_id = ? AND entity_type = ? AND remote_ref = ?').pluck();
  const upsertCache = db.prepare(
    `INSERT INTO sync_remote_cache (remote_id, entity_type, remote_ref, resource_json, version) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (remote_id, entity_type, remote_ref) DO UPDATE SET resource_json = excluded.resource_json, version = excluded.version`,
  );
  const deleteCache = db.prepare('DELETE FROM sync_remote_cache WHERE remote_id = ? AND entity_type = ? AND remote_ref = ?');
  const clearCache = db.prepare('DELETE FROM sync_remote_cache WHERE remote_id = ?');

  const cursorOf = db.prepare('SELECT cursor FROM sync_cursors WHERE remote_id = ? AND stream = ?').pluck();
  const setCursor = db.prepare(
    `INSERT INTO sync_cursors (remote_id, stream, cursor, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (remote_id, stream) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at`,
  );

  const insertRun = db.prepare(
    `INSERT INTO sync_runs (id, remote_id, state, plan_json, plan_hash, change_seq_high, created_at) VALUES (?, ?, 'planned', ?, ?, ?, ?)`,
  );
  const runById = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id = ?`);
  const runsOf = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE remote_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`);
  const latestRun = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE remote_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`);
  const runsInState = db.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE remote_id = ? AND state = ? ORDER BY created_at, rowid`);
  const finishedRunsWithSent = db.prepare(
    `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE remote_id = ? AND state NOT IN ('planned', 'applying')
        AND EXISTS (SELECT 1 FROM sync_ops o WHERE o.run_id = sync_runs.id AND o.state = 'sent') ORDER BY created_at, rowid`,
  );
  const discardPlanned = db.prepare(`UPDATE sync_runs SET state = 'discarded', finished_at = ?, message = 'Replaced by a newer plan' WHERE remote_id = ? AND state = 'planned' AND id <> ?`);
  const setRunState = db.prepare('UPDATE sync_runs SET state = ?, message = ?, started_at = COALESCE(started_at, ?), finished_at = ? WHERE id = ?');

  const insertOp = db.prepare(
    `INSERT INTO sync_ops (run_id, ord, entity_type, local_id, kind, request_json, idempotency_key, state, updated_at)
     VALUES (?, ?, ?, ?, ?, NULL, ?, 'pending', ?) ON CONFLICT (run_id, ord) DO NOTHING`,
  );
  const opsOf = db.prepare(`SELECT ${OP_COLUMNS} FROM sync_ops WHERE run_id = ? ORDER BY ord`);
  const markSent = db.prepare(`UPDATE sync_ops SET state = 'sent', request_json = ?, updated_at = ? WHERE run_id = ? AND ord = ?`);
  const finishOp = db.prepare('UPDATE sync_ops SET state = ?, attempts = attempts + ?, last_status = ?, message = ?, updated_at = ? WHERE run_id = ? AND ord = ?');
  const opCounts = db.prepare('SELECT state, COUNT(*) AS n FROM sync_ops WHERE run_id = ? GROUP BY state');

  const resolutionsOf = db.prepare(
    'SELECT entity_type AS entityType, local_id AS localId, path, choice, local_json AS localJson, remote_json AS remoteJson FROM sync_resolutions WHERE remote_id = ?',
  );
  const upsertResolution = db.prepare(
    `INSERT INTO sync_resolutions (remote_id, entity_type, local_id, path, choice, local_json, remote_json, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (remote_id, entity_type, local_id, path) DO UPDATE SET choice = excluded.choice, local_json = excluded.local_json,
       remote_json = excluded.remote_json, resolved_at = excluded.resolved_at`,
  );
  const deleteResolutionsOf = db.prepare('DELETE FROM sync_resolutions WHERE remote_id = ? AND entity_type = ? AND local_id = ?');

  const maxChangeSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM change_log').pluck();
  const changesAfter = db.prepare(
    `SELECT seq, entity_type AS entityType, entity_id AS entityId, op FROM change_log WHERE seq > ? AND entity_type IN (${SYNCED_IN}) ORDER BY seq LIMIT ?`,
  );
  const countChangesAfter = db.prepare(`SELECT COUNT(*) FROM change_log WHERE seq > ? AND entity_type IN (${SYNCED_IN})`).pluck();
  const pendingEntities = db.prepare(
    `SELECT COUNT(*) FROM (SELECT DISTINCT entity_type, entity_id FROM change_log WHERE synced_at IS NULL AND entity_type IN (${SYNCED_IN}))`,
  ).pluck();
  const markSynced = db.prepare('UPDATE change_log SET synced_at = ? WHERE synced_at IS NULL AND seq <= ? AND entity_type = ? AND entity_id = ?');
  const unsyncedUpTo = db.prepare(
    `SELECT DISTINCT entity_type AS entityType, entity_id AS entityId FROM change_log WHERE synced_at IS NULL AND seq <= ?`,
  );

  // Read-model: the catalog's model ids (a remote grant of another model is kept remotely, not pulled).
  const modelIds = db.prepare('SELECT id FROM models').pluck();
  const leaseOf = db.prepare('SELECT lock_owner AS owner, lock_expires_at AS expiresAt FROM sync_remotes WHERE id = ?');
  const setLease = db.prepare('UPDATE sync_remotes SET lock_owner = ?, lock_expires_at = ? WHERE id = ?');
  const releaseLease = db.prepare('UPDATE sync_remotes SET lock_owner = NULL, lock_expires_at = NULL WHERE id = ? AND lock_owner = ?');
  const setLastSync = db.prepare('UPDATE sync_remotes SET last_sync_at = ? WHERE id = ?');
  const setLastUsagePull = db.prepare('UPDATE sync_remotes SET last_usage_pull_at = ? WHERE id = ?');

  return {
    modelIds(): Set<string> {
      return new Set(modelIds.all() as string[]);
    },
    /** The single-writer lease of a remote (sync_remotes.lock_*; the engine's columns). */
    lease(remoteId: string): { owner: string | null; expiresAt: string | null } | null {
      return (leaseOf.get(remoteId) as { owner: string | null; expiresAt: string | null } | undefined) ?? null;
    },
    setLease(remoteId: string, owner: string, expiresAt: string): void {
      setLease.run(owner, expiresAt, remoteId);
    },
    releaseLease(remoteId: string, owner: string): void {
      releaseLease.run(remoteId, owner);
    },
    setLastSync(remoteId: string, at: string): void {
      setLastSync.run(at, remoteId);
    },
    setLastUsagePull(remoteId: string, at: string): void {
      setLastUsagePull.run(at, remoteId);
    },

    links(remoteId: string): SyncLink[] {
      return (linksOf.all(remoteId) as { entityType: string; localId: string; remoteRef: string; baseJson: string }[]).map((row) => ({
        entityType: row.entityType,
        localId: row.localId,
        remoteRef: row.remoteRef,
        base: JSON.parse(row.baseJson) as Record<string, unknown>,
      }));
    },
    /** Links one entity; a stale link of another local id to the same remote object is dropped first. */
    setLink(remoteId: string, link: SyncLink, at: string): void {
      deleteLinkByRemote.run(remoteId, link.entityType, link.remoteRef, link.localId);
      upsertLink.run(remoteId, link.entityType, link.localId, link.remoteRef, JSON.stringify(link.base), at);
    },
    deleteLink(remoteId: string, entityType: string, localId: string): void {
      deleteLink.run(remoteId, entityType, localId);
    },

    cachedResources(remoteId: string): unknown[] {
      return (cacheOf.all(remoteId) as string[]).map((json) => JSON.parse(json) as unknown);
    },
    /** Stores a remote resource unless the cache already holds a newer version (feed echoes, replays). */
    cacheResource(remoteId: string, type: string, remoteRef: string, resource: unknown, version: number): void {
      const known = cachedVersion.get(remoteId, type, remoteRef) as number | undefined;
      if (known !== undefined && known > version) return;
      upsertCache.run(remoteId, type, remoteRef, JSON.stringify(resource), version);
    },
    uncacheResource(remoteId: string, type: string, remoteRef: string): void {
      deleteCache.run(remoteId, type, remoteRef);
    },
    clearCache(remoteId: string): void {
      clearCache.run(remoteId);
    },

    cursor(remoteId: string, stream: 'changes' | 'usage'): string | null {
      return (cursorOf.get(remoteId, stream) as string | null | undefined) ?? null;
    },
    setCursor(remoteId: string, stream: 'changes' | 'usage', cursor: string | null, at: string): void {
      setCursor.run(remoteId, stream, cursor, at);
    },

    insertRun(run: { id: string; remoteId: string; planJson: string; planHash: string; changeSeqHigh: number; at: string }): void {
      insertRun.run(run.id, run.remoteId, run.planJson, run.planHash, run.changeSeqHigh, run.at);
      discardPlanned.run(run.at, run.remoteId, run.id);
    },
    run(id: string): SyncRunRow | null {
      return (runById.get(id) as SyncRunRow | undefined) ?? null;
    },
    runs(remoteId: string, limit: number): SyncRunRow[] {
      return runsOf.all(remoteId, limit) as SyncRunRow[];
    },
    latestRun(remoteId: string): SyncRunRow | null {
      return (latestRun.get(remoteId) as SyncRunRow | undefined) ?? null;
    },
    runsInState(remoteId: string, state: SyncRunRow['state']): SyncRunRow[] {
      return runsInState.all(remoteId, state) as SyncRunRow[];
    },
    /** Runs that finished with writes left `sent` (the outcome unknown: the gateway may have committed them). */
    finishedRunsWithSentOps(remoteId: string): SyncRunRow[] {
      return finishedRunsWithSent.all(remoteId) as SyncRunRow[];
    },
    setRunState(id: string, state: SyncRunRow['state'], message: string | null, at: string, finished: boolean): void {
      setRunState.run(state, message, at, finished ? at : null, id);
    },

    insertOp(op: { runId: string; ord: number; entityType: string; localId: string; kind: string; idempotencyKey: string; at: string }): void {
      insertOp.run(op.runId, op.ord, op.entityType, op.localId, op.kind, op.idempotencyKey, op.at);
    },
    ops(runId: string): SyncOpRow[] {
      return opsOf.all(runId) as SyncOpRow[];
    },
    /** The journal entry a crash leaves behind: committed before the request is sent. */
    markSent(runId: string, ord: number, requestJson: string, at: string): void {
      markSent.run(requestJson, at, runId, ord);
    },
    finishOp(runId: string, ord: number, state: SyncOpState, attempts: number, status: number | null, message: string | null, at: string): void {
      finishOp.run(state, attempts, status, message, at, runId, ord);
    },
    opCounts(runId: string): Record<SyncOpState, number> {
      const counts: Record<SyncOpState, number> = { pending: 0, sent: 0, done: 0, failed: 0, conflict: 0, skipped: 0 };
      for (const row of opCounts.all(runId) as { state: SyncOpState; n: number }[]) counts[row.state] = row.n;
      return counts;
    },

    resolutions(remoteId: string): SyncResolutionRow[] {
      return resolutionsOf.all(remoteId) as SyncResolutionRow[];
    },
    setResolution(remoteId: string, row: SyncResolutionRow, at: string): void {
      upsertResolution.run(remoteId, row.entityType, row.localId, row.path, row.choice, row.localJson, row.remoteJson, at);
    },
    clearResolutions(remoteId: string, entityType: string, localId: string): void {
      deleteResolutionsOf.run(remoteId, entityType, localId);
    },

    maxChangeSeq(): number {
      return maxChangeSeq.get() as number;
    },
    /** Synced-entity change-log rows after `seq` (first `limit`), and how many there are. */
    changesAfter(seq: number, limit: number): { items: PendingChange[]; total: number } {
      return { items: changesAfter.all(seq, limit) as PendingChange[], total: countChangesAfter.get(seq) as number };
    },
    pendingEntityCount(): number {
      return pendingEntities.get() as number;
    },
    /** Marks change-log rows up to `seqHigh` synced, except those of the entities listed in `keep`. */
    markSyncedUpTo(seqHigh: number, keep: ReadonlySet<string>, at: string): void {
      for (const row of unsyncedUpTo.all(seqHigh) as { entityType: string; entityId: string }[]) {
        if (keep.has(`${row.entityType}:${row.entityId}`)) continue;
        markSynced.run(at, seqHigh, row.entityType, row.entityId);
      }
    },
  };
}
export type SyncRepository = ReturnType<typeof createSyncRepository>;
