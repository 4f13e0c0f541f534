import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HOST_SCRIPT = path.join(repoRoot, 'electron/hosts/web/main.ts');
const URL_LINE = /Gatehouse web host: (http:\/\/127\.0\.0\.1:\d+\/#token=(\S+))/;
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

export interface InvokeResponse {
  status: number;
  body: { ok: true; data: any } | { ok: false; error: { code: string; message: string; issues?: { path: string; message: string }[] } };
}

export interface WebHostHandle {
  /** The URL printed by the current launch, token fragment included. Changes on restart(). */
  readonly url: string;
  /** http://127.0.0.1:PORT of the current launch. */
  readonly origin: string;
  /** The per-launch bearer token of the current launch. */
  readonly token: string;
  readonly dataDir: string;
  /** Everything the host printed so far (stdout + stderr), for failure reports. */
  readonly log: string;
  /** Stops the host (SIGTERM) and starts a new one on the same data dir; new port and token. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** POST /api/invoke as the renderer does; `token` overrides the bearer token (null: no header). */
  invoke(channel: string, input: unknown, options?: { token?: string | null; rawBody?: string }): Promise<InvokeResponse>;
  /**
   * Starts a job (a channel that answers a JobStatus) and resolves its final status, followed on
   * GET /api/events like the renderer follows it (subscribed before the start, so nothing is missed).
   */
  runJob(channel: string, input: unknown): Promise<JobStatusLike>;
  /** POST /api/uploads; resolves the upload ID. */
  upload(body: string | Buffer): Promise<string>;
  /** Uploads a usage CSV and imports it (`usage:import {source: 'upload'}`); resolves the final job status. */
  importCsv(csv: string): Promise<JobStatusLike>;
}

export interface JobStatusLike {
  jobId: string;
  kind: string;
  state: 'waiting' | 'running' | 'done' | 'cancelled' | 'failed';
  done: number;
  total: number | null;
  result: any;
  error: { code: string; message: string; issues?: { path: string; message: string }[] } | null;
}

const FINISHED = ['done', 'cancelled', 'failed'];

/** Reads `data:` frames of an SSE response until `stop(event)` says so; resolves that event. */
async function readEventsUntil<T>(response: Response, stop: (event: any) => T | null): Promise<T> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error('The event stream ended before the job finished');
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      for (const line of frame.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const found = stop(JSON.parse(line.slice(6)));
        if (found !== null) {
          await reader.cancel();
          return found;
        }
      }
    }
  }
}

interface Launch {
  child: ChildProcess;
  url: string;
  token: string;
  origin: string;
  exited: Promise<void>;
}

function launch(dataDir: string, appendLog: (text: string) => void): Promise<Launch> {
  // `node --import tsx` is what `npx tsx` runs, minus the npm wrapper process, so SIGTERM reaches the host itself.
  const child = spawn(process.execPath, ['--import', 'tsx', HOST_SCRIPT, '--port', '0', '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => appendLog(chunk));
  return new Promise<Launch>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}\n--- host output ---\n${stdout}`));
    };
    const timer = setTimeout(() => fail(`The web host printed no URL within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      appendLog(chunk);
      stdout += chunk;
      const match = URL_LINE.exec(stdout);
      if (match && !settled) {
        settled = true;
        clearTimeout(timer);
        const url = match[1]!;
        resolve({ child, url, token: match[2]!, origin: new URL(url).origin, exited });
      }
    });
    child.once('error', (error) => fail(`The web host could not be started: ${error.message}`));
    child.once('exit', (code, signal) => fail(`The web host exited before printing its URL (code ${code}, signal ${signal})`));
  });
}

async function terminate(current: Launch): Promise<void> {
  if (current.child.exitCode !== null || current.child.signalCode !== null) return;
  current.child.kill('SIGTERM');
  const stopped = await Promise.race([current.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_TIMEOUT_MS))]);
  if (!stopped) {
    current.child.kill('SIGKILL');
    await current.exited;
  }
}

/** Starts a web host on a fresh temp data dir. The caller owns cleanup: `stop()` then `dispose()`. */
export async function startWebHost(): Promise<WebHostHandle & { dispose(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-'));
  let log = '';
  const appendLog = (text: string) => {
    log += text;
  };
  let current: Launch | null = null;
  try {
    current = await launch(dataDir, appendLog);
  } catch (error) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const live = (): Launch => {
    if (!current) throw new Error('The web host is stopped');
    return current;
  };
  const handle = {
    get url() {
      return live().url;
    },
    get origin() {
      return live().origin;
    },
    get token() {
      return live().token;
    },
    dataDir,
    get log() {
      return log;
    },
    async stop() {
      if (!current) return;
      const stopping = current;
      current = null;
      await terminate(stopping);
    },
    async restart() {
      await handle.stop();
      current = await launch(dataDir, appendLog);
    },
    async invoke(channel: string, input: unknown, options: { token?: string | null; rawBody?: string } = {}): Promise<InvokeResponse> {
      const { origin, token } = live();
      const bearer = options.token === undefined ? token : options.token;
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (bearer !== null) headers.Authorization = `Bearer ${bearer}`;
      const response = await fetch(`${origin}/api/invoke`, {
        method: 'POST',
        headers,
        body: options.rawBody ?? JSON.stringify({ channel, input }),
      });
      return { status: response.status, body: (await response.json()) as InvokeResponse['body'] };
    },
    async runJob(channel: string, input: unknown): Promise<JobStatusLike> {
      const { origin, token } = live();
      const controller = new AbortController();
      const events = await fetch(`${origin}/api/events`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
      expect(events.status).toBe(200);
      try {
        const started = await handle.invoke(channel, input);
        if (!started.body.ok) throw new Error(`${channel} failed: ${started.body.error.code} ${started.body.error.message}`);
        const jobId = started.body.data.jobId as string;
        return await readEventsUntil(events, (e: { type: string; job?: JobStatusLike }) =>
          e.type === 'job' && e.job!.jobId === jobId && FINISHED.includes(e.job!.state) ? e.job! : null,
        );
      } finally {
        controller.abort();
      }
    },
    async upload(body: string | Buffer): Promise<string> {
      const { origin, token } = live();
      const response = await fetch(`${origin}/api/uploads`, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' }, body: typeof body === 'string' ? body : new Uint8Array(body) });
      const answer = (await response.json()) as InvokeResponse['body'];
      if (!answer.ok) throw new Error(`upload failed: ${answer.error.code} ${answer.error.message}`);
      return answer.data.uploadId as string;
    },
    async importCsv(csv: string): Promise<JobStatusLike> {
      return handle.runJob('usage:import', { source: 'upload', uploadId: await handle.upload(csv) });
    },
    async dispose() {
      await handle.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return handle;
}

/** `host`: a fresh web host and data dir per test, stopped and removed afterwards. */
export const test = base.extend<{ host: WebHostHandle }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright requires a destructuring pattern here
  host: async ({}, use, testInfo) => {
    const host = await startWebHost();
    try {
      await use(host);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('web-host.log', { body: host.log, contentType: 'text/plain' });
      await host.dispose();
    }
  },
});

export { expect };
