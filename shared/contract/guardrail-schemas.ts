import { z } from 'zod';
import {
  GUARDRAIL_DIRECTIONS,
  MAX_PATTERNS,
  MAX_TERMS,
  MAX_TOKENS_LIMIT,
  PATTERN_MAX,
  PII_ACTIONS,
  TERM_MAX,
  TEST_TEXT_MAX,
} from '../domain/guardrail-rules';
import type { ChannelDefinition } from './channel-definition';
import type { GuardrailChannelName } from './guardrail-channels';
import { workspaceIdSchema } from './workspace-schemas';

const ids = <T extends readonly { id: string }[]>(list: T) => list.map((entry) => entry.id) as unknown as [T[number]['id'], ...T[number]['id'][]];
export const guardrailDirectionSchema = z.enum(ids(GUARDRAIL_DIRECTIONS));
const piiAction = z.enum(ids(PII_ACTIONS));
const listAction = z.enum(['log', 'redact', 'block']);
const tokenLimit = z.int('Must be a whole number').min(1, 'Must be at least 1').max(MAX_TOKENS_LIMIT, `Must be at most ${MAX_TOKENS_LIMIT.toLocaleString('en-US')}`).nullable();

/** A guardrail policy (org defaults or a workspace's own). Cross-field rules: shared/domain/guardrail-rules `validatePolicy`. */
export const guardrailPolicySchema = z.strictObject({
  pii: z.strictObject({
    direction: guardrailDirectionSchema,
    actions: z.strictObject({ email: piiAction, phone: piiAction, credit_card: piiAction, iban: piiAction, ipv4: piiAction, ipv6: piiAction }),
  }),
  blockedTerms: z.strictObject({
    direction: guardrailDirectionSchema,
    action: listAction,
    terms: z.array(z.string().max(TERM_MAX, `A term must be at most ${TERM_MAX} characters`)).max(MAX_TERMS, `At most ${MAX_TERMS} terms`),
  }),
  blockedPatterns: z.strictObject({
    direction: guardrailDirectionSchema,
    action: listAction,
    patterns: z
      .array(
        z.strictObject({
          name: z.string().trim().min(1, 'Name the pattern').max(60, 'At most 60 characters').regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, 'Letters, digits, space and _ . - only'),
          pattern: z.string().min(1, 'Enter a pattern').max(PATTERN_MAX, `A pattern must be at most ${PATTERN_MAX} characters`),
          ignoreCase: z.boolean(),
        }),
      )
      .max(MAX_PATTERNS, `At most ${MAX_PATTERNS} patterns`),
  }),
  maxInputTokens: tokenLimit,
  maxOutputTokens: tokenLimit,
  moderation: z.strictObject({ enabled: z.boolean(), direction: guardrailDirectionSchema }),
  promptInjection: z.strictObject({ enabled: z.boolean() }),
});
export type GuardrailPolicyInput = z.infer<typeof guardrailPolicySchema>;

/** No workspaceId = the org-level defaults. */
export const guardrailGetInput = z.strictObject({ workspaceId: workspaceIdSchema.optional() });
export const guardrailSettingsSchema = z.strictObject({
  scope: z.enum(['org', 'workspace']),
  workspaceId: z.string().nullable(),
  /** A workspace that inherits uses the org defaults (always false for the org scope). */
  inherits: z.boolean(),
  /** This scope's own policy (null while a workspace inherits). */
  policy: guardrailPolicySchema.nullable(),
  defaults: guardrailPolicySchema,
  effective: guardrailPolicySchema,
  /** 0 while nothing was saved for this scope. */
  version: z.int(),
});
export type GuardrailSettings = z.infer<typeof guardrailSettingsSchema>;

export const guardrailSaveInput = z.strictObject({
  workspaceId: workspaceIdSchema.optional(),
  expectedVersion: z.int().min(0).optional(),
  /** Workspaces only: true = use the org defaults (policy is then ignored and may be omitted). */
  inherits: z.boolean().default(false),
  policy: guardrailPolicySchema.optional(),
});

export const guardrailTestInput = z.strictObject({
  workspaceId: workspaceIdSchema.optional(),
  /** Test an unsaved draft instead of the stored (effective) policy. */
  policy: guardrailPolicySchema.optional(),
  text: z.string().max(TEST_TEXT_MAX, `At most ${TEST_TEXT_MAX.toLocaleString('en-US')} characters`),
  direction: guardrailDirectionSchema.default('input'),
});
const finding = z.strictObject({
  rule: z.string(),
  label: z.string(),
  action: z.enum(['off', 'log', 'redact', 'block', 'gateway']),
  excerpt: z.string().nullable(),
  start: z.int().nullable(),
  end: z.int().nullable(),
});
export const guardrailEvaluationSchema = z.strictObject({
  direction: z.enum(['input', 'output']),
  verdict: z.enum(['allow', 'redact', 'block']),
  redactedText: z.string(),
  findings: z.array(finding),
  estimatedTokens: z.int(),
  gatewayChecks: z.array(z.string()),
  timedOut: z.array(z.string()),
});
export type GuardrailEvaluationOutput = z.infer<typeof guardrailEvaluationSchema>;
export const guardrailTestOutput = z.strictObject({ evaluations: z.array(guardrailEvaluationSchema), timeLimitMs: z.int() });

export const guardrailExportOutput = z.strictObject({
  format: z.literal('gatehouse-guardrails/1'),
  exportedAt: z.string(),
  scope: z.enum(['org', 'workspace']),
  workspaceId: z.string().nullable(),
  workspaceName: z.string().nullable(),
  inherits: z.boolean(),
  version: z.int(),
  policy: guardrailPolicySchema.nullable(),
  effective: guardrailPolicySchema,
});

export const guardrailContract = {
  'guardrails:get': { input: guardrailGetInput, output: guardrailSettingsSchema },
  'guardrails:save': { input: guardrailSaveInput, output: guardrailSettingsSchema },
  'guardrails:test': { input: guardrailTestInput, output: guardrailTestOutput },
  'guardrails:export': { input: guardrailGetInput, output: guardrailExportOutput },
} satisfies { [C in GuardrailChannelName]: ChannelDefinition };
