import type { PlanConflict, PlanField, PlanOp, PlanSummary, RemoteLimits, RemoteTest, SyncPlan, SyncRun } from '../../../../shared/contract/sync-schemas';
import { count, countOf } from '../jobs/job-format';
import { formatCount, formatDateTime, formatDecimal } from '../../lib/format';

/** "2 to create, 1 to update, 0 to delete, 3 from the remote, 1 conflict". */
export function summaryLine(summary: PlanSummary): string {
  return [
    `${count(summary.create)} to create`,
    `${count(summary.update)} to update`,
    `${count(summary.delete)} to delete`,
    `${count(summary.pull)} from the remote`,
    countOf(summary.conflict, ['conflict', 'conflicts']),
  ].join(', ');
}

/** Operations apply sends or writes: everything but held-back conflicts. */
export const applicableOps = (plan: SyncPlan): PlanOp[] => plan.ops.filter((op) => op.kind !== 'conflict');

/** "Apply 3 changes", or "Apply 3 changes (1 conflict held back)" while conflicts remain. */
export function applyLabel(plan: SyncPlan): string {
  const changes = `Apply ${countOf(applicableOps(plan).length, ['change', 'changes'])}`;
  const conflicts = plan.summary.conflict || plan.conflicts.length;
  return conflicts ? `${changes} (${countOf(conflicts, ['conflict', 'conflicts'])} held back)` : changes;
}

export interface OpGroup {
  /** null: org-level resources (members, provider keys). */
  workspaceId: string | null;
  title: string;
  ops: PlanOp[];
}

/** Org-level operations first, then one group per workspace by name; plan order inside a group. */
export function groupOps(ops: readonly PlanOp[]): OpGroup[] {
  const groups = new Map<string | null, OpGroup>();
  for (const op of [...ops].sort((a, b) => a.ord - b.ord)) {
    let group = groups.get(op.workspaceId);
    if (!group) {
      const title = op.workspaceId === null ? 'Organization-wide' : `Workspace “${op.workspaceName ?? op.workspaceId}”`;
      group = { workspaceId: op.workspaceId, title, ops: [] };
      groups.set(op.workspaceId, group);
    }
    group.ops.push(op);
  }
  return [...groups.values()].sort((a, b) => {
    if (a.workspaceId === null || b.workspaceId === null) return a.workspaceId === null ? -1 : 1;
    return a.title.localeCompare(b.title) || a.workspaceId.localeCompare(b.workspaceId);
  });
}

const PULL_ACTIONS: Record<PlanOp['localAction'], string> = {
  create: 'From the remote: create here',
  update: 'From the remote: update here',
  delete: 'From the remote: delete here',
  none: 'From the remote',
};

/** What an operation does, for people. */
export function opKindLabel(op: PlanOp): string {
  switch (op.kind) {
    case 'create':
      return 'Create on the remote';
    case 'update':
      return 'Update on the remote';
    case 'delete':
      return 'Delete on the remote';
    case 'pull':
      return PULL_ACTIONS[op.localAction];
    case 'conflict':
      return 'Conflict, held back';
  }
}

/** A JSON value for a table cell; null/absent is a dash. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'string') return value === '' ? '“”' : value;
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : formatDecimal(value);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value);
}

export type FieldColumn = 'base' | 'local' | 'remote' | 'result';

/** Which sides changed a field, by its diff3 source (a plan lists changed fields only). */
const CHANGED_ON: Record<PlanField['source'], { local: boolean; remote: boolean }> = {
  local: { local: true, remote: false },
  remote: { local: false, remote: true },
  both: { local: true, remote: true },
  conflict: { local: true, remote: true },
};

/**
 * One cell of a field row. Write-only fields (key hashes, provider secrets) never show a value
 * (the core sends none): only which side changed them, from the field's diff3 source.
 */
export function fieldCell(field: PlanField, column: FieldColumn): string {
  if (!field.writeOnly) return formatValue(field[column]);
  if (column === 'base') return 'hidden';
  const changed = column === 'result' || CHANGED_ON[field.source][column];
  return changed ? 'changed (hidden)' : 'unchanged';
}

/** The two sides of a conflict, as the admin chooses between them. */
export function conflictSides(conflict: PlanConflict, writeOnly: boolean): { mine: string; theirs: string; base: string } {
  const show = (value: unknown, deleted: boolean, where: string) => {
    if (deleted) return `Deleted ${where}`;
    return writeOnly ? 'changed (hidden)' : formatValue(value);
  };
  return {
    mine: show(conflict.local, conflict.reason === 'deleted-locally', 'here'),
    theirs: show(conflict.remote, conflict.reason === 'deleted-remotely', 'on the remote'),
    base: writeOnly ? 'hidden' : formatValue(conflict.base),
  };
}

const CONFLICT_REASON_TEXT: Record<PlanConflict['reason'], string> = {
  field: 'Changed on both sides since the last sync',
  'deleted-remotely': 'Changed here, deleted on the remote',
  'deleted-locally': 'Deleted here, changed on the remote',
  'same-name': 'Created on both sides with the same name',
};
export const conflictReason = (conflict: PlanConflict): string => CONFLICT_REASON_TEXT[conflict.reason];

const RUN_STATE_TEXT: Record<SyncRun['state'], string> = {
  planned: 'Planned, not applied',
  applying: 'Applying',
  applied: 'Applied',
  partial: 'Partly applied',
  failed: 'Failed',
  interrupted: 'Interrupted',
  discarded: 'Discarded',
};
export const runStateLabel = (state: SyncRun['state']): string => RUN_STATE_TEXT[state];

/** "3 done, 1 failed" (only the states that occurred); "—" before apply started. */
export function runOpsLine(run: SyncRun): string {
  const parts = (['done', 'failed', 'conflict', 'skipped', 'pending'] as const)
    .filter((state) => run.ops[state] > 0)
    .map((state) => (state === 'conflict' ? countOf(run.ops.conflict, ['conflict', 'conflicts']) : `${count(run.ops[state])} ${state}`));
  return parts.length ? parts.join(', ') : '—';
}

export function formatLimits(limits: RemoteLimits): string {
  return `${count(limits.maxWorkspaces)} workspaces, ${count(limits.maxKeysPerWorkspace)} keys per workspace, names up to ${count(limits.maxNameLength)} characters`;
}

/** One line for the remotes table: how the last test this session went. */
export function testLine(test: RemoteTest): string {
  if (!test.reachable) return `Unreachable${test.problem ? `: ${test.problem}` : ''}`;
  if (!test.authenticated) return `Reachable, not authenticated${test.problem ? `: ${test.problem}` : ''}`;
  return `Reachable, authenticated${test.protocolVersion ? ` · protocol ${test.protocolVersion}` : ''}`;
}

export const formatTime = (iso: string | null): string => (iso ? formatDateTime(iso) : 'Never');
