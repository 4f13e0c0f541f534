import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { LimitWarning } from '../../../shared/contract/model-schemas';
import { formatLimit } from '../../../shared/domain/model-rules';
import type { KeyRepository } from '../store/key-repository';
import type { ModelRepository } from '../store/model-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';

/** Enough to act on; a store with more problems than this needs a bulk fix, not a longer list. */
export const MAX_LIMIT_WARNINGS = 500;

interface CheckedGrant {
  workspaceId: string;
  modelId: string;
  displayName: string;
  tokenMetered: boolean;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

/**
 * Offline limit checks over the stored grants (or a draft of one workspace's grants): TPM on a model
 * not billed by tokens, RPM 0, per-key limits above the workspace's model limit, and the sum of
 * workspace TPMs above an account-level quota.
 */
export function createModelLimitChecker(models: ModelRepository, workspaces: WorkspaceRepository, keys: Pick<KeyRepository, 'withOwnLimits'>, now: () => Date) {
  return {
    check(input: ParsedInput<'models:checkLimits'>): { warnings: LimitWarning[]; truncated: boolean } {
      if (input.draft && !input.workspaceId) throw AppError.field('E_VALIDATION', 'workspaceId', 'A draft is checked against one workspace: give its ID');
      const scope = input.workspaceId ? workspaces.get(input.workspaceId) : null;
      if (input.workspaceId && !scope) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${input.workspaceId} does not exist`);

      let grants: CheckedGrant[] = models.allGrants();
      if (input.draft && scope) {
        const catalog = models.getMany(input.draft.map((d) => d.modelId));
        const draft = input.draft.map((d, i): CheckedGrant => {
          const model = catalog.get(d.modelId);
          if (!model) throw AppError.field('E_NOT_FOUND', `draft.${i}.modelId`, `Model ${d.modelId} is not in the catalog`);
          return { workspaceId: scope.id, modelId: d.modelId, displayName: model.displayName, tokenMetered: model.tokenMetered, rpmLimit: d.rpmLimit, tpmLimit: d.tpmLimit };
        });
        grants = [...grants.filter((g) => g.workspaceId !== scope.id), ...(scope.isDefault ? [] : draft)];
      }
      const inScope = (workspaceId: string) => !scope || workspaceId === scope.id;
      // Every warning names its workspace: a list over all workspaces is unreadable otherwise.
      const names = new Map(workspaces.names().map((w) => [w.id, w.name]));
      const inWorkspace = (workspaceId: string) => `In “${names.get(workspaceId) ?? workspaceId}”: `;
      const warnings: LimitWarning[] = [];
      const warn = (w: Omit<LimitWarning, 'keyId' | 'modelId' | 'workspaceId'> & Partial<LimitWarning>) =>
        warnings.push({ workspaceId: null, modelId: null, keyId: null, ...w });

      for (const g of grants) {
        if (!inScope(g.workspaceId)) continue;
        if (g.tpmLimit !== null && !g.tokenMetered) {
          warn({ code: 'tpm_not_token_metered', severity: 'error', workspaceId: g.workspaceId, modelId: g.modelId, message: `${inWorkspace(g.workspaceId)}${g.displayName} is not billed by tokens; its tokens/min limit (${formatLimit(g.tpmLimit)}) has no effect — remove it` });
        }
        if (g.rpmLimit === 0) {
          warn({ code: 'rpm_zero', severity: 'error', workspaceId: g.workspaceId, modelId: g.modelId, message: `${inWorkspace(g.workspaceId)}${g.displayName} has a requests/min limit of 0, so every call would be refused; revoke the model instead or leave the limit empty` });
        }
      }

      const byWorkspace = new Map<string, CheckedGrant[]>();
      for (const g of grants) byWorkspace.set(g.workspaceId, [...(byWorkspace.get(g.workspaceId) ?? []), g]);
      for (const key of keys.withOwnLimits(now().toISOString())) {
        if (!inScope(key.workspaceId)) continue;
        for (const g of byWorkspace.get(key.workspaceId) ?? []) {
          if (key.rpmLimit !== null && g.rpmLimit !== null && key.rpmLimit > g.rpmLimit) {
            warn({ code: 'key_rpm_above_model', severity: 'warning', workspaceId: key.workspaceId, modelId: g.modelId, keyId: key.id, message: `${inWorkspace(key.workspaceId)}key “${key.name}” allows ${formatLimit(key.rpmLimit)} requests/min but ${g.displayName} is granted only ${formatLimit(g.rpmLimit)}; the lower limit applies` });
          }
          if (key.tpmLimit !== null && g.tpmLimit !== null && g.tokenMetered && key.tpmLimit > g.tpmLimit) {
            warn({ code: 'key_tpm_above_model', severity: 'warning', workspaceId: key.workspaceId, modelId: g.modelId, keyId: key.id, message: `${inWorkspace(key.workspaceId)}key “${key.name}” allows ${formatLimit(key.tpmLimit)} tokens/min but ${g.displayName} is granted only ${formatLimit(g.tpmLimit)}; the lower limit applies` });
          }
        }
      }

      // Quotas are account-wide; a workspace sees the ones its own TPMs contribute to.
      const quotaOf = new Map(models.quotas().map((q) => [q.modelId, q.tpmQuota]));
      const sums = new Map<string, { total: number; displayName: string; workspaces: Map<string, number> }>();
      for (const g of grants) {
        if (g.tpmLimit === null || !quotaOf.has(g.modelId)) continue;
        const entry = sums.get(g.modelId) ?? { total: 0, displayName: g.displayName, workspaces: new Map<string, number>() };
        entry.total += g.tpmLimit;
        entry.workspaces.set(g.workspaceId, (entry.workspaces.get(g.workspaceId) ?? 0) + g.tpmLimit);
        sums.set(g.modelId, entry);
      }
      for (const [modelId, sum] of sums) {
        const quota = quotaOf.get(modelId)!;
        if (sum.total <= quota || (scope && !sum.workspaces.has(scope.id))) continue;
        const shares = [...sum.workspaces].sort((a, b) => b[1] - a[1]);
        const named = shares.slice(0, 5).map(([id, tpm]) => `“${names.get(id) ?? id}” ${formatLimit(tpm)}`);
        const more = shares.length > 5 ? ` and ${shares.length - 5} more` : '';
        warn({ code: 'quota_exceeded', severity: 'warning', workspaceId: scope?.id ?? null, modelId, message: `Workspaces together grant ${formatLimit(sum.total)} tokens/min of ${sum.displayName}, above the account quota of ${formatLimit(quota)} (${named.join(', ')}${more})` });
      }

      warnings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
      return { warnings: warnings.slice(0, MAX_LIMIT_WARNINGS), truncated: warnings.length > MAX_LIMIT_WARNINGS };
    },
  };
}
