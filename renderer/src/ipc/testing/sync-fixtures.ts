import type { PlanConflict, PlanField, PlanOp, Remote, SyncPlan, SyncRun, SyncStatus } from '../../../../shared/contract/sync-schemas';

/** Remotes, plans and runs as the core returns them, for renderer tests; override what the test is about. */
export function remoteFixture(overrides: Partial<Remote> & Pick<Remote, 'id' | 'name'>): Remote {
  return {
    kind: 'gatehouse-v1',
    baseUrl: 'http://127.0.0.1:8787',
    hasCustomCa: false,
    limits: null,
    protocolVersion: null,
    lastTestedAt: null,
    lastSyncAt: null,
    lastUsagePullAt: null,
    version: 1,
    createdAt: '2026-11-30T09:00:00.000Z',
    updatedAt: '2026-11-30T09:00:00.000Z',
    ...overrides,
  };
}

export function syncStatusFixture(remotes: Array<{ remote: Remote; pendingChanges?: number; openConflicts?: number }>, pendingChanges = 0): SyncStatus {
  return {
    pendingChanges,
    remotes: remotes.map((r) => ({ remote: r.remote, pendingChanges: r.pendingChanges ?? pendingChanges, lastRun: null, openConflicts: r.openConflicts ?? 0 })),
  };
}

export function planFieldFixture(overrides: Partial<PlanField> & Pick<PlanField, 'path'>): PlanField {
  return { base: null, local: null, remote: null, result: null, source: 'local', writeOnly: false, ...overrides };
}

export function planOpFixture(overrides: Partial<PlanOp> & Pick<PlanOp, 'ord' | 'kind' | 'type' | 'localId' | 'label'>): PlanOp {
  return {
    localAction: 'none',
    remoteId: overrides.localId,
    workspaceId: null,
    workspaceName: null,
    fields: [],
    expectEtag: null,
    dependsOn: [],
    warnings: [],
    ...overrides,
  };
}

/** A plan whose summary counts its ops and conflicts. */
export function planFixture(overrides: Partial<SyncPlan> & Pick<SyncPlan, 'runId' | 'remoteId' | 'ops'>): SyncPlan {
  const conflicts: PlanConflict[] = overrides.conflicts ?? [];
  const countKind = (kind: PlanOp['kind']) => overrides.ops.filter((op) => op.kind === kind).length;
  return {
    remoteName: 'gateway',
    createdAt: '2026-11-30T10:00:00.000Z',
    changeSeqHigh: 42,
    remoteRead: 'full',
    warnings: [],
    planHash: 'a'.repeat(64),
    summary: { create: countKind('create'), update: countKind('update'), delete: countKind('delete'), pull: countKind('pull'), conflict: conflicts.length },
    ...overrides,
    conflicts,
  };
}

export function syncRunFixture(overrides: Partial<SyncRun> & Pick<SyncRun, 'runId' | 'remoteId' | 'state'>): SyncRun {
  return {
    summary: { create: 0, update: 0, delete: 0, pull: 0, conflict: 0 },
    createdAt: '2026-11-30T10:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ops: { done: 0, failed: 0, conflict: 0, skipped: 0, pending: 0 },
    message: null,
    ...overrides,
  };
}
