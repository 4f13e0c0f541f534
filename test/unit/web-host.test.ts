import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoreEvent } from '../../shared/contract/event-schemas';
import type { Core } from '../../electron/core/core';
import type { CoreClient } from '../../electron/core/client/core-client';
import { APP_CSP } from '../../electron/core/static-assets';
import { dumpTables, makeTempDir } from '../../electron/core/testing/temp-core';
import { createWebHostFolders, removeStaleFiles, webHostCapabilities, type WebHostFolders } from '../../electron/hosts/web/host-folders';
import { startWebHost, type WebHost, type WebHostOptions } from '../../electron/hosts/web/web-host';
import { openWebTestClient } from './web-host-harness';

const INDEX_HTML = '<!doctype html><title>Gatehouse test</title><div id="root"></div>';
const SECRET = 'TOP-SECRET-OUTSIDE-THE-RENDERER-DIR';

let root: string;
let rendererDir: string;
let folders: WebHostFolders;
let client: CoreClient;
let core: Core;
let host: WebHost;

/** The host as main.ts composes it, with an in-process client: folders → capabilities → client → host. */
async function startHost(extra: Partial<WebHostOptions> = {}): Promise<WebHost> {
  return startWebHost({ client, rendererDir, port: 0, downloadsDir: folders.downloadsDir, uploadsDir: folders.uploadsDir, ...extra });
}

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
  folders = createWebHostFolders(root);
  const inProcess = openWebTestClient(root, folders);
  client = inProcess;
  core = inProcess.core;
  host = await startHost();
});

afterEach(async () => {
  await host.close();
  await client.close();
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

interface RawResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** A socket error (e.g. ECONNRESET) seen before the server closed. */
  error?: string;
}

/**
 * One request on a raw socket, read until the server closes the connection: what a client sees,
 * resets included. `declaredLength` overrides Content-Length (to announce more than is sent);
 * `chunked` sends the body with Transfer-Encoding: chunked; `endEarly` closes our side after the
 * response head arrived instead of sending the rest.
 */
function rawRequest(options: {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  token?: string | null;
  chunked?: boolean;
  declaredLength?: number;
  endEarly?: boolean;
  /** Ask for keep-alive (HTTP/1.1's default) instead of `Connection: close`: the server must close by itself. */
  keepAlive?: boolean;
}): Promise<RawResult> {
  const body = Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body ?? '');
  const token = options.token === undefined ? host.token : options.token;
  const lines = [`${options.method ?? 'POST'} ${options.path} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`];
  if (token !== null) lines.push(`Authorization: Bearer ${token}`);
  if (!options.keepAlive) lines.push('Connection: close');
  for (const [k, v] of Object.entries(options.headers ?? {})) lines.push(`${k}: ${v}`);
  lines.push(options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.declaredLength ?? body.length}`);
  return new Promise((resolve) => {
    const socket = net.connect(host.port, '127.0.0.1', () => {
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (options.endEarly) return;
      if (!options.chunked) socket.write(body);
      else {
        for (let i = 0; i < body.length; i += 64 * 1024) {
          const part = body.subarray(i, i + 64 * 1024);
          socket.write(`${part.length.toString(16)}\r\n`);
          socket.write(part);
          socket.write('\r\n');
        }
        socket.write('0\r\n\r\n');
      }
    });
    let received = Buffer.alloc(0);
    let error: string | undefined;
    const parse = (): RawResult | null => {
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd === -1) return null;
      const [statusLine = '', ...headerLines] = received.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? -1);
      const rest = received.subarray(headEnd + 4);
      if (length >= 0 && rest.length < length) return null;
      return { status: Number(statusLine.split(' ')[1]), headers, body: (length >= 0 ? rest.subarray(0, length) : rest).toString('utf8') };
    };
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (options.endEarly && parse()) socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      const result = parse() ?? { status: 0, headers: {}, body: received.toString('utf8') };
      resolve(error ? { ...result, error } : result);
    });
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

  const oversized = () => {
    const prefix = '{"channel":"workspaces:create","input":{"name":"Huge","description":"';
    const suffix = '"}}';
    const body = prefix + 'x'.repeat(1024 * 1024 + 1 - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(1024 * 1024 + 1);
    return body;
  };

  it('a body over 1 MiB → 413 with an E_LIMIT JSON body, nothing is dispatched; the server keeps serving', async () => {
    const before = dumpTables(core);
    const res = await rawRequest({ path: '/api/invoke', body: oversized(), keepAlive: true });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('1 MiB') } });
    expect(dumpTables(core)).toEqual(before);
    expect((await invoke('workspaces:list', {})).status).toBe(200);
  });

  // Regression, fixed: the 413 used to be plain text ("Request body too large"), which the renderer
  // showed as "Unexpected token 'R'", and the socket was destroyed right after it, which turned into
  // a TCP reset while the client was still sending. Now the body is JSON, the response says
  // `Connection: close`, and the rest of the body is read and dropped before a clean close (FIN).
  it('the 413 tells the client the connection is closing and closes it cleanly (no reset), also for a chunked body', async () => {
    for (const chunked of [false, true]) {
      const res = await rawRequest({ path: '/api/invoke', body: oversized(), chunked, keepAlive: true });
      expect(res.status).toBe(413);
      expect(res.headers.connection).toBe('close');
      expect(res.error).toBeUndefined();
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
    }
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
    const second = await startWebHost({ client, rendererDir });
    try {
      expect(second.token).not.toBe(host.token);
      expect(second.port).not.toBe(host.port);
    } finally {
      await second.close();
    }
  });

  it('an explicit token is used as given', async () => {
    const fixed = await startWebHost({ client, rendererDir, token: 'fixed-token-for-tests' });
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

/** A reader of GET /api/events: every `data:` frame parsed, comments kept apart. */
interface EventReader {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  events: CoreEvent[];
  comments: string[];
  /** Resolves with the first event (seen so far or later) that matches. */
  next(match: (event: CoreEvent) => boolean): Promise<CoreEvent>;
  /** Resolves once a comment line matching `pattern` arrived. */
  nextComment(pattern: RegExp): Promise<string>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

function openEvents(authorization: string | null = `Bearer ${host.token}`): Promise<EventReader> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: '/api/events', headers: { Host: `127.0.0.1:${host.port}`, ...(authorization ? { Authorization: authorization } : {}) } },
      (res) => {
        let buffer = '';
        const waiters: Array<() => void> = [];
        let endResolve: () => void = () => {};
        const reader: EventReader = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: '',
          events: [],
          comments: [],
          next(match) {
            return new Promise((done) => {
              const check = () => {
                const found = reader.events.find(match);
                if (found) done(found);
                else waiters.push(check);
              };
              check();
            });
          },
          nextComment(pattern) {
            return new Promise((done) => {
              const check = () => {
                const found = reader.comments.find((c) => pattern.test(c));
                if (found) done(found);
                else waiters.push(check);
              };
              check();
            });
          },
          ended: new Promise<void>((r) => (endResolve = r)),
          close: () => req.destroy(),
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          reader.body += chunk;
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            for (const line of frame.split('\n')) {
              if (line.startsWith('data: ')) reader.events.push(JSON.parse(line.slice(6)) as CoreEvent);
              else if (line.startsWith(':')) reader.comments.push(line);
            }
          }
          // Each waiter checks again; one that still finds nothing puts itself back for the next chunk.
          for (const waiter of waiters.splice(0)) waiter();
        });
        res.on('end', () => endResolve());
        res.on('close', () => endResolve());
        resolve(reader);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/events (Server-Sent Events)', () => {
  it.each<[string, string | null]>([
    ['no Authorization header', null],
    ['a wrong token', 'Bearer nope'],
    ['the token in the wrong scheme', 'Basic TOKEN'],
  ])('%s → 401 with an E_FORBIDDEN JSON body, no stream', async (_label, auth) => {
    const reader = await openEvents(auth?.replace('TOKEN', host.token) ?? null);
    await reader.ended;
    expect(reader.status).toBe(401);
    expect(JSON.parse(reader.body)).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect(host.eventStreams).toBe(0);
  });

  it('streams a `changed` event after a workspaces:create through /api/invoke', async () => {
    const reader = await openEvents();
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(reader.headers['cache-control']).toBe('no-store');
    const created = JSON.parse((await invoke('workspaces:create', { name: 'Streamed' })).body) as { data: { id: string } };
    const changed = await reader.next((e) => e.type === 'changed' && e.entities.some((x) => x.entityId === created.data.id));
    expect(changed).toMatchObject({ type: 'changed', origin: 'this-core', entityTypes: expect.arrayContaining(['workspace']) });
    reader.close();
  });

  it('streams the job events of an export, from its first status to done, to every open stream', async () => {
    const [a, b] = await Promise.all([openEvents(), openEvents()]);
    const started = JSON.parse((await invoke('exports:start', { kind: 'workspaces' })).body) as { ok: true; data: { jobId: string } };
    expect(started.data.jobId).toMatch(/^job-[a-f0-9]{16}$/);
    for (const reader of [a, b]) {
      const done = await reader.next((e) => e.type === 'job' && e.job.jobId === started.data.jobId && e.job.state === 'done');
      expect(done).toMatchObject({ job: { kind: 'export', result: { kind: 'export', downloadable: true, savedTo: null } } });
      const states = reader.events.flatMap((e) => (e.type === 'job' && e.job.jobId === started.data.jobId ? [e.job.state] : []));
      expect(states.at(-1)).toBe('done');
      expect(states.indexOf('done')).toBeGreaterThan(0); // earlier states came first
      reader.close();
    }
  });

  it('sends a comment heartbeat while idle', async () => {
    const quick = await startHost({ heartbeatMs: 20 });
    const previous = host;
    host = quick;
    try {
      const reader = await openEvents();
      expect(await reader.nextComment(/^: heartbeat/)).toMatch(/^: heartbeat \d+$/);
      expect(reader.events).toEqual([]);
      reader.close();
    } finally {
      host = previous;
      await quick.close();
    }
  });

  it('host.close() ends open streams (so a stopping host is not held open by a tab)', async () => {
    const reader = await openEvents();
    expect(host.eventStreams).toBe(1);
    await host.close();
    await reader.ended;
    expect(host.eventStreams).toBe(0);
    host = await startHost(); // for afterEach
  });

  it('a closed stream unsubscribes from the core', async () => {
    const reader = await openEvents();
    expect(host.eventStreams).toBe(1);
    reader.close();
    await reader.ended;
    await vi.waitFor(() => expect(host.eventStreams).toBe(0));
  });

  it('POST /api/events → 405; an unknown /api/ path → 404 JSON', async () => {
    expect((await request({ method: 'POST', path: '/api/events', headers: { Authorization: `Bearer ${host.token}` }, body: '' })).status).toBe(405);
    const unknown = await request({ path: '/api/nope', headers: { Authorization: `Bearer ${host.token}` } });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });
});

const CSV_HEADER = 'id,time,workspace_id,key_id,model_id,requests,input_tokens,output_tokens,cached_tokens,cost_micros,currency';

describe('POST /api/uploads', () => {
  const caps = () => webHostCapabilities(folders);

  it('without the token → 401 JSON and nothing is stored', async () => {
    const res = await rawRequest({ path: '/api/uploads', body: 'a,b\n1,2\n', token: null });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect(fs.readdirSync(folders.uploadsDir)).toEqual([]);
  });

  it('streams the body to <uploadsDir>/<uploadId>.csv (0600); resolveUpload finds it, releaseUpload deletes it', async () => {
    const body = Buffer.from(`${CSV_HEADER}\n${'x'.repeat(300_000)}\n`);
    const res = await rawRequest({ path: '/api/uploads', body, chunked: true });
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.body) as { ok: true; data: { uploadId: string; bytes: number } };
    expect(answer).toEqual({ ok: true, data: { uploadId: expect.stringMatching(/^upl-[a-f0-9]{32}$/), bytes: body.length } });
    const file = path.join(folders.uploadsDir, `${answer.data.uploadId}.csv`);
    expect(fs.readFileSync(file).equals(body)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(folders.uploadsDir)).toEqual([`${answer.data.uploadId}.csv`]); // no .part left

    expect(await caps().resolveUpload!(answer.data.uploadId)).toBe(file);
    for (const bad of ['../uploads/x', 'upl-0000', `${answer.data.uploadId}/../x`, '']) expect(await caps().resolveUpload!(bad)).toBeNull();
    await caps().releaseUpload!(answer.data.uploadId);
    expect(fs.existsSync(file)).toBe(false);
    expect(await caps().resolveUpload!(answer.data.uploadId)).toBeNull();
  });

  it('Content-Length over 2 GiB → 413 E_LIMIT at once, before any of the body is sent; nothing is stored', async () => {
    // Only the head is sent: if the host waited for the body, this would never resolve.
    const res = await rawRequest({ path: '/api/uploads', declaredLength: 2 * 1024 ** 3 + 1, endEarly: true, keepAlive: true });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
    expect(JSON.parse(res.body)).toEqual({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('larger than 2 GiB') } });
    expect(fs.readdirSync(folders.uploadsDir)).toEqual([]);
  });

  it('a body without Content-Length is counted while it streams: past the cap → 413, clean close, no partial file', async () => {
    const small = await startHost({ maxUploadBytes: 100_000 });
    const previous = host;
    host = small;
    try {
      const res = await rawRequest({ path: '/api/uploads', body: Buffer.alloc(400_000, 0x61), chunked: true, keepAlive: true });
      expect(res.status).toBe(413);
      expect(res.error).toBeUndefined(); // the client read the 413; no reset
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
      await vi.waitFor(() => expect(fs.readdirSync(folders.uploadsDir)).toEqual([]));
      const fits = await rawRequest({ path: '/api/uploads', body: Buffer.alloc(100_000, 0x61) });
      expect(fits.status).toBe(200);
    } finally {
      host = previous;
      await small.close();
    }
  });

  it('a client that goes away mid-upload leaves nothing behind', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(host.port, '127.0.0.1', () => {
        socket.write(`POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nAuthorization: Bearer ${host.token}\r\nContent-Length: 1000000\r\n\r\n`);
        socket.write(Buffer.alloc(50_000, 0x62), () => setImmediate(() => socket.destroy()));
      });
      socket.on('close', () => resolve());
    });
    await vi.waitFor(() => expect(fs.readdirSync(folders.uploadsDir)).toEqual([]));
  });

  it('an upload is imported by its ID (usage:import {source: "upload"}), followed by events, then released', async () => {
    const reader = await openEvents();
    const csv = `${CSV_HEADER}\nu-1,2026-01-31T13:45:00Z,ws-default,,gpt-4o,2,100,50,0,1500,USD\nu-2,2026-01-31T14:00:00Z,ws-default,,gpt-4o,1,10,5,0,200,USD\n`;
    const uploaded = JSON.parse((await rawRequest({ path: '/api/uploads', body: csv })).body) as { data: { uploadId: string } };
    const started = JSON.parse((await invoke('usage:import', { source: 'upload', uploadId: uploaded.data.uploadId })).body) as { ok: boolean; data: { jobId: string } };
    expect(started.ok).toBe(true);
    const finished = await reader.next((e) => e.type === 'job' && e.job.jobId === started.data.jobId && ['done', 'failed', 'cancelled'].includes(e.job.state));
    expect(finished).toMatchObject({ job: { state: 'done', result: { kind: 'usage-import', rows: 2, inserted: 2, duplicates: 0 } } });
    await vi.waitFor(() => expect(fs.readdirSync(folders.uploadsDir)).toEqual([]));
    reader.close();
  });
});

describe('leftovers', () => {
  it('removeStaleFiles deletes files older than the limit and keeps newer ones', () => {
    const dir = folders.uploadsDir;
    const old = path.join(dir, 'upl-old.csv');
    const fresh = path.join(dir, 'upl-fresh.csv');
    fs.writeFileSync(old, 'x');
    fs.writeFileSync(fresh, 'y');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    fs.utimesSync(old, twoHoursAgo, twoHoursAgo);
    expect(removeStaleFiles(dir, 60 * 60 * 1000)).toEqual(['upl-old.csv']);
    expect(fs.readdirSync(dir)).toEqual(['upl-fresh.csv']);
  });

  it('the host folders are private (0700) and removed with remove()', () => {
    const own = createWebHostFolders(root);
    for (const dir of [own.root, own.downloadsDir, own.uploadsDir]) expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(path.basename(own.root)).toMatch(/^gatehouse-web-/);
    own.remove();
    expect(fs.existsSync(own.root)).toBe(false);
  });
});

describe('the web host process (main.ts: worker client, startup errors, shutdown)', () => {
  const MAIN = path.resolve(import.meta.dirname, '../../electron/hosts/web/main.ts');

  /** Runs main.ts; resolves when it prints its URL (`ready`) or exits. */
  function launch(args: string[], env: NodeJS.ProcessEnv = {}) {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--renderer-dir', rendererDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<{ url: string } | null>((resolve) => {
      child.stdout.on('data', () => {
        const m = /Gatehouse web host: (\S+)/.exec(stdout);
        if (m) resolve({ url: m[1]! });
      });
      void exited.then(() => resolve(null));
    });
    return { child, ready, exited, output: () => ({ stdout, stderr }) };
  }

  it('serves through the core in a worker; SIGTERM stops it with exit 0 and removes its temp folders', async () => {
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    const run = launch(['--port', '0', '--data-dir', path.join(root, 'proc-data')], { TMPDIR: tmp });
    const ready = await run.ready;
    expect(ready, run.output().stderr).not.toBeNull();
    const url = new URL(ready!.url);
    const token = url.hash.replace('#token=', '');
    const res = await fetch(`${url.origin}/api/invoke`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ channel: 'workspaces:create', input: { name: 'From the worker' } }) });
    expect(await res.json()).toMatchObject({ ok: true, data: { name: 'From the worker' } });
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('gatehouse-web-'))).toHaveLength(1);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(fs.readdirSync(tmp).filter((n) => n.startsWith('gatehouse-web-'))).toEqual([]);
    expect(run.output().stderr).toBe('');
  });

  it('a port in use → one line "E_CONFLICT: Port N is in use …" and exit 1, no stack', async () => {
    const run = launch(['--port', String(host.port), '--data-dir', path.join(root, 'proc-data')]);
    expect(await run.exited).toBe(1);
    const { stderr } = run.output();
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^E_CONFLICT: Port ${host.port} is in use`))]);
  });

  it('a store that cannot be opened → one typed line and exit 1, no stack', async () => {
    const notADir = path.join(root, 'plain-file');
    fs.writeFileSync(notADir, 'not a folder');
    const run = launch(['--port', '0', '--data-dir', notADir]);
    expect(await run.exited).toBe(1);
    const { stderr, stdout } = run.output();
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^E_[A-Z]+: /);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('Gatehouse web host:');
  });
});
