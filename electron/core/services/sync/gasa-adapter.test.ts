import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/contract/errors';
import { resourcePath } from '../../../../shared/gateway-protocol/v1';
import { makeTempDir } from '../../testing/temp-core';
import { ADMIN_KEY_REJECTED, createGasaAdapter, RemoteCallError, type GasaAdapterOptions } from './gasa-adapter';
import { checkRemoteUrl, createHttpTransport, isLoopbackHost, normalizeRemoteUrl, TransportError } from './http-transport';

const CREDENTIAL = 'gh-admin-Sup3rSecretAdminKey-7Qx';
const PROVIDER_SECRET = 'sk-proj-ProviderSecretNeverInErrors-42';
const NOW = new Date('2026-03-01T12:00:00.000Z');

// ---- a scriptable gateway on 127.0.0.1 ------------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Answer = { status: number; headers?: Record<string, string>; body?: unknown } | 'hang';

interface TestServer {
  baseUrl: string;
  seen: Seen[];
  /** Answers for the next requests, in order; after them, `fallback`. */
  script(...answers: Answer[]): void;
  fallback: (req: Seen) => Answer;
  close(): Promise<void>;
}

const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function send(res: http.ServerResponse, answer: Exclude<Answer, 'hang'>) {
  const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
  res.writeHead(answer.status, { 'content-type': type, ...answer.headers });
  res.end(body);
}

async function startServer(): Promise<TestServer> {
  const queue: Answer[] = [];
  const state: TestServer = {
    baseUrl: '',
    seen: [],
    script: (...answers) => void queue.push(...answers),
    fallback: () => ({ status: 500, body: problem(500, 'internal', 'No scripted answer') }),
    close: () => Promise.resolve(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      state.seen.push(seen);
      const answer = queue.shift() ?? state.fallback(seen);
      if (answer !== 'hang') send(res, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(state);
  return state;
}

const problem = (status: number, slug: string, title: string, extra: object = {}) => ({ type: `urn:gatehouse:problem:${slug}`, title, status, ...extra });

function workspace(id = 'ws-abcd1234', version = 1, name = 'Search') {
  return {
    type: 'workspace',
    id,
    parent_id: null,
    version,
    etag: `"v${version}"`,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-02T00:00:00.000Z',
    updated_by: 'ci admin',
    data: { name, description: '', environment: 'production', region: 'global', status: 'active', is_default: false, owner_member_id: null },
  };
}

const capabilities = {
  protocol: 'gatehouse-v1',
  api_version: '1',
  server: 'test-gateway/0.1',
  principal: 'ci admin',
  limits: { max_workspaces: 5, max_keys_per_workspace: 3, max_name_length: 24 },
  max_page_size: 500,
  idempotency_ttl_s: 86400,
  change_retention_s: 604800,
};

interface Harness {
  server: TestServer;
  sleeps: number[];
  adapter: ReturnType<typeof createGasaAdapter>;
}

async function harness(overrides: Partial<GasaAdapterOptions> = {}, random = 0.5): Promise<Harness> {
  const server = await startServer();
  const sleeps: number[] = [];
  const adapter = createGasaAdapter({
    baseUrl: server.baseUrl,
    credential: CREDENTIAL,
    transport: createHttpTransport({ timeoutMs: 5000 }),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => random,
    now: () => NOW,
    appVersion: '9.9.9-test',
    ...overrides,
  });
  return { server, sleeps, adapter };
}

const wsPath = resourcePath('workspace', 'ws-abcd1234', null);
const putBody = { data: { ...workspace().data } };

async function remoteError(promise: Promise<unknown>): Promise<RemoteCallError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteCallError);
  const remote = error as RemoteCallError;
  expect(remote.code).toBe('E_REMOTE');
  expect(remote.message).not.toContain(CREDENTIAL);
  return remote;
}

// ---- reads -------------------------------------------------------------------------------------

describe('gatehouse-v1 adapter: reads', () => {
  it('health without the admin key, capabilities with it; Accept and User-Agent on both', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 200, body: { protocol: 'gatehouse-v1', api_version: '1', server: 'test-gateway/0.1' } }, { status: 200, body: capabilities });
    expect(await adapter.health()).toEqual({ protocol: 'gatehouse-v1', api_version: '1', server: 'test-gateway/0.1' });
    expect(await adapter.capabilities()).toEqual(capabilities);
    const [health, caps] = server.seen;
    expect(health).toMatchObject({ method: 'GET', url: '/v1/health' });
    expect(health!.headers.authorization).toBeUndefined();
    expect(caps).toMatchObject({ method: 'GET', url: '/v1/capabilities' });
    expect(caps!.headers.authorization).toBe(`Bearer ${CREDENTIAL}`);
    for (const seen of server.seen) {
      expect(seen.headers.accept).toBe('application/json');
      expect(seen.headers['user-agent']).toBe('Gatehouse/9.9.9-test');
    }
  });

  it('pages pass after/limit; a base URL with a path prefix is kept', async () => {
    const server = await startServer();
    const adapter = createGasaAdapter({ baseUrl: `${server.baseUrl}/gw/`, credential: CREDENTIAL, transport: createHttpTransport(), sleep: () => Promise.resolve(), random: () => 0, now: () => NOW });
    server.script(
      { status: 200, body: { data: [workspace()], next_cursor: 'r:2', as_of: 'c:10' } },
      { status: 200, body: { changes: [], next_cursor: 'c:10', has_more: false } },
      { status: 200, body: { records: [], next_cursor: null, has_more: false } },
    );
    expect((await adapter.listResources(null, 100)).data).toHaveLength(1);
    expect(await adapter.changes('c:10 &x', 50)).toEqual({ changes: [], next_cursor: 'c:10', has_more: false });
    expect(await adapter.usage(null)).toEqual({ records: [], next_cursor: null, has_more: false });
    expect(server.seen.map((s) => s.url)).toEqual(['/gw/v1/resources?limit=100', '/gw/v1/changes?after=c%3A10+%26x&limit=50', '/gw/v1/usage-records']);
  });

  it('an expired change cursor (410) is null: the caller relists; a missing resource (404) is null', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 410, body: problem(410, 'cursor-expired', 'Cursor expired') }, { status: 404, body: problem(404, 'not-found', 'Not found') });
    expect(await adapter.changes('c:1')).toBeNull();
    expect(await adapter.get('workspace', 'ws-abcd1234', null)).toBeNull();
    expect(server.seen[1]!.url).toBe(wsPath);
  });

  it('a change feed entry is checked against its resource', async () => {
    const { server, adapter } = await harness();
    const change = { cursor: 'c:2', type: 'workspace', id: 'ws-abcd1234', parent_id: null, op: 'upsert', version: 1, resource: workspace(), changed_at: '2026-01-02T00:00:00.000Z', actor: 'x' };
    server.script(
      { status: 200, body: { changes: [change], next_cursor: 'c:2', has_more: false } },
      { status: 200, body: { changes: [{ ...change, resource: null }], next_cursor: 'c:2', has_more: false } },
      { status: 200, body: { changes: [{ ...change, id: 'ws-other999' }], next_cursor: 'c:2', has_more: false } },
      { status: 200, body: { changes: [{ ...change, version: 2 }], next_cursor: 'c:2', has_more: false } },
    );
    expect((await adapter.changes('c:1'))!.changes).toHaveLength(1);
    expect((await remoteError(adapter.changes('c:1'))).message).toMatch(/"upsert" without a resource/);
    expect((await remoteError(adapter.changes('c:1'))).message).toMatch(/not the workspace ws-other999/);
    expect((await remoteError(adapter.changes('c:1'))).message).toMatch(/names version 2 but carries version 1/);
  });

  it('GETs are retried on 5xx, 429 and connection errors, then fail with E_REMOTE naming the endpoint', async () => {
    const { server, adapter, sleeps } = await harness({ retry: { maxAttempts: 3 } });
    server.script({ status: 503, body: problem(503, 'unavailable', 'Down') }, { status: 200, body: capabilities });
    expect(await adapter.capabilities()).toEqual(capabilities);
    expect(sleeps).toEqual([125]);
    server.fallback = () => ({ status: 502, body: 'bad gateway' });
    const error = await remoteError(adapter.capabilities());
    expect(error.message).toBe('The gateway at ' + new URL(server.baseUrl).host + ' answered 502: HTTP 502 Bad Gateway (GET /v1/capabilities)');
    expect(error.status).toBe(502);
    expect(server.seen).toHaveLength(5);
  });

  it('401 is E_REMOTE "The admin key was rejected (401)", never retried', async () => {
    const { server, adapter } = await harness();
    server.fallback = () => ({ status: 401, body: problem(401, 'unauthorized', 'Unauthorized', { detail: `bad key ${CREDENTIAL}` }) });
    const error = await remoteError(adapter.capabilities());
    expect(error.reason).toBe(ADMIN_KEY_REJECTED);
    expect(server.seen).toHaveLength(1);
    const outcome = await adapter.write({ method: 'DELETE', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'k-401' }).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(AppError);
    expect((outcome as AppError).message).toMatch(/^The admin key was rejected \(401\)/);
  });
});

// ---- a broken or hostile gateway ----------------------------------------------------------------

describe('gatehouse-v1 adapter: invalid answers are E_REMOTE, never unchecked data', () => {
  it.each<[string, Answer, RegExp]>([
    ['not JSON', { status: 200, body: '<html>oops</html>' }, /answered something invalid: the answer is not JSON \(GET \/v1\/capabilities\)/],
    ['a field missing', { status: 200, body: { ...capabilities, limits: undefined } }, /does not follow gatehouse-v1 \(limits: .*\) \(GET \/v1\/capabilities\)/],
    ['an extra field', { status: 200, body: { ...capabilities, admin: true } }, /does not follow gatehouse-v1/],
    ['another protocol', { status: 200, body: { ...capabilities, protocol: 'litellm' } }, /protocol:/],
    ['a wrong type', { status: 200, body: { ...capabilities, max_page_size: '500' } }, /max_page_size:/],
    ['an array', { status: 200, body: [capabilities] }, /does not follow gatehouse-v1/],
  ])('%s', async (_label, answer, message) => {
    const { server, adapter } = await harness();
    server.script(answer);
    expect((await remoteError(adapter.capabilities())).message).toMatch(message);
  });

  it('a resource listing with a bad id, parent or etag is refused', async () => {
    const { server, adapter } = await harness();
    const bad = [
      { ...workspace(), id: 'WS-UPPER' },
      { ...workspace(), parent_id: 'ws-abcd1234' },
      { ...workspace(), etag: '"v9"' },
    ];
    for (const resource of bad) server.script({ status: 200, body: { data: [resource], next_cursor: null, as_of: 'c:1' } });
    await remoteError(adapter.listResources(null)).then((e) => expect(e.message).toMatch(/id of the wrong form/));
    await remoteError(adapter.listResources(null)).then((e) => expect(e.message).toMatch(/has a parent_id/));
    await remoteError(adapter.listResources(null)).then((e) => expect(e.message).toMatch(/etag does not match/));
  });

  it('a GET answering another resource than the one asked for is refused', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 200, body: workspace('ws-someone9') });
    expect((await remoteError(adapter.get('workspace', 'ws-abcd1234', null))).message).toMatch(/describes workspace ws-someone9/);
  });

  it('an answer larger than the cap is refused (E_REMOTE), not read into memory', async () => {
    const server = await startServer();
    const adapter = createGasaAdapter({
      baseUrl: server.baseUrl,
      credential: CREDENTIAL,
      transport: createHttpTransport({ maxResponseBytes: 64 * 1024 }),
      sleep: () => Promise.resolve(),
      random: () => 0,
      now: () => NOW,
    });
    server.script({ status: 200, body: { data: [], next_cursor: null, as_of: 'x'.repeat(200_000) } });
    const error = await adapter.listResources(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('E_REMOTE');
    expect((error as AppError).message).toMatch(/^The gateway at 127\.0\.0\.1:\d+ sent an answer larger than 64 KiB; it was refused$/);
  });
});

// ---- writes --------------------------------------------------------------------------------------

describe('gatehouse-v1 adapter: writes', () => {
  it('create: PUT with If-None-Match *, a quoted Idempotency-Key, JSON body; 201 → done with the resource', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 201, body: workspace() }, { status: 201, headers: { 'idempotent-replayed': 'true' }, body: workspace() });
    const attempts: number[] = [];
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'run-1:op-1', body: putBody, onAttempt: (n) => attempts.push(n) });
    expect(outcome).toEqual({ kind: 'done', status: 201, resource: workspace(), replayed: false });
    expect(attempts).toEqual([1]);
    const seen = server.seen[0]!;
    expect(seen).toMatchObject({ method: 'PUT', url: wsPath });
    expect(seen.headers).toMatchObject({
      authorization: `Bearer ${CREDENTIAL}`,
      'idempotency-key': '"run-1:op-1"',
      'if-none-match': '*',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    expect(seen.headers['if-match']).toBeUndefined();
    expect(JSON.parse(seen.body)).toEqual(putBody);
    expect(await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'run-1:op-1', body: putBody })).toMatchObject({ kind: 'done', replayed: true });
  });

  it('delete: DELETE with If-Match, no body; 204 → done without a resource', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 204 });
    expect(await adapter.write({ method: 'DELETE', path: wsPath, ifMatch: '"v3"', idempotencyKey: 'k"quoted\\' })).toEqual({ kind: 'done', status: 204, resource: null, replayed: false });
    expect(server.seen[0]!.headers).toMatchObject({ 'if-match': '"v3"', 'idempotency-key': '"k\\"quoted\\\\"' });
    expect(server.seen[0]!.body).toBe('');
  });

  it('412 → conflict carrying the current resource from the problem body', async () => {
    const { server, adapter } = await harness();
    const current = workspace('ws-abcd1234', 4, 'Renamed by B');
    server.script({ status: 412, body: problem(412, 'precondition-failed', 'Precondition failed', { detail: 'The resource is at "v4"', current }) });
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifMatch: '"v3"', idempotencyKey: 'k-412', body: putBody });
    expect(outcome).toEqual({ kind: 'conflict', status: 412, slug: 'precondition-failed', current, message: 'Precondition failed: The resource is at "v4"' });
    expect(server.seen).toHaveLength(1);
  });

  it('412 already-exists on a create, 404 on If-Match and 410 → conflict; a 412 "current" for another resource is refused', async () => {
    const { server, adapter } = await harness();
    server.script(
      { status: 412, body: problem(412, 'already-exists', 'Already exists', { current: workspace() }) },
      { status: 404, body: problem(404, 'not-found', 'Not found') },
      { status: 410, body: 'gone' },
      { status: 412, body: problem(412, 'precondition-failed', 'Precondition failed', { current: workspace('ws-zzzz9999') }) },
    );
    expect(await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'a', body: putBody })).toMatchObject({ kind: 'conflict', slug: 'already-exists', current: workspace() });
    expect(await adapter.write({ method: 'DELETE', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'b' })).toMatchObject({ kind: 'conflict', status: 404, slug: 'not-found', current: null });
    expect(await adapter.write({ method: 'DELETE', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'c' })).toMatchObject({ kind: 'conflict', status: 410, current: null, message: 'HTTP 410 Gone' });
    expect((await remoteError(adapter.write({ method: 'PUT', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'd', body: putBody }))).message).toMatch(/current resource is wrong/);
  });

  it('5xx is retried with the same key and body, full-jitter backoff: random × min(max, base × 2^n)', async () => {
    const { server, adapter, sleeps } = await harness({ retry: { baseDelayMs: 100, maxDelayMs: 350 } }, 0.5);
    server.script(
      { status: 500, body: problem(500, 'internal', 'Boom') },
      { status: 502, body: 'x' },
      { status: 503 },
      { status: 504 },
      { status: 201, body: workspace() },
    );
    const attempts: number[] = [];
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k-retry', body: putBody, onAttempt: (n) => attempts.push(n) });
    expect(outcome).toMatchObject({ kind: 'done', status: 201 });
    expect(attempts).toEqual([1, 2, 3, 4, 5]);
    expect(sleeps).toEqual([50, 100, 175, 175]); // 0.5 × min(350, 100·2^n) for n = 0..3
    expect(new Set(server.seen.map((s) => s.headers['idempotency-key']))).toEqual(new Set(['"k-retry"']));
    expect(new Set(server.seen.map((s) => s.body)).size).toBe(1);
  });

  it('Retry-After: delta-seconds, an HTTP-date and Retry-After-Ms are waited exactly', async () => {
    const { server, adapter, sleeps } = await harness();
    server.script(
      { status: 429, headers: { 'retry-after': '3' }, body: problem(429, 'rate-limited', 'Slow down') },
      { status: 503, headers: { 'retry-after': new Date(NOW.getTime() + 7000).toUTCString() } },
      { status: 429, headers: { 'retry-after-ms': '1500', 'retry-after': '2' } },
      { status: 409, headers: { 'retry-after': '1' }, body: problem(409, 'idempotency-key-in-flight', 'In flight') },
      { status: 503, headers: { 'retry-after': new Date(NOW.getTime() - 5000).toUTCString() } },
      { status: 201, body: workspace() },
    );
    expect(await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k-ra', body: putBody })).toMatchObject({ kind: 'done' });
    expect(sleeps).toEqual([3000, 7000, 1500, 1000, 0]);
  });

  it('a Retry-After beyond the cap is not waited for: failed, retryable, with the wait', async () => {
    const { server, adapter, sleeps } = await harness({ retry: { retryAfterCapMs: 60_000 } });
    server.script({ status: 429, headers: { 'retry-after': '120' }, body: problem(429, 'rate-limited', 'Come back later') });
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k-cap', body: putBody });
    expect(outcome).toEqual({ kind: 'failed', status: 429, slug: 'rate-limited', message: 'Come back later', retryable: true, retryAfterMs: 120_000 });
    expect(sleeps).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it('retries stop at maxAttempts: failed, retryable', async () => {
    const { server, adapter, sleeps } = await harness({ retry: { maxAttempts: 3 } }, 1);
    server.fallback = () => ({ status: 500, body: problem(500, 'internal', 'Still broken') });
    const outcome = await adapter.write({ method: 'DELETE', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'k-max' });
    expect(outcome).toEqual({ kind: 'failed', status: 500, slug: 'internal', message: 'Still broken', retryable: true });
    expect(sleeps).toEqual([250, 500]);
    expect(server.seen).toHaveLength(3);
  });

  it.each<[number, string]>([
    [400, 'validation-failed'],
    [403, 'forbidden'],
    [404, 'parent-missing'],
    [409, 'already-exists'],
    [422, 'idempotency-key-reused'],
    [428, 'precondition-required'],
  ])('%i %s is permanent: failed, not retryable, one attempt', async (status, slug) => {
    const { server, adapter, sleeps } = await harness();
    server.fallback = () => ({ status, body: problem(status, slug, `Refused ${slug}`) });
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: `k-${status}`, body: putBody });
    expect(outcome).toEqual({ kind: 'failed', status, slug, message: `Refused ${slug}`, retryable: false });
    expect(server.seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a problem body that is not a problem falls back to the status text', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 400, body: { error: 'nope' } });
    expect(await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k', body: putBody })).toMatchObject({ kind: 'failed', slug: null, message: 'HTTP 400 Bad Request' });
  });

  it('a 2xx answer to a PUT must be the resource written', async () => {
    const { server, adapter } = await harness();
    server.script({ status: 200, body: workspace('ws-other123') }, { status: 200, body: '' }, { status: 200, body: '{"type":' });
    const write = () => adapter.write({ method: 'PUT', path: wsPath, ifMatch: '"v1"', idempotencyKey: 'k', body: putBody });
    expect((await remoteError(write())).message).toMatch(/describes workspace ws-other123/);
    expect((await remoteError(write())).message).toMatch(/has no resource/);
    expect((await remoteError(write())).message).toMatch(/not JSON/);
  });

  it('an invalid body is refused before anything is sent', async () => {
    const { server, adapter } = await harness();
    const error = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k', body: { data: { name: 'x' } } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_INTERNAL' });
    expect(server.seen).toHaveLength(0);
  });
});

// ---- transport ------------------------------------------------------------------------------------

describe('transport: connection errors, timeouts, loopback-only http, TLS', () => {
  it('connection refused: reads fail E_REMOTE "Connection refused"; writes fail retryable after every attempt', async () => {
    const server = await startServer();
    const baseUrl = server.baseUrl;
    await server.close();
    const sleeps: number[] = [];
    const adapter = createGasaAdapter({
      baseUrl,
      credential: CREDENTIAL,
      transport: createHttpTransport(),
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0,
      now: () => NOW,
      retry: { maxAttempts: 2 },
    });
    const error = await remoteError(adapter.health());
    expect(error.reason).toBe('Connection refused');
    expect(error.transport).toBe('connection');
    const body = { data: { vendor: 'OpenAI', label: 'Prod', last4: '42', secret: PROVIDER_SECRET } };
    const outcome = await adapter.write({ method: 'PUT', path: resourcePath('provider_key', 'pk-abcd1234', null), ifNoneMatch: '*', idempotencyKey: 'k', body });
    expect(outcome).toEqual({ kind: 'failed', status: null, slug: null, message: 'Connection refused', retryable: true });
    expect(JSON.stringify(outcome)).not.toContain(PROVIDER_SECRET);
    expect(sleeps).toEqual([0, 0]); // random() = 0: one backoff per retry, for the read and the write
  });

  it('no answer within the timeout: a typed timeout, retried, then E_REMOTE / failed retryable', async () => {
    const server = await startServer();
    server.fallback = () => 'hang';
    const adapter = createGasaAdapter({
      baseUrl: server.baseUrl,
      credential: CREDENTIAL,
      transport: createHttpTransport({ timeoutMs: 200 }),
      sleep: () => Promise.resolve(),
      random: () => 0,
      now: () => NOW,
      retry: { maxAttempts: 2 },
    });
    const error = await remoteError(adapter.capabilities());
    expect(error.transport).toBe('timeout');
    expect(error.reason).toMatch(/^No answer from 127\.0\.0\.1:\d+ within 0\.2 s$/);
    expect(server.seen).toHaveLength(2);
    const outcome = await adapter.write({ method: 'PUT', path: wsPath, ifNoneMatch: '*', idempotencyKey: 'k', body: putBody });
    expect(outcome).toMatchObject({ kind: 'failed', status: null, retryable: true });
  });

  it('the transport itself reports timeouts and refusals as TransportError kinds', async () => {
    const server = await startServer();
    server.fallback = () => 'hang';
    const transport = createHttpTransport({ timeoutMs: 100 });
    await expect(transport.request({ method: 'GET', url: `${server.baseUrl}/v1/health`, headers: {} })).rejects.toMatchObject({ kind: 'timeout' });
    await server.close();
    const refused = await transport.request({ method: 'GET', url: `${server.baseUrl}/v1/health`, headers: {} }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TransportError);
    expect(refused).toMatchObject({ kind: 'connection', message: 'Connection refused' });
  });

  it('plain http only to loopback: the transport refuses anything else with E_VALIDATION on baseUrl', async () => {
    const transport = createHttpTransport();
    for (const url of ['http://gateway.example.com/v1/health', 'http://10.0.0.1/v1/health', 'http://[::ffff:10.0.0.1]/v1/health', 'http://128.0.0.1/']) {
      const error = await transport.request({ method: 'GET', url, headers: { authorization: `Bearer ${CREDENTIAL}` } }).catch((e: unknown) => e);
      expect(error, url).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'E_VALIDATION', message: 'HTTPS is required except for loopback addresses', issues: [{ path: 'baseUrl' }] });
    }
  });

  it('the URL rule: https anywhere, http to 127.0.0.0/8, ::1 and localhost; no credentials, query or fragment', () => {
    for (const ok of ['https://gateway.example.com', 'https://10.0.0.1:8443/gw', 'http://127.0.0.1:8080', 'http://127.4.5.6', 'http://[::1]:9000', 'http://localhost:1234', 'http://LOCALHOST']) {
      expect(() => checkRemoteUrl(ok), ok).not.toThrow();
    }
    const refusals: Array<[string, RegExp]> = [
      ['http://gateway.example.com', /HTTPS is required except for loopback addresses/],
      ['http://192.168.1.10:8080', /HTTPS is required/],
      ['http://localhost.example.com', /HTTPS is required/],
      ['ftp://127.0.0.1', /must start with https/],
      ['https://admin:hunter2@gateway.example.com', /no user name or password/],
      ['https://gateway.example.com/?key=1', /query/],
      ['not a url', /Not a valid URL/],
    ];
    for (const [url, message] of refusals) {
      expect(() => checkRemoteUrl(url), url).toThrow(message);
      try {
        checkRemoteUrl(url);
      } catch (error) {
        expect((error as AppError).issues).toEqual([{ path: 'baseUrl', message: expect.any(String) as string }]);
        expect((error as AppError).message).not.toContain('hunter2');
      }
    }
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('::2')).toBe(false);
    expect(normalizeRemoteUrl(' https://Gateway.Example.com:443/gw/ ')).toBe('https://gateway.example.com/gw');
  });

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  it.skipIf(!hasOpenssl)('HTTPS keeps certificate checks on: a self-signed gateway is refused until its CA is added', async () => {
    const dir = makeTempDir('gatehouse-tls-');
    try {
      const key = path.join(dir, 'key.pem');
      const cert = path.join(dir, 'cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
      const pem = fs.readFileSync(cert, 'utf8');
      const server = https.createServer({ key: fs.readFileSync(key), cert: pem }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ protocol: 'gatehouse-v1', api_version: '1', server: 'tls-test' }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push({ close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) });
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/health`;

      const refused = await createHttpTransport().request({ method: 'GET', url, headers: {} }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TransportError);
      expect(refused).toMatchObject({ kind: 'tls', message: expect.stringMatching(/^Certificate not trusted: the certificate is self-signed/) as string });

      const trusted = await createHttpTransport({ caCertificate: pem }).request({ method: 'GET', url, headers: {} });
      expect(trusted.status).toBe(200);
      expect(JSON.parse(trusted.body)).toMatchObject({ server: 'tls-test' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
