import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { JobStatus } from '../../../shared/contract/job-schemas';
import type { PlanSummary, SyncPlan, SyncRun, SyncStatus } from '../../../shared/contract/sync-schemas';
import type { JobRunner } from '../jobs/job-runner';
import type { SyncRepository, SyncRunRow } from '../store/sync-repository';
import type { RemoteService } from './remote-service';
import type { ServiceContext } from './service-context';
import type { SyncEngine } from './sync/sync-engine';
import { canonicalJson } from './sync/diff3';

/** The sync channels: plans, applies and usage pulls are jobs on the one runner. */
export function createSyncService(ctx: ServiceContext, deps: { repo: SyncRepository; engine: SyncEngine; remotes: RemoteService; jobs: JobRunner }) {
  const { repo, engine, remotes, jobs } = deps;
  const nowIso = () => ctx.now().toISOString();

  const toRun = (row: SyncRunRow): SyncRun => {
    const counts = repo.opCounts(row.id);
    const plan = (JSON.parse(row.planJson) as { plan: SyncPlan }).plan;
    return {
      runId: row.id,
      remoteId: row.remoteId,
      state: row.state,
      summary: plan.summary,
      createdAt: row.createdAt,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
      ops: { done: counts.done, failed: counts.failed, conflict: counts.conflict, skipped: counts.skipped, pending: counts.pending + counts.sent },
      message: row.message,
    };
  };

  const summaryText = (s: PlanSummary) => `${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.pull} from the remote, ${s.conflict} conflict(s)`;

  return {
    status(): SyncStatus {
      const pendingChanges = repo.pendingEntityCount();
      return {
        pendingChanges,
        remotes: remotes.list().map((remote) => {
          const last = repo.latestRun(remote.id);
          const openConflicts = last && last.state === 'planned' ? (JSON.parse(last.planJson) as { plan: SyncPlan }).plan.summary.conflict : 0;
          return { remote, pendingChanges, lastRun: last ? toRun(last) : null, openConflicts };
        }),
      };
    },

    plan(remoteId: string): JobStatus {
      const remote = remotes.get(remoteId);
      return jobs.start({
        kind: 'sync-plan',
        label: `Review changes with “${remote.name}”`,
        unit: 'operations',
        run: (job) => engine.plan(remoteId, job),
      });
    },

    getPlan(runId: string): SyncPlan {
      return engine.getPlan(runId);
    },

    apply(input: ParsedInput<'sync:apply'>): JobStatus {
      const { run, stored } = engine.assertApplicable(input.runId, input.planHash);
      const remote = remotes.get(run.remoteId);
      const n = stored.plan.ops.filter((op) => op.kind !== 'conflict').length;
      return jobs.start({
        kind: 'sync-apply',
        label: `Apply ${n} change(s) to “${remote.name}” (${summaryText(stored.plan.summary)})`,
        unit: 'operations',
        total: n,
        run: (job) => engine.apply(input.runId, input.planHash, job),
      });
    },

    resolve(input: ParsedInput<'sync:resolve'>): { key: string; choice: 'keep-local' | 'take-remote' } {
      const remote = remotes.get(input.remoteId);
      const latest = repo.latestRun(input.remoteId);
      const plan = latest ? (JSON.parse(latest.planJson) as { plan: SyncPlan }).plan : null;
      const conflict = plan?.conflicts.find((c) => c.key === input.key);
      if (!latest || !plan || !conflict) {
        throw AppError.field('E_NOT_FOUND', 'key', `No open conflict ${input.key} in the latest plan for “${remote.name}”; review the changes again`);
      }
      ctx.write(() => {
        const at = nowIso();
        repo.setResolution(
          input.remoteId,
          {
            entityType: conflict.type,
            localId: conflict.localId,
            path: conflict.path,
            choice: input.choice,
            localJson: canonicalJson(conflict.local ?? null),
            remoteJson: canonicalJson(conflict.remote ?? null),
          },
          at,
        );
        ctx.record({
          at,
          actor: ctx.actor(),
          action: 'sync.resolve',
          entityType: conflict.type,
          entityId: conflict.localId,
          workspaceId: plan.ops.find((op) => op.ord === conflict.ord)?.workspaceId ?? null,
          before: null,
          // Values are not copied here: a conflict on a write-only field never shows one.
          after: { remote: remote.name, path: conflict.path, reason: conflict.reason, choice: input.choice },
        });
      });
      return { key: input.key, choice: input.choice };
    },

    pullUsage(remoteId: string): JobStatus {
      const remote = remotes.get(remoteId);
      return jobs.start({ kind: 'sync-usage', label: `Pull usage from “${remote.name}”`, unit: 'records', run: (job) => engine.pullUsage(remoteId, job) });
    },

    runs(remoteId: string, limit: number): { runs: SyncRun[] } {
      remotes.get(remoteId);
      return { runs: repo.runs(remoteId, limit).map(toRun) };
    },
  };
}
export type SyncService = ReturnType<typeof createSyncService>;
