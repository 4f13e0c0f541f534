import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type dns from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../shared/contract/errors';
import { TransportError } from '../sync/http-transport';
import { checkOutboundUrl, classifyAddress, createGuardedTransport, guardedLookup } from './guarded-transport';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'reserved'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'private'],
    ['ff02::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['[::1]', 'loopback'],
    ['not-an-ip', 'reserved'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('checkOutboundUrl', () => {
  const fieldMessage = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      return (error as AppError).issues?.[0];
    }
    throw new Error('expected a refusal');
  };

  it('accepts https to a public name or address', () => {
    expect(checkOutboundUrl('https://hooks.example.com/x', 'url', false).hostname).toBe('hooks.example.com');
    expect(checkOutboundUrl('https://8.8.8.8/x', 'url', false).hostname).toBe('8.8.8.8');
  });

  it.each([
    ['https://10.0.0.5/hook', /private network/],
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://[::ffff:10.0.0.1]/', /private network/],
    ['https://[fe80::1]/', /link-local/],
    ['http://hooks.example.com/', /HTTPS is required/],
    ['ftp://example.com/', /must start with https/],
    ['https://user:pw@example.com/', /no user name or password/],
    ['not a url', /Not a valid URL/],
    ['http://127.0.0.1:9/', /loopback.*Settings/],
    ['https://localhost/', /loopback/],
  ])('refuses %s with a field message', (url, message) => {
    const issue = fieldMessage(() => checkOutboundUrl(url, 'endpoint.url', false));
    expect(issue?.path).toBe('endpoint.url');
    expect(issue?.message).toMatch(message);
  });

  it('allows loopback http only when loopback is allowed', () => {
    expect(checkOutboundUrl('http://127.0.0.1:9/x', 'url', true).port).toBe('9');
    expect(checkOutboundUrl('http://localhost:9/x', 'url', true).hostname).toBe('localhost');
    expect(checkOutboundUrl('http://[::1]:9/x', 'url', true).hostname).toBe('[::1]');
    // loopback being allowed does not open the private ranges
    expect(() => checkOutboundUrl('https://192.168.0.1/', 'url', true)).toThrow(AppError);
  });
});

describe('guardedLookup', () => {
  const fakeResolver =
    (answers: Record<string, dns.LookupAddress[]>) =>
    (hostname: string, _options: dns.LookupAllOptions, callback: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) =>
      callback(null, answers[hostname] ?? []);

  const lookup = (allowLoopback: boolean, answers: Record<string, dns.LookupAddress[]>, all: boolean, host: string) =>
    new Promise<{ error: unknown; address: unknown; family?: unknown }>((resolve) => {
      const fn = guardedLookup(allowLoopback, fakeResolver(answers));
      (fn as unknown as (h: string, o: object, cb: (e: unknown, a: unknown, f?: unknown) => void) => void)(host, { all }, (error, address, family) =>
        resolve({ error, address, family }),
      );
    });

  it('refuses a name that resolves to a private address, even when one of its addresses is public', async () => {
    const answers = { 'internal.example.com': [{ address: '8.8.8.8', family: 4 }, { address: '10.0.0.7', family: 4 }] };
    const { error } = await lookup(false, answers, true, 'internal.example.com');
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).kind).toBe('blocked');
    expect((error as TransportError).message).toMatch(/10\.0\.0\.7 is a private network address \(internal\.example\.com resolves to it\)/);
  });

  it('answers in the form node asked for (one address or all of them)', async () => {
    const answers = { 'ok.example.com': [{ address: '8.8.4.4', family: 4 }] };
    expect(await lookup(false, answers, false, 'ok.example.com')).toEqual({ error: null, address: '8.8.4.4', family: 4 });
    expect(await lookup(false, answers, true, 'ok.example.com')).toEqual({ error: null, address: answers['ok.example.com'], family: undefined });
  });

  it('refuses a name that resolves to loopback unless loopback is allowed (DNS rebinding to 127.0.0.1)', async () => {
    const answers = { 'rebind.example.com': [{ address: '127.0.0.1', family: 4 }] };
    expect(((await lookup(false, answers, true, 'rebind.example.com')).error as TransportError).kind).toBe('blocked');
    expect((await lookup(true, answers, true, 'rebind.example.com')).error).toBeNull();
  });
});

describe('createGuardedTransport against a real server on 127.0.0.1', () => {
  it('talks to loopback when allowed, and refuses it before connecting when not', async () => {
    let hits = 0;
    const port = await serve((_req, res) => {
      hits += 1;
      res.end('ok');
    });
    const open = createGuardedTransport({ allowLoopback: true });
    const closed = createGuardedTransport({ allowLoopback: false });
    try {
      expect((await open.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} })).body).toBe('ok');
      expect((await open.request({ method: 'GET', url: `http://localhost:${port}/`, headers: {} })).body).toBe('ok');
      await expect(closed.request({ method: 'GET', url: `http://127.0.0.1:${port}/`, headers: {} })).rejects.toMatchObject({ kind: 'blocked' });
      await expect(closed.request({ method: 'GET', url: `https://localhost:${port}/`, headers: {} })).rejects.toMatchObject({ kind: 'blocked' });
      expect(hits).toBe(2);
    } finally {
      open.close();
      closed.close();
    }
  });

  it('does not follow a redirect, even to an allowed host', async () => {
    let targetHits = 0;
    const target = await serve((_req, res) => {
      targetHits += 1;
      res.end('moved here');
    });
    const port = await serve((_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target}/` });
      res.end();
    });
    const transport = createGuardedTransport({ allowLoopback: true });
    try {
      const answer = await transport.request({ method: 'POST', url: `http://127.0.0.1:${port}/hook`, headers: {}, body: '{}' });
      expect(answer.status).toBe(302);
      expect(targetHits).toBe(0);
    } finally {
      transport.close();
    }
  });

  it('times out a server that never answers, and refuses an answer over the size cap', async () => {
    const silent = await serve(() => undefined);
    const huge = await serve((_req, res) => res.end('x'.repeat(64 * 1024)));
    const transport = createGuardedTransport({ allowLoopback: true, timeoutMs: 300, maxResponseBytes: 16 * 1024 });
    try {
      await expect(transport.request({ method: 'GET', url: `http://127.0.0.1:${silent}/`, headers: {} })).rejects.toMatchObject({ kind: 'timeout' });
      await expect(transport.request({ method: 'GET', url: `http://127.0.0.1:${huge}/`, headers: {} })).rejects.toMatchObject({ code: 'E_REMOTE' });
    } finally {
      transport.close();
    }
  });

  it('checks the address a host name resolves to at connect time (the resolver is the guard)', async () => {
    const port = await serve((_req, res) => res.end('ok'));
    const resolve = (host: string, _o: dns.LookupAllOptions, cb: (e: NodeJS.ErrnoException | null, a: dns.LookupAddress[]) => void) =>
      cb(null, host === 'inside.test' ? [{ address: '10.9.8.7', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    const closed = createGuardedTransport({ allowLoopback: false, resolve, timeoutMs: 2000 });
    const open = createGuardedTransport({ allowLoopback: true, resolve, timeoutMs: 2000 });
    try {
      await expect(closed.request({ method: 'GET', url: `https://inside.test:${port}/`, headers: {} })).rejects.toMatchObject({ kind: 'blocked', message: expect.stringMatching(/10\.9\.8\.7/) });
      await expect(closed.request({ method: 'GET', url: `https://rebind.test:${port}/`, headers: {} })).rejects.toMatchObject({ kind: 'blocked' });
      // allowed: it really connects to 127.0.0.1 (a plain-HTTP server, so the TLS handshake fails there)
      await expect(open.request({ method: 'GET', url: `https://rebind.test:${port}/`, headers: {} })).rejects.toMatchObject({ kind: expect.stringMatching(/tls|connection/) });
    } finally {
      closed.close();
      open.close();
    }
  });
});
