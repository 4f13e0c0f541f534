import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resourcePath, type ResourceData, type ResourceType } from '../../shared/gateway-protocol/v1';

// What the reference-gateway tests share: temp data dirs, a small HTTP client for the admin API,
// and fixtures in the protocol's wire shape.

export const ADMIN_A = { key: 'gha_test-admin-key-a', label: 'laptop-a' };
export const ADMIN_B = { key: 'gha_test-admin-key-b', label: 'laptop-b' };

export function makeTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-gateway-'));
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: any;
  text: string;
}

export interface ApiOptions {
  body?: unknown;
  rawBody?: string;
  ifMatch?: string;
  ifNoneMatch?: string;
  /** A plain key is sent as a structured-field string; `null` sends no header. */
  idempotencyKey?: string | null;
  /** Sent verbatim as Idempotency-Key (for malformed-header tests). */
  rawIdempotencyKey?: string;
  auth?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function createApi(baseUrl: string, defaultAuth: string = ADMIN_A.key) {
  return async function api(method: string, pathAndQuery: string, options: ApiOptions = {}): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.auth === undefined ? defaultAuth : options.auth;
    if (auth !== null) headers.Authorization = `Bearer ${auth}`;
    if (options.ifMatch !== undefined) headers['If-Match'] = options.ifMatch;
    if (options.ifNoneMatch !== undefined) headers['If-None-Match'] = options.ifNoneMatch;
    if (options.rawIdempotencyKey !== undefined) headers['Idempotency-Key'] = options.rawIdempotencyKey;
    else if (options.idempotencyKey !== null && method !== 'GET') headers['Idempotency-Key'] = `"${options.idempotencyKey ?? crypto.randomUUID()}"`;
    let body: string | undefined = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(baseUrl + pathAndQuery, { method, headers, body, signal: options.signal });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
  };
}
export type Api = ReturnType<typeof createApi>;

export const sha256Hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export const memberData = (name = 'Ana Admin'): ResourceData<'member'> => ({ name, email: `${name.toLowerCase().replace(/\s+/g, '.')}@example.com` });

export const workspaceData = (name: string, extra: Partial<ResourceData<'workspace'>> = {}): ResourceData<'workspace'> => ({
  name,
  description: '',
  environment: 'production',
  region: 'eu',
  status: 'active',
  is_default: false,
  owner_member_id: null,
  ...extra,
});

export const keyData = (secret: string, extra: Partial<ResourceData<'api_key'>> = {}): ResourceData<'api_key'> => ({
  name: 'backend',
  secret_prefix: secret.slice(0, 12),
  last4: secret.slice(-4),
  status: 'active',
  expires_at: null,
  revoked_at: null,
  rotated_at: null,
  previous_valid_until: null,
  rpm_limit: null,
  tpm_limit: null,
  monthly_budget_minor: null,
  secret_sha256: sha256Hex(secret),
  ...extra,
});

/** Creates a resource (If-None-Match: *) and returns its answer; fails the test on anything but 201. */
export async function create<T extends ResourceType>(api: Api, type: T, id: string, parentId: string | null, data: ResourceData<T>): Promise<ApiAnswer> {
  const answer = await api('PUT', resourcePath(type, id, parentId), { ifNoneMatch: '*', body: { data } });
  if (answer.status !== 201) throw new Error(`create ${type} ${id}: ${answer.status} ${answer.text}`);
  return answer;
}
