import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  RESOURCE_ORDER,
  capabilitiesSchema,
  changePageSchema,
  healthSchema,
  problemSchema,
  remoteResourceSchema,
  resourcePageSchema,
  resourcePath,
  usagePageSchema,
  type Change,
} from '../../shared/gateway-protocol/v1';
import { startReferenceGateway, type ReferenceGateway, type ReferenceGatewayOptions } from './server';
import { ADMIN_A, ADMIN_B, create, createApi, keyData, makeTempDir, memberData, sha256Hex, workspaceData, type Api, type ApiAnswer } from './test-kit';

let dir: string;
let gateway: ReferenceGateway;
let api: Api;
let clock: Date;

async function start(options: Partial<ReferenceGatewayOptions> = {}): Promise<void> {
  gateway = await startReferenceGateway({ dataDir: dir, adminKeys: [ADMIN_A, ADMIN_B], now: () => clock, ...options });
  api = createApi(gateway.url);
}

beforeEach(async () => {
  dir = makeTempDir();
  clock = new Date('2026-03-01T12:00:00.000Z');
  await start();
});

afterEach(async () => {
  await gateway.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const WS = 'ws-alpha1';
const MEM = 'mem-ana01';
const SECRET = 'gh_live_0123456789abcdefghijABCDEFGHIJklmnop';

function expectProblem(answer: ApiAnswer, status: number, slug: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toBe('application/problem+json');
  const parsed = problemSchema.parse(answer.body);
  expect(parsed.type).toBe(`urn:gatehouse:problem:${slug}`);
  expect(parsed.status).toBe(status);
  return parsed;
}

async function allChanges(after?: string): Promise<Change[]> {
  const answer = await api('GET', `/v1/changes?limit=1000${after ? `&after=${after}` : ''}`);
  expect(answer.status).toBe(200);
  return changePageSchema.parse(answer.body).changes;
}

describe('discovery and auth', () => {
  it('answers health without auth and capabilities with it', async () => {
    const health = await api('GET', '/v1/health', { auth: null });
    expect(health.status).toBe(200);
    expect(healthSchema.parse(health.body).protocol).toBe('gatehouse-v1');

    const caps = capabilitiesSchema.parse((await api('GET', '/v1/capabilities')).body);
    expect(caps.principal).toBe('laptop-a');
    expect(caps.limits).toEqual({ max_workspaces: 20, max_keys_per_workspace: 20, max_name_length: 64 });
    expect(caps.idempotency_ttl_s).toBe(86_400);
    expect(capabilitiesSchema.parse((await createApi(gateway.url, ADMIN_B.key)('GET', '/v1/capabilities')).body).principal).toBe('laptop-b');
  });

  it('refuses a missing or wrong admin key with 401 problem+json', async () => {
    expectProblem(await api('GET', '/v1/capabilities', { auth: null }), 401, 'unauthorized');
    const wrong = await api('GET', '/v1/resources', { auth: 'gha_wrong' });
    expectProblem(wrong, 401, 'unauthorized');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expectProblem(await api('PUT', resourcePath('member', MEM, null), { auth: `${ADMIN_A.key}x`, ifNoneMatch: '*', body: { data: memberData() } }), 401, 'unauthorized');
  });

  it('answers problem+json for unknown routes, wrong methods and server-side limits', async () => {
    expectProblem(await api('GET', '/nope', { auth: null }), 404, 'not-found');
    expectProblem(await api('GET', '/v1/nope'), 404, 'not-found');
    expectProblem(await api('GET', '/v1/workspaces/ws-alpha1/unknown'), 404, 'not-found');
    expectProblem(await api('GET', '/v1/workspaces/%E0%A4%A'), 404, 'not-found');
    const wrongMethod = await api('POST', '/v1/resources');
    expectProblem(wrongMethod, 405, 'method-not-allowed');
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expectProblem(await api('GET', '/v1/resources?limit=0'), 400, 'validation-failed');
    expectProblem(await api('GET', '/v1/resources?limit=1001'), 400, 'validation-failed');
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = await api('PUT', resourcePath('member', MEM, null), { ifNoneMatch: '*', rawBody: 'x'.repeat(1024 * 1024 + 1) });
    expectProblem(big, 413, 'payload-too-large');
    expect(gateway.counts().writes).toBe(0);
  });

  it('rate-limits with 429 and Retry-After (token bucket on the gateway clock)', async () => {
    await gateway.close();
    await start({ rateLimit: { perSecond: 2 } });
    expect((await api('GET', '/v1/capabilities')).status).toBe(200);
    expect((await api('GET', '/v1/capabilities')).status).toBe(200);
    const limited = await api('GET', '/v1/capabilities');
    expectProblem(limited, 429, 'rate-limited');
    expect(limited.headers.get('retry-after')).toBe('1');
    clock = new Date(clock.getTime() + 1000);
    expect((await api('GET', '/v1/capabilities')).status).toBe(200);
    // Health stays answerable for reachability checks.
    expect((await api('GET', '/v1/health', { auth: null })).status).toBe(200);
  });

  it('closes a connection whose headers never finish (headersTimeout)', async () => {
    await gateway.close();
    await start({ timeouts: { headersMs: 200, requestMs: 400 } });
    const socket = net.connect(Number(new URL(gateway.url).port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write('GET /v1/health HTTP/1.1\r\nHost: x\r\n'); // no blank line: the headers never end
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('create, read, update, delete', () => {
  it('creates with If-None-Match: * (201, ETag, Location) and reads it back', async () => {
    const created = await create(api, 'member', MEM, null, memberData());
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(created.headers.get('location')).toBe(`/v1/members/${MEM}`);
    const resource = remoteResourceSchema.parse(created.body);
    expect(resource).toMatchObject({ type: 'member', id: MEM, parent_id: null, version: 1, etag: '"v1"', updated_by: 'laptop-a', created_at: clock.toISOString() });

    const read = await api('GET', `/v1/members/${MEM}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"v1"');
    expect(read.body).toEqual(created.body);
    expectProblem(await api('GET', '/v1/members/mem-nobody'), 404, 'not-found');
  });

  it('answers 412 already-exists with the current resource on a second create', async () => {
    await create(api, 'member', MEM, null, memberData());
    const again = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', body: { data: memberData('Other') } });
    const p = expectProblem(again, 412, 'already-exists');
    expect(p.current).toMatchObject({ id: MEM, version: 1, data: { name: 'Ana Admin' } });
  });

  it('updates with If-Match (200, new ETag); a stale tag is 412 with current; a missing resource is 404', async () => {
    await create(api, 'member', MEM, null, memberData());
    const updated = await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData('Ana Renamed') } });
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('"v2"');
    expect(remoteResourceSchema.parse(updated.body)).toMatchObject({ version: 2, data: { name: 'Ana Renamed' } });

    const stale = await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData('Lost update') } });
    const p = expectProblem(stale, 412, 'precondition-failed');
    expect(p.current).toMatchObject({ version: 2, data: { name: 'Ana Renamed' } });
    expectProblem(await api('PUT', '/v1/members/mem-nobody', { ifMatch: '"v1"', body: { data: memberData() } }), 404, 'not-found');
    // A weak tag never matches (strong comparison); `*` matches any current version.
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifMatch: 'W/"v2"', body: { data: memberData('Weak') } }), 412, 'precondition-failed');
    expect((await api('PUT', `/v1/members/${MEM}`, { ifMatch: '*', body: { data: memberData('Star') } })).status).toBe(200);
  });

  it('a PUT that changes nothing keeps the version and writes no change entry', async () => {
    await create(api, 'member', MEM, null, memberData());
    const same = await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData() } });
    expect(same.status).toBe(200);
    expect(same.headers.get('etag')).toBe('"v1"');
    expect(await allChanges()).toHaveLength(1);
  });

  it('deletes with If-Match (204); stale is 412; missing is 404', async () => {
    await create(api, 'member', MEM, null, memberData());
    expectProblem(await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v9"' }), 412, 'precondition-failed');
    const deleted = await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"' });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectProblem(await api('GET', `/v1/members/${MEM}`), 404, 'not-found');
    expectProblem(await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"' }), 404, 'not-found');
  });

  it('requires a precondition (428) and an Idempotency-Key (400) on every write', async () => {
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { body: { data: memberData() } }), 428, 'precondition-required');
    await create(api, 'member', MEM, null, memberData());
    expectProblem(await api('DELETE', `/v1/members/${MEM}`), 428, 'precondition-required');
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', idempotencyKey: null, body: { data: memberData() } }), 400, 'idempotency-key-missing');
    expectProblem(await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"', idempotencyKey: null }), 400, 'idempotency-key-missing');
    // Not a structured-field string (unquoted), or too long.
    expectProblem(await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"', rawIdempotencyKey: 'abc' }), 400, 'idempotency-key-missing');
    expectProblem(await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"', rawIdempotencyKey: `"${'k'.repeat(256)}"` }), 400, 'idempotency-key-missing');
    expect((await api('GET', `/v1/members/${MEM}`)).body.version).toBe(1);
  });

  it('validates bodies and ids: 422 validation-failed with fields (400 for a body that is not JSON)', async () => {
    const bad = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', body: { data: { name: '', email: 'a@b.c', extra: 1 } } });
    const p = expectProblem(bad, 422, 'validation-failed');
    expect(p.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['data.name', 'data']));
    const badId = expectProblem(await api('PUT', '/v1/members/MEM_UPPER', { ifNoneMatch: '*', body: { data: memberData() } }), 422, 'validation-failed');
    expect(badId.errors).toEqual([{ field: 'id', message: 'not a valid member id' }]);
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', rawBody: '{nope' }), 400, 'validation-failed');
    expectProblem(await api('PUT', `/v1/workspaces/${WS}`, { ifNoneMatch: '*', body: { data: { ...workspaceData('A'), is_default: 'yes' } } }), 422, 'validation-failed');
    expect(gateway.counts().writes).toBe(0);
  });

  it('requires the parent (409 parent-missing) and the referenced member / provider keys', async () => {
    const key = await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifNoneMatch: '*', body: { data: keyData(SECRET) } });
    expect(expectProblem(key, 409, 'parent-missing').errors?.[0]?.field).toBe('parent_id');
    await create(api, 'workspace', WS, null, workspaceData('Alpha'));
    expect(expectProblem(await api('PUT', resourcePath('workspace_member', MEM, WS), { ifNoneMatch: '*', body: { data: { role: 'editor' } } }), 409, 'parent-missing').errors?.[0]?.field).toBe('id');
    expectProblem(await api('PUT', resourcePath('workspace', 'ws-beta01', null), { ifNoneMatch: '*', body: { data: workspaceData('Beta', { owner_member_id: MEM }) } }), 409, 'parent-missing');
    expectProblem(await api('PUT', resourcePath('provider_access', WS, WS), { ifNoneMatch: '*', body: { data: { entries: { 'pk-none01': 'pinned' } } } }), 409, 'parent-missing');
    // A child read under the wrong workspace is not found.
    await create(api, 'workspace', 'ws-beta01', null, workspaceData('Beta'));
    await create(api, 'api_key', 'key-k0001', WS, keyData(SECRET));
    expectProblem(await api('GET', resourcePath('api_key', 'key-k0001', 'ws-beta01')), 404, 'not-found');
    expectProblem(await api('PUT', resourcePath('api_key', 'key-k0001', 'ws-beta01'), { ifNoneMatch: '*', body: { data: keyData(SECRET) } }), 412, 'already-exists');
  });

  it('requires secret_sha256 when a key is created', async () => {
    await create(api, 'workspace', WS, null, workspaceData('Alpha'));
    const { secret_sha256: _hash, ...withoutHash } = keyData(SECRET);
    const p = expectProblem(await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifNoneMatch: '*', body: { data: withoutHash } }), 422, 'validation-failed');
    expect(p.errors?.[0]?.field).toBe('data.secret_sha256');
  });
});

describe('cascades', () => {
  async function seedWorkspace() {
    await create(api, 'member', MEM, null, memberData());
    await create(api, 'provider_key', 'pk-open01', null, { vendor: 'openai', label: 'Prod', last4: 'abcd', secret: 'sk-provider-secret' });
    await create(api, 'workspace', WS, null, workspaceData('Alpha', { owner_member_id: MEM }));
    await create(api, 'workspace_member', MEM, WS, { role: 'admin' });
    await create(api, 'model_grants', WS, WS, { grants: { 'gpt-4o': { rpm_limit: 100, tpm_limit: null } } });
    await create(api, 'budget', WS, WS, { monthly_limit_minor: 10_000, currency: 'USD', thresholds: [50, 80, 100], mode: 'alert' });
    await create(api, 'provider_access', WS, WS, { entries: { 'pk-open01': 'pinned' } });
    await create(api, 'api_key', 'key-k0001', WS, keyData(SECRET));
  }

  it('a workspace delete removes its children, each with its own change entry', async () => {
    await seedWorkspace();
    const before = await allChanges();
    const ws = await api('GET', `/v1/workspaces/${WS}`);
    expect((await api('DELETE', `/v1/workspaces/${WS}`, { ifMatch: ws.headers.get('etag')! })).status).toBe(204);
    const deletes = (await allChanges(before.at(-1)!.cursor)).map((c) => [c.op, c.type, c.id, c.resource]);
    expect(deletes).toEqual([
      ['delete', 'api_key', 'key-k0001', null],
      ['delete', 'provider_access', WS, null],
      ['delete', 'budget', WS, null],
      ['delete', 'model_grants', WS, null],
      ['delete', 'workspace_member', MEM, null],
      ['delete', 'workspace', WS, null],
    ]);
    const left = resourcePageSchema.parse((await api('GET', '/v1/resources')).body).data.map((r) => r.type);
    expect(left).toEqual(['member', 'provider_key']);
  });

  it('a member delete removes their memberships and clears ownership; a provider key delete clears access entries', async () => {
    await seedWorkspace();
    const before = (await allChanges()).at(-1)!.cursor;
    expect((await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"' })).status).toBe(204);
    expect((await api('DELETE', '/v1/provider-keys/pk-open01', { ifMatch: '"v1"' })).status).toBe(204);
    const changes = (await allChanges(before)).map((c) => [c.op, c.type, c.id, c.version]);
    expect(changes).toEqual([
      ['delete', 'workspace_member', MEM, 2],
      ['upsert', 'workspace', WS, 2],
      ['delete', 'member', MEM, 2],
      ['upsert', 'provider_access', WS, 2],
      ['delete', 'provider_key', 'pk-open01', 2],
    ]);
    expect((await api('GET', `/v1/workspaces/${WS}`)).body.data.owner_member_id).toBeNull();
    expect((await api('GET', resourcePath('provider_access', WS, WS))).body.data.entries).toEqual({});
    expectProblem(await api('GET', resourcePath('workspace_member', MEM, WS)), 404, 'not-found');
  });
});

describe('idempotency', () => {
  it('replays the stored response with Idempotent-Replayed: true, and executes nothing twice', async () => {
    const first = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'op-1', body: { data: memberData() } });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    clock = new Date(clock.getTime() + 60_000);
    const replay = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'op-1', body: { data: memberData() } });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.headers.get('etag')).toBe('"v1"');
    expect(replay.headers.get('location')).toBe(`/v1/members/${MEM}`);
    expect(replay.body).toEqual(first.body);
    expect(gateway.counts().writes).toBe(1);
    expect(await allChanges()).toHaveLength(1);

    // A 204 replays too.
    const del = await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"', idempotencyKey: 'op-2' });
    const delReplay = await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"', idempotencyKey: 'op-2' });
    expect([del.status, delReplay.status, delReplay.headers.get('idempotent-replayed')]).toEqual([204, 204, 'true']);
  });

  it('keys are per principal', async () => {
    await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'same', body: { data: memberData() } });
    const other = await createApi(gateway.url, ADMIN_B.key)('PUT', '/v1/members/mem-bob001', { ifNoneMatch: '*', idempotencyKey: 'same', body: { data: memberData('Bob') } });
    expect(other.status).toBe(201);
  });

  it('the same key with another request is 422 idempotency-key-reused', async () => {
    await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'op-1', body: { data: memberData() } });
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'op-1', body: { data: memberData('Changed') } }), 422, 'idempotency-key-reused');
    expectProblem(await api('PUT', '/v1/members/mem-other1', { ifNoneMatch: '*', idempotencyKey: 'op-1', body: { data: memberData() } }), 422, 'idempotency-key-reused');
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', idempotencyKey: 'op-1', body: { data: memberData() } }), 422, 'idempotency-key-reused');
  });

  it('an outcome decided against state (412) is stored; a validation failure is not', async () => {
    await create(api, 'member', MEM, null, memberData());
    const conflict = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'k-412', body: { data: memberData() } });
    expect(conflict.status).toBe(412);
    const again = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'k-412', body: { data: memberData() } });
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([412, 'true']);

    const invalid = await api('PUT', '/v1/members/mem-new001', { ifNoneMatch: '*', idempotencyKey: 'k-422', body: { data: { name: '' } } });
    expect(invalid.status).toBe(422);
    const fixed = await api('PUT', '/v1/members/mem-new001', { ifNoneMatch: '*', idempotencyKey: 'k-422', body: { data: memberData() } });
    expect([fixed.status, fixed.headers.get('idempotent-replayed')]).toEqual([201, null]);
  });

  it('stored responses expire after 24 h', async () => {
    await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'old', body: { data: memberData() } });
    clock = new Date(clock.getTime() + 24 * 3_600_000 + 1000);
    // Executed again: the resource now exists.
    expectProblem(await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'old', body: { data: memberData() } }), 412, 'already-exists');
  });

  it('a request with a key still in flight is 409 with Retry-After: 1', async () => {
    const body = JSON.stringify({ data: memberData() });
    const headers = { Authorization: `Bearer ${ADMIN_A.key}`, 'If-None-Match': '*', 'Idempotency-Key': '"slow"', 'Content-Type': 'application/json', 'Content-Length': String(body.length) };
    const { port } = new URL(gateway.url);
    const slow = http.request({ host: '127.0.0.1', port, method: 'PUT', path: `/v1/members/${MEM}`, headers });
    const slowAnswer = new Promise<number>((resolve, reject) => {
      slow.on('response', (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      slow.on('error', reject);
    });
    slow.write(body.slice(0, 5)); // headers and part of the body: the first request is in flight
    slow.flushHeaders();
    await vi.waitFor(() => expect(gateway.counts().requests).toBe(1), { timeout: 10_000, interval: 10 });

    const second = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'slow', body: { data: memberData() } });
    expectProblem(second, 409, 'idempotency-key-in-flight');
    expect(second.headers.get('retry-after')).toBe('1');

    slow.end(body.slice(5));
    expect(await slowAnswer).toBe(201);
    const replay = await api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: 'slow', body: { data: memberData() } });
    expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(gateway.counts().writes).toBe(1);
  });
});

describe('write-only fields', () => {
  it('never returns secret hashes or provider secrets; absent keeps, null clears', async () => {
    await create(api, 'workspace', WS, null, workspaceData('Alpha'));
    await create(api, 'model_grants', WS, WS, { grants: { 'gpt-4o': { rpm_limit: null, tpm_limit: null } } });
    const oldSecret = `${SECRET}old`;
    const created = await create(api, 'api_key', 'key-k0001', WS, keyData(SECRET, { previous_secret_sha256: sha256Hex(oldSecret), previous_valid_until: '2026-03-02T00:00:00.000Z' }));
    await create(api, 'provider_key', 'pk-open01', null, { vendor: 'openai', label: 'Prod', last4: 'wxyz', secret: 'sk-provider-secret-value' });
    expect(created.body.data).not.toHaveProperty('secret_sha256');
    expect(created.body.data).not.toHaveProperty('previous_secret_sha256');

    // Update without the hashes: they are kept (the key still verifies).
    const { secret_sha256: _h, ...rest } = keyData(SECRET, { name: 'renamed', previous_valid_until: '2026-03-02T00:00:00.000Z' });
    expect((await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifMatch: '"v1"', body: { data: rest } })).status).toBe(200);
    const chat = (secret: string) => api('POST', '/v1/data/chat/completions', { auth: secret, idempotencyKey: null, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } });
    expect((await chat(SECRET)).status).toBe(200);
    expect((await chat(oldSecret)).status).toBe(200);
    // null clears the previous hash.
    expect((await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifMatch: '"v2"', body: { data: { ...rest, previous_secret_sha256: null } } })).status).toBe(200);
    expectProblem(await chat(oldSecret), 401, 'unauthorized');
    expect((await chat(SECRET)).status).toBe(200);

    const everything = [(await api('GET', '/v1/resources')).text, (await api('GET', '/v1/changes')).text, (await api('GET', resourcePath('api_key', 'key-k0001', WS))).text, (await api('GET', '/v1/provider-keys/pk-open01')).text].join('\n');
    expect(everything).not.toContain(sha256Hex(SECRET));
    expect(everything).not.toContain(sha256Hex(oldSecret));
    expect(everything).not.toContain('sk-provider-secret-value');
    expect(everything).not.toMatch(/secret_sha256|"secret"/);
  });
});

describe('listing and the change feed', () => {
  it('lists every resource keyset-paged by (type order, id), with as_of repeated on each page', async () => {
    await create(api, 'workspace', 'ws-bbbb1', null, workspaceData('B'));
    await create(api, 'workspace', 'ws-aaaa1', null, workspaceData('A'));
    await create(api, 'member', 'mem-zzzz1', null, memberData('Zed'));
    await create(api, 'member', MEM, null, memberData());
    await create(api, 'workspace_member', MEM, 'ws-bbbb1', { role: 'viewer' });
    await create(api, 'workspace_member', MEM, 'ws-aaaa1', { role: 'editor' });
    await create(api, 'model_grants', 'ws-aaaa1', 'ws-aaaa1', { grants: {} });

    const seen: string[] = [];
    const asOfs = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer = await api('GET', `/v1/resources?limit=2${cursor ? `&after=${cursor}` : ''}`);
      const page = resourcePageSchema.parse(answer.body);
      seen.push(...page.data.map((r) => `${r.type}:${r.parent_id ?? ''}:${r.id}`));
      asOfs.add(page.as_of);
      cursor = page.next_cursor;
      pages++;
      // A write while paging, behind the cursor: the listing misses it, the feed after as_of has it (list + watch).
      if (pages === 1) await create(api, 'member', 'mem-late01', null, memberData('Late'));
    } while (cursor);
    expect(seen).toEqual([
      'member::mem-ana01',
      'member::mem-zzzz1',
      'workspace::ws-aaaa1',
      'workspace::ws-bbbb1',
      'workspace_member:ws-aaaa1:mem-ana01',
      'workspace_member:ws-bbbb1:mem-ana01',
      'model_grants:ws-aaaa1:ws-aaaa1',
    ]);
    expect(RESOURCE_ORDER.member).toBeLessThan(RESOURCE_ORDER.workspace);
    expect(asOfs.size).toBe(1);
    const [asOf] = [...asOfs];
    const after = await allChanges(asOf);
    expect(after.map((c) => c.id)).toEqual(['mem-late01']);
    expectProblem(await api('GET', '/v1/resources?after=bogus'), 400, 'validation-failed');
  });

  it('feeds every change in order with the resource after it and the actor; pages with has_more', async () => {
    await create(api, 'member', MEM, null, memberData());
    await createApi(gateway.url, ADMIN_B.key)('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData('By B') } });
    await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v2"' });

    const first = changePageSchema.parse((await api('GET', '/v1/changes?limit=2')).body);
    expect(first.has_more).toBe(true);
    expect(first.changes.map((c) => [c.op, c.version, c.actor, c.resource?.data])).toEqual([
      ['upsert', 1, 'laptop-a', { name: 'Ana Admin', email: 'ana.admin@example.com' }],
      ['upsert', 2, 'laptop-b', { name: 'By B', email: 'by.b@example.com' }],
    ]);
    const second = changePageSchema.parse((await api('GET', `/v1/changes?after=${first.next_cursor}&limit=2`)).body);
    expect(second.has_more).toBe(false);
    expect(second.changes.map((c) => [c.op, c.version, c.actor, c.resource])).toEqual([['delete', 3, 'laptop-a', null]]);
    const empty = changePageSchema.parse((await api('GET', `/v1/changes?after=${second.next_cursor}`)).body);
    expect(empty).toEqual({ changes: [], next_cursor: second.next_cursor, has_more: false });
    expectProblem(await api('GET', '/v1/changes?after=not-a-cursor'), 400, 'validation-failed');
  });

  it('answers 410 cursor-expired for a cursor older than the retention, or ahead of the feed', async () => {
    await gateway.close();
    await start({ changeRetention: 3 });
    const start0 = changePageSchema.parse((await api('GET', '/v1/changes')).body).next_cursor;
    await create(api, 'member', 'mem-aaaa1', null, memberData('A'));
    const afterFirst = (await allChanges())[0]!.cursor;
    for (const id of ['mem-bbbb1', 'mem-cccc1', 'mem-dddd1']) await create(api, 'member', id, null, memberData(id));
    expectProblem(await api('GET', `/v1/changes?after=${start0}`), 410, 'cursor-expired');
    // The oldest kept entry's predecessor is still a valid position.
    expect((await api('GET', `/v1/changes?after=${afterFirst}`)).status).toBe(200);
    expect((await allChanges(afterFirst)).map((c) => c.id)).toEqual(['mem-bbbb1', 'mem-cccc1', 'mem-dddd1']);
    // Relist and follow from as_of.
    const listing = resourcePageSchema.parse((await api('GET', '/v1/resources')).body);
    expect(listing.data).toHaveLength(4);
    expect((await api('GET', `/v1/changes?after=${listing.as_of}`)).status).toBe(200);

    // A gateway reset (new data dir): old cursors are ahead of the feed.
    const lastCursor = (await allChanges(afterFirst)).at(-1)!.cursor;
    await gateway.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await start();
    expectProblem(await api('GET', `/v1/changes?after=${lastCursor}`), 410, 'cursor-expired');
  });

  it('keeps state across a restart on the same data dir', async () => {
    await create(api, 'member', MEM, null, memberData());
    await gateway.close();
    await start();
    expect((await api('GET', `/v1/members/${MEM}`)).body.version).toBe(1);
    expect(fs.existsSync(`${dir}/gateway.sqlite`)).toBe(true);
    expect(gateway.db.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});

describe('limits', () => {
  it('enforces workspaces per gateway, active keys per workspace and name length (422 limit-exceeded)', async () => {
    await gateway.close();
    await start({ limits: { max_workspaces: 2, max_keys_per_workspace: 1, max_name_length: 10 } });
    expect(capabilitiesSchema.parse((await api('GET', '/v1/capabilities')).body).limits).toEqual({ max_workspaces: 2, max_keys_per_workspace: 1, max_name_length: 10 });
    await create(api, 'workspace', 'ws-aaaa1', null, workspaceData('A'));
    await create(api, 'workspace', 'ws-bbbb1', null, workspaceData('B'));
    expectProblem(await api('PUT', '/v1/workspaces/ws-cccc1', { ifNoneMatch: '*', body: { data: workspaceData('C') } }), 422, 'limit-exceeded');
    // Renaming an existing workspace is not a new one.
    expect((await api('PUT', '/v1/workspaces/ws-bbbb1', { ifMatch: '"v1"', body: { data: workspaceData('B2') } })).status).toBe(200);
    expectProblem(await api('PUT', '/v1/workspaces/ws-bbbb1', { ifMatch: '"v2"', body: { data: workspaceData('A name that is too long') } }), 422, 'limit-exceeded');

    await create(api, 'api_key', 'key-k0001', 'ws-aaaa1', keyData(SECRET));
    const second = await api('PUT', resourcePath('api_key', 'key-k0002', 'ws-aaaa1'), { ifNoneMatch: '*', body: { data: keyData(`${SECRET}2`) } });
    expect(expectProblem(second, 422, 'limit-exceeded').errors?.[0]?.field).toBe('data.status');
    // A revoked key does not count; reactivating one does.
    await create(api, 'api_key', 'key-k0002', 'ws-aaaa1', keyData(`${SECRET}2`, { status: 'revoked', revoked_at: clock.toISOString() }));
    expectProblem(await api('PUT', resourcePath('api_key', 'key-k0002', 'ws-aaaa1'), { ifMatch: '"v1"', body: { data: keyData(`${SECRET}2`) } }), 422, 'limit-exceeded');
  });
});

describe('usage feed and the data plane', () => {
  async function seedKey(extra: Parameters<typeof keyData>[1] = {}) {
    await create(api, 'workspace', WS, null, workspaceData('Alpha'));
    await create(api, 'model_grants', WS, WS, { grants: { 'gpt-4o': { rpm_limit: null, tpm_limit: null }, 'claude-sonnet-4': { rpm_limit: 10, tpm_limit: 1000 } } });
    await create(api, 'api_key', 'key-k0001', WS, keyData(SECRET, extra));
  }

  it('orders records by ingestion, so late arrivals with old occurred_at are never skipped', async () => {
    await seedKey();
    expect(gateway.simulateTraffic(30, { seed: 7, lateFraction: 0.5 })).toBe(30);
    const firstPage = usagePageSchema.parse((await api('GET', '/v1/usage-records?limit=20')).body);
    expect(firstPage.has_more).toBe(true);
    clock = new Date(clock.getTime() + 3_600_000);
    gateway.simulateTraffic(5, { seed: 8, lateFraction: 1 }); // late records ingested after the first page
    const rest = usagePageSchema.parse((await api('GET', `/v1/usage-records?after=${firstPage.next_cursor}&limit=1000`)).body);
    expect(rest.has_more).toBe(false);
    const records = [...firstPage.records, ...rest.records];
    expect(records).toHaveLength(35);
    expect(records.map((r) => r.ingest_seq)).toEqual([...records.map((r) => r.ingest_seq)].sort((a, b) => a - b));
    expect(new Set(records.map((r) => r.id)).size).toBe(35);
    const late = rest.records.slice(-5);
    for (const record of late) expect(Date.parse(record.occurred_at)).toBeLessThan(clock.getTime() - 3_600_000 + 1);
    expect(records.some((r) => Date.parse(r.occurred_at) < Date.parse(records[0]!.occurred_at))).toBe(true);
    for (const record of records) {
      expect(record).toMatchObject({ workspace_id: WS, key_id: 'key-k0001', currency: 'USD' });
      expect(['gpt-4o', 'claude-sonnet-4']).toContain(record.model_id);
      expect(record.cost_micros).toBeGreaterThan(0);
    }
    // Nothing new: the cursor stays.
    const none = usagePageSchema.parse((await api('GET', `/v1/usage-records?after=${rest.next_cursor}`)).body);
    expect(none).toEqual({ records: [], next_cursor: rest.next_cursor, has_more: false });
    expectProblem(await api('GET', '/v1/usage-records?after=zzz'), 400, 'validation-failed');
  });

  it('simulates nothing without an active key whose workspace grants a model', async () => {
    await create(api, 'workspace', WS, null, workspaceData('Alpha'));
    await create(api, 'api_key', 'key-k0001', WS, keyData(SECRET));
    expect(gateway.simulateTraffic(10)).toBe(0);
  });

  it('verifies data-plane keys by SHA-256, checks grants, revocation, expiry and the grace window', async () => {
    await seedKey({ expires_at: '2026-03-01T13:00:00.000Z' });
    const chat = (secret: string | null, model = 'gpt-4o') =>
      api('POST', '/v1/data/chat/completions', { auth: secret, idempotencyKey: null, body: { model, messages: [{ role: 'user', content: 'Hello there' }] } });
    const ok = await chat(SECRET);
    expect(ok.status).toBe(200);
    expect(ok.body.choices[0].message.role).toBe('assistant');
    const records = usagePageSchema.parse((await api('GET', '/v1/usage-records')).body).records;
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ key_id: 'key-k0001', model_id: 'gpt-4o', requests: 1, occurred_at: clock.toISOString() });

    expectProblem(await chat(`${SECRET}x`), 401, 'unauthorized');
    expectProblem(await chat(null), 401, 'unauthorized');
    expectProblem(await chat(ADMIN_A.key), 401, 'unauthorized');
    expectProblem(await chat(SECRET, 'o3-pro'), 403, 'model-not-granted');
    expectProblem(await api('POST', '/v1/data/chat/completions', { auth: SECRET, idempotencyKey: null, body: { messages: [] } }), 422, 'validation-failed');

    // Rotation: the old secret works until previous_valid_until.
    const next = `${SECRET}-rotated`;
    const rotated = keyData(next, { rotated_at: clock.toISOString(), previous_valid_until: '2026-03-01T12:30:00.000Z', previous_secret_sha256: sha256Hex(SECRET), expires_at: '2026-03-01T13:00:00.000Z' });
    expect((await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifMatch: '"v1"', body: { data: rotated } })).status).toBe(200);
    expect((await chat(next)).status).toBe(200);
    expect((await chat(SECRET)).status).toBe(200);
    clock = new Date('2026-03-01T12:30:00.000Z');
    expectProblem(await chat(SECRET), 401, 'unauthorized');
    expect((await chat(next)).status).toBe(200);
    // Expiry.
    clock = new Date('2026-03-01T13:00:00.000Z');
    expect(expectProblem(await chat(next), 401, 'unauthorized').detail).toMatch(/expired/);
    // Revocation.
    clock = new Date('2026-03-01T12:40:00.000Z');
    const revoked = { ...rotated, status: 'revoked' as const, revoked_at: clock.toISOString(), previous_secret_sha256: null };
    expect((await api('PUT', resourcePath('api_key', 'key-k0001', WS), { ifMatch: '"v2"', body: { data: revoked } })).status).toBe(200);
    const refused = expectProblem(await chat(next), 401, 'unauthorized');
    expect(refused.detail).toMatch(/revoked/);
    expect(JSON.stringify(refused)).not.toContain(next);
  });
});
