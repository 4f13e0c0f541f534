import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { problemSchema, remoteResourceSchema } from '../../shared/gateway-protocol/v1';
import { fault, startFaultyProxy, type FaultyProxy } from './faulty-proxy';
import { startReferenceGateway, type ReferenceGateway } from './server';
import { ADMIN_A, ADMIN_B, create, createApi, makeTempDir, memberData, type Api } from './test-kit';

let dir: string;
let gateway: ReferenceGateway;
let proxy: FaultyProxy;
/** Through the proxy. */
let api: Api;
/** Straight to the gateway (what is really there). */
let direct: Api;

beforeEach(async () => {
  dir = makeTempDir();
  gateway = await startReferenceGateway({ dataDir: dir, adminKeys: [ADMIN_A, ADMIN_B] });
  proxy = await startFaultyProxy({ target: gateway.url });
  api = createApi(proxy.url);
  direct = createApi(gateway.url);
});

afterEach(async () => {
  await proxy.close();
  await gateway.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const MEM = 'mem-ana01';
const createMember = (key: string, name = 'Ana Admin') => api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', idempotencyKey: key, body: { data: memberData(name) } });

describe('faulty proxy', () => {
  it('passes requests through unchanged and logs each one', async () => {
    const created = await createMember('k1');
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"v1"');
    expect(remoteResourceSchema.parse(created.body).id).toBe(MEM);
    const read = await api('GET', `/v1/members/${MEM}`);
    expect(read.body).toEqual(created.body);
    const gone = await api('DELETE', `/v1/members/${MEM}`, { ifMatch: '"v1"' });
    expect(gone.status).toBe(204);
    expect(proxy.log.map((e) => [e.method, e.path, e.status, e.forwarded, e.action, e.outcome])).toEqual([
      ['PUT', `/v1/members/${MEM}`, 201, true, null, 'answered'],
      ['GET', `/v1/members/${MEM}`, 200, true, null, 'answered'],
      ['DELETE', `/v1/members/${MEM}`, 204, true, null, 'answered'],
    ]);
    expect(proxy.forwardedWrites()).toBe(2);
  });

  it('dropResponseAfterCommit: the write commits, the client gets no answer; a retry with the key replays', async () => {
    proxy.addRule({ method: 'PUT', path: /\/members\//, nth: 1, action: 'dropResponseAfterCommit' });
    await expect(createMember('lost')).rejects.toThrow();
    expect(proxy.log[0]).toMatchObject({ status: null, forwarded: true, upstreamStatuses: [201], outcome: 'dropped' });
    expect((await direct('GET', `/v1/members/${MEM}`)).status).toBe(200);

    const retry = await createMember('lost');
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(gateway.counts().writes).toBe(1);
    expect(proxy.forwardedWrites()).toBe(2);
  });

  it('timeoutBeforeCommit: holds the request until the client gives up, and never forwards it', async () => {
    proxy.addRule({ method: 'PUT', action: fault.timeoutBeforeCommit() });
    const controller = new AbortController();
    const pending = api('PUT', `/v1/members/${MEM}`, { ifNoneMatch: '*', body: { data: memberData() }, signal: controller.signal });
    await vi.waitFor(() => expect(proxy.log[0]?.action).toBe('timeoutBeforeCommit'), { timeout: 10_000, interval: 10 });
    controller.abort();
    await expect(pending).rejects.toThrow();
    await vi.waitFor(() => expect(proxy.log[0]?.outcome).toBe('abandoned'), { timeout: 10_000, interval: 10 });
    expect(proxy.log[0]).toMatchObject({ status: null, forwarded: false });
    expect(proxy.forwardedWrites()).toBe(0);
    expect(gateway.counts().requests).toBe(0);
    expect((await direct('GET', `/v1/members/${MEM}`)).status).toBe(404);
  });

  it("status(code, 'before'): answers without forwarding; 'after': forwards, discards the real answer", async () => {
    proxy.addRule({ method: 'PUT', nth: 1, action: fault.status(503, 'before', 2) });
    proxy.addRule({ method: 'PUT', nth: 2, action: fault.status(500, 'after') });
    const before = await createMember('k-503');
    expect(before.status).toBe(503);
    expect(before.headers.get('retry-after')).toBe('2');
    expect(before.headers.get('content-type')).toBe('application/problem+json');
    expect(problemSchema.parse(before.body).type).toBe('urn:gatehouse:problem:unavailable');
    expect((await direct('GET', `/v1/members/${MEM}`)).status).toBe(404);

    const after = await createMember('k-503');
    expect(after.status).toBe(500);
    expect(problemSchema.parse(after.body).status).toBe(500);
    expect(proxy.log.map((e) => [e.status, e.forwarded, e.upstreamStatuses])).toEqual([
      [503, false, []],
      [500, true, [201]],
    ]);
    expect((await direct('GET', `/v1/members/${MEM}`)).status).toBe(200);
    const retry = await createMember('k-503');
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
  });

  it('status429: Retry-After in seconds or as an HTTP-date, without forwarding', async () => {
    const date = new Date('2026-03-01T12:00:05.000Z');
    proxy.addRule({ path: /capabilities/, nth: 1, action: fault.status429('3') });
    proxy.addRule({ path: /capabilities/, nth: 2, action: fault.status429(date) });
    const seconds = await api('GET', '/v1/capabilities');
    expect([seconds.status, seconds.headers.get('retry-after')]).toEqual([429, '3']);
    expect(problemSchema.parse(seconds.body).type).toBe('urn:gatehouse:problem:rate-limited');
    const httpDate = await api('GET', '/v1/capabilities');
    expect([httpDate.status, httpDate.headers.get('retry-after')]).toEqual([429, 'Sun, 01 Mar 2026 12:00:05 GMT']);
    expect((await api('GET', '/v1/capabilities')).status).toBe(200);
    expect(gateway.counts().requests).toBe(1);
  });

  it('duplicateDelivery: two concurrent copies reach the gateway, one write executes', async () => {
    proxy.addRule({ method: 'PUT', action: fault.duplicateDelivery() });
    const answer = await createMember('dup');
    // The client's own copy either executed (201), was replayed, or met its ghost in flight (409).
    expect([201, 409]).toContain(answer.status);
    await vi.waitFor(() => expect(proxy.log[0]?.upstreamStatuses).toHaveLength(2), { timeout: 10_000, interval: 10 });
    expect(proxy.forwardedWrites()).toBe(2);
    expect(gateway.counts().writes).toBe(1);
    expect(proxy.log[0]!.upstreamStatuses).toContain(201);
    proxy.clearRules();
    const retry = await createMember('dup');
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect((await direct('GET', `/v1/members/${MEM}`)).body.version).toBe(1);
  });

  it('delay(ms): forwards after the wait', async () => {
    proxy.addRule({ action: fault.delay(20) });
    expect((await createMember('slow')).status).toBe(201);
    expect(proxy.log[0]).toMatchObject({ action: 'delay', forwarded: true, status: 201 });
  });

  it('beforeForward: a remote edit between plan and apply turns the update into a 412 conflict', async () => {
    await create(direct, 'member', MEM, null, memberData());
    proxy.addRule({
      method: 'PUT',
      nth: 1,
      action: fault.beforeForward(async (req) => {
        expect(req.headers['if-match']).toBe('"v1"');
        const edit = await createApi(gateway.url, ADMIN_B.key)('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData('Edited by B') } });
        expect(edit.status).toBe(200);
      }),
    });
    const mine = await api('PUT', `/v1/members/${MEM}`, { ifMatch: '"v1"', body: { data: memberData('Edited by A') } });
    expect(mine.status).toBe(412);
    expect(problemSchema.parse(mine.body).current).toMatchObject({ version: 2, updated_by: 'laptop-b', data: { name: 'Edited by B' } });
  });

  it('answers 502 problem+json when the upstream is unreachable', async () => {
    await gateway.close();
    const answer = await api('GET', '/v1/health', { auth: null });
    expect(answer.status).toBe(502);
    expect(problemSchema.parse(answer.body).type).toBe('urn:gatehouse:problem:unavailable');
    expect(proxy.log[0]).toMatchObject({ status: 502, outcome: 'upstream-error' });
  });

  it('matches rules by method, path and nth; clearRules removes them', async () => {
    proxy.addRule({ method: 'GET', path: /^\/v1\/members\//, nth: 2, action: fault.status(502, 'before') });
    await create(api, 'member', MEM, null, memberData());
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api('GET', `/v1/members/${MEM}`)).status);
    expect(statuses).toEqual([200, 502, 200]);
    proxy.addRule({ path: /health/, action: fault.status(500, 'before') });
    expect((await api('GET', '/v1/health', { auth: null })).status).toBe(500);
    proxy.clearRules();
    expect((await api('GET', '/v1/health', { auth: null })).status).toBe(200);
    expect(proxy.log.filter((e) => e.forwarded).length).toBe(4);
    expect(proxy.forwardedWrites()).toBe(1);
  });
});
