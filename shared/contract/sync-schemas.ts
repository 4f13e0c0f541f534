import { z } from 'zod';
import { RESOURCE_TYPES } from '../gateway-protocol/v1';
import type { ChannelDefinition } from './channel-definition';
import { jobStatusSchema } from './job-schemas';
import type { SyncChannelName } from './sync-channels';

// ---- Remotes ---------------------------------------------------------------------------------

export const REMOTE_KINDS = ['gatehouse-v1'] as const;
export const remoteKindSchema = z.enum(REMOTE_KINDS);
export const remoteIdSchema = z.string().regex(/^rem-[a-z0-9]{4,32}$/, 'Not a remote ID');
export const REMOTE_NAME_MAX = 64;
export const REMOTE_CREDENTIAL_MAX = 4096;
export const REMOTE_CA_MAX = 256 * 1024;

export const remoteNameSchema = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(REMOTE_NAME_MAX, `Name must be at most ${REMOTE_NAME_MAX} characters`)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'Name may use letters, digits, spaces and . _ - and must start with a letter or digit');

/** https://…, or http:// only to a loopback address (127.0.0.0/8, ::1, localhost). Checked again in the core. */
export const remoteUrlSchema = z
  .string()
  .trim()
  .min(1, 'URL is required')
  .max(2000, 'URL is too long')
  // One host character then anything but whitespace: the same language as `[^\s/?#]+[^\s]*`,
  // without its quadratic backtracking (a ~1 MiB URL took ~40 min to refuse).
  .regex(/^https?:\/\/[^\s/?#][^\s]*$/i, 'Not an http(s) URL (e.g. https://gateway.example.com)');

/** The admin credential: write-only, never returned, logged or audited. Messages never echo it. */
export const remoteCredentialSchema = z
  .string()
  .trim()
  .min(8, 'The admin key must be at least 8 characters')
  .max(REMOTE_CREDENTIAL_MAX, `The admin key must be at most ${REMOTE_CREDENTIAL_MAX} characters`)
  .regex(/^[\x21-\x7e]+$/, 'The admin key may contain only visible characters (no spaces)');

/** An extra CA certificate (PEM text) to trust for this remote, besides the system's. */
export const remoteCaSchema = z
  .string()
  .max(REMOTE_CA_MAX, 'The CA file is too large')
  .refine((pem) => pem.includes('-----BEGIN CERTIFICATE-----'), 'Not a PEM certificate (-----BEGIN CERTIFICATE-----)');

export const remoteLimitsSchema = z.strictObject({
  maxWorkspaces: z.int(),
  maxKeysPerWorkspace: z.int(),
  maxNameLength: z.int(),
});
export type RemoteLimits = z.infer<typeof remoteLimitsSchema>;

export const remoteSchema = z.strictObject({
  id: remoteIdSchema,
  name: z.string(),
  kind: remoteKindSchema,
  baseUrl: z.string(),
  /** True when an extra CA certificate is stored. */
  hasCustomCa: z.boolean(),
  /** Limits the remote reported at its last test or sync; null until then. */
  limits: remoteLimitsSchema.nullable(),
  protocolVersion: z.string().nullable(),
  lastTestedAt: z.string().nullable(),
  lastSyncAt: z.string().nullable(),
  lastUsagePullAt: z.string().nullable(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Remote = z.infer<typeof remoteSchema>;

export const remoteCreateInput = z.strictObject({
  name: remoteNameSchema,
  kind: remoteKindSchema.default('gatehouse-v1'),
  baseUrl: remoteUrlSchema,
  credential: remoteCredentialSchema,
  caCertificate: remoteCaSchema.nullable().optional(),
});
export const remoteUpdateInput = z.strictObject({
  id: remoteIdSchema,
  expectedVersion: z.int().min(1).optional(),
  name: remoteNameSchema.optional(),
  baseUrl: remoteUrlSchema.optional(),
  /** Omit to keep the stored credential. */
  credential: remoteCredentialSchema.optional(),
  /** null removes the extra CA; omit to keep it. */
  caCertificate: remoteCaSchema.nullable().optional(),
});

export const remoteTestSchema = z.strictObject({
  reachable: z.boolean(),
  authenticated: z.boolean(),
  protocolVersion: z.string().nullable(),
  server: z.string().nullable(),
  limits: remoteLimitsSchema.nullable(),
  /** Round trip of the capabilities request, ms. */
  latencyMs: z.number().nullable(),
  /** Why a step failed, for people ("Connection refused", "The admin key was rejected (401)"). */
  problem: z.string().nullable(),
});
export type RemoteTest = z.infer<typeof remoteTestSchema>;

// ---- Plans -----------------------------------------------------------------------------------

export const syncResourceTypeSchema = z.enum(RESOURCE_TYPES);
export const runIdSchema = z.string().regex(/^run-[a-f0-9]{16}$/, 'Not a sync run ID');
export const planHashSchema = z.string().regex(/^[a-f0-9]{64}$/, 'Not a plan hash');

const json: z.ZodType<unknown> = z.unknown();

/** Where a field's planned value comes from (git diff3 rules). */
export const FIELD_SOURCES = ['local', 'remote', 'both', 'conflict'] as const;

export const planFieldSchema = z.strictObject({
  /** Dotted: `name`, `grants.gpt-4o`, `entries.pk-1`. */
  path: z.string(),
  /** Values are JSON; null also stands for "absent" (see `present`). */
  base: json,
  local: json,
  remote: json,
  result: json,
  source: z.enum(FIELD_SOURCES),
  /** A write-only field (secret hash, provider secret): values are never shown, only "changed". */
  writeOnly: z.boolean(),
});
export type PlanField = z.infer<typeof planFieldSchema>;

/**
 * One operation. `create|update|delete` write to the remote (an `update` may also bring remote
 * fields into the local row); `pull` writes only locally; `conflict` is held back until resolved.
 */
export const PLAN_OP_KINDS = ['create', 'update', 'delete', 'pull', 'conflict'] as const;
export type PlanOpKind = (typeof PLAN_OP_KINDS)[number];

export const planWarningSchema = z.strictObject({ code: z.string(), message: z.string() });

export const planOpSchema = z.strictObject({
  ord: z.int().min(1),
  kind: z.enum(PLAN_OP_KINDS),
  /** For `pull`: what happens to the local row. */
  localAction: z.enum(['create', 'update', 'delete', 'none']),
  type: syncResourceTypeSchema,
  localId: z.string(),
  remoteId: z.string(),
  /** Workspace this belongs to (local id) and its name, for grouping; null for org-level resources. */
  workspaceId: z.string().nullable(),
  workspaceName: z.string().nullable(),
  /** For people: `workspace "Search"`, `API key "backend"`, `member ana@example.com`. */
  label: z.string(),
  fields: z.array(planFieldSchema),
  /** The remote ETag the plan was computed against (null: expected absent). */
  expectEtag: z.string().nullable(),
  dependsOn: z.array(z.int()),
  warnings: z.array(planWarningSchema),
});
export type PlanOp = z.infer<typeof planOpSchema>;

export const CONFLICT_REASONS = ['field', 'deleted-remotely', 'deleted-locally', 'same-name'] as const;

export const planConflictSchema = z.strictObject({
  /** `type:localId:path` — what `sync:resolve` names. */
  key: z.string(),
  ord: z.int(),
  type: syncResourceTypeSchema,
  localId: z.string(),
  label: z.string(),
  path: z.string(),
  reason: z.enum(CONFLICT_REASONS),
  base: json,
  local: json,
  remote: json,
  message: z.string(),
});
export type PlanConflict = z.infer<typeof planConflictSchema>;

export const planSummarySchema = z.strictObject({
  create: z.int(),
  update: z.int(),
  delete: z.int(),
  pull: z.int(),
  conflict: z.int(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const syncPlanSchema = z.strictObject({
  runId: runIdSchema,
  remoteId: remoteIdSchema,
  remoteName: z.string(),
  createdAt: z.string(),
  /** Highest change-log seq the plan saw: any later local change makes it stale. */
  changeSeqHigh: z.int(),
  /** How the remote was read: a full listing (first sync, expired cursor) or the change feed. */
  remoteRead: z.enum(['full', 'changes']),
  ops: z.array(planOpSchema),
  conflicts: z.array(planConflictSchema),
  warnings: z.array(planWarningSchema),
  summary: planSummarySchema,
  /** SHA-256 of the canonical plan; apply must quote it. */
  planHash: planHashSchema,
});
export type SyncPlan = z.infer<typeof syncPlanSchema>;

// ---- Runs and status -------------------------------------------------------------------------

export const RUN_STATES = ['planned', 'applying', 'applied', 'partial', 'failed', 'interrupted', 'discarded'] as const;
export const OP_STATES = ['pending', 'sent', 'done', 'failed', 'conflict', 'skipped'] as const;

export const syncRunSchema = z.strictObject({
  runId: runIdSchema,
  remoteId: remoteIdSchema,
  state: z.enum(RUN_STATES),
  summary: planSummarySchema,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Counts by op state once applying started. */
  ops: z.strictObject({ done: z.int(), failed: z.int(), conflict: z.int(), skipped: z.int(), pending: z.int() }),
  /** Why it failed or what is left, for people. */
  message: z.string().nullable(),
});
export type SyncRun = z.infer<typeof syncRunSchema>;

export const remoteStatusSchema = z.strictObject({
  remote: remoteSchema,
  /** Local changes (distinct entities) not yet pushed to any remote. */
  pendingChanges: z.int(),
  lastRun: syncRunSchema.nullable(),
  /** Conflicts recorded by the latest plan that are still unresolved. */
  openConflicts: z.int(),
});

export const syncStatusOutput = z.strictObject({
  /** Local changes (distinct entities) not yet synced: the sidebar badge. */
  pendingChanges: z.int(),
  remotes: z.array(remoteStatusSchema),
});
export type SyncStatus = z.infer<typeof syncStatusOutput>;

export const RESOLUTIONS = ['keep-local', 'take-remote'] as const;
export const syncResolveInput = z.strictObject({
  remoteId: remoteIdSchema,
  /** `type:localId:path` from the plan's conflicts. */
  key: z.string().min(3).max(400),
  choice: z.enum(RESOLUTIONS),
});

export const syncContract = {
  'remotes:list': { input: z.strictObject({}), output: z.strictObject({ remotes: z.array(remoteSchema) }) },
  'remotes:create': { input: remoteCreateInput, output: remoteSchema },
  'remotes:update': { input: remoteUpdateInput, output: remoteSchema },
  'remotes:delete': { input: z.strictObject({ id: remoteIdSchema }), output: z.strictObject({ id: remoteIdSchema }) },
  'remotes:test': { input: z.strictObject({ id: remoteIdSchema }), output: remoteTestSchema },
  'sync:status': { input: z.strictObject({}), output: syncStatusOutput },
  /** A job (kind `sync-plan`); its result names the stored plan. */
  'sync:plan': { input: z.strictObject({ remoteId: remoteIdSchema }), output: jobStatusSchema },
  'sync:getPlan': { input: z.strictObject({ runId: runIdSchema }), output: syncPlanSchema },
  /** A job (kind `sync-apply`); the hash is the admin's approval of exactly that plan. */
  'sync:apply': {
    input: z.strictObject({ runId: runIdSchema, planHash: planHashSchema }),
    output: jobStatusSchema,
  },
  'sync:resolve': { input: syncResolveInput, output: z.strictObject({ key: z.string(), choice: z.enum(RESOLUTIONS) }) },
  /** A job (kind `sync-usage`). */
  'sync:pullUsage': { input: z.strictObject({ remoteId: remoteIdSchema }), output: jobStatusSchema },
  'sync:runs': {
    input: z.strictObject({ remoteId: remoteIdSchema, limit: z.int().min(1).max(200).default(20) }),
    output: z.strictObject({ runs: z.array(syncRunSchema) }),
  },
} satisfies { [C in SyncChannelName]: ChannelDefinition };
