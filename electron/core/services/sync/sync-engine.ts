/**
 * The sync engine: plan (read the remote, diff3 against the bases, store the plan with its hash),
 * apply (journal → send → commit, one operation at a time, under a single-writer lease), recovery
 * of an interrupted apply (replay the journaled idempotency key, never a blind re-send), and the
 * usage pull (cursor committed with the rows).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AppError } from '../../../../shared/contract/errors';
import type { JobResult } from '../../../../shared/contract/job-schemas';
import type { PlanOp, SyncPlan } from '../../../../shared/contract/sync-schemas';
import { resourcePath, WORKSPACE_DOCUMENTS, type RemoteResource, type ResourceType, type UsageRecordWire } from '../../../../shared/gateway-protocol/v1';
import type { JobHandle } from '../../jobs/job-runner';
import type { SyncOpRow, SyncRepository } from '../../store/sync-repository';
import type { ServiceContext } from '../service-context';
import { entityIdOf, hashData, hashPlan, planSync, splitEntityId, type PlanOpDetail, type PlannerLocal } from './planner';
import type { RemoteAdapter, WriteOutcome } from './gasa-adapter';

/** What the engine needs of the local store (services/sync/local-state). */
export interface EngineLocalState {
  readAll(): PlannerLocal[];
  read(type: ResourceType, id: string, parentId?: string | null): PlannerLocal | null;
  /** Inside ctx.write: writes one pulled resource (null data = delete) with its audit entry. */
  applyPulled(change: { type: ResourceType; id: string; parentId: string | null; data: Record<string, unknown> | null }, remoteName: string): unknown;
}

export interface EngineUsageStore {
  /** Inside ctx.write: rows + rollup + cursor in one transaction. */
  insertPulledPage(records: readonly UsageRecordWire[], remoteId: string, cursor: string | null): { inserted: number; duplicates: number };
}

export interface EngineConnection {
  remote: { id: string; name: string };
  adapter: RemoteAdapter;
  /** Reads (and stores) the remote's capabilities; its limits become the local limits. */
  capabilities?: () => Promise<unknown>;
}

export interface SyncEngineOptions {
  ctx: ServiceContext;
  repo: SyncRepository;
  local: EngineLocalState;
  usage: EngineUsageStore;
  connect(remoteId: string): EngineConnection;
  /** Plaintext of a provider secret, for the request body only; never stored or logged. */
  providerSecret(providerKeyId: string): string;
  knownModels(): ReadonlySet<string>;
  /** Called after the plan read the remote's capabilities (limits become local limits). */
  onCapabilities?: (remoteId: string, capabilities: unknown) => void;
  /** Test hook: `before-send:N`, `after-send-before-commit:N` or `after-commit:N` kills this process at the Nth hit. */
  crashAt?: string | undefined;
  /** This process, for the lease (`pid@host`). */
  processId?: string;
  isProcessAlive?: (pid: number) => boolean;
}

interface StoredPlan {
  plan: SyncPlan;
  details: PlanOpDetail[];
}

interface JournalRequest {
  method: 'PUT' | 'DELETE';
  path: string;
  ifMatch?: string;
  ifNoneMatch?: '*';
  body?: { data: Record<string, unknown> };
  /** The provider key whose secret goes into `body.data.secret` at send time. */
  secretFrom?: string;
}

const LEASE_MS = 60_000;
const DOCUMENT_TYPES = new Set<ResourceType>(WORKSPACE_DOCUMENTS);
const CHANGE_PAGE = 500;
const USAGE_PAGE = 1000;

export function createSyncEngine(options: SyncEngineOptions) {
  const { ctx, repo, local } = options;
  const iso = () => ctx.now().toISOString();
  const me = options.processId ?? `${process.pid}@${hostname()}`;
  const alive = options.isProcessAlive ?? defaultIsAlive;
  const crashCounts = new Map<string, number>();

  const crashPoint = (name: string) => {
    if (!options.crashAt) return;
    const [hook, nth] = options.crashAt.split(':');
    if (hook !== name) return;
    const count = (crashCounts.get(name) ?? 0) + 1;
    crashCounts.set(name, count);
    if (count === Number(nth ?? '1')) process.kill(process.pid, 'SIGKILL');
  };

  // ---- Lease: one writer per remote across processes ---------------------------------------
  function acquireLease(remoteId: string): string {
    const token = `${me}#${randomBytes(4).toString('hex')}`;
    ctx.write(() => {
      const lease = repo.lease(remoteId);
      if (!lease) throw new AppError('E_NOT_FOUND', `Remote ${remoteId} does not exist`);
      if (lease.owner && lease.expiresAt && lease.expiresAt > iso() && holderAlive(lease.owner)) {
        throw new AppError('E_CONFLICT', `Another Gatehouse (${lease.owner.split('#')[0]}) is syncing with this remote; try again when it finishes`);
      }
      repo.setLease(remoteId, token, new Date(ctx.now().getTime() + LEASE_MS).toISOString());
    });
    renewedAt = ctx.now().getTime();
    return token;
  }
  function holderAlive(owner: string): boolean {
    const [pidAtHost] = owner.split('#');
    const [pid, host] = (pidAtHost ?? '').split('@');
    if (host !== hostname()) return true; // another machine's lease: wait for it to expire
    return alive(Number(pid));
  }
  // Renewed once a third of the lease has passed, not after every op (one commit less per op).
  let renewedAt = 0;
  const renewLease = (remoteId: string, token: string) => {
    const t = ctx.now().getTime();
    if (t - renewedAt < LEASE_MS / 3) return;
    renewedAt = t;
    ctx.write(() => {
      if (repo.lease(remoteId)?.owner === token) repo.setLease(remoteId, token, new Date(t + LEASE_MS).toISOString());
    });
  };
  const releaseLease = (remoteId: string, token: string) => ctx.write(() => repo.releaseLease(remoteId, token));

  async function withLease<T>(remoteId: string, fn: (token: string) => Promise<T>): Promise<T> {
    const token = acquireLease(remoteId);
    try {
      return await fn(token);
    } finally {
      releaseLease(remoteId, token);
    }
  }

  // ---- Reading the remote into the cache -----------------------------------------------------
  async function refreshRemote(remoteId: string, adapter: RemoteAdapter, job: JobHandle): Promise<'full' | 'changes'> {
    let cursor = repo.cursor(remoteId, 'changes');
    let mode: 'full' | 'changes' = 'changes';
    if (cursor) {
      const followed = await followChanges(remoteId, adapter, cursor, job);
      if (followed) return mode;
    }
    mode = 'full';
    job.setMessage('Reading everything on the remote');
    const all: RemoteResource[] = [];
    let after: string | null = null;
    let asOf: string | null = null;
    for (;;) {
      await job.checkpoint();
      const page = await adapter.listResources(after, 1000);
      asOf ??= page.as_of;
      all.push(...(page.data as unknown as RemoteResource[]));
      job.progress(all.length, null);
      if (!page.next_cursor) break;
      after = page.next_cursor;
    }
    cursor = asOf!;
    ctx.write(() => {
      repo.clearCache(remoteId);
      for (const r of all) repo.cacheResource(remoteId, r.type, entityIdOf(r.type, r.id, r.parent_id), r, r.version);
      repo.setCursor(remoteId, 'changes', cursor, iso());
    });
    await followChanges(remoteId, adapter, cursor, job);
    return mode;
  }

  /** Follows the change feed to its end; false when the cursor expired (410) and a relist is needed. */
  async function followChanges(remoteId: string, adapter: RemoteAdapter, from: string, job: JobHandle): Promise<boolean> {
    let cursor = from;
    job.setMessage('Reading changes on the remote');
    for (;;) {
      await job.checkpoint();
      const page = await adapter.changes(cursor, CHANGE_PAGE);
      if (!page) return false;
      const next = page.next_cursor;
      ctx.write(() => {
        for (const change of page.changes) {
          const ref = entityIdOf(change.type, change.id, change.parent_id);
          if (change.op === 'delete' || !change.resource) repo.uncacheResource(remoteId, change.type, ref);
          else repo.cacheResource(remoteId, change.type, ref, change.resource, change.version);
        }
        repo.setCursor(remoteId, 'changes', next, iso());
      });
      cursor = next;
      if (!page.has_more) return true;
    }
  }

  // ---- Plan --------------------------------------------------------------------------------
  async function plan(remoteId: string, job: JobHandle): Promise<Extract<JobResult, { kind: 'sync-plan' }>> {
    const conn = options.connect(remoteId);
    await recoverInterrupted(remoteId, conn, job);
    job.setMessage('Checking the remote');
    const capabilities = conn.capabilities ? await conn.capabilities() : await conn.adapter.capabilities();
    options.onCapabilities?.(remoteId, capabilities);
    const remoteRead = await refreshRemote(remoteId, conn.adapter, job);
    job.setMessage('Comparing');
    await job.checkpoint();
    const runId = `run-${randomBytes(8).toString('hex')}`;
    // One read transaction: the local rows and the change-log high-water mark are one snapshot.
    const snapshot = ctx.db.transaction(() => ({
      changeSeqHigh: repo.maxChangeSeq(),
      local: local.readAll(),
      links: repo.links(remoteId),
      remote: repo.cachedResources(remoteId) as RemoteResource[],
      resolutions: repo.resolutions(remoteId),
    }))();
    const out = planSync({
      runId,
      remoteId,
      remoteName: conn.remote.name,
      createdAt: iso(),
      remoteRead,
      knownModels: options.knownModels(),
      ...snapshot,
    });
    const stored: StoredPlan = { plan: out.plan, details: out.details };
    ctx.write(() => {
      const at = iso();
      for (const link of out.bookkeeping.setLinks) repo.setLink(remoteId, link, at);
      for (const drop of out.bookkeeping.dropLinks) repo.deleteLink(remoteId, drop.entityType, drop.localId);
      repo.insertRun({ id: runId, remoteId, planJson: JSON.stringify(stored), planHash: out.plan.planHash, changeSeqHigh: snapshot.changeSeqHigh, at });
      // Nothing to push or pull: every local change up to here is on the remote already.
      if (out.plan.ops.length === 0) repo.markSyncedUpTo(snapshot.changeSeqHigh, new Set(), at);
    });
    job.progress(out.plan.ops.length, out.plan.ops.length);
    return { kind: 'sync-plan', runId, planHash: out.plan.planHash, ...out.plan.summary };
  }

  function storedPlan(runId: string): { run: NonNullable<ReturnType<SyncRepository['run']>>; stored: StoredPlan } {
    const run = repo.run(runId);
    if (!run) throw AppError.field('E_NOT_FOUND', 'runId', `Sync run ${runId} does not exist`);
    return { run, stored: JSON.parse(run.planJson) as StoredPlan };
  }

  function getPlan(runId: string): SyncPlan {
    return storedPlan(runId).stored.plan;
  }

  /** Why a plan cannot be applied now (checked before the job starts and again under the lease). */
  function assertApplicable(runId: string, planHash: string): { run: NonNullable<ReturnType<SyncRepository['run']>>; stored: StoredPlan } {
    const { run, stored } = storedPlan(runId);
    if (run.planHash !== planHash) throw AppError.field('E_CONFLICT', 'planHash', 'This is not the plan you reviewed (its hash differs); review the changes again');
    const { plan: body, details } = stored;
    const { planHash: _omit, ...unsigned } = body;
    if (hashPlan(unsigned, details) !== run.planHash) throw new AppError('E_STORAGE', 'The stored plan does not match its hash; review the changes again');
    if (run.state !== 'planned') {
      throw new AppError('E_CONFLICT', run.state === 'discarded' ? 'A newer plan replaced this one; review the changes again' : `This plan was already used (${run.state}); review the changes again`);
    }
    const stale = repo.changesAfter(run.changeSeqHigh, 5);
    if (stale.total > 0) {
      const named = stale.items.map((c) => `${c.entityType.replace(/_/g, ' ')} ${c.entityId} (${c.op})`).join(', ');
      throw new AppError('E_CONFLICT', `The plan is stale: ${stale.total} local change(s) since it was made (${named}${stale.total > stale.items.length ? ', …' : ''}). Review the changes again`);
    }
    return { run, stored };
  }

  // ---- Apply -------------------------------------------------------------------------------
  async function apply(runId: string, planHash: string, job: JobHandle): Promise<Extract<JobResult, { kind: 'sync-apply' }>> {
    const { run } = assertApplicable(runId, planHash);
    const conn = options.connect(run.remoteId);
    return withLease(run.remoteId, async (token) => {
      const { stored } = assertApplicable(runId, planHash);
      const { plan: body, details } = stored;
      const detailOf = new Map(details.map((d) => [d.ord, d]));
      const runnable = body.ops.filter((op) => op.kind !== 'conflict');
      ctx.write(() => {
        const at = iso();
        repo.setRunState(runId, 'applying', null, at, false);
        for (const op of runnable) repo.insertOp({ runId, ord: op.ord, entityType: op.type, localId: op.localId, kind: op.kind, idempotencyKey: `gh-${runId}-${op.ord}`, at });
      });
      job.progress(0, runnable.length);
      const outcome = new Map<number, 'done' | 'failed' | 'conflict' | 'skipped'>();
      for (const op of body.ops) if (op.kind === 'conflict') outcome.set(op.ord, 'conflict');
      const journal = new Map(repo.ops(runId).map((o) => [o.ord, o]));
      let n = 0;
      for (const op of runnable) {
        await job.checkpoint();
        const detail = detailOf.get(op.ord)!;
        const blocked = op.dependsOn.find((d) => outcome.get(d) !== 'done');
        if (blocked !== undefined) {
          ctx.write(() => repo.finishOp(runId, op.ord, 'skipped', 0, null, `Not sent: operation ${blocked} did not complete`, iso()));
          outcome.set(op.ord, 'skipped');
        } else {
          job.setMessage(`${verb(op)} ${op.label}`);
          outcome.set(op.ord, await runOp(conn, runId, op, detail, journal.get(op.ord)!));
        }
        job.progress(++n, runnable.length);
        renewLease(run.remoteId, token);
      }
      return finishRun(run.remoteId, runId, body, outcome, run.changeSeqHigh);
    });
  }

  function finishRun(remoteId: string, runId: string, body: SyncPlan, outcome: Map<number, string>, changeSeqHigh: number): Extract<JobResult, { kind: 'sync-apply' }> {
    const counts = { done: 0, failed: 0, conflict: 0, skipped: 0 };
    for (const state of outcome.values()) counts[state as keyof typeof counts] += 1;
    const runnable = body.ops.filter((op) => op.kind !== 'conflict').length;
    const state = counts.done === runnable && counts.conflict === 0 ? 'applied' : counts.done > 0 ? 'partial' : runnable === 0 && counts.conflict > 0 ? 'partial' : 'failed';
    const message =
      state === 'applied'
        ? null
        : [counts.failed && `${counts.failed} failed`, counts.conflict && `${counts.conflict} conflict(s)`, counts.skipped && `${counts.skipped} skipped`].filter(Boolean).join(', ');
    ctx.write(() => {
      const at = iso();
      const keep = new Set<string>();
      for (const op of body.ops) if (outcome.get(op.ord) !== 'done') for (const k of changeLogKeys(op)) keep.add(k);
      repo.markSyncedUpTo(changeSeqHigh, keep, at);
      repo.setRunState(runId, state, message || null, at, true);
      if (counts.done > 0) repo.setLastSync(remoteId, at);
      ctx.record({
        at,
        actor: ctx.actor(),
        action: 'sync.apply',
        entityType: 'sync_run',
        entityId: runId,
        workspaceId: null,
        before: null,
        after: { remoteId, state, ...counts },
      });
    });
    return { kind: 'sync-apply', runId, state, ...counts };
  }

  async function runOp(conn: EngineConnection, runId: string, op: PlanOp, detail: PlanOpDetail, journal: SyncOpRow): Promise<'done' | 'failed' | 'conflict'> {
    const remoteId = conn.remote.id;
    if (op.kind === 'pull') {
      try {
        ctx.write(() => {
          assertLocalUnchanged(op, detail);
          commitPull(remoteId, conn.remote.name, op, detail);
          repo.finishOp(runId, op.ord, 'done', 0, null, null, iso());
        });
        return 'done';
      } catch (error) {
        const message = error instanceof AppError ? error.message : 'The local write failed';
        ctx.write(() => repo.finishOp(runId, op.ord, 'failed', 0, null, message, iso()));
        if (!(error instanceof AppError)) throw error;
        return 'failed';
      }
    }
    const request = buildRequest(op, detail);
    ctx.write(() => repo.markSent(runId, op.ord, JSON.stringify(request), iso()));
    crashPoint('before-send');
    return send(conn, runId, op, detail, request, journal.idempotencyKey);
  }

  async function send(conn: EngineConnection, runId: string, op: PlanOp, detail: PlanOpDetail, request: JournalRequest, idempotencyKey: string): Promise<'done' | 'failed' | 'conflict'> {
    let attempts = 0;
    let result: WriteOutcome;
    try {
      result = await conn.adapter.write({
        method: request.method,
        path: request.path,
        ...(request.ifMatch ? { ifMatch: request.ifMatch } : {}),
        ...(request.ifNoneMatch ? { ifNoneMatch: request.ifNoneMatch } : {}),
        idempotencyKey,
        ...(request.body ? { body: withSecret(request) } : {}),
        onAttempt: (count) => {
          attempts = count;
        },
      });
    } catch (error) {
      const message = error instanceof AppError ? error.message : 'The request failed';
      ctx.write(() => repo.finishOp(runId, op.ord, 'failed', attempts, null, message, iso()));
      if (!(error instanceof AppError)) throw error;
      return 'failed';
    }
    crashPoint('after-send-before-commit');
    const state = commitOutcome(conn, runId, op, detail, result, attempts);
    crashPoint('after-commit');
    return state;
  }

  function commitOutcome(conn: EngineConnection, runId: string, op: PlanOp, detail: PlanOpDetail, result: WriteOutcome, attempts: number): 'done' | 'failed' | 'conflict' {
    const remoteId = conn.remote.id;
    return ctx.write(() => {
      const at = iso();
      if (result.kind === 'done') {
        if (op.kind === 'delete') {
          repo.deleteLink(remoteId, op.type, op.localId);
          repo.uncacheResource(remoteId, op.type, detail.remoteRef);
        } else {
          if (result.resource) cacheRemote(remoteId, result.resource);
          let base = detail.base ?? {};
          if (detail.pull !== undefined && localStillAsPlanned(op, detail)) {
            local.applyPulled({ type: op.type, id: splitEntityId(op.type, op.localId).id, parentId: detail.parentId, data: detail.pull }, conn.remote.name);
            base = readLocal(op)?.data ?? base;
          }
          repo.setLink(remoteId, { entityType: op.type, localId: op.localId, remoteRef: detail.remoteRef, base }, at);
        }
        repo.clearResolutions(remoteId, op.type, op.localId);
        repo.finishOp(runId, op.ord, 'done', attempts, result.status, result.replayed ? 'Replayed: the gateway had already applied it' : null, at);
        return 'done';
      }
      if (result.kind === 'conflict') {
        if (result.current) cacheRemote(remoteId, result.current);
        repo.finishOp(runId, op.ord, 'conflict', attempts, result.status, `Changed on the remote since the plan: ${result.message}`, at);
        return 'conflict';
      }
      // Gave up on a retryable failure (no answer, 5xx, 429…): the gateway may have committed it
      // on any attempt. The op stays `sent` (outcome unknown) and the next plan settles it by
      // replaying its idempotency key, as after a crash; dependents are still not sent now.
      const unknown = result.kind === 'failed' && result.retryable;
      repo.finishOp(runId, op.ord, unknown ? 'sent' : 'failed', attempts, result.status, unknown ? `Outcome unknown (${result.message}); the next plan replays it` : result.message, at);
      return 'failed';
    });
  }

  function commitPull(remoteId: string, remoteName: string, op: PlanOp, detail: PlanOpDetail) {
    const at = iso();
    local.applyPulled({ type: op.type, id: splitEntityId(op.type, op.localId).id, parentId: detail.parentId, data: detail.pull ?? null }, remoteName);
    if (detail.pull === null) {
      repo.deleteLink(remoteId, op.type, op.localId);
    } else {
      const after = readLocal(op);
      repo.setLink(remoteId, { entityType: op.type, localId: op.localId, remoteRef: detail.remoteRef, base: after?.data ?? detail.pull ?? {} }, at);
    }
    repo.clearResolutions(remoteId, op.type, op.localId);
  }

  const cacheRemote = (remoteId: string, r: RemoteResource) => repo.cacheResource(remoteId, r.type, entityIdOf(r.type, r.id, r.parent_id), r, r.version);
  const readLocal = (op: PlanOp) => {
    const { id, parentId } = splitEntityId(op.type, op.localId);
    return local.read(op.type, id, parentId ?? op.workspaceId);
  };
  const localStillAsPlanned = (op: PlanOp, detail: PlanOpDetail) => {
    // A workspace's documents (budget, provider access, grants) appear with their defaults as soon
    // as the workspace does: absent at plan time means "nothing edited here" for them.
    if (detail.localHash === null && DOCUMENT_TYPES.has(op.type)) return true;
    const now = readLocal(op);
    return (now ? hashData(now.data) : null) === detail.localHash;
  };
  const assertLocalUnchanged = (op: PlanOp, detail: PlanOpDetail) => {
    if (!localStillAsPlanned(op, detail)) throw new AppError('E_CONFLICT', `${op.label} changed here since the plan; review the changes again`);
  };

  function buildRequest(op: PlanOp, detail: PlanOpDetail): JournalRequest {
    const path = resourcePath(op.type, splitEntityId(op.type, detail.remoteRef).id, detail.remoteParentRef);
    if (op.kind === 'delete') return { method: 'DELETE', path, ifMatch: op.expectEtag ?? '"v0"' };
    const request: JournalRequest = { method: 'PUT', path, body: { data: detail.send ?? {} } };
    if (op.kind === 'create') request.ifNoneMatch = '*';
    else request.ifMatch = op.expectEtag ?? '"v0"';
    if (detail.secretFrom) request.secretFrom = detail.secretFrom;
    return request;
  }

  function withSecret(request: JournalRequest): unknown {
    if (!request.body || !request.secretFrom) return request.body;
    return { data: { ...request.body.data, secret: options.providerSecret(request.secretFrom) } };
  }

  // ---- Recovery: finish what a crash left `sent` -------------------------------------------
  async function recoverInterrupted(remoteId: string, conn: EngineConnection, job: JobHandle): Promise<number> {
    const runs = repo.runsInState(remoteId, 'applying');
    if (runs.length === 0 && repo.finishedRunsWithSentOps(remoteId).length === 0) return 0;
    return withLease(remoteId, async () => {
      let settled = 0;
      // Finished runs whose writes gave up with the outcome unknown: replay each once (the stored
      // answer if it committed, else it runs now). Still unknown after that: failed, for good, so a
      // key is never replayed after later runs touched the same entity.
      for (const run of repo.finishedRunsWithSentOps(remoteId)) {
        job.setMessage('Settling requests whose outcome was unknown');
        const { plan: body, details } = JSON.parse(run.planJson) as StoredPlan;
        const opByOrd = new Map(body.ops.map((op) => [op.ord, op]));
        const detailOf = new Map(details.map((d) => [d.ord, d]));
        for (const row of repo.ops(run.id)) {
          if (row.state !== 'sent' || !row.requestJson) continue;
          await send(conn, run.id, opByOrd.get(row.ord)!, detailOf.get(row.ord)!, JSON.parse(row.requestJson) as JournalRequest, row.idempotencyKey);
          settled += 1;
          const after = repo.ops(run.id).find((o) => o.ord === row.ord);
          if (after?.state === 'sent') ctx.write(() => repo.finishOp(run.id, row.ord, 'failed', 0, after.lastStatus, `Outcome still unknown after a replay: ${after.message ?? ''}`, iso()));
        }
      }
      let replayed = 0;
      for (const run of repo.runsInState(remoteId, 'applying')) {
        job.setMessage('Finishing an interrupted sync');
        const { plan: body, details } = JSON.parse(run.planJson) as StoredPlan;
        const opByOrd = new Map(body.ops.map((op) => [op.ord, op]));
        const detailOf = new Map(details.map((d) => [d.ord, d]));
        const outcome = new Map<number, 'done' | 'failed' | 'conflict' | 'skipped'>();
        for (const row of repo.ops(run.id)) {
          const op = opByOrd.get(row.ord)!;
          if (row.state === 'sent' && row.requestJson) {
            // The request may or may not have reached the gateway: the same idempotency key tells.
            outcome.set(row.ord, await send(conn, run.id, op, detailOf.get(row.ord)!, JSON.parse(row.requestJson) as JournalRequest, row.idempotencyKey));
            replayed += 1;
          } else if (row.state === 'pending') {
            ctx.write(() => repo.finishOp(run.id, row.ord, 'skipped', 0, null, 'Interrupted before it was sent; planned again', iso()));
            outcome.set(row.ord, 'skipped');
          } else {
            outcome.set(row.ord, row.state as 'done' | 'failed' | 'conflict' | 'skipped');
          }
        }
        for (const op of body.ops) if (op.kind === 'conflict') outcome.set(op.ord, 'conflict');
        finishRun(remoteId, run.id, body, outcome, run.changeSeqHigh);
        ctx.write(() => repo.setRunState(run.id, 'interrupted', `Interrupted; ${replayed} request(s) in flight were settled by replaying their idempotency keys`, iso(), true));
      }
      return settled + replayed;
    });
  }

  // ---- Usage pull --------------------------------------------------------------------------
  async function pullUsage(remoteId: string, job: JobHandle): Promise<Extract<JobResult, { kind: 'sync-usage' }>> {
    const conn = options.connect(remoteId);
    let cursor = repo.cursor(remoteId, 'usage');
    let records = 0;
    let inserted = 0;
    let duplicates = 0;
    let pages = 0;
    job.setMessage('Pulling usage records');
    for (;;) {
      await job.checkpoint();
      const page = await conn.adapter.usage(cursor, USAGE_PAGE);
      const next = page.next_cursor ?? cursor;
      const counts = ctx.write(() => options.usage.insertPulledPage(page.records, remoteId, next));
      records += page.records.length;
      inserted += counts.inserted;
      duplicates += counts.duplicates;
      pages += 1;
      cursor = next;
      job.progress(records, null);
      if (!page.has_more || page.records.length === 0) break;
    }
    ctx.write(() => {
      const at = iso();
      repo.setLastUsagePull(remoteId, at);
      ctx.record({
        at,
        actor: `sync: ${conn.remote.name}`,
        action: 'usage.pull',
        entityType: 'usage',
        entityId: remoteId,
        workspaceId: null,
        before: null,
        after: { remote: conn.remote.name, records, inserted, duplicates },
      });
    });
    return { kind: 'sync-usage', records, inserted, duplicates, pages };
  }

  return { plan, getPlan, assertApplicable, apply, pullUsage, recoverInterrupted };
}
export type SyncEngine = ReturnType<typeof createSyncEngine>;

function verb(op: PlanOp): string {
  if (op.kind === 'pull') return op.localAction === 'delete' ? 'Removing here' : 'Updating here';
  return op.kind === 'create' ? 'Creating' : op.kind === 'delete' ? 'Deleting' : 'Updating';
}

/** The change-log rows an op settles (entity types and ids as the services write them). */
function changeLogKeys(op: PlanOp): string[] {
  switch (op.type) {
    case 'workspace_member':
      return [`workspace_member:${op.localId}`];
    case 'model_grants':
      return [`workspace_model_grants:${op.localId}`];
    case 'budget':
      return [`workspace_budget:${op.localId}`, `workspace:${op.localId}`];
    case 'provider_access':
      return [`workspace_provider_access:${op.localId}`];
    case 'routing':
      return [`workspace_routes:${op.localId}`];
    case 'guardrails':
      return [`workspace_guardrails:${op.localId}`];
    default:
      return [`${op.type}:${op.localId}`];
  }
}

function defaultIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
