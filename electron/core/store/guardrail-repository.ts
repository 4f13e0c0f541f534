import type { GuardrailPolicy } from '../../../shared/domain/guardrail-rules';
import type { Db } from './database';

export interface WorkspaceGuardrailRow {
  workspaceId: string;
  inherits: boolean;
  policy: GuardrailPolicy | null;
  version: number;
}

/** Org-level guardrail defaults (one row) and each workspace's own policy or "inherits". */
export function createGuardrailRepository(db: Db) {
  const getDefaults = db.prepare('SELECT policy_json AS policyJson, version FROM guardrail_defaults WHERE id = 1');
  const upsertDefaults = db.prepare(
    `INSERT INTO guardrail_defaults (id, policy_json, version, updated_at) VALUES (1, @policyJson, 1, @at)
     ON CONFLICT (id) DO UPDATE SET policy_json = excluded.policy_json, version = version + 1, updated_at = excluded.updated_at`,
  );
  const getWorkspace = db.prepare('SELECT workspace_id AS workspaceId, inherits, policy_json AS policyJson, version FROM workspace_guardrails WHERE workspace_id = ?');
  const allWorkspaces = db.prepare('SELECT workspace_id AS workspaceId, inherits, policy_json AS policyJson, version FROM workspace_guardrails ORDER BY workspace_id');
  const upsertWorkspace = db.prepare(
    `INSERT INTO workspace_guardrails (workspace_id, inherits, policy_json, version, updated_at) VALUES (@workspaceId, @inherits, @policyJson, 1, @at)
     ON CONFLICT (workspace_id) DO UPDATE SET inherits = excluded.inherits, policy_json = excluded.policy_json, version = version + 1, updated_at = excluded.updated_at`,
  );
  const deleteWorkspace = db.prepare('DELETE FROM workspace_guardrails WHERE workspace_id = ?');

  type Raw = { workspaceId: string; inherits: number; policyJson: string | null; version: number };
  const toRow = (raw: Raw): WorkspaceGuardrailRow => ({
    workspaceId: raw.workspaceId,
    inherits: raw.inherits === 1,
    policy: raw.policyJson === null ? null : (JSON.parse(raw.policyJson) as GuardrailPolicy),
    version: raw.version,
  });

  return {
    defaults(): { policy: GuardrailPolicy; version: number } | null {
      const raw = getDefaults.get() as { policyJson: string; version: number } | undefined;
      return raw ? { policy: JSON.parse(raw.policyJson) as GuardrailPolicy, version: raw.version } : null;
    },
    saveDefaults: (policy: GuardrailPolicy, at: string) => void upsertDefaults.run({ policyJson: JSON.stringify(policy), at }),
    workspace(workspaceId: string): WorkspaceGuardrailRow | null {
      const raw = getWorkspace.get(workspaceId) as Raw | undefined;
      return raw ? toRow(raw) : null;
    },
    allWorkspaces: () => (allWorkspaces.all() as Raw[]).map(toRow),
    saveWorkspace: (workspaceId: string, inherits: boolean, policy: GuardrailPolicy | null, at: string) =>
      void upsertWorkspace.run({ workspaceId, inherits: inherits ? 1 : 0, policyJson: inherits || policy === null ? null : JSON.stringify(policy), at }),
    /** A pulled delete of the workspace document: back to "inherits", no row. */
    clearWorkspace: (workspaceId: string) => void deleteWorkspace.run(workspaceId),
  };
}
export type GuardrailRepository = ReturnType<typeof createGuardrailRepository>;

type WireSections = {
  pii: { direction: string; actions: Record<string, string> } | null;
  blocked_terms: { direction: string; action: string; terms: string[] } | null;
  blocked_patterns: { direction: string; action: string; patterns: { name: string; pattern: string; ignore_case: boolean }[] } | null;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  moderation: { enabled: boolean; direction: string } | null;
  prompt_injection: { enabled: boolean } | null;
};
export type WireGuardrails = { inherits: boolean } & WireSections;

/** A workspace's guardrails in the gatehouse-v1 `guardrails` document form (snake_case, sections null while inheriting). */
export function guardrailsToWire(inherits: boolean, policy: GuardrailPolicy | null): WireGuardrails {
  if (inherits || policy === null) {
    return { inherits: true, pii: null, blocked_terms: null, blocked_patterns: null, max_input_tokens: null, max_output_tokens: null, moderation: null, prompt_injection: null };
  }
  return {
    inherits: false,
    pii: { direction: policy.pii.direction, actions: { ...policy.pii.actions } },
    blocked_terms: { direction: policy.blockedTerms.direction, action: policy.blockedTerms.action, terms: [...policy.blockedTerms.terms] },
    blocked_patterns: {
      direction: policy.blockedPatterns.direction,
      action: policy.blockedPatterns.action,
      patterns: policy.blockedPatterns.patterns.map((p) => ({ name: p.name, pattern: p.pattern, ignore_case: p.ignoreCase })),
    },
    max_input_tokens: policy.maxInputTokens,
    max_output_tokens: policy.maxOutputTokens,
    moderation: { enabled: policy.moderation.enabled, direction: policy.moderation.direction },
    prompt_injection: { enabled: policy.promptInjection.enabled },
  };
}

/** Back from the wire; null sections of a non-inheriting document take the defaults. */
export function guardrailsFromWire(wire: WireGuardrails, defaults: GuardrailPolicy): { inherits: boolean; policy: GuardrailPolicy | null } {
  if (wire.inherits) return { inherits: true, policy: null };
  const d = defaults;
  return {
    inherits: false,
    policy: {
      pii: wire.pii ? ({ direction: wire.pii.direction, actions: { ...d.pii.actions, ...wire.pii.actions } } as GuardrailPolicy['pii']) : d.pii,
      blockedTerms: wire.blocked_terms ? ({ ...wire.blocked_terms, terms: [...wire.blocked_terms.terms] } as GuardrailPolicy['blockedTerms']) : d.blockedTerms,
      blockedPatterns: wire.blocked_patterns
        ? ({
            direction: wire.blocked_patterns.direction,
            action: wire.blocked_patterns.action,
            patterns: wire.blocked_patterns.patterns.map((p) => ({ name: p.name, pattern: p.pattern, ignoreCase: p.ignore_case })),
          } as GuardrailPolicy['blockedPatterns'])
        : d.blockedPatterns,
      maxInputTokens: wire.max_input_tokens,
      maxOutputTokens: wire.max_output_tokens,
      moderation: (wire.moderation ?? d.moderation) as GuardrailPolicy['moderation'],
      promptInjection: wire.prompt_injection ?? d.promptInjection,
    },
  };
}
