import type Database from 'better-sqlite3';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  API_BASE,
  MAX_PAGE_SIZE,
  PROTOCOL_KIND,
  PROTOCOL_VERSION,
  RESOURCE_ORDER,
  RESOURCE_TYPES,
  etagOf,
  parseResourcePath,
  putBodySchema,
  resourceIdSchemas,
  resourcePath,
  workspaceIdSchema,
  type ResourceType,
} from '../../shared/gateway-protocol/v1';
import {
  PayloadTooLarge,
  base64url,
  fromBase64url,
  json,
  noContent,
  parseEntityTags,
  parseSfString,
  problem,
  readBody,
  refuseTooLarge,
  send,
  type Answer,
} from './http';
import { openGatewayStore, scopeOf, splitWriteOnly, toRemote, type ResourceRow } from './store';
import { simulateTraffic, usageRecord, type SimulateTrafficOptions } from './traffic';

/**
 * The reference implementation of the gatehouse-v1 gateway admin protocol (see PROTOCOL.md and
 * shared/gateway-protocol/v1.ts), for tests and for trying sync locally. Not a production gateway:
 * one process, one SQLite file, admin keys given at start.
 */

export interface GatewayLimits {
  max_workspaces: number;
  max_keys_per_workspace: number;
  /** Applies to workspace and API key names. */
  max_name_length: number;
}

export interface ReferenceGatewayOptions {
  /** 0 (the default) = any free port. */
  port?: number;
  host?: '127.0.0.1';
  dataDir: string;
  adminKeys: { key: string; label: string }[];
  limits?: Partial<GatewayLimits>;
  /** Change-feed entries kept; a cursor older than the oldest kept entry gets 410. */
  changeRetention?: number;
  now?: () => Date;
  rateLimit?: { perSecond: number };
  /** Request body cap (default 1 MiB). */
  maxBodyBytes?: number;
  /** How long a client may take to send its headers (default 10 s) and its whole request (default 30 s). */
  timeouts?: { headersMs?: number; requestMs?: number };
}

export interface ReferenceGateway {
  url: string;
  port: number;
  close(): Promise<void>;
  /** The gateway's SQLite connection, for tests that inspect or corrupt state. */
  db: Database.Database;
  /** Inserts `n` usage records for the active keys it knows; returns how many it inserted. */
  simulateTraffic(n: number, options?: SimulateTrafficOptions): number;
  /** `writes`: PUT/DELETE requests that executed and succeeded (replays excluded); `requests`: every request received. */
  counts(): { writes: number; requests: number };
}

export const DEFAULT_LIMITS: GatewayLimits = { max_workspaces: 20, max_keys_per_workspace: 20, max_name_length: 64 };
export const SERVER_NAME = 'gatehouse-reference-gateway/1';
const IDEMPOTENCY_TTL_S = 24 * 60 * 60;
/** Reported in capabilities; retention is by entry count (`changeRetention`), this is the nominal horizon. */
const CHANGE_RETENTION_S = 7 * 24 * 60 * 60;
const DEFAULT_PAGE_SIZE = 100;

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest();
const sha256Hex = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** Key order does not matter when deciding whether a PUT changes anything. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

const changeCursor = (seq: number) => base64url(`c${seq}`);
const usageCursor = (seq: number) => base64url(`u${seq}`);
const resourceCursor = (row: ResourceRow, asOf: number) => base64url(`r${JSON.stringify([row.type, row.id, row.scope, asOf])}`);

function decodeSeq(cursor: string, prefix: 'c' | 'u'): number | null {
  const decoded = fromBase64url(cursor);
  const m = decoded === null ? null : new RegExp(`^${prefix}(0|[1-9]\\d{0,15})$`).exec(decoded);
  return m ? Number(m[1]) : null;
}

function decodeResourceCursor(cursor: string): { type: ResourceType; id: string; scope: string; asOf: number } | null {
  const decoded = fromBase64url(cursor);
  if (!decoded?.startsWith('r')) return null;
  try {
    const parsed = z
      .tuple([z.enum(RESOURCE_TYPES), z.string(), z.string(), z.int().min(0)])
      .safeParse(JSON.parse(decoded.slice(1)));
    return parsed.success ? { type: parsed.data[0], id: parsed.data[1], scope: parsed.data[2], asOf: parsed.data[3] } : null;
  } catch {
    return null;
  }
}

function zodErrors(error: z.ZodError, prefix: string[] = []): { field: string; message: string }[] {
  return error.issues.slice(0, 100).map((issue) => ({
    field: [...prefix, ...issue.path.map(String)].join('.') || '(body)',
    message: issue.message.slice(0, 500),
  }));
}

const invalid = (errors: { field: string; message: string }[], status = 422) =>
  problem(status, 'validation-failed', { detail: errors.map((e) => `${e.field}: ${e.message}`).join('; ').slice(0, 2000), errors });

/** The answer of an executed write, and whether it is kept for idempotent replay. */
interface Outcome {
  answer: Answer;
  /** False for validation failures found during execution: Stripe keeps no record of those. */
  keep: boolean;
}
const kept = (answer: Answer): Outcome => ({ answer, keep: true });

type Target = { type: ResourceType; id: string; parentId: string | null };

// Built once: a zod schema compiles its parser on first use, so a fresh one per request is slow.
const putBodies = Object.fromEntries(RESOURCE_TYPES.map((type) => [type, putBodySchema(type)])) as { [T in ResourceType]: ReturnType<typeof putBodySchema> };

const chatBodySchema = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(z.looseObject({ role: z.string().max(40).optional(), content: z.unknown().optional() })).max(1000).optional(),
});

export async function startReferenceGateway(options: ReferenceGatewayOptions): Promise<ReferenceGateway> {
  if (options.adminKeys.length === 0) throw new Error('startReferenceGateway: at least one admin key is required');
  const now = options.now ?? (() => new Date());
  const limits: GatewayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const store = openGatewayStore(options.dataDir, { changeRetention: Math.max(1, options.changeRetention ?? 100_000) });
  // Comparing digests keeps the comparison constant-time whatever the presented key's length.
  const admins = options.adminKeys.map((admin) => ({ label: admin.label, digest: sha256(admin.key) }));
  const inFlight = new Set<string>();
  /** Expired idempotency records are swept at most once a minute (a lookup ignores them anyway). */
  let lastExpiry = 0;
  let writes = 0;
  let requests = 0;

  // Token bucket on the gateway clock (so a test with a frozen clock gets deterministic 429s).
  const bucket = options.rateLimit ? { tokens: options.rateLimit.perSecond, at: now().getTime(), rate: options.rateLimit.perSecond } : null;
  function rateLimitWait(): number {
    if (!bucket) return 0;
    const t = now().getTime();
    bucket.tokens = Math.min(bucket.rate, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * bucket.rate);
    bucket.at = Math.max(bucket.at, t);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / bucket.rate));
  }

  function authenticate(req: http.IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (!header?.startsWith('Bearer ')) return null;
    const digest = sha256(header.slice(7));
    let principal: string | null = null;
    for (const admin of admins) if (crypto.timingSafeEqual(digest, admin.digest) && principal === null) principal = admin.label;
    return principal;
  }

  // ---- reads ---------------------------------------------------------------------------------

  function parseLimit(url: URL): number | Answer {
    const raw = url.searchParams.get('limit');
    if (raw === null) return DEFAULT_PAGE_SIZE;
    if (!/^\d{1,7}$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE_SIZE) {
      return invalid([{ field: 'limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }], 400);
    }
    return Number(raw);
  }

  function listResources(url: URL): Answer {
    const limit = parseLimit(url);
    if (typeof limit !== 'number') return limit;
    const afterParam = url.searchParams.get('after');
    let after: { ord: number; id: string; scope: string } | null = null;
    let asOf = store.changeHead();
    if (afterParam !== null) {
      const decoded = decodeResourceCursor(afterParam);
      if (!decoded) return invalid([{ field: 'after', message: 'not a cursor this gateway issued' }], 400);
      after = { ord: RESOURCE_ORDER[decoded.type], id: decoded.id, scope: decoded.scope };
      asOf = decoded.asOf;
    }
    const rows = store.page(after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return json(200, {
      data: page.map(toRemote),
      next_cursor: rows.length > limit && last ? resourceCursor(last, asOf) : null,
      as_of: changeCursor(asOf),
    });
  }

  function listChanges(url: URL): Answer {
    const limit = parseLimit(url);
    if (typeof limit !== 'number') return limit;
    const afterParam = url.searchParams.get('after');
    const after = afterParam === null ? 0 : decodeSeq(afterParam, 'c');
    if (after === null) return invalid([{ field: 'after', message: 'not a cursor this gateway issued' }], 400);
    if (after < store.prunedThrough()) {
      return problem(410, 'cursor-expired', { detail: 'Entries after this cursor are no longer kept; list /v1/resources again and follow the changes from its as_of' });
    }
    if (after > store.changeHead()) {
      return problem(410, 'cursor-expired', { detail: 'This cursor is ahead of the feed (was the gateway reset?); list /v1/resources again' });
    }
    const rows = store.changesAfter(after, limit + 1);
    const changes = rows.slice(0, limit).map((row) => ({
      cursor: changeCursor(row.seq),
      type: row.type,
      id: row.id,
      parent_id: row.parent_id,
      op: row.op,
      version: row.version,
      resource: row.resource,
      changed_at: row.changed_at,
      actor: row.actor,
    }));
    return json(200, { changes, next_cursor: changes.at(-1)?.cursor ?? changeCursor(after), has_more: rows.length > limit });
  }

  function listUsage(url: URL): Answer {
    const limit = parseLimit(url);
    if (typeof limit !== 'number') return limit;
    const afterParam = url.searchParams.get('after');
    const after = afterParam === null ? 0 : decodeSeq(afterParam, 'u');
    if (after === null) return invalid([{ field: 'after', message: 'not a cursor this gateway issued' }], 400);
    const rows = store.usageAfter(after, limit + 1);
    const records = rows.slice(0, limit);
    const last = records.at(-1);
    return json(200, {
      records,
      next_cursor: last ? usageCursor(last.ingest_seq) : afterParam,
      has_more: rows.length > limit,
    });
  }

  function find(target: Target): ResourceRow | null {
    const row = store.get(target.type, scopeOf(target.type, target.parentId), target.id);
    return row && row.parent_id === target.parentId ? row : null;
  }

  function getResource(target: Target): Answer {
    const row = find(target);
    if (!row) return problem(404, 'not-found', { detail: `No ${target.type} ${target.id}` });
    return json(200, toRemote(row), { ETag: etagOf(row.version) });
  }

  // ---- writes --------------------------------------------------------------------------------

  const nowIso = () => now().toISOString();

  function putRow(row: ResourceRow, isNew: boolean, actor: string): void {
    if (isNew) store.insert(row);
    else store.update(row);
    store.appendChange({ type: row.type, id: row.id, parent_id: row.parent_id, op: 'upsert', version: row.version, resource: toRemote(row), changed_at: row.updated_at, actor });
  }

  function removeRow(row: ResourceRow, actor: string): void {
    store.delete(row);
    // A delete gets the next version, so a client that ignores entries at or below the version it knows still sees it.
    store.appendChange({ type: row.type, id: row.id, parent_id: row.parent_id, op: 'delete', version: row.version + 1, resource: null, changed_at: nowIso(), actor });
  }

  function bump(row: ResourceRow, data: Record<string, unknown>, actor: string): void {
    putRow({ ...row, data, version: row.version + 1, updated_at: nowIso(), updated_by: actor }, false, actor);
  }

  const parentMissing = (field: string, message: string) => kept(problem(409, 'parent-missing', { detail: message, errors: [{ field, message }] }));
  const limitExceeded = (field: string, message: string) => kept(problem(422, 'limit-exceeded', { detail: message, errors: [{ field, message }] }));

  function executePut(target: Target, data: Record<string, unknown>, ifMatch: '*' | string[] | null, actor: string): Outcome {
    const { type, id, parentId } = target;
    const scope = scopeOf(type, parentId);
    const existing = store.get(type, scope, id);
    if (ifMatch === null) {
      if (existing) return kept(problem(412, 'already-exists', { detail: `${type} ${id} already exists`, current: toRemote(existing) }));
    } else {
      if (!existing || existing.parent_id !== parentId) return kept(problem(404, 'not-found', { detail: `No ${type} ${id} to update` }));
      if (!etagMatches(ifMatch, existing.version)) {
        return kept(problem(412, 'precondition-failed', { detail: `${type} ${id} is at ${etagOf(existing.version)}`, current: toRemote(existing) }));
      }
    }

    if (parentId !== null && type !== 'workspace' && !store.get('workspace', '', parentId)) {
      return parentMissing('parent_id', `Workspace ${parentId} does not exist`);
    }
    if (type === 'workspace_member' && !store.get('member', '', id)) return parentMissing('id', `Member ${id} does not exist`);
    if (type === 'workspace' && data.owner_member_id && !store.get('member', '', data.owner_member_id as string)) {
      return parentMissing('data.owner_member_id', `Member ${String(data.owner_member_id)} does not exist`);
    }
    if (type === 'provider_access') {
      for (const pk of Object.keys(data.entries as Record<string, string>)) {
        if (!store.get('provider_key', '', pk)) return parentMissing(`data.entries.${pk}`, `Provider key ${pk} does not exist`);
      }
    }
    if (type === 'workspace' && !existing && store.count('workspace') >= limits.max_workspaces) {
      return limitExceeded('id', `This gateway allows at most ${limits.max_workspaces} workspaces`);
    }
    if (type === 'api_key' && data.status === 'active' && existing?.data.status !== 'active' && store.activeKeysIn(parentId!) >= limits.max_keys_per_workspace) {
      return limitExceeded('data.status', `This gateway allows at most ${limits.max_keys_per_workspace} active keys per workspace`);
    }

    const { readable, secret: written } = splitWriteOnly(type, data);
    if (type === 'api_key' && !existing && typeof written.secret_sha256 !== 'string') {
      const message = 'Required when the key is created: the gateway verifies bearer keys by this hash';
      return { answer: invalid([{ field: 'data.secret_sha256', message }]), keep: false };
    }
    // Absent write-only field: keep the stored value; null: clear it.
    const secret: Record<string, unknown> = { ...existing?.secret };
    for (const [field, value] of Object.entries(written)) {
      if (value === null) delete secret[field];
      else if (value !== undefined) secret[field] = value;
    }

    if (existing && canonical(existing.data) === canonical(readable) && canonical(existing.secret) === canonical(secret)) {
      // Nothing changes: no new version, no feed entry.
      return kept(json(200, toRemote(existing), { ETag: etagOf(existing.version) }));
    }
    const at = nowIso();
    const row: ResourceRow = {
      type,
      scope,
      id,
      parent_id: parentId,
      version: existing ? existing.version + 1 : 1,
      data: readable,
      secret,
      created_at: existing?.created_at ?? at,
      updated_at: at,
      updated_by: actor,
    };
    putRow(row, !existing, actor);
    const headers: Record<string, string> = { ETag: etagOf(row.version) };
    if (!existing) headers.Location = resourcePath(type, id, parentId);
    return kept(json(existing ? 200 : 201, toRemote(row), headers));
  }

  function executeDelete(target: Target, ifMatch: '*' | string[], actor: string): Outcome {
    const existing = find(target);
    if (!existing) return kept(problem(404, 'not-found', { detail: `No ${target.type} ${target.id} to delete` }));
    if (!etagMatches(ifMatch, existing.version)) {
      return kept(problem(412, 'precondition-failed', { detail: `${target.type} ${target.id} is at ${etagOf(existing.version)}`, current: toRemote(existing) }));
    }
    if (existing.type === 'workspace') {
      for (const child of store.childrenOf(existing.id)) removeRow(child, actor);
    } else if (existing.type === 'member') {
      for (const membership of store.ofType('workspace_member')) if (membership.id === existing.id) removeRow(membership, actor);
      for (const ws of store.ofType('workspace')) if (ws.data.owner_member_id === existing.id) bump(ws, { ...ws.data, owner_member_id: null }, actor);
    } else if (existing.type === 'provider_key') {
      for (const access of store.ofType('provider_access')) {
        const entries = access.data.entries as Record<string, string>;
        if (existing.id in entries) bump(access, { ...access.data, entries: Object.fromEntries(Object.entries(entries).filter(([pk]) => pk !== existing.id)) }, actor);
      }
    }
    removeRow(existing, actor);
    return kept(noContent());
  }

  /** Validation that needs no state; a failure here stores nothing (the request never executed). */
  function validateWrite(method: 'PUT' | 'DELETE', target: Target, req: http.IncomingMessage, body: Buffer): Answer | { data: Record<string, unknown> | null; ifMatch: '*' | string[] | null } {
    const ifMatch = parseEntityTags(req.headers['if-match']);
    const ifNoneMatch = parseEntityTags(req.headers['if-none-match']);
    // An If-Match with only weak tags is still a precondition: it just never matches (strong comparison).
    const hasIfMatch = ifMatch !== null && String(req.headers['if-match']).trim() !== '';
    const create = method === 'PUT' && ifNoneMatch === '*';
    if (hasIfMatch && ifNoneMatch !== null) {
      return invalid([{ field: 'If-None-Match', message: 'Send If-None-Match: * to create or If-Match to update, not both' }], 400);
    }
    if (!hasIfMatch && !create) {
      const detail = method === 'PUT' ? 'Send If-None-Match: * to create or If-Match: "v<version>" to update' : 'Send If-Match: "v<version>" to delete';
      return problem(428, 'precondition-required', { detail });
    }
    const errors: { field: string; message: string }[] = [];
    const idCheck = resourceIdSchemas[target.type].safeParse(target.id);
    if (!idCheck.success) errors.push({ field: 'id', message: `not a valid ${target.type} id` });
    if (target.parentId !== null && !workspaceIdSchema.safeParse(target.parentId).success) errors.push({ field: 'parent_id', message: 'not a valid workspace id' });
    if (errors.length) return invalid(errors);
    if (method === 'DELETE') return { data: null, ifMatch: ifMatch! };

    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return invalid([{ field: '(body)', message: 'The body is not JSON' }], 400);
    }
    const result = putBodies[target.type].safeParse(parsed);
    if (!result.success) return invalid(zodErrors(result.error));
    const data = result.data.data as Record<string, unknown>;
    if ((target.type === 'workspace' || target.type === 'api_key') && typeof data.name === 'string' && [...data.name].length > limits.max_name_length) {
      const message = `Names are at most ${limits.max_name_length} characters on this gateway`;
      return problem(422, 'limit-exceeded', { detail: message, errors: [{ field: 'data.name', message }] });
    }
    return { data, ifMatch: create ? null : ifMatch };
  }

  async function write(req: http.IncomingMessage, res: http.ServerResponse, principal: string, method: 'PUT' | 'DELETE', target: Target, pathname: string): Promise<void> {
    const rawKey = req.headers['idempotency-key'];
    const key = parseSfString(typeof rawKey === 'string' ? rawKey : undefined);
    if (key === null || key.length < 1 || key.length > 255) {
      req.resume();
      const detail = rawKey === undefined ? 'Every PUT and DELETE needs an Idempotency-Key header' : 'Idempotency-Key must be a quoted string of 1–255 characters (RFC 8941 sf-string)';
      send(res, problem(400, 'idempotency-key-missing', { detail }));
      return;
    }
    const flight = `${principal}\n${key}`;
    if (inFlight.has(flight)) {
      req.resume();
      send(res, problem(409, 'idempotency-key-in-flight', { detail: 'The first request with this key has not finished; retry', headers: { 'Retry-After': '1' } }));
      return;
    }
    inFlight.add(flight);
    try {
      let body: Buffer;
      try {
        body = await readBody(req, maxBody);
      } catch (error) {
        if (error instanceof PayloadTooLarge) refuseTooLarge(req, res, maxBody);
        else req.socket.destroy();
        return;
      }
      const fingerprint = {
        method,
        path: pathname,
        body_sha256: sha256Hex(body),
        precondition: `${String(req.headers['if-match'] ?? '')}|${String(req.headers['if-none-match'] ?? '')}`,
      };
      const nowMs = now().getTime();
      const stored = store.idempotencyGet(principal, key);
      if (stored && stored.created_ms >= nowMs - IDEMPOTENCY_TTL_S * 1000) {
        const same = stored.method === fingerprint.method && stored.path === fingerprint.path && stored.body_sha256 === fingerprint.body_sha256 && stored.precondition === fingerprint.precondition;
        if (same) send(res, { status: stored.status, headers: stored.headers, body: stored.body }, { 'Idempotent-Replayed': 'true' });
        else send(res, problem(422, 'idempotency-key-reused', { detail: 'This Idempotency-Key was used for another request' }));
        return;
      }
      const validated = validateWrite(method, target, req, body);
      if ('status' in validated) {
        send(res, validated);
        return;
      }
      const outcome = store.transaction(() => {
        if (nowMs - lastExpiry > 60_000 || nowMs < lastExpiry) {
          store.idempotencyExpire(nowMs - IDEMPOTENCY_TTL_S * 1000);
          lastExpiry = nowMs;
        }
        const result = method === 'PUT' ? executePut(target, validated.data!, validated.ifMatch, principal) : executeDelete(target, validated.ifMatch!, principal);
        if (result.keep) store.idempotencyPut(principal, key, { ...fingerprint, status: result.answer.status, headers: result.answer.headers, body: result.answer.body, created_ms: nowMs });
        return result;
      });
      if (outcome.answer.status < 300) writes++;
      send(res, outcome.answer);
    } finally {
      inFlight.delete(flight);
    }
  }

  // ---- data plane ----------------------------------------------------------------------------

  async function chatCompletion(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const header = req.headers.authorization;
    const unauthorized = (detail: string) => problem(401, 'unauthorized', { detail, headers: { 'WWW-Authenticate': 'Bearer realm="gatehouse"' } });
    const at = now();
    let key: ResourceRow | undefined;
    if (header?.startsWith('Bearer ') && header.length > 7) {
      const hash = sha256Hex(header.slice(7));
      key = store.keysByHash(hash).find(
        (row) =>
          row.secret.secret_sha256 === hash ||
          (row.secret.previous_secret_sha256 === hash && typeof row.data.previous_valid_until === 'string' && Date.parse(row.data.previous_valid_until) > at.getTime()),
      );
    }
    if (!key) {
      req.resume();
      send(res, unauthorized('The API key is not recognised'));
      return;
    }
    if (key.data.status !== 'active') {
      req.resume();
      send(res, unauthorized('The API key is revoked'));
      return;
    }
    if (typeof key.data.expires_at === 'string' && Date.parse(key.data.expires_at) <= at.getTime()) {
      req.resume();
      send(res, unauthorized('The API key has expired'));
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof PayloadTooLarge) refuseTooLarge(req, res, maxBody);
      else req.socket.destroy();
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      send(res, invalid([{ field: '(body)', message: 'The body is not JSON' }], 400));
      return;
    }
    const request = chatBodySchema.safeParse(parsed);
    if (!request.success) {
      send(res, invalid(zodErrors(request.error)));
      return;
    }
    const grants = store.get('model_grants', '', key.parent_id!)?.data.grants as Record<string, unknown> | undefined;
    // A route alias (the workspace's `routing` document) serves with its first granted target in
    // listed order, nested aliases followed (at most 5 deep); the reference server never fails over.
    const routes = (store.get('routing', '', key.parent_id!)?.data.routes ?? {}) as Record<string, { targets: { target: string }[] }>;
    const resolve = (name: string, depth: number): string | null => {
      const route = routes[name];
      if (!route) return grants && name in grants ? name : null;
      if (depth > 5) return null;
      for (const t of route.targets) {
        const found = resolve(t.target, depth + 1);
        if (found) return found;
      }
      return null;
    };
    const servedModel = resolve(request.data.model, 0);
    if (!grants || servedModel === null) {
      send(res, problem(403, 'model-not-granted', { detail: `Model ${request.data.model} is not granted to this key's workspace` }));
      return;
    }
    const promptChars = JSON.stringify(request.data.messages ?? []).length;
    const content = 'This is a canned answer from the Gatehouse reference gateway.';
    const tokens = { requests: 1, input: Math.max(1, Math.ceil(promptChars / 4)), output: Math.ceil(content.length / 4), cached: 0 };
    const record = usageRecord(key, servedModel, at, tokens);
    store.transaction(() => store.insertUsage(record));
    send(
      res,
      json(200, {
        id: `chatcmpl-${record.id.slice(6)}`,
        object: 'chat.completion',
        created: Math.floor(at.getTime() / 1000),
        model: servedModel,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: tokens.input, completion_tokens: tokens.output, total_tokens: tokens.input + tokens.output },
      }),
    );
  }

  // ---- routing -------------------------------------------------------------------------------

  const methodNotAllowed = (allow: string) => problem(405, 'method-not-allowed', { headers: { Allow: allow } });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    requests++;
    const method = req.method ?? 'GET';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway.invalid');
    } catch {
      req.resume();
      send(res, problem(404, 'not-found'));
      return;
    }
    const pathname = url.pathname;
    const reply = (answer: Answer) => {
      req.resume();
      send(res, answer);
    };

    if (pathname === `${API_BASE}/health`) {
      reply(method === 'GET' ? json(200, { protocol: PROTOCOL_KIND, api_version: PROTOCOL_VERSION, server: SERVER_NAME }) : methodNotAllowed('GET'));
      return;
    }
    if (!pathname.startsWith(`${API_BASE}/`)) {
      reply(problem(404, 'not-found', { detail: `No route ${pathname}` }));
      return;
    }
    const wait = rateLimitWait();
    if (wait > 0) {
      reply(problem(429, 'rate-limited', { detail: 'Slow down', headers: { 'Retry-After': String(wait) } }));
      return;
    }
    if (pathname === `${API_BASE}/data/chat/completions`) {
      if (method !== 'POST') reply(methodNotAllowed('POST'));
      else await chatCompletion(req, res);
      return;
    }
    const principal = authenticate(req);
    if (principal === null) {
      reply(problem(401, 'unauthorized', { detail: 'Send Authorization: Bearer <admin key>', headers: { 'WWW-Authenticate': 'Bearer realm="gatehouse"' } }));
      return;
    }
    const collections: Record<string, () => Answer> = {
      [`${API_BASE}/capabilities`]: () =>
        json(200, {
          protocol: PROTOCOL_KIND,
          api_version: PROTOCOL_VERSION,
          server: SERVER_NAME,
          principal,
          limits,
          max_page_size: MAX_PAGE_SIZE,
          idempotency_ttl_s: IDEMPOTENCY_TTL_S,
          change_retention_s: CHANGE_RETENTION_S,
        }),
      [`${API_BASE}/resources`]: () => listResources(url),
      [`${API_BASE}/changes`]: () => listChanges(url),
      [`${API_BASE}/usage-records`]: () => listUsage(url),
    };
    const collection = collections[pathname];
    if (collection) {
      reply(method === 'GET' ? collection() : methodNotAllowed('GET'));
      return;
    }
    let target: Target | null;
    try {
      target = parseResourcePath(pathname);
    } catch {
      target = null; // malformed percent-encoding
    }
    if (!target) {
      reply(problem(404, 'not-found', { detail: `No route ${pathname}` }));
      return;
    }
    if (method === 'GET') reply(getResource(target));
    else if (method === 'PUT' || method === 'DELETE') await write(req, res, principal, method, target, pathname);
    else reply(methodNotAllowed('GET, PUT, DELETE'));
  }

  const headersTimeout = options.timeouts?.headersMs ?? 10_000;
  const requestTimeout = Math.max(headersTimeout, options.timeouts?.requestMs ?? 30_000);
  // Expired requests are found by a periodic sweep; a short interval keeps the bound tight.
  const server = http.createServer({ connectionsCheckingInterval: Math.min(1_000, headersTimeout) }, (req, res) => {
    handle(req, res).catch(() => {
      // Never a stack or a detail on the wire.
      if (!res.headersSent) send(res, problem(500, 'internal', { detail: 'The gateway failed on this request' }));
      else res.destroy();
    });
  });
  // Slow clients cannot hold the server.
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    store.close();
    throw error;
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    db: store.db,
    simulateTraffic: (n, simulateOptions) => simulateTraffic(store, now(), n, simulateOptions),
    counts: () => ({ writes, requests }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeIdleConnections();
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}

function etagMatches(tags: '*' | string[], version: number): boolean {
  return tags === '*' || tags.includes(etagOf(version));
}

