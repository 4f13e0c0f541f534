import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { BulkPlan, GrantInput, Model } from '../../../shared/contract/model-schemas';
import { formatLimit } from '../../../shared/domain/model-rules';
import type { ModelRepository } from '../store/model-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';

type Limits = { rpmLimit: number | null; tpmLimit: number | null };
type BulkWorkspacePlan = BulkPlan['workspaces'][number];

const DEFAULT_WORKSPACE_REASON = 'The default workspace can call all models; it has no grant list';
const sameLimits = (a: Limits, b: Limits) => a.rpmLimit === b.rpmLimit && a.tpmLimit === b.tpmLimit;
const limitsOf = (g: Limits): Limits => ({ rpmLimit: g.rpmLimit, tpmLimit: g.tpmLimit });

/**
 * Checks a grant list against the catalog: each model once, each model known, and no TPM on a model
 * that is not billed by tokens. Issues point at `grants.<i>.<field>` so the UI can mark the row.
 */
export function validateGrants(grants: GrantInput[], models: ModelRepository): Map<string, Model> {
  const seen = new Set<string>();
  grants.forEach((g, i) => {
    if (seen.has(g.modelId)) throw AppError.field('E_VALIDATION', `grants.${i}.modelId`, `Model ${g.modelId} is listed twice`);
    seen.add(g.modelId);
  });
  const catalog = models.getMany([...seen]);
  grants.forEach((g, i) => {
    const model = catalog.get(g.modelId);
    if (!model) throw AppError.field('E_NOT_FOUND', `grants.${i}.modelId`, `Model ${g.modelId} is not in the catalog`);
    if (g.tpmLimit !== null && !model.tokenMetered) {
      throw AppError.field('E_VALIDATION', `grants.${i}.tpmLimit`, `${model.displayName} is not billed by tokens, so it has no tokens/min limit`);
    }
  });
  return catalog;
}

export function createModelGrantService(
  ctx: ServiceContext,
  models: ModelRepository,
  workspaces: WorkspaceRepository,
  /** Routes that target a model (model routing); a grant they use cannot be removed. */
  usage: { routesUsingModel(workspaceId: string, modelId: string): string[] } = { routesUsingModel: () => [] },
) {
  const nowIso = () => ctx.now().toISOString();

  const requireWorkspace = (id: string, path = 'workspaceId') => {
    const ws = workspaces.get(id);
    if (!ws) throw AppError.field('E_NOT_FOUND', path, `Workspace ${id} does not exist`);
    return ws;
  };

  const listOf = (workspaceId: string) => {
    const ws = requireWorkspace(workspaceId);
    return {
      workspaceId,
      allModels: ws.isDefault,
      items: ws.isDefault ? [] : models.grantsOf(workspaceId).map(({ workspaceId: _ws, ...grant }) => grant),
      version: models.permissionVersion(workspaceId),
    };
  };

  /** What adding-or-updating `grants` would do to one workspace; pure read, shared by preview and apply. */
  const planFor = (workspaceId: string, path: string, grants: GrantInput[], catalog: Map<string, Model>): BulkWorkspacePlan => {
    const ws = requireWorkspace(workspaceId, path);
    const base = { workspaceId, workspaceName: ws.name, added: [] as BulkWorkspacePlan['added'], changed: [] as BulkWorkspacePlan['changed'], unchangedCount: 0 };
    if (ws.isDefault) return { ...base, status: 'skipped', reason: DEFAULT_WORKSPACE_REASON };
    const current = new Map(models.grantsOf(workspaceId).map((g) => [g.modelId, g]));
    for (const g of grants) {
      const displayName = catalog.get(g.modelId)!.displayName;
      const existing = current.get(g.modelId);
      if (!existing) base.added.push({ modelId: g.modelId, displayName, after: limitsOf(g) });
      else if (!sameLimits(existing, g)) base.changed.push({ modelId: g.modelId, displayName, before: limitsOf(existing), after: limitsOf(g) });
      else base.unchangedCount += 1;
    }
    const hasChanges = base.added.length + base.changed.length > 0;
    return { ...base, status: hasChanges ? 'changes' : 'unchanged', reason: null };
  };

  const planBulk = (input: ParsedInput<'modelGrants:bulkPreview'>): BulkPlan => {
    const catalog = validateGrants(input.grants, models);
    const unique = [...new Set(input.workspaceIds)];
    const planned = unique.map((id) => planFor(id, `workspaceIds.${input.workspaceIds.indexOf(id)}`, input.grants, catalog));
    return {
      workspaces: planned,
      totals: {
        added: planned.reduce((n, w) => n + w.added.length, 0),
        changed: planned.reduce((n, w) => n + w.changed.length, 0),
        skippedWorkspaces: planned.filter((w) => w.status === 'skipped').length,
      },
    };
  };

  /** Audit snapshot: one readable field per touched model, so the audit summary reads "model: before → after". */
  const auditSnapshot = (version: number, grants: Record<string, Limits>) => {
    const catalog = models.getMany(Object.keys(grants));
    const describe = (modelId: string, l: Limits) =>
      `RPM ${formatLimit(l.rpmLimit)}${catalog.get(modelId)?.tokenMetered === false ? '' : `, TPM ${formatLimit(l.tpmLimit)}`}`;
    return { version, ...Object.fromEntries(Object.entries(grants).map(([modelId, l]) => [modelId, describe(modelId, l)])) };
  };

  /** Audit and change-log entry for one workspace's grant list; only limits, never secrets. */
  const record = (action: string, workspaceId: string, beforeVersion: number, before: Record<string, Limits>, after: Record<string, Limits>, at: string) => {
    const afterVersion = models.permissionVersion(workspaceId);
    ctx.record({
      at,
      actor: ctx.actor(),
      action,
      entityType: 'workspace_model_grants',
      entityId: workspaceId,
      workspaceId,
      before: auditSnapshot(beforeVersion, before),
      after: auditSnapshot(afterVersion, after),
      change: {
        op: 'update',
        payload: { workspaceId, version: afterVersion, grants: models.grantsOf(workspaceId).map((g) => ({ modelId: g.modelId, ...limitsOf(g) })) },
        baseVersion: beforeVersion,
      },
    });
  };

  return {
    list: (workspaceId: string) => listOf(workspaceId),

    /** Replaces the whole section: one transaction, one audit entry naming what was added, removed and changed. */
    save(input: ParsedInput<'modelGrants:save'>) {
      return ctx.write(() => {
          const at = nowIso();
          const ws = requireWorkspace(input.workspaceId);
          if (ws.isDefault) throw new AppError('E_CONFLICT', `${DEFAULT_WORKSPACE_REASON} to save`);
          const version = models.permissionVersion(input.workspaceId);
          if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
            throw new AppError('E_CONFLICT', 'Someone else changed this workspace’s model permissions; reload to see their changes');
          }
          validateGrants(input.grants, models);
          const current = new Map(models.grantsOf(input.workspaceId).map((g) => [g.modelId, g]));
          const wanted = new Map(input.grants.map((g) => [g.modelId, g]));
          const before: Record<string, Limits> = {};
          const after: Record<string, Limits> = {};
          const summary = { added: 0, removed: 0, changed: 0 };
          for (const [modelId, existing] of current) {
            if (wanted.has(modelId)) continue;
            const routes = usage.routesUsingModel(input.workspaceId, modelId);
            if (routes.length > 0) {
              throw AppError.field(
                'E_CONFLICT',
                'grants',
                `${existing.displayName} (${modelId}) is a target of route ${routes.join(', ')}; remove it from ${routes.length === 1 ? 'that route' : 'those routes'} first`,
              );
            }
            models.deleteGrant(input.workspaceId, modelId);
            before[modelId] = limitsOf(existing);
            summary.removed += 1;
          }
          for (const [modelId, g] of wanted) {
            const existing = current.get(modelId);
            const row = { workspaceId: input.workspaceId, modelId, rpmLimit: g.rpmLimit, tpmLimit: g.tpmLimit, at };
            if (!existing) {
              models.insertGrant(row);
              summary.added += 1;
            } else if (!sameLimits(existing, g)) {
              models.updateGrant(row);
              before[modelId] = limitsOf(existing);
              summary.changed += 1;
            } else continue;
            after[modelId] = limitsOf(g);
          }
          if (summary.added + summary.removed + summary.changed > 0) {
            models.bumpPermissionVersion(input.workspaceId, at);
            record('model_grants.save', input.workspaceId, version, before, after, at);
          }
          return { ...listOf(input.workspaceId), summary };
        });
    },

    bulkPreview: (input: ParsedInput<'modelGrants:bulkPreview'>) => planBulk(input),

    /** Re-plans inside the write transaction and applies exactly that plan, so it equals a preview of the same state. */
    bulkApply(input: ParsedInput<'modelGrants:bulkApply'>) {
      return ctx.write(() => {
          const at = nowIso();
          const plan = planBulk(input);
          for (const ws of plan.workspaces) {
            if (ws.status !== 'changes') continue;
            const version = models.permissionVersion(ws.workspaceId);
            const before: Record<string, Limits> = {};
            const after: Record<string, Limits> = {};
            for (const a of ws.added) {
              models.insertGrant({ workspaceId: ws.workspaceId, modelId: a.modelId, ...a.after, at });
              after[a.modelId] = a.after;
            }
            for (const c of ws.changed) {
              models.updateGrant({ workspaceId: ws.workspaceId, modelId: c.modelId, ...c.after, at });
              before[c.modelId] = c.before;
              after[c.modelId] = c.after;
            }
            models.bumpPermissionVersion(ws.workspaceId, at);
            record('model_grants.bulk_grant', ws.workspaceId, version, before, after, at);
          }
          return plan;
        });
    },

    listQuotas: () => ({ items: models.quotas() }),

    /** null removes the quota. */
    setQuota(input: ParsedInput<'models:setQuota'>) {
      return ctx.write(() => {
          const at = nowIso();
          const model = models.getMany([input.modelId]).get(input.modelId);
          if (!model) throw AppError.field('E_NOT_FOUND', 'modelId', `Model ${input.modelId} is not in the catalog`);
          if (input.tpmQuota !== null && !model.tokenMetered) {
            throw AppError.field('E_VALIDATION', 'tpmQuota', `${model.displayName} is not billed by tokens, so it has no tokens/min quota`);
          }
          const before = models.quotas().find((q) => q.modelId === input.modelId)?.tpmQuota ?? null;
          if (before === input.tpmQuota) return { items: models.quotas() };
          if (input.tpmQuota === null) models.deleteQuota(input.modelId);
          else models.setQuota(input.modelId, input.tpmQuota, at);
          ctx.record({
            at,
            actor: ctx.actor(),
            action: 'model_quota.set',
            entityType: 'model_quota',
            entityId: input.modelId,
            workspaceId: null,
            before: before === null ? null : { modelId: input.modelId, tpmQuota: before },
            after: input.tpmQuota === null ? null : { modelId: input.modelId, tpmQuota: input.tpmQuota },
            change: {
              op: input.tpmQuota === null ? 'delete' : before === null ? 'create' : 'update',
              payload: { modelId: input.modelId, tpmQuota: input.tpmQuota },
              baseVersion: null,
            },
          });
          return { items: models.quotas() };
        });
    },
  };
}
