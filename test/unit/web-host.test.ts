import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/core';
import { APP_CSP } from '../../electron/core/static-assets';
import { dumpTables, makeTempDir } from '../../electron/core/testing/temp-core';
import { startWebHost, type WebHost } from '../../electron/hosts/web/web-host';

const INDEX_HTML = '<!doctype html><title>Gatehouse test</title><div id="root"></div>';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-RENDERER-DIR';

let root: string;
let rendererDir: string;
let core: Core;
let host: WebHost;

beforeEach(async () => {
  root = makeTempDir('gatehouse-web-');
  rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), INDEX_HTML);
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  // Files a traversal would try to reach: a sibling of the renderer dir and one with a prefix-sharing name.
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ secret: SECRET }));
  fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
  fs.mkdirSync(path.join(root, 'renderer-private'));
  fs.writeFileSync(path.join(root, 'renderer-private', 'secret.txt'), SECRET);
  core = createCore({
    dataDir: path.join(root, 'data'),
    appVersion: '0.0.0-test',
    localUserName: 'web-test',
    isTrustedSender: (s) => s.kind === 'web' && s.tokenValid,
    logError: () => {},
  });
  host = await startWebHost({ core, rendererDir, port: 0 });
});

afterEach(async () => {
  await host.close();
  core.close();
  fs.rmSync(root, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Plain http.request: no URL normalisation and a settable Host header, unlike fetch. */
function request(options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: host.port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: { Host: `127.0.0.1:${host.port}`, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

function invoke(channel: string, input: unknown, auth: string | null = `Bearer ${host.token}`, extraHeaders: Record<string, string> = {}) {
  return request({
    method: 'POST',
    path: '/api/invoke',
    headers: { 'Content-Type': 'application/json', ...(auth === null ? {} : { Authorization: auth }), ...extraHeaders },
    body: JSON.stringify({ channel, input }),
  });
}

describe('static files', () => {
  it('GET / serves index.html with a Content-Security-Policy and the security headers', async () => {
    const res = await request({ path: '/' });
    expect(res.status).toBe(200);
    expect(res.body).toBe(INDEX_HTML);
    expect(res.headers['content-security-policy']).toBe(APP_CSP);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });

  it('serves assets with their content type, and app routes fall back to index.html', async () => {
    const js = await request({ path: '/assets/app.js?v=3' });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toContain('console.log');
    const route = await request({ path: '/workspaces/ws-abcd1234' });
    expect(route.status).toBe(200);
    expect(route.body).toBe(INDEX_HTML);
  });

  it('a missing asset is 404, and HEAD has no body', async () => {
    expect((await request({ path: '/assets/missing.js' })).status).toBe(404);
    const head = await request({ method: 'HEAD', path: '/' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it.each([
    '/../package.json',
    '/../secret.txt',
    '/%2e%2e/package.json',
    '/%2E%2E/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%2fsecret.txt',
    '/..%2Fpackage.json',
    '/..%5csecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/../renderer-private/secret.txt',
    '/..%2frenderer-private%2fsecret.txt',
    '/%00/index.html',
    '/index.html%00.js',
    '/%E0%A4%A.js',
  ])('path traversal %s → 404, nothing outside the renderer dir is served', async (p) => {
    const res = await request({ path: p });
    expect(res.status).toBe(404);
    expect(res.body).not.toContain(SECRET);
  });

  it('/%2e%2e/x is the SPA fallback inside the renderer dir (the URL parser folds the dot segment), never a file outside it', async () => {
    const res = await request({ path: '/%2e%2e/x' });
    expect(res.body).not.toContain(SECRET);
    expect([200, 404]).toContain(res.status);
    if (res.status === 200) expect(res.body).toBe(INDEX_HTML);
  });

  it('a directory is not served', async () => {
    fs.mkdirSync(path.join(rendererDir, 'dir.js'));
    expect((await request({ path: '/dir.js' })).status).toBe(404);
  });

  it('POST to a static path → 405', async () => {
    expect((await request({ method: 'POST', path: '/', body: 'x' })).status).toBe(405);
  });
});

describe('Host header (DNS-rebinding guard)', () => {
  it.each(['evil.example', `evil.example:PORT`, '127.0.0.1', '127.0.0.1:1', `localhost.evil.example:PORT`, `[::1]:PORT`])(
    'Host %s → 421 on pages and on the API, nothing dispatched',
    async (hostHeader) => {
      const value = hostHeader.replace('PORT', String(host.port));
      const before = dumpTables(core);
      const page = await request({ path: '/', headers: { Host: value } });
      expect(page.status).toBe(421);
      expect(page.body).not.toContain('Gatehouse test');
      const api = await invoke('workspaces:create', { name: 'Rebound' }, `Bearer ${host.token}`, { Host: value });
      expect(api.status).toBe(421);
      expect(dumpTables(core)).toEqual(before);
    },
  );

  it('localhost:PORT is accepted as well as 127.0.0.1:PORT', async () => {
    expect((await request({ path: '/', headers: { Host: `localhost:${host.port}` } })).status).toBe(200);
  });
});

describe('POST /api/invoke', () => {
  it('with the token → 200 and the dispatcher result', async () => {
    const res = await invoke('workspaces:create', { name: 'From Browser' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ ok: true, data: { name: 'From Browser' } });
    const list = JSON.parse((await invoke('workspaces:list', {})).body);
    expect(list.data.items.map((w: { name: string }) => w.name)).toContain('From Browser');
  });

  it.each<[string, string | null]>([
    ['no Authorization header', null],
    ['an empty bearer', 'Bearer '],
    ['a wrong token of another length', 'Bearer nope'],
    ['a wrong token of the same length', 'SAME_LENGTH'],
    ['the token without the Bearer scheme', 'RAW'],
    ['a lowercase scheme', 'bearer TOKEN'],
    ['Basic auth', 'Basic dXNlcjpwYXNz'],
    ['the token with trailing junk', 'Bearer TOKENx'],
  ])('%s → 401 with E_FORBIDDEN, nothing written', async (_label, authTemplate) => {
    let auth = authTemplate;
    if (auth === 'SAME_LENGTH') auth = `Bearer ${host.token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`;
    else if (auth === 'RAW') auth = host.token;
    else if (auth !== null) auth = auth.replace('TOKEN', host.token);
    const before = dumpTables(core);
    const res = await invoke('workspaces:create', { name: 'Sneaky' }, auth);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.any(String) } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('an unauthenticated read is refused too (no data leaks in the 401 body)', async () => {
    const res = await invoke('workspaces:list', {}, null);
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('Default Workspace');
  });

  it('GET /api/invoke → 405 with Allow: POST', async () => {
    const res = await request({ path: '/api/invoke', headers: { Authorization: `Bearer ${host.token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    for (const method of ['PUT', 'DELETE', 'PATCH']) expect((await request({ method, path: '/api/invoke' })).status).toBe(405);
  });

  /**
   * Sends exactly `body` on a raw socket and reads until the server closes. Sending no more than the
   * server reads keeps its receive buffer empty, so its close is a FIN (never an RST that would
   * discard the response before we read it): the outcome does not depend on timing.
   */
  function rawPost(body: string): Promise<{ head: string; error?: string }> {
    return new Promise((resolve) => {
      const socket = net.connect(host.port, '127.0.0.1', () => {
        socket.write(
          `POST /api/invoke HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${host.token}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
      let received = '';
      let error: string | undefined;
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
      socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
      socket.on('close', () => resolve({ head: received.split('\r\n\r\n')[0] ?? '', ...(error ? { error } : {}) }));
    });
  }

  const oversized = () => {
    const prefix = '{"channel":"workspaces:create","input":{"name":"Huge","description":"';
    const suffix = '"}}';
    const body = prefix + 'x'.repeat(1024 * 1024 + 1 - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(1024 * 1024 + 1);
    return body;
  };

  it('a body over 1 MiB → 413 and nothing is dispatched; the server keeps serving', async () => {
    const before = dumpTables(core);
    const res = await rawPost(oversized());
    expect(res.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(dumpTables(core)).toEqual(before);
    expect((await invoke('workspaces:list', {})).status).toBe(200);
  });

  // Regression, fixed: web-host.ts answers 413 and then destroys the socket (`res.writeHead(413).end(); req.destroy();`)
  // without `Connection: close`, so the response advertises `Connection: keep-alive`. A keep-alive
  // client (Node's default agent, browsers) puts the dead socket back in its pool and its next request
  // fails with EPIPE/ECONNRESET; and when the client is still uploading, the server's close becomes an
  // RST that can discard the 413 itself ("socket hang up"). Sending `Connection: close` and draining
  // (or destroying only after 'finish') would make the 413 reliable.
  it('the 413 response tells the client the connection is closing', async () => {
    const res = await rawPost(oversized());
    expect(res.head).toMatch(/^HTTP\/1\.1 413 /);
    expect(res.head.toLowerCase()).toContain('connection: close');
  });

  it('a body of exactly 1 MiB is still read', async () => {
    const prefix = JSON.stringify({ channel: 'app:info', input: {} });
    const body = prefix + ' '.repeat(1024 * 1024 - prefix.length);
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    const res = await request({ method: 'POST', path: '/api/invoke', headers: { Authorization: `Bearer ${host.token}` }, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: true, data: { name: 'Gatehouse' } });
  });

  it.each([
    ['not JSON', '{channel: nope'],
    ['JSON null', 'null'],
    ['a JSON array', '["workspaces:list", {}]'],
    ['a numeric channel', '{"channel": 5, "input": {}}'],
    ['no channel', '{"input": {}}'],
    ['an empty body', ''],
  ])('a malformed body (%s) → E_VALIDATION, not a crash', async (_label, body) => {
    const res = await request({ method: 'POST', path: '/api/invoke', headers: { Authorization: `Bearer ${host.token}` }, body });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
  });

  it('bad input through HTTP gets field issues, and an unknown channel E_NOT_FOUND', async () => {
    const bad = JSON.parse((await invoke('workspaces:list', { page: { index: 0, size: 0 } })).body);
    expect(bad).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'page.size' }] } });
    const unknown = JSON.parse((await invoke('workspaces:drop', {})).body);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('a __proto__ payload is refused and does not pollute the host', async () => {
    const res = await request({
      method: 'POST',
      path: '/api/invoke',
      headers: { Authorization: `Bearer ${host.token}` },
      body: '{"channel":"workspaces:create","input":{"name":"P","__proto__":{"polluted":true}},"__proto__":{"polluted":true}}',
    });
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('startup', () => {
  it('the URL carries the token only in the fragment and binds to loopback', async () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/#token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
    const second = await startWebHost({ core, rendererDir });
    try {
      expect(second.token).not.toBe(host.token);
      expect(second.port).not.toBe(host.port);
    } finally {
      await second.close();
    }
  });

  it('an explicit token is used as given', async () => {
    const fixed = await startWebHost({ core, rendererDir, token: 'fixed-token-for-tests' });
    try {
      const res = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: fixed.port, method: 'POST', path: '/api/invoke', headers: { Authorization: 'Bearer fixed-token-for-tests' } },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ channel: 'app:info', input: {} }));
      });
      expect(res).toBe(200);
    } finally {
      await fixed.close();
    }
  });
});
