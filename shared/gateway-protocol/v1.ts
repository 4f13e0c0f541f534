import { z } from 'zod';

/**
 * The Gatehouse gateway admin protocol, version 1 (`gatehouse-v1`): the wire contract between
 * Gatehouse's sync engine and a gateway. The reference server (test/reference-gateway) implements
 * it; the core's adapter (electron/core/services/sync) speaks it. Everything a remote sends is
 * parsed with these schemas before use.
 *
 * Conventions
 * - Base path `/v1`; `Authorization: Bearer <admin key>`; JSON bodies; snake_case fields.
 * - Ids are chosen by the client (Gatehouse's own ids: ws-…, key-…, mem-…, pk-…). A gateway never
 *   mints ids for these resources.
 * - Every resource has `version` (+1 per write) and a strong `etag` = `"v<version>"` (with quotes,
 *   as in the ETag header).
 * - Create: `PUT <item>` with `If-None-Match: *` → 201 (412 `already-exists` with `current`).
 *   Update: `PUT <item>` with `If-Match: "v7"` → 200 (412 `precondition-failed` with `current`).
 *   Delete: `DELETE <item>` with `If-Match` → 204 (a workspace delete removes its children too,
 *   each with its own change-feed entry). No precondition → 428 `precondition-required`.
 * - Every PUT/DELETE carries `Idempotency-Key: "<key>"` (a structured-field string, 1–255 chars).
 *   Missing → 400 `idempotency-key-missing`. A replay with the same method, path and body returns
 *   the stored status, headers and body plus `Idempotent-Replayed: true`; the same key with another
 *   request → 422 `idempotency-key-reused`; the same key while the first is in flight → 409
 *   `idempotency-key-in-flight` with `Retry-After: 1`. Stored responses live 24 h.
 * - Errors are RFC 9457 `application/problem+json` (`problemSchema`). 429/503 carry `Retry-After`
 *   (delta-seconds or an HTTP-date).
 * - Write-only fields (`secret_sha256`, `previous_secret_sha256`, provider `secret`) are accepted
 *   on PUT and never returned.
 */

export const PROTOCOL_KIND = 'gatehouse-v1';
export const PROTOCOL_VERSION = '1';
export const API_BASE = '/v1';
export const MAX_PAGE_SIZE = 1000;

export const RESOURCE_TYPES = [
  'member',
  'provider_key',
  'workspace',
  'workspace_member',
  'model_grants',
  'budget',
  'provider_access',
  'api_key',
  'routing',
  'guardrails',
] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Dependency order for creates and updates (parents first); deletes run in reverse. */
export const RESOURCE_ORDER: Record<ResourceType, number> = {
  member: 0,
  provider_key: 1,
  workspace: 2,
  workspace_member: 3,
  model_grants: 4,
  budget: 5,
  provider_access: 6,
  api_key: 7,
  // Routes target granted models; after the keys so existing orderings stay as they were.
  routing: 8,
  guardrails: 9,
};

/** Resource types that live inside a workspace (their `parent_id` is the workspace id). */
export const WORKSPACE_CHILDREN: readonly ResourceType[] = ['workspace_member', 'model_grants', 'budget', 'provider_access', 'api_key', 'routing', 'guardrails'];
/** One document per workspace: the resource id *is* the workspace id. */
export const WORKSPACE_DOCUMENTS: readonly ResourceType[] = ['model_grants', 'budget', 'provider_access', 'routing', 'guardrails'];

export const workspaceIdSchema = z.string().regex(/^ws-[a-z0-9]{4,32}$/);
export const keyIdSchema = z.string().regex(/^key-[a-z0-9]{4,32}$/);
export const memberIdSchema = z.string().regex(/^mem-[a-z0-9]{4,32}$/);
export const providerKeyIdSchema = z.string().regex(/^pk-[a-z0-9]{4,32}$/);
const modelIdSchema = z.string().min(1).max(200);
const isoTime = z.iso.datetime({ offset: true });
const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/);
const name = (max: number) => z.string().min(1).max(max);
const guardrailDirection = z.enum(['input', 'output', 'both']);
const guardrailListAction = z.enum(['log', 'redact', 'block']);

/** The managed fields of each resource type, as they travel on the wire (write-only fields included). */
export const resourceDataSchemas = {
  member: z.strictObject({ name: name(200), email: z.string().min(3).max(320) }),
  provider_key: z.strictObject({
    vendor: name(64),
    label: name(200),
    last4: z.string().max(4),
    /** Write-only: the provider secret, sent on create and when it changed; never returned. */
    secret: z.string().min(1).max(4096).optional(),
  }),
  workspace: z.strictObject({
    name: name(200),
    description: z.string().max(2000),
    environment: z.string().min(1).max(40),
    region: z.string().min(1).max(40),
    status: z.string().min(1).max(40),
    is_default: z.boolean(),
    /** The owner's member id. */
    owner_member_id: memberIdSchema.nullable(),
  }),
  workspace_member: z.strictObject({ role: z.enum(['admin', 'editor', 'viewer']) }),
  model_grants: z.strictObject({
    /** model id → its limits (null = no limit); an absent model is not granted. */
    grants: z.record(
      modelIdSchema,
      z.strictObject({ rpm_limit: z.int().min(1).nullable(), tpm_limit: z.int().min(1).nullable() }),
    ),
  }),
  budget: z.strictObject({
    monthly_limit_minor: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/),
    thresholds: z.array(z.int().min(1).max(1000)).min(1).max(6),
    mode: z.enum(['alert', 'hard']),
  }),
  provider_access: z.strictObject({
    /** provider key id → mode; an absent key uses the vendor default. */
    entries: z.record(providerKeyIdSchema, z.enum(['disabled', 'pinned'])),
  }),
  api_key: z.strictObject({
    name: name(200),
    secret_prefix: z.string().min(1).max(40),
    last4: z.string().max(4),
    status: z.enum(['active', 'revoked']),
    expires_at: isoTime.nullable(),
    revoked_at: isoTime.nullable(),
    rotated_at: isoTime.nullable(),
    previous_valid_until: isoTime.nullable(),
    rpm_limit: z.int().min(1).nullable(),
    tpm_limit: z.int().min(1).nullable(),
    monthly_budget_minor: z.int().min(0).nullable(),
    /** Write-only: SHA-256 (hex) of the key's secret; the gateway verifies bearer keys by it. */
    secret_sha256: sha256Hex.optional(),
    /** Write-only: the previous secret's hash while a rotation grace window is open. */
    previous_secret_sha256: sha256Hex.nullable().optional(),
  }),
  routing: z.strictObject({
    /** alias → route; an absent alias is no route. Targets are model ids or other aliases of the workspace. */
    routes: z.record(
      z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/),
      z.strictObject({
        strategy: z.enum(['priority', 'weighted', 'lowest-latency', 'least-busy']),
        targets: z.array(z.strictObject({ target: z.string().min(1).max(200), weight: z.int().min(1).max(1000) })).min(1).max(20),
        retries: z.int().min(0).max(10),
        timeout_ms: z.int().min(1000).max(600_000),
        failover_on: z.array(z.enum(['rate-limit', 'server-error', 'timeout', 'context-length'])).max(4),
        expected_rpm: z.int().min(1).max(1_000_000).nullable(),
      }),
    ),
  }),
  /**
   * A workspace's guardrail policy. `inherits: true` = the gateway's org defaults apply and every
   * section is null; otherwise every section is set. Sections merge one by one.
   */
  guardrails: z.strictObject({
    inherits: z.boolean(),
    pii: z
      .strictObject({
        direction: guardrailDirection,
        actions: z.strictObject(Object.fromEntries(['email', 'phone', 'credit_card', 'iban', 'ipv4', 'ipv6'].map((t) => [t, z.enum(['off', 'log', 'redact', 'block'])]))),
      })
      .nullable(),
    blocked_terms: z.strictObject({ direction: guardrailDirection, action: guardrailListAction, terms: z.array(z.string().max(200)).max(200) }).nullable(),
    blocked_patterns: z
      .strictObject({
        direction: guardrailDirection,
        action: guardrailListAction,
        patterns: z.array(z.strictObject({ name: z.string().min(1).max(60), pattern: z.string().min(1).max(500), ignore_case: z.boolean() })).max(50),
      })
      .nullable(),
    max_input_tokens: z.int().min(1).max(10_000_000).nullable(),
    max_output_tokens: z.int().min(1).max(10_000_000).nullable(),
    moderation: z.strictObject({ enabled: z.boolean(), direction: guardrailDirection }).nullable(),
    prompt_injection: z.strictObject({ enabled: z.boolean() }).nullable(),
  }),
} as const satisfies Record<ResourceType, z.ZodType>;

export type ResourceData<T extends ResourceType = ResourceType> = z.infer<(typeof resourceDataSchemas)[T]>;

/** Fields a gateway accepts but never returns. The engine never diffs them against the remote. */
export const WRITE_ONLY_FIELDS: Record<ResourceType, readonly string[]> = {
  member: [],
  provider_key: ['secret'],
  workspace: [],
  workspace_member: [],
  model_grants: [],
  budget: [],
  provider_access: [],
  api_key: ['secret_sha256', 'previous_secret_sha256'],
  routing: [],
  guardrails: [],
};

const envelopeBase = {
  id: z.string().min(1).max(100),
  /** The workspace id for workspace children (for documents it equals `id`); null otherwise. */
  parent_id: workspaceIdSchema.nullable(),
  version: z.int().min(1),
  etag: z.string().regex(/^"v\d+"$/),
  created_at: isoTime,
  updated_at: isoTime,
  /** Who made the last write: the admin key's label. */
  updated_by: z.string().max(200),
};

/** A resource as a gateway returns it (write-only fields stripped). */
export const remoteResourceSchema = z.discriminatedUnion(
  'type',
  RESOURCE_TYPES.map((type) =>
    z.strictObject({ type: z.literal(type), ...envelopeBase, data: readableData(type) }),
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
export interface RemoteResource<T extends ResourceType = ResourceType> {
  type: T;
  id: string;
  parent_id: string | null;
  version: number;
  etag: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
  data: ResourceData<T>;
}

/** The readable part of a type's data: write-only fields must not appear in a response. */
export function readableData(type: ResourceType): z.ZodType {
  const schema = resourceDataSchemas[type] as z.ZodObject;
  const omit = Object.fromEntries(WRITE_ONLY_FIELDS[type].map((field) => [field, true])) as Record<string, true>;
  return WRITE_ONLY_FIELDS[type].length > 0 ? schema.omit(omit) : schema;
}

/** Body of a PUT: the data (write-only fields allowed). */
export function putBodySchema(type: ResourceType) {
  return z.strictObject({ data: resourceDataSchemas[type] });
}

/** The path of one resource, under API_BASE. */
export function resourcePath(type: ResourceType, id: string, parentId: string | null): string {
  const e = encodeURIComponent;
  switch (type) {
    case 'member':
      return `${API_BASE}/members/${e(id)}`;
    case 'provider_key':
      return `${API_BASE}/provider-keys/${e(id)}`;
    case 'workspace':
      return `${API_BASE}/workspaces/${e(id)}`;
    case 'workspace_member':
      return `${API_BASE}/workspaces/${e(parentId ?? '')}/members/${e(id)}`;
    case 'api_key':
      return `${API_BASE}/workspaces/${e(parentId ?? '')}/keys/${e(id)}`;
    case 'model_grants':
      return `${API_BASE}/workspaces/${e(id)}/model-grants`;
    case 'budget':
      return `${API_BASE}/workspaces/${e(id)}/budget`;
    case 'provider_access':
      return `${API_BASE}/workspaces/${e(id)}/provider-access`;
    case 'routing':
      return `${API_BASE}/workspaces/${e(id)}/routing`;
    case 'guardrails':
      return `${API_BASE}/workspaces/${e(id)}/guardrails`;
  }
}

/** Parses a resource path back into (type, id, parentId); null when it names no resource. */
export function parseResourcePath(path: string): { type: ResourceType; id: string; parentId: string | null } | null {
  const m = /^\/v1\/(members|provider-keys|workspaces)\/([^/]+)(?:\/(members|keys|model-grants|budget|provider-access|routing|guardrails)(?:\/([^/]+))?)?$/.exec(path);
  if (!m) return null;
  const [, top, rawId, sub, rawChild] = m;
  const id = decodeURIComponent(rawId!);
  if (!sub) {
    if (rawChild !== undefined) return null;
    return { type: top === 'members' ? 'member' : top === 'provider-keys' ? 'provider_key' : 'workspace', id, parentId: null };
  }
  if (top !== 'workspaces') return null;
  if (sub === 'members' || sub === 'keys') {
    if (rawChild === undefined) return null;
    return { type: sub === 'members' ? 'workspace_member' : 'api_key', id: decodeURIComponent(rawChild), parentId: id };
  }
  if (rawChild !== undefined) return null;
  const type = sub === 'model-grants' ? 'model_grants' : sub === 'budget' ? 'budget' : sub === 'routing' ? 'routing' : sub === 'guardrails' ? 'guardrails' : 'provider_access';
  return { type, id, parentId: id };
}

/** The id pattern each type's resource id must match (documents use the workspace id). */
export const resourceIdSchemas: Record<ResourceType, z.ZodString> = {
  member: memberIdSchema,
  provider_key: providerKeyIdSchema,
  workspace: workspaceIdSchema,
  workspace_member: memberIdSchema,
  model_grants: workspaceIdSchema,
  budget: workspaceIdSchema,
  provider_access: workspaceIdSchema,
  api_key: keyIdSchema,
  routing: workspaceIdSchema,
  guardrails: workspaceIdSchema,
};

// ---- Discovery -------------------------------------------------------------------------------

/** `GET /v1/health` (no auth): is this a gatehouse-v1 gateway at all. */
export const healthSchema = z.strictObject({
  protocol: z.literal(PROTOCOL_KIND),
  api_version: z.string().max(20),
  server: z.string().max(200),
});

/** `GET /v1/capabilities` (auth): what the gateway supports and the limits it enforces. */
export const capabilitiesSchema = z.strictObject({
  protocol: z.literal(PROTOCOL_KIND),
  api_version: z.string().max(20),
  server: z.string().max(200),
  /** The admin key's label (what `updated_by` shows for our writes). */
  principal: z.string().max(200),
  limits: z.strictObject({
    max_workspaces: z.int().min(1),
    max_keys_per_workspace: z.int().min(1),
    max_name_length: z.int().min(1),
  }),
  max_page_size: z.int().min(1).max(MAX_PAGE_SIZE),
  idempotency_ttl_s: z.int().min(1),
  /** How long change-feed entries are kept; an older cursor gets 410 `cursor-expired`. */
  change_retention_s: z.int().min(1),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;

// ---- Reading ---------------------------------------------------------------------------------

const cursorSchema = z.string().min(1).max(200);

/**
 * `GET /v1/resources?after=<cursor>&limit=N`: every live resource of every type, keyset-paged by
 * (type order, id). `as_of` is the change-feed cursor the first page was consistent with: follow
 * `GET /v1/changes?after=<as_of>` afterwards (list + watch). Pass the same `as_of` back on later
 * pages is not needed; each page repeats it.
 */
export const resourcePageSchema = z.strictObject({
  data: z.array(remoteResourceSchema).max(MAX_PAGE_SIZE),
  next_cursor: cursorSchema.nullable(),
  as_of: cursorSchema,
});

export const changeSchema = z.strictObject({
  /** Opaque position of this entry; pass it as `after` to continue from here. */
  cursor: cursorSchema,
  type: z.enum(RESOURCE_TYPES),
  id: z.string().min(1).max(100),
  parent_id: workspaceIdSchema.nullable(),
  op: z.enum(['upsert', 'delete']),
  version: z.int().min(1),
  /** The resource after the change (null for a delete). */
  resource: remoteResourceSchema.nullable(),
  changed_at: isoTime,
  actor: z.string().max(200),
});
export type Change = z.infer<typeof changeSchema>;

/** `GET /v1/changes?after=<cursor>&limit=N` (410 `cursor-expired` when the cursor is too old). */
export const changePageSchema = z.strictObject({
  changes: z.array(changeSchema).max(MAX_PAGE_SIZE),
  /** Where to continue (equals `after` when nothing new). */
  next_cursor: cursorSchema,
  has_more: z.boolean(),
});

export const usageRecordSchema = z.strictObject({
  id: z.string().min(1).max(200),
  /** Server-assigned ingestion order; the feed is ordered by it, never by event time. */
  ingest_seq: z.int().min(1),
  /** Event time, `YYYY-MM-DDTHH:MM:SS.sssZ`, a time that exists (2026-02-30, T24:00, :60 are refused). */
  occurred_at: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    .refine((at) => !Number.isNaN(Date.parse(at)) && new Date(at).toISOString() === at, 'Not a time that exists'),
  workspace_id: workspaceIdSchema,
  key_id: keyIdSchema.nullable(),
  model_id: modelIdSchema,
  // Per-record caps, the same as Gatehouse's USAGE_RECORD_MAX (shared/domain/usage-rules.ts; this
  // file imports only zod): small enough that sums over many records stay exact.
  requests: z.int().min(0).max(1_000_000_000),
  input_tokens: z.int().min(0).max(10_000_000_000),
  output_tokens: z.int().min(0).max(10_000_000_000),
  cached_tokens: z.int().min(0).max(10_000_000_000),
  cost_micros: z.int().min(0).max(1_000_000_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type UsageRecordWire = z.infer<typeof usageRecordSchema>;

/** `GET /v1/usage-records?after=<cursor>&limit=N` (no `after`: from the beginning). */
export const usagePageSchema = z.strictObject({
  records: z.array(usageRecordSchema).max(MAX_PAGE_SIZE),
  next_cursor: cursorSchema.nullable(),
  has_more: z.boolean(),
});

// ---- Errors ----------------------------------------------------------------------------------

export const PROBLEM_SLUGS = [
  'unauthorized',
  'not-found',
  'already-exists',
  'precondition-failed',
  'precondition-required',
  'idempotency-key-missing',
  'idempotency-key-reused',
  'idempotency-key-in-flight',
  'validation-failed',
  'limit-exceeded',
  'parent-missing',
  'cursor-expired',
  'rate-limited',
  'payload-too-large',
  'unavailable',
  'internal',
] as const;
export type ProblemSlug = (typeof PROBLEM_SLUGS)[number];
export const PROBLEM_TYPE_PREFIX = 'urn:gatehouse:problem:';

/** RFC 9457 problem details. Unknown members are allowed (the RFC's extension members). */
export const problemSchema = z.looseObject({
  type: z.string().max(500),
  title: z.string().max(500),
  status: z.int().min(100).max(599),
  detail: z.string().max(2000).optional(),
  /** On 412: the resource as it is now, so the client can show the conflict without a second GET. */
  current: remoteResourceSchema.optional(),
  /** On validation-failed / limit-exceeded: which fields. */
  errors: z.array(z.strictObject({ field: z.string().max(200), message: z.string().max(500) })).max(100).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

export function problemSlug(problem: Pick<Problem, 'type'>): string {
  return problem.type.startsWith(PROBLEM_TYPE_PREFIX) ? problem.type.slice(PROBLEM_TYPE_PREFIX.length) : problem.type;
}

export const etagOf = (version: number) => `"v${version}"`;
