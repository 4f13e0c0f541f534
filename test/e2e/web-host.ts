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
