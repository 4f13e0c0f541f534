// Issue #12 item 7: the browser host's edges, over real sockets on 127.0.0.1. Oversized bodies get
// their 413 (decided from Content-Length, never inviting the body; the rest drained; no resets,
// counted over many uploads), slow clients are cut (headers 10 s, bodies 30 s, uploads only when
// they stall), and startup problems print one line.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CoreClient } from '../../electron/core/client/core-client';
import type { Core } from '../../electron/core/core';
import { DATABASE_FILE_NAME } from '../../electron/core/store/database';
import { dumpTables, makeTempDir } from '../../electron/core/testing/temp-core';
import { createWebHostFolders, type WebHostFolders } from '../../electron/hosts/web/host-folders';
import { startWebHost, type WebHost, type WebHostOptions } from '../../electron/hosts/web/web-host';
import { openWebTestClient } from './web-host-harness';

let root: string;
let rendererDir: string;
let folders: WebHostFolders;
let client: CoreClient;
let core: Core;
const hosts: WebHost[] = [];

beforeEach(() => {
  root = makeTempDir('gatehouse-web-edges-');
  rendererDir = path.join(root, 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  folders = createWebHostFolders(root);
  const inProcess = openWebTestClient(root, folders);
  client = inProcess;
  core = inProcess.core;
});
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  await client.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function startHost(extra: Partial<WebHostOptions> = {}): Promise<WebHost> {
  const host = await startWebHost({ client, rendererDir, port: 0, downloadsDir: folders.downloadsDir, uploadsDir: folders.uploadsDir, ...extra });
  hosts.push(host);
  return host;
}

interface Seen {
  status: number;
  /** Every status line in order (a `100 Continue` before the final one). */
  statuses: number[];
  headers: Record<string, string>;
  body: string;
  /** A socket error (ECONNRESET, EPIPE) seen before the connection closed. */
  error?: string;
  /** Body bytes this client had sent when the connection closed. */
  sent: number;
}

/**
 * One request on a raw socket, read until the server closes: what a client sees, resets included.
 * `body` is sent in `chunkBytes` pieces, each after the previous one was flushed (and `pauseMs`);
 * `expectContinue` sends the body only after a `100 Continue`; `readAsYouGo: false` ignores the
 * response until the body is sent (as many HTTP clients do); `stopAfter` stops sending (and keeps
 * the connection open) after that many bytes.
 */
function send(
  host: WebHost,
  options: {
    path: string;
    body?: Buffer;
    declaredLength?: number;
    chunked?: boolean;
    token?: string | null;
    expectContinue?: boolean;
    chunkBytes?: number;
    pauseMs?: number;
    stopAfter?: number;
    head?: string;
  },
): Promise<Seen> {
  const body = options.body ?? Buffer.alloc(0);
  const token = options.token === undefined ? host.token : options.token;
  // `Connection: close`: the server closes when it is done (a kept-alive socket would wait for its idle timeout).
  const lines = [`POST ${options.path} HTTP/1.1`, `Host: 127.0.0.1:${host.port}`, 'Connection: close'];
  if (token !== null) lines.push(`Authorization: Bearer ${token}`);
  if (options.expectContinue) lines.push('Expect: 100-continue');
  lines.push(options.chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${options.declaredLength ?? body.length}`);
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    let error: string | undefined;
    let sent = 0;
    let closed = false;
    const socket = net.connect(host.port, '127.0.0.1');
    const sendBody = async () => {
      for (let offset = 0; offset < body.length && !closed; offset += chunkBytes) {
        if (options.stopAfter !== undefined && offset >= options.stopAfter) return;
        const part = body.subarray(offset, offset + chunkBytes);
        const framed = options.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part;
        await new Promise<void>((done) => socket.write(framed, () => done()));
        sent += part.length;
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
      if (options.chunked && !closed) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      socket.write(options.head ?? `${lines.join('\r\n')}\r\n\r\n`);
      if (options.head === undefined && !options.expectContinue) void sendBody();
    });
    let continued = false;
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (options.expectContinue && !continued && received.toString('latin1').startsWith('HTTP/1.1 100')) {
        continued = true;
        void sendBody();
      }
    });
    // Like any HTTP client, stop sending once the server has closed its side (the answer is in).
    socket.on('end', () => (closed = true));
    socket.on('error', (e: NodeJS.ErrnoException) => (error ??= e.code ?? e.message));
    socket.on('close', () => {
      closed = true;
      const text = received.toString('latin1');
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      const finalStart = text.lastIndexOf('HTTP/1.1 ');
      const headEnd = text.indexOf('\r\n\r\n', finalStart);
      const headers: Record<string, string> = {};
      for (const line of text.slice(finalStart, headEnd === -1 ? undefined : headEnd).split('\r\n').slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const rest = headEnd === -1 ? '' : received.subarray(Buffer.byteLength(text.slice(0, headEnd + 4), 'latin1')).toString('utf8');
      const length = Number(headers['content-length'] ?? -1);
      resolve({ status: statuses.at(-1) ?? 0, statuses, headers, body: length >= 0 ? rest.slice(0, length) : rest, sent, ...(error ? { error } : {}) });
    });
  });
}

const CSV = 'id,time,workspace_id,key_id,model_id,requests,input_tokens,output_tokens,cached_tokens,cost_micros,currency\n';

describe('413 for oversized bodies', () => {
  it('Expect: 100-continue with a declared size over the cap → 413 at once, no 100 Continue, no body byte sent', async () => {
    const host = await startHost({ maxUploadBytes: 64 * 1024 });
    const seen = await send(host, { path: '/api/uploads', body: Buffer.alloc(1024 * 1024, 0x61), expectContinue: true });
    expect(seen.statuses).toEqual([413]);
    expect(seen.sent).toBe(0);
    expect(seen.headers.connection).toBe('close');
    expect(JSON.parse(seen.body)).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
    expect(seen.error).toBeUndefined();
    // The same for the 1 MiB invoke cap, and a request without the token is refused unsent too.
    expect((await send(host, { path: '/api/invoke', body: Buffer.alloc(2 * 1024 * 1024, 0x20), expectContinue: true })).statuses).toEqual([413]);
    const unauthorised = await send(host, { path: '/api/uploads', body: Buffer.from(CSV), expectContinue: true, token: null });
    expect(unauthorised).toMatchObject({ statuses: [401], sent: 0 });
    expect(fs.readdirSync(folders.uploadsDir)).toEqual([]);
  });

  it('Expect: 100-continue within the cap → 100 Continue, then the upload is stored', async () => {
    const host = await startHost({ maxUploadBytes: 64 * 1024 });
    const seen = await send(host, { path: '/api/uploads', body: Buffer.from(`${CSV}${'x'.repeat(1000)}\n`), expectContinue: true });
    expect(seen.statuses).toEqual([100, 200]);
    expect(JSON.parse(seen.body)).toMatchObject({ ok: true, data: { bytes: CSV.length + 1001 } });
  });

  it('many oversized uploads and calls in a loop, 16 at a time, in every client style: every one reads its 413, 0 resets', { timeout: 120_000 }, async () => {
    const host = await startHost({ maxUploadBytes: 64 * 1024 });
    const before = dumpTables(core);
    const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
    const styles = [
      // Declared size over the cap, the whole body sent before the response is looked at.
      { path: '/api/uploads', body: big },
      // No declared size: counted while it streams, refused mid-body.
      { path: '/api/uploads', body: big, chunked: true },
      // Declared size, waiting for 100 Continue (curl's default for large bodies).
      { path: '/api/uploads', body: big, expectContinue: true },
      { path: '/api/invoke', body: big },
      { path: '/api/invoke', body: big, chunked: true },
    ];
    const TOTAL = 1500; // the audit's 1,405 oversized uploads saw 383 resets
    const outcomes = new Map<string, number>();
    let next = 0;
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const worker = async () => {
      while (next < TOTAL) {
        const i = next++;
        if (i % 6 === 5) {
          // fetch (undici) streams the body and reads the answer as it comes.
          try {
            const res = await fetch(`http://127.0.0.1:${host.port}/api/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${host.token}` }, body: big });
            await res.text();
            count(String(res.status));
          } catch (error) {
            count(`fetch:${(error as { cause?: { code?: string } }).cause?.code ?? 'error'}`);
          }
          continue;
        }
        const seen = await send(host, styles[i % 6]!);
        count(seen.error ? `${seen.status}:${seen.error}` : String(seen.status));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(Object.fromEntries(outcomes)).toEqual({ 413: TOTAL });
    expect(dumpTables(core)).toEqual(before);
    await vi.waitFor(() => expect(fs.readdirSync(folders.uploadsDir)).toEqual([]));
  });

  it('a body that keeps arriving is drained however long it takes (the drain only gives up when it stalls, not the request timeout)', async () => {
    const host = await startHost({ maxUploadBytes: 16 * 1024, requestTimeoutMs: 1_000, drainLimits: { maxBytes: 4 * 1024 ** 3, idleMs: 1_000, lingerMs: 2_000 } });
    // 30 pieces 100 ms apart: three times the idle bound and the request timeout in all, never idle for long.
    for (const route of ['/api/uploads', '/api/invoke']) {
      const body = Buffer.alloc(route === '/api/invoke' ? 1024 * 1024 + 30 * 16 * 1024 : 30 * 16 * 1024, 0x61);
      const seen = await send(host, { path: route, body, chunkBytes: route === '/api/invoke' ? 1024 * 1024 + 16 * 1024 : 16 * 1024, pauseMs: 100 });
      expect(seen).toMatchObject({ status: 413, sent: body.length });
      expect(seen.error).toBeUndefined();
    }
  });

  it('past the drain bound the connection still closes gracefully: the client has its 413 and an end of stream, no reset', async () => {
    const host = await startHost({ maxUploadBytes: 16 * 1024, drainLimits: { maxBytes: 256 * 1024, idleMs: 10_000, lingerMs: 2_000 } });
    for (const [route, chunked] of [['/api/uploads', false], ['/api/uploads', true], ['/api/invoke', false]] as const) {
      const seen = await send(host, { path: route, body: Buffer.alloc(4 * 1024 * 1024, 0x61), chunked });
      expect(seen.status).toBe(413);
      expect(JSON.parse(seen.body)).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
      expect(seen.error).toBeUndefined();
    }
  });
});

describe('slow clients', () => {
  it('a head that does not arrive within headersTimeout → 408 and the connection closes', async () => {
    const host = await startHost({ headersTimeoutMs: 1_000 });
    const seen = await send(host, { path: '/api/invoke', head: `POST /api/invoke HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nX-Slow: ` });
    expect(seen.status).toBe(408);
  });

  it('a call whose body stops arriving → 408 E_LIMIT within the request timeout, nothing dispatched', async () => {
    const host = await startHost({ requestTimeoutMs: 1_000 });
    const before = dumpTables(core);
    const body = Buffer.from(JSON.stringify({ channel: 'workspaces:create', input: { name: 'Never finished' } }));
    const seen = await send(host, { path: '/api/invoke', body, stopAfter: 10, chunkBytes: 10 });
    expect(seen.status).toBe(408);
    expect(seen.headers.connection).toBe('close');
    expect(JSON.parse(seen.body)).toEqual({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('took too long') } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('an upload has no time limit while it makes progress, and fails (nothing kept) once it stalls', async () => {
    const host = await startHost({ requestTimeoutMs: 1_000 });
    const body = Buffer.concat([Buffer.from(CSV), Buffer.alloc(30 * 16 * 1024, 0x61)]);
    // 30+ pieces 100 ms apart: three times the request timeout in all.
    const slow = await send(host, { path: '/api/uploads', body, chunkBytes: 16 * 1024, pauseMs: 100 });
    expect(slow.status).toBe(200);
    const { uploadId } = (JSON.parse(slow.body) as { data: { uploadId: string } }).data;
    expect(fs.statSync(path.join(folders.uploadsDir, `${uploadId}.csv`)).size).toBe(body.length);

    const stalled = await send(host, { path: '/api/uploads', body, chunkBytes: 16 * 1024, stopAfter: 64 * 1024 });
    expect(stalled.status).toBe(408);
    expect(JSON.parse(stalled.body)).toEqual({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('stopped arriving') } });
    await vi.waitFor(() => expect(fs.readdirSync(folders.uploadsDir)).toEqual([`${uploadId}.csv`]));
  });

  it('an event stream (a GET with no body) is not cut by the request timeout', async () => {
    const host = await startHost({ requestTimeoutMs: 300, heartbeatMs: 100 });
    const res = await fetch(`http://127.0.0.1:${host.port}/api/events`, { headers: { Authorization: `Bearer ${host.token}` } });
    const reader = res.body!.getReader();
    let text = '';
    // Heartbeats keep arriving well past the request timeout: the stream is still open.
    const started = Date.now();
    while (Date.now() - started < 1_000) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.match(/^:/gm)?.length ?? 0).toBeGreaterThan(3);
    await reader.cancel();
  });
});

describe('startup (main.ts): one clean line and exit 1', () => {
  const MAIN = path.resolve(import.meta.dirname, '../../electron/hosts/web/main.ts');
  const run = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--renderer-dir', rendererDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  it.each([
    ['a damaged store', (dir: string) => fs.writeFileSync(path.join(dir, DATABASE_FILE_NAME), Buffer.alloc(8192, 0x5a)), /^E_STORAGE: The Gatehouse store .* is damaged/],
    [
      'a store from a newer Gatehouse',
      (dir: string) => {
        const db = new Database(path.join(dir, DATABASE_FILE_NAME));
        db.pragma('user_version = 999');
        db.close();
      },
      /^E_STORAGE: This data was written by a newer Gatehouse \(schema 999/,
    ],
    ['a store that is a folder', (dir: string) => fs.mkdirSync(path.join(dir, DATABASE_FILE_NAME)), /^E_STORAGE: Gatehouse cannot open its store/],
  ])('%s', { timeout: 60_000 }, async (_name, make, line) => {
    const dataDir = path.join(root, 'bad-store');
    fs.mkdirSync(dataDir);
    make(dataDir);
    const { code, stdout, stderr } = await run(['--port', '0', '--data-dir', dataDir]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(line)]);
    expect(stdout).not.toContain('Gatehouse web host:');
  });

  it('a port another program listens on → E_CONFLICT in one line', { timeout: 60_000 }, async () => {
    const other = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => other.once('listening', resolve));
    const port = (other.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await run(['--port', String(port), '--data-dir', path.join(root, 'data-2')]);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([`E_CONFLICT: Port ${port} is in use (another program, or another Gatehouse web host, listens there); choose another with --port`]);
    } finally {
      other.close();
    }
  });
});
