import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import { AppError } from '../../../../shared/contract/errors';
import {
  API_BASE,
  capabilitiesSchema,
  changePageSchema,
  healthSchema,
  MAX_PAGE_SIZE,
  parseResourcePath,
  problemSchema,
  problemSlug,
  putBodySchema,
  remoteResourceSchema,
  resourceIdSchemas,
  resourcePageSchema,
  resourcePath,
  usagePageSchema,
  WORKSPACE_CHILDREN,
  WORKSPACE_DOCUMENTS,
  type Capabilities,
  type Problem,
  type RemoteResource,
  type ResourceType,
} from '../../../../shared/gateway-protocol/v1';
import { TransportError, type HttpTransport, type TransportResponse } from './http-transport';

/** What the sync engine needs from a remote gateway, whatever its admin API looks like. */
export interface RemoteAdapter {
  health(): Promise<z.infer<typeof healthSchema>>;
  capabilities(): Promise<Capabilities>;
  listResources(after: string | null, limit?: number): Promise<z.infer<typeof resourcePageSchema>>;
  /** null when the cursor expired (410): the caller relists. */
  changes(after: string, limit?: number): Promise<z.infer<typeof changePageSchema> | null>;
  get(type: ResourceType, id: string, parentId: string | null): Promise<RemoteResource | null>;
  write(req: WriteRequest): Promise<WriteOutcome>;
  usage(after: string | null, limit?: number): Promise<z.infer<typeof usagePageSchema>>;
}

export interface WriteRequest {
  method: 'PUT' | 'DELETE';
  /** A resource path (`resourcePath(...)`), under /v1. */
  path: string;
  ifMatch?: string;
  ifNoneMatch?: '*';
  idempotencyKey: string;
  /** The PUT body exactly as sent: `{ data: … }` (`putBodySchema` of the path's type). */
  body?: unknown;
  /** attempts so far, for the journal */
  onAttempt?: (n: number) => void;
}

export type WriteOutcome =
  | { kind: 'done'; status: number; resource: RemoteResource | null; replayed: boolean }
  | { kind: 'conflict'; status: number; slug: string; current: RemoteResource | null; message: string }
  | { kind: 'failed'; status: number | null; slug: string | null; message: string; retryable: boolean; retryAfterMs?: number };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the write fails `retryable` with the wait. */
  retryAfterCapMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 8000, retryAfterCapMs: 60_000 };

export interface GasaAdapterOptions {
  baseUrl: string;
  credential: string;
  transport: Pick<HttpTransport, 'request'>;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => Date;
  retry?: Partial<RetryPolicy>;
  /** For `User-Agent: Gatehouse/<version>`. */
  appVersion?: string;
}

/**
 * A call to a remote failed: unreachable, refused, or answered something invalid. `reason` is the
 * short human part (what `remotes:test` shows); the message adds which request it was.
 */
export class RemoteCallError extends AppError {
  readonly reason: string;
  readonly status: number | null;
  readonly transport: TransportError['kind'] | null;
  constructor(reason: string, endpoint: string | null, detail: { status?: number | null; transport?: TransportError['kind'] | null } = {}) {
    super('E_REMOTE', endpoint ? `${reason} (${endpoint})` : reason);
    this.name = 'RemoteCallError';
    this.reason = reason;
    this.status = detail.status ?? null;
    this.transport = detail.transport ?? null;
  }
}

export const ADMIN_KEY_REJECTED = 'The admin key was rejected (401)';

const MAX_TEXT = 300;

/** A structured-field string (RFC 8941): quoted, with `\` and `"` escaped. */
function sfString(value: string): string {
  if (!/^[\x20-\x7e]{1,255}$/.test(value)) throw new AppError('E_INTERNAL', 'An idempotency key must be 1–255 visible ASCII characters');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Milliseconds to wait from `Retry-After-Ms`, `Retry-After` (delta-seconds or an HTTP-date); null when absent or unreadable. */
export function retryAfterMs(headers: Record<string, string>, now: Date): number | null {
  const ms = headers['retry-after-ms']?.trim();
  if (ms && /^\d{1,12}(\.\d+)?$/.test(ms)) return Math.ceil(Number(ms));
  const value = headers['retry-after']?.trim();
  if (!value) return null;
  if (/^\d{1,12}$/.test(value)) return Number(value) * 1000;
  if (!/GMT$/.test(value)) return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now.getTime());
}

/** First few zod issues as `path: message`; zod messages name what was expected, never the received value. */
function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 3).map((issue) => `${issue.path.map(String).join('.') || '(answer)'}: ${issue.message}`);
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return clip(shown.join('; ') + more);
}

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text);

/** Where each resource type lives and what its envelope must say, beyond the schema. */
function envelopeProblem(resource: RemoteResource, expected?: { type: ResourceType; id: string; parentId: string | null }): string | null {
  if (!resourceIdSchemas[resource.type].safeParse(resource.id).success) return `a ${resource.type} has an id of the wrong form`;
  const child = WORKSPACE_CHILDREN.includes(resource.type);
  if (child && resource.parent_id === null) return `a ${resource.type} has no parent_id`;
  if (!child && resource.parent_id !== null) return `a ${resource.type} has a parent_id`;
  if (WORKSPACE_DOCUMENTS.includes(resource.type) && resource.parent_id !== resource.id) return `a ${resource.type} document's parent_id differs from its id`;
  if (resource.etag !== `"v${resource.version}"`) return `a ${resource.type}'s etag does not match its version`;
  if (expected && (resource.type !== expected.type || resource.id !== expected.id || resource.parent_id !== expected.parentId)) {
    return `it describes ${resource.type} ${resource.id}, not the ${expected.type} ${expected.id} that was asked for`;
  }
  return null;
}

export function createGasaAdapter(options: GasaAdapterOptions): RemoteAdapter {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const base = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).host;
  const userAgent = `Gatehouse/${options.appVersion ?? 'dev'}`;
  const credential = options.credential;

  /** Gateway-supplied text may echo what it was sent: never let the admin key through. */
  const redact = (text: string) => (credential.length > 0 ? text.split(credential).join('[redacted]') : text);

  const backoff = (retry: number) => options.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);

  const problemOf = (res: TransportResponse): Problem | null => {
    if (!res.body) return null;
    try {
      const parsed = problemSchema.safeParse(JSON.parse(res.body));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };

  const describe = (res: TransportResponse, problem: Problem | null): string => {
    const text = problem ? (problem.detail ? `${problem.title}: ${problem.detail}` : problem.title) : `HTTP ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trim();
    return clip(redact(text));
  };

  const retryableStatus = (res: TransportResponse, problem: Problem | null) =>
    res.status === 408 || res.status === 429 || res.status >= 500 || (res.status === 409 && problem !== null && problemSlug(problem) === 'idempotency-key-in-flight');

  type Exchange =
    | { kind: 'answer'; res: TransportResponse; problem: Problem | null }
    | { kind: 'gave-up'; res: TransportResponse | null; problem: Problem | null; error: TransportError | null; retryAfterMs?: number };

  /**
   * One request with the retry rules: connection errors, timeouts, 408, 409 in-flight, 429 and
   * 5xx are tried again (the same request: same key, same body) after full-jitter backoff or the
   * server's Retry-After, up to `maxAttempts`. A Retry-After above the cap ends the attempts.
   */
  async function exchange(method: string, path: string, headers: Record<string, string>, body: string | undefined, onAttempt?: (n: number) => void): Promise<Exchange> {
    const url = `${base}${path}`;
    for (let attempt = 1; ; attempt += 1) {
      onAttempt?.(attempt);
      let res: TransportResponse;
      try {
        res = await options.transport.request({ method, url, headers, ...(body === undefined ? {} : { body }) });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (attempt >= policy.maxAttempts) return { kind: 'gave-up', res: null, problem: null, error };
        await options.sleep(backoff(attempt - 1));
        continue;
      }
      const problem = res.status >= 400 ? problemOf(res) : null;
      if (!retryableStatus(res, problem)) return { kind: 'answer', res, problem };
      const wait = retryAfterMs(res.headers, options.now());
      if (wait !== null && wait > policy.retryAfterCapMs) return { kind: 'gave-up', res, problem, error: null, retryAfterMs: wait };
      if (attempt >= policy.maxAttempts) return { kind: 'gave-up', res, problem, error: null, ...(wait === null ? {} : { retryAfterMs: wait }) };
      await options.sleep(wait ?? backoff(attempt - 1));
    }
  }

  const readHeaders = (auth: boolean): Record<string, string> => ({
    accept: 'application/json',
    'user-agent': userAgent,
    ...(auth ? { authorization: `Bearer ${credential}` } : {}),
  });

  const invalid = (endpoint: string, what: string) => new RemoteCallError(`The gateway at ${origin} answered something invalid: ${what}`, endpoint);

  function parseJson(endpoint: string, res: TransportResponse): unknown {
    try {
      return JSON.parse(res.body);
    } catch {
      throw invalid(endpoint, 'the answer is not JSON');
    }
  }

  function parseWith<S extends z.ZodType>(schema: S, endpoint: string, res: TransportResponse): z.infer<S> {
    const parsed = schema.safeParse(parseJson(endpoint, res));
    if (!parsed.success) throw invalid(endpoint, `it does not follow gatehouse-v1 (${describeIssues(parsed.error)})`);
    return parsed.data as z.infer<S>;
  }

  /** A non-2xx answer (or no answer) to a read, as a typed error. */
  function readFailure(endpoint: string, outcome: Exchange): RemoteCallError {
    if (outcome.kind === 'gave-up' && outcome.error) return new RemoteCallError(outcome.error.message, endpoint, { transport: outcome.error.kind });
    const res = outcome.res!;
    if (res.status === 401) return new RemoteCallError(ADMIN_KEY_REJECTED, endpoint, { status: 401 });
    if (res.status === 403) return new RemoteCallError(`The admin key may not do this (403): ${describe(res, outcome.problem)}`, endpoint, { status: 403 });
    const wait = outcome.kind === 'gave-up' && outcome.retryAfterMs !== undefined ? `; it asked to retry after ${Math.ceil(outcome.retryAfterMs / 1000)} s` : '';
    return new RemoteCallError(`The gateway at ${origin} answered ${res.status}: ${describe(res, outcome.problem)}${wait}`, endpoint, { status: res.status });
  }

  async function read<S extends z.ZodType>(schema: S, path: string, how: { auth?: boolean; allow?: readonly number[] } = {}): Promise<{ status: number; data: z.infer<S> | null }> {
    const endpoint = `GET ${path.split('?')[0]}`;
    const outcome = await exchange('GET', path, readHeaders(how.auth ?? true), undefined);
    if (outcome.kind === 'answer' && how.allow?.includes(outcome.res.status)) return { status: outcome.res.status, data: null };
    if (outcome.kind !== 'answer' || outcome.res.status !== 200) throw readFailure(endpoint, outcome);
    return { status: 200, data: parseWith(schema, endpoint, outcome.res) };
  }

  const pageQuery = (after: string | null, limit: number | undefined) => {
    const params = new URLSearchParams();
    if (after !== null) params.set('after', after);
    if (limit !== undefined) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new AppError('E_INTERNAL', `A page limit must be 1–${MAX_PAGE_SIZE}`);
      params.set('limit', String(limit));
    }
    const query = params.toString();
    return query ? `?${query}` : '';
  };

  const checkResources = (endpoint: string, resources: readonly RemoteResource[]) => {
    for (const resource of resources) {
      const problem = envelopeProblem(resource);
      if (problem) throw invalid(endpoint, problem);
    }
  };

  return {
    async health() {
      return (await read(healthSchema, `${API_BASE}/health`, { auth: false })).data!;
    },

    async capabilities() {
      return (await read(capabilitiesSchema, `${API_BASE}/capabilities`)).data!;
    },

    async listResources(after, limit) {
      const page = (await read(resourcePageSchema, `${API_BASE}/resources${pageQuery(after, limit)}`)).data!;
      checkResources('GET /v1/resources', page.data as unknown as RemoteResource[]);
      return page;
    },

    async changes(after, limit) {
      const { data: page } = await read(changePageSchema, `${API_BASE}/changes${pageQuery(after, limit)}`, { allow: [410] });
      if (!page) return null;
      const endpoint = 'GET /v1/changes';
      for (const change of page.changes) {
        if ((change.op === 'delete') !== (change.resource === null)) throw invalid(endpoint, `a change of ${change.type} ${change.id} is "${change.op}" ${change.resource ? 'with' : 'without'} a resource`);
        if (change.resource) {
          const resource = change.resource as unknown as RemoteResource;
          const problem = envelopeProblem(resource, { type: change.type, id: change.id, parentId: change.parent_id });
          if (problem) throw invalid(endpoint, problem);
          if (resource.version !== change.version) throw invalid(endpoint, `a change of ${change.type} ${change.id} names version ${change.version} but carries version ${resource.version}`);
        } else if (!resourceIdSchemas[change.type].safeParse(change.id).success) {
          throw invalid(endpoint, `a ${change.type} has an id of the wrong form`);
        }
      }
      return page;
    },

    async get(type, id, parentId) {
      const path = resourcePath(type, id, parentId);
      const { data } = await read(remoteResourceSchema, path, { allow: [404, 410] });
      if (!data) return null;
      const resource = data as unknown as RemoteResource;
      const problem = envelopeProblem(resource, { type, id, parentId });
      if (problem) throw invalid(`GET ${path}`, problem);
      return resource;
    },

    async usage(after, limit) {
      return (await read(usagePageSchema, `${API_BASE}/usage-records${pageQuery(after, limit)}`)).data!;
    },

    async write(req) {
      const target = parseResourcePath(req.path);
      if (!target) throw new AppError('E_INTERNAL', `Not a resource path: ${req.path}`);
      const endpoint = `${req.method} ${req.path}`;
      let body: string | undefined;
      if (req.method === 'PUT') {
        // A broken body is our bug: refuse it here rather than let the gateway answer 422.
        const checked = putBodySchema(target.type).safeParse(req.body);
        if (!checked.success) throw new AppError('E_INTERNAL', `The ${target.type} body for ${endpoint} is invalid (${describeIssues(checked.error)})`);
        body = JSON.stringify(req.body);
      } else if (req.body !== undefined) {
        throw new AppError('E_INTERNAL', 'A DELETE carries no body');
      }
      const headers: Record<string, string> = {
        ...readHeaders(true),
        'idempotency-key': sfString(req.idempotencyKey),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(req.ifMatch ? { 'if-match': req.ifMatch } : {}),
        ...(req.ifNoneMatch ? { 'if-none-match': req.ifNoneMatch } : {}),
      };

      const outcome = await exchange(req.method, req.path, headers, body, req.onAttempt);
      if (outcome.kind === 'gave-up') {
        if (outcome.error) return { kind: 'failed', status: null, slug: null, message: outcome.error.message, retryable: true };
        const res = outcome.res!;
        return {
          kind: 'failed',
          status: res.status,
          slug: outcome.problem ? problemSlug(outcome.problem) : null,
          message: describe(res, outcome.problem),
          retryable: true,
          ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
        };
      }

      const { res, problem } = outcome;
      if (res.status >= 200 && res.status < 300) {
        const replayed = res.headers['idempotent-replayed']?.trim().toLowerCase() === 'true';
        if (res.body.trim() === '') {
          if (req.method === 'PUT') throw invalid(endpoint, `a ${res.status} answer to a PUT has no resource`);
          return { kind: 'done', status: res.status, resource: null, replayed };
        }
        const resource = parseWith(remoteResourceSchema, endpoint, res) as unknown as RemoteResource;
        const wrong = envelopeProblem(resource, target);
        if (wrong) throw invalid(endpoint, wrong);
        return { kind: 'done', status: res.status, resource, replayed };
      }
      if (res.status === 401) throw new RemoteCallError(ADMIN_KEY_REJECTED, endpoint, { status: 401 });

      const slug = problem ? problemSlug(problem) : null;
      const message = describe(res, problem);
      const gone = res.status === 410 || (res.status === 404 && req.ifMatch !== undefined);
      if (res.status === 412 || gone) {
        let current: RemoteResource | null = null;
        if (res.status === 412 && problem?.current) {
          current = problem.current as unknown as RemoteResource;
          const wrong = envelopeProblem(current, target);
          if (wrong) throw invalid(endpoint, `the 412 answer's current resource is wrong: ${wrong}`);
        }
        return { kind: 'conflict', status: res.status, slug: slug ?? (res.status === 412 ? 'precondition-failed' : 'not-found'), current, message };
      }
      // Every other answer is permanent: 400, 403, 404 on a create (parent missing), 409, 422, 428, 3xx.
      return { kind: 'failed', status: res.status, slug, message, retryable: false };
    },
  };
}
