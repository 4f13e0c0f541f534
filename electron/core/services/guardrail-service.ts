import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError, type FieldIssue } from '../../../shared/contract/errors';
import type { GuardrailSettings } from '../../../shared/contract/guardrail-schemas';
import {
  adversarialCorpus,
  DEFAULT_GUARDRAIL_POLICY,
  evaluateGuardrails,
  validatePolicy,
  type GuardrailPolicy,
  type TextMatch,
} from '../../../shared/domain/guardrail-rules';
import type { GuardrailRepository } from '../store/guardrail-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { PatternRunner } from './guardrail-pattern-runner';
import type { ServiceContext } from './service-context';

export interface GuardrailServiceOptions {
  /** Per pattern, over the whole adversarial corpus, before it may be saved. */
  safetyTimeLimitMs?: number;
  /** Per pattern, over the test box's text. */
  testTimeLimitMs?: number;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What the audit log shows of a policy: its settings (no secret lives in a guardrail policy). */
const snapshot = (scope: string, inherits: boolean, policy: GuardrailPolicy | null, version: number) => ({ scope, inherits, version, ...(policy ? { policy } : {}) });

/**
 * Guardrails: org-level defaults and per-workspace policies (own or inherited), the offline test
 * box, and JSON export. New regexes are checked twice before they are saved: statically (star
 * height, ambiguous alternations, adjacent overlapping repetitions) and by running them over an
 * adversarial corpus in a worker thread under a time limit.
 */
export function createGuardrailService(ctx: ServiceContext, guardrails: GuardrailRepository, workspaces: WorkspaceRepository, runner: PatternRunner, options: GuardrailServiceOptions = {}) {
  const safetyLimit = options.safetyTimeLimitMs ?? 500;
  const testLimit = options.testTimeLimitMs ?? 250;

  const requireWorkspace = (id: string) => {
    const ws = workspaces.get(id);
    if (!ws) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${id} does not exist`);
    return ws;
  };
  const defaults = () => guardrails.defaults()?.policy ?? DEFAULT_GUARDRAIL_POLICY;

  const settingsOf = (workspaceId: string | undefined): GuardrailSettings => {
    const orgDefaults = defaults();
    if (workspaceId === undefined) {
      return { scope: 'org', workspaceId: null, inherits: false, policy: orgDefaults, defaults: orgDefaults, effective: orgDefaults, version: guardrails.defaults()?.version ?? 0 };
    }
    requireWorkspace(workspaceId);
    const row = guardrails.workspace(workspaceId);
    const inherits = row === null || row.inherits;
    const own = inherits ? null : row.policy;
    return { scope: 'workspace', workspaceId, inherits, policy: own, defaults: orgDefaults, effective: own ?? orgDefaults, version: row?.version ?? 0 };
  };

  /** Static check, then the adversarial corpus under a time limit, for patterns not already stored. */
  const checkPatterns = async (policy: GuardrailPolicy, stored: GuardrailPolicy | null) => {
    const issues: FieldIssue[] = validatePolicy(policy);
    if (issues.length > 0) throw new AppError('E_VALIDATION', issues[0]!.message, issues);
    const known = new Set((stored?.blockedPatterns.patterns ?? []).map((p) => `${p.ignoreCase ? 'i' : ''}/${p.pattern}`));
    const fresh = policy.blockedPatterns.patterns.filter((p) => !known.has(`${p.ignoreCase ? 'i' : ''}/${p.pattern}`));
    if (fresh.length === 0) return;
    const run = await runner.run(fresh, adversarialCorpus(), safetyLimit);
    policy.blockedPatterns.patterns.forEach((p, i) => {
      const path = `policy.blockedPatterns.patterns.${i}.pattern`;
      if (run.timedOut.includes(p.name)) issues.push({ path, message: `Pattern “${p.name}” took longer than ${safetyLimit} ms on an adversarial input (catastrophic backtracking); rewrite it` });
      const refused = run.invalid.get(p.name);
      if (refused) issues.push({ path, message: `Pattern “${p.name}” is not valid: ${refused}` });
    });
    if (issues.length > 0) throw new AppError('E_VALIDATION', issues[0]!.message, issues);
  };

  return {
    get: (workspaceId?: string) => settingsOf(workspaceId),

    async save(input: ParsedInput<'guardrails:save'>): Promise<GuardrailSettings> {
      const scope = input.workspaceId === undefined ? 'org' : 'workspace';
      if (scope === 'org' && input.inherits) throw AppError.field('E_VALIDATION', 'inherits', 'The org defaults cannot inherit');
      if (!input.inherits && input.policy === undefined) throw AppError.field('E_VALIDATION', 'policy', 'Give the policy, or inherit the org defaults');
      const before = settingsOf(input.workspaceId);
      const policy = input.inherits ? null : (input.policy as GuardrailPolicy);
      // The slow part (the worker) runs before the transaction, so no write lock is held meanwhile.
      if (policy) await checkPatterns(policy, before.policy);
      return ctx.write(() => {
        const at = ctx.now().toISOString();
        const current = settingsOf(input.workspaceId);
        if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
          throw new AppError('E_CONFLICT', 'Someone else changed these guardrails; reload to see their changes');
        }
        const unchanged = scope === 'org' ? current.version > 0 && sameJson(current.policy, policy) : current.version > 0 && current.inherits === input.inherits && sameJson(current.policy, policy);
        if (unchanged) return current;
        if (scope === 'org') guardrails.saveDefaults(policy!, at);
        else guardrails.saveWorkspace(input.workspaceId!, input.inherits, policy, at);
        const after = settingsOf(input.workspaceId);
        const entityId = input.workspaceId ?? 'org';
        ctx.record({
          at,
          actor: ctx.actor(),
          action: scope === 'org' ? 'guardrail_defaults.save' : 'guardrails.save',
          entityType: scope === 'org' ? 'guardrail_defaults' : 'workspace_guardrails',
          entityId,
          workspaceId: input.workspaceId ?? null,
          before: current.version === 0 ? null : snapshot(scope, current.inherits, current.policy, current.version),
          after: snapshot(scope, after.inherits, after.policy, after.version),
          change: {
            op: current.version === 0 ? 'create' : 'update',
            payload: { scope, workspaceId: input.workspaceId ?? null, inherits: after.inherits, policy: after.policy, version: after.version },
            baseVersion: current.version === 0 ? null : current.version,
          },
        });
        return after;
      });
    },

    /** The test box: what each local policy would do with `text`; patterns run in a worker under a time limit. Writes nothing. */
    async test(input: ParsedInput<'guardrails:test'>) {
      const policy = (input.policy as GuardrailPolicy | undefined) ?? settingsOf(input.workspaceId).effective;
      if (input.policy) {
        const issues = validatePolicy(policy);
        if (issues.length > 0) throw new AppError('E_VALIDATION', issues[0]!.message, issues);
      }
      const run = await runner.run(policy.blockedPatterns.patterns, [input.text], testLimit);
      const matches = new Map<string, TextMatch[]>([...run.matches].map(([name, perText]) => [name, perText[0] ?? []]));
      const directions = input.direction === 'both' ? (['input', 'output'] as const) : ([input.direction] as const);
      return { evaluations: directions.map((d) => evaluateGuardrails(policy, input.text, d, matches, run.timedOut)), timeLimitMs: testLimit };
    },

    export(workspaceId?: string) {
      const s = settingsOf(workspaceId);
      return {
        format: 'gatehouse-guardrails/1' as const,
        exportedAt: ctx.now().toISOString(),
        scope: s.scope,
        workspaceId: s.workspaceId,
        workspaceName: workspaceId ? requireWorkspace(workspaceId).name : null,
        inherits: s.inherits,
        version: s.version,
        policy: s.policy,
        effective: s.effective,
      };
    },
  };
}
export type GuardrailService = ReturnType<typeof createGuardrailService>;
