import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JobResult, JobStatus } from '../../../../shared/contract/job-schemas';
import type { PlanField, Remote, SyncPlan, SyncStatus } from '../../../../shared/contract/sync-schemas';
import type { CoreClient } from '../../../core/client/core-client';
import { CallFailed, callCore } from './cli-call';
import { formatCliError, jobFailure, runJob } from './cli-job';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';

export const SYNC_COMMANDS_HELP = `  sync plan --remote NAME [--out FILE] [--json]   review what a sync would change (exit 0 none, 2 changes, 1 error)
  sync apply --plan FILE                  apply exactly the reviewed plan saved with --out
  sync apply --remote NAME --yes          plan and apply what has no conflict (non-zero when conflicts remain)
  sync resolve --remote NAME ENTITY FIELD (--keep-local | --take-remote)   ENTITY is TYPE:ID or ID; FIELD a path or *
  sync usage --remote NAME                pull usage records from the remote
  sync status [--json]                    remotes, local changes not yet synced, last runs`;

const asJson = (data: unknown) => JSON.stringify(data, null, 2);
type Invoke = <T>(channel: string, input: unknown) => Promise<T>;

/** A failure already worded for the CLI (`CODE: message`). */
class CliFailure extends Error {}

async function remoteNamed(invoke: Invoke, name: string): Promise<Remote> {
  const { remotes } = await invoke<{ remotes: Remote[] }>('remotes:list', {});
  const found = remotes.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new CliFailure(`E_NOT_FOUND: No remote named “${name}” (gatehouse remotes list)`);
  return found;
}

async function job<K extends JobResult['kind']>(client: CoreClient, io: CliIo, channel: string, input: unknown, kind: K, verb: string | null): Promise<Extract<JobResult, { kind: K }>> {
  const outcome = await runJob(client, io, channel, input, { progressVerb: verb });
  if (!outcome.ok) throw new CliFailure(formatCliError(outcome.error));
  const finished: JobStatus = outcome.job;
  if (finished.state !== 'done' || finished.result?.kind !== kind) throw new CliFailure(formatCliError(jobFailure(finished, kind)));
  return finished.result as Extract<JobResult, { kind: K }>;
}

const show = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value));
const fieldLine = (f: PlanField) =>
  f.writeOnly ? `    ${f.path}  (write-only, changed)` : `    ${f.path}  ${show(f.base)} → ${show(f.result)}  (${f.source === 'both' ? 'same on both sides' : f.source})`;
const SYMBOL = { create: '+', update: '~', delete: '-', pull: '←', conflict: '!' } as const;

/** The plan for people: grouped by workspace (org-level first), field by field, conflicts with the command that resolves them. */
export function renderPlan(plan: SyncPlan): string {
  const lines = [`Plan for “${plan.remoteName}” (${plan.remoteRead === 'full' ? 'full read of the remote' : 'remote changes since the last sync'}; local changes up to #${plan.changeSeqHigh})`];
  const groups = new Map<string, typeof plan.ops>();
  for (const op of plan.ops) {
    const group = op.workspaceName ? `Workspace “${op.workspaceName}”` : 'Organisation';
    (groups.get(group) ?? groups.set(group, []).get(group)!).push(op);
  }
  for (const [group, ops] of [...groups].sort(([a], [b]) => (a === 'Organisation' ? -1 : b === 'Organisation' ? 1 : a.localeCompare(b)))) {
    lines.push('', group);
    for (const op of ops) {
      const what = op.kind === 'pull' ? `pull (${op.localAction} here)` : op.kind;
      lines.push(`  ${SYMBOL[op.kind]} ${what} ${op.label}`);
      if (op.kind !== 'conflict') for (const f of op.fields) lines.push(fieldLine(f));
      for (const w of op.warnings) lines.push(`    ⚠ ${w.message}`);
      for (const c of plan.conflicts.filter((x) => x.ord === op.ord)) {
        lines.push(`    ! ${c.path === '*' ? c.message : `${c.path}: base ${show(c.base)} · here ${show(c.local)} · remote ${show(c.remote)}`}`);
        lines.push(`      resolve: gatehouse sync resolve --remote "${plan.remoteName}" ${c.type}:${c.localId} ${c.path === '*' ? "'*'" : c.path} --keep-local|--take-remote`);
      }
    }
  }
  for (const w of plan.warnings) lines.push(`⚠ ${w.message}`);
  const s = plan.summary;
  lines.push('', plan.ops.length === 0 ? 'No changes: this laptop and the remote agree.' : `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.pull} from the remote, ${s.conflict} conflict(s).`);
  return lines.join('\n');
}

function applySummary(result: Extract<JobResult, { kind: 'sync-apply' }>): string {
  return `Apply ${result.state}: ${result.done} done, ${result.failed} failed, ${result.conflict} conflict(s), ${result.skipped} skipped`;
}

async function listProblems(invoke: Invoke, io: CliIo, runId: string): Promise<void> {
  const plan = await invoke<SyncPlan>('sync:getPlan', { runId });
  for (const c of plan.conflicts) io.err(`  ! ${c.label} ${c.path}: ${c.message}`);
}

function needRemote(values: CliValues): string {
  if (typeof values.remote !== 'string') throw new UsageError('--remote NAME is required');
  return values.remote;
}

/** `gatehouse sync plan|apply|resolve|usage|status`. */
export function planSyncCommand(args: string[], values: CliValues): CliPlan {
  const [sub, ...rest] = args;
  const json = values.json === true;
  const wrap = (fn: (client: CoreClient, io: CliIo, invoke: Invoke) => Promise<number>): CliPlan => ({
    // A sync command need not finish an interrupted usage import first.
    resumesInterruptedWork: false,
    async run(client, io) {
      try {
        return await fn(client, io, (channel, input) => callCore(client, channel, input));
      } catch (error) {
        if (error instanceof CliFailure || error instanceof CallFailed) {
          io.err(error instanceof CallFailed ? formatCliError(error.payload) : error.message);
          return 1;
        }
        throw error;
      }
    },
  });
  const noArgs = () => {
    if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest.join(' ')}"`);
  };
  switch (sub) {
    case 'plan': {
      noArgs();
      const name = needRemote(values);
      const out = typeof values.out === 'string' ? path.resolve(values.out) : null;
      return wrap(async (client, io, invoke) => {
        const remote = await remoteNamed(invoke, name);
        const result = await job(client, io, 'sync:plan', { remoteId: remote.id }, 'sync-plan', json ? null : 'planning');
        const plan = await invoke<SyncPlan>('sync:getPlan', { runId: result.runId });
        if (out) {
          writeFileSync(out, `${asJson(plan)}\n`, { mode: 0o600 });
          chmodSync(out, 0o600); // an existing file keeps its mode through writeFileSync
        }
        io.out(json ? asJson(plan) : renderPlan(plan) + (out ? `\n\nSaved to ${out}. Apply it with: gatehouse sync apply --plan ${out}` : ''));
        return plan.ops.length === 0 ? 0 : 2;
      });
    }
    case 'apply': {
      noArgs();
      if (typeof values.plan === 'string') {
        const file = path.resolve(values.plan);
        return wrap(async (client, io, invoke) => {
          let saved: { runId?: unknown; planHash?: unknown };
          try {
            saved = JSON.parse(readFileSync(file, 'utf8')) as { runId?: unknown; planHash?: unknown };
          } catch (error) {
            throw new CliFailure(`E_VALIDATION: Cannot read the plan file ${file}: ${(error as Error).message}`);
          }
          const result = await job(client, io, 'sync:apply', { runId: saved.runId, planHash: saved.planHash }, 'sync-apply', 'applying');
          io.out(json ? asJson(result) : applySummary(result));
          if (result.state !== 'applied') await listProblems(invoke, io, result.runId);
          return result.state === 'applied' ? 0 : 1;
        });
      }
      const name = needRemote(values);
      if (values.yes !== true) throw new UsageError('Pass --yes to plan and apply in one step, or review first: gatehouse sync plan --remote NAME --out FILE');
      return wrap(async (client, io, invoke) => {
        const remote = await remoteNamed(invoke, name);
        const planned = await job(client, io, 'sync:plan', { remoteId: remote.id }, 'sync-plan', json ? null : 'planning');
        const plan = await invoke<SyncPlan>('sync:getPlan', { runId: planned.runId });
        if (!json) io.out(renderPlan(plan));
        const runnable = plan.ops.filter((op) => op.kind !== 'conflict').length;
        if (runnable === 0) {
          if (plan.conflicts.length > 0) {
            io.err(`${plan.conflicts.length} conflict(s) to resolve first:`);
            await listProblems(invoke, io, plan.runId);
            return 1;
          }
          return 0;
        }
        const result = await job(client, io, 'sync:apply', { runId: plan.runId, planHash: plan.planHash }, 'sync-apply', json ? null : 'applying');
        io.out(json ? asJson(result) : applySummary(result));
        if (result.state !== 'applied' || plan.conflicts.length > 0) {
          io.err('Not everything was applied:');
          await listProblems(invoke, io, result.runId);
          return 1;
        }
        return 0;
      });
    }
    case 'resolve': {
      const [entity, field, ...extra] = rest;
      if (!entity || !field || extra.length > 0) throw new UsageError('Usage: gatehouse sync resolve --remote NAME ENTITY FIELD --keep-local|--take-remote');
      const keep = values['keep-local'] === true;
      const take = values['take-remote'] === true;
      if (keep === take) throw new UsageError('Choose one: --keep-local or --take-remote');
      const name = needRemote(values);
      return wrap(async (_client, io, invoke) => {
        const remote = await remoteNamed(invoke, name);
        const status = await invoke<SyncStatus>('sync:status', {});
        const runId = status.remotes.find((r) => r.remote.id === remote.id)?.lastRun?.runId;
        if (!runId) throw new CliFailure(`E_NOT_FOUND: No plan for “${remote.name}” yet: run gatehouse sync plan --remote "${remote.name}"`);
        const plan = await invoke<SyncPlan>('sync:getPlan', { runId });
        const matches = plan.conflicts.filter((c) => (c.localId === entity || `${c.type}:${c.localId}` === entity) && c.path === field);
        if (matches.length !== 1) {
          const open = plan.conflicts.map((c) => `  ${c.type}:${c.localId} ${c.path}`).join('\n');
          throw new CliFailure(`E_NOT_FOUND: No single conflict ${entity} ${field} in the latest plan.${open ? `\nOpen conflicts:\n${open}` : ' There are no open conflicts.'}`);
        }
        const resolved = await invoke<{ key: string; choice: string }>('sync:resolve', { remoteId: remote.id, key: matches[0]!.key, choice: keep ? 'keep-local' : 'take-remote' });
        io.out(json ? asJson(resolved) : `Resolved ${resolved.key}: ${resolved.choice === 'keep-local' ? 'keep this laptop’s value' : 'take the remote’s value'}. Plan again to see the result.`);
        return 0;
      });
    }
    case 'usage': {
      noArgs();
      const name = needRemote(values);
      return wrap(async (client, io, invoke) => {
        const remote = await remoteNamed(invoke, name);
        const result = await job(client, io, 'sync:pullUsage', { remoteId: remote.id }, 'sync-usage', json ? null : 'pulling');
        const { kind: _kind, ...counts } = result;
        io.out(json ? asJson(counts) : `Pulled ${counts.records} usage records from “${remote.name}” (${counts.inserted} new, ${counts.duplicates} already here)`);
        return 0;
      });
    }
    case 'status':
      noArgs();
      return {
        channel: 'sync:status',
        input: {},
        print: (data) => {
          const status = data as SyncStatus;
          if (json) return asJson(status);
          const lines = [`${status.pendingChanges} local change(s) not yet synced`];
          for (const r of status.remotes) {
            const run = r.lastRun ? `last run ${r.lastRun.state} ${r.lastRun.finishedAt ?? r.lastRun.createdAt}` : 'never synced';
            lines.push(`  ${r.remote.name}  ${r.remote.baseUrl}  ${run}; last usage pull ${r.remote.lastUsagePullAt ?? 'never'}${r.openConflicts ? `; ${r.openConflicts} open conflict(s)` : ''}`);
          }
          if (status.remotes.length === 0) lines.push('No remotes yet: gatehouse remotes add NAME --url URL --credential-stdin');
          return lines.join('\n');
        },
      };
    default:
      throw new UsageError(`Unknown sync command "${args.join(' ')}"`);
  }
}
