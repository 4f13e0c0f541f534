import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeCsvFile } from '../../electron/core/csv/csv-writer';
import { publishFileOnce } from '../../electron/core/publish-file';
import { KEY_FILE_NAME } from '../../electron/core/services/secret-box';
import { DATABASE_FILE_NAME, openDatabase } from '../../electron/core/store/database';
import { fakeOsEncryption } from '../../electron/core/testing/fake-os-encryption';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';
import { loadOsDataKey, WRAPPED_KEY_FILE_NAME } from '../../electron/main/os-data-key';

// Issue #12: the data dir 0700 and every file in it (store, WAL, SHM, key files) and every export
// 0600, for every door, whatever the umask. 022 is the usual one, under which files come out 0644
// unless the mode is set on purpose.
let previousUmask: number;
beforeAll(() => {
  previousUmask = process.umask(0o022);
});
afterAll(() => {
  process.umask(previousUmask);
});

let root: string;
beforeEach(() => {
  root = makeTempDir('gatehouse-perms-');
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const modeOf = (target: string) => fs.statSync(target).mode & 0o777;
const SECRET = 'sk-proj-PermissionsTest-Q7v2';

/** Every entry of a folder with its mode, e.g. `{ 'gatehouse.sqlite': 0o600 }` (modes as octal strings for readable diffs). */
const modesIn = (dir: string) => Object.fromEntries(fs.readdirSync(dir).map((name) => [name, modeOf(path.join(dir, name)).toString(8)]));

async function gh(dataDir: string, argv: string[], stdin?: NodeJS.ReadableStream) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', dataDir, ...argv], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, ...(stdin ? { stdin } : {}) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Resolves once `file` exists (the other side creates it as it opens the store); no clock involved. */
async function until(check: () => boolean): Promise<void> {
  for (let turn = 0; !check(); turn += 1) {
    if (turn > 200_000) throw new Error('gave up waiting');
    await nextTurn();
  }
}

describe('CLI door', () => {
  it('a new data dir is 0700; the store, its -wal and -shm, and the key file are 0600', async () => {
    const dataDir = path.join(root, 'nested', 'data');
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    // `remotes add --credential-stdin` opens the store, then waits for stdin: look while it is open.
    const stdin = new PassThrough();
    const running = gh(dataDir, ['remotes', 'add', 'Perm', '--url', 'http://127.0.0.1:9', '--credential-stdin'], stdin);
    await until(() => fs.existsSync(`${file}-shm`) && fs.existsSync(`${file}-wal`));
    expect(modeOf(dataDir).toString(8)).toBe('700');
    expect(modesIn(dataDir)).toEqual({ [DATABASE_FILE_NAME]: '600', [`${DATABASE_FILE_NAME}-wal`]: '600', [`${DATABASE_FILE_NAME}-shm`]: '600' });
    stdin.end('gh-admin-PermissionsTest-Kx4\n');
    expect(await running).toMatchObject({ code: 0 });

    expect(await gh(dataDir, ['provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'perm', '--secret-stdin'], Readable.from([SECRET]))).toMatchObject({ code: 0 });
    expect(modesIn(dataDir)).toEqual({ [DATABASE_FILE_NAME]: '600', [KEY_FILE_NAME]: '600' });
  });

  it('--out files are 0600, also when they replace an existing 0644 file', async () => {
    const dataDir = path.join(root, 'data');
    const out = path.join(root, 'workspaces.csv');
    fs.writeFileSync(out, 'old export\n', { mode: 0o644 });
    expect(modeOf(out).toString(8)).toBe('644');
    expect(await gh(dataDir, ['export', 'workspaces', '--out', out])).toMatchObject({ code: 0 });
    expect(modeOf(out).toString(8)).toBe('600');
    const audit = path.join(root, 'audit.csv');
    expect(await gh(dataDir, ['export', 'audit', '--out', audit])).toMatchObject({ code: 0 });
    expect(modeOf(audit).toString(8)).toBe('600');
  });

  it('an existing too-open data dir, store, -wal and -shm are tightened at open (owner bits kept)', async () => {
    const dataDir = path.join(root, 'old');
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    expect(await gh(dataDir, ['workspaces', 'create', '--name', 'Before'])).toMatchObject({ code: 0 });
    // Another connection keeps -wal and -shm in place, as an earlier version would have left them: 0644 / 0755.
    const holder = new Database(file);
    holder.prepare('SELECT COUNT(*) FROM workspaces').get();
    for (const name of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, name), 0o644);
    fs.chmodSync(dataDir, 0o755);
    try {
      expect(await gh(dataDir, ['workspaces', 'list'])).toMatchObject({ code: 0 });
      expect(modeOf(dataDir).toString(8)).toBe('700');
      expect(modesIn(dataDir)).toEqual({ [DATABASE_FILE_NAME]: '600', [`${DATABASE_FILE_NAME}-wal`]: '600', [`${DATABASE_FILE_NAME}-shm`]: '600' });
    } finally {
      holder.close();
    }
    // A store its owner made read-only stays read-only: only group and other bits go.
    fs.chmodSync(file, 0o444);
    openDatabase(file, { readonly: true }).close();
    expect(modeOf(file).toString(8)).toBe('400');
  });
});

describe('whatever the umask', () => {
  it.each([0o077, 0o277])('umask %o: data dir 0700, store and WAL files 0600, key files and exports 0600', async (umask) => {
    const dataDir = path.join(root, `umask-${umask.toString(8)}`);
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    const before = process.umask(umask);
    try {
      const db = openDatabase(file);
      try {
        db.prepare('SELECT COUNT(*) FROM workspaces').get();
        expect(modeOf(dataDir).toString(8)).toBe('700');
        expect(modesIn(dataDir)).toEqual({ [DATABASE_FILE_NAME]: '600', [`${DATABASE_FILE_NAME}-wal`]: '600', [`${DATABASE_FILE_NAME}-shm`]: '600' });
      } finally {
        db.close();
      }
      publishFileOnce(path.join(dataDir, KEY_FILE_NAME), Buffer.alloc(32, 3));
      expect(modeOf(path.join(dataDir, KEY_FILE_NAME)).toString(8)).toBe('600');
      const csv = path.join(dataDir, 'export.csv');
      await writeCsvFile({ path: csv, columns: [{ header: 'n', value: (n: number) => n }], rows: [1, 2, 3] });
      expect(modeOf(csv).toString(8)).toBe('600');
    } finally {
      process.umask(before);
    }
  });
});

describe('Electron main', () => {
  it('creating the OS data key creates the data dir 0700 and provider-keys.wrapped 0600', () => {
    const dataDir = path.join(root, 'userData');
    expect(loadOsDataKey(dataDir, fakeOsEncryption())).toMatchObject({ state: 'ready', created: true });
    expect(modeOf(dataDir).toString(8)).toBe('700');
    expect(modesIn(dataDir)).toEqual({ [WRAPPED_KEY_FILE_NAME]: '600' });
  });
});

describe('browser host door (its own process, umask 022)', () => {
  const MAIN = path.resolve(import.meta.dirname, '../../electron/hosts/web/main.ts');

  it('data dir 0700; store, -wal, -shm and key file 0600; a pending export 0600 in its downloads folder', async () => {
    const rendererDir = path.join(root, 'renderer');
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>perm</title>');
    const tmp = path.join(root, 'tmp');
    fs.mkdirSync(tmp);
    const dataDir = path.join(root, 'web-data');
    const file = path.join(dataDir, DATABASE_FILE_NAME);
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--renderer-dir', rendererDir, '--port', '0', '--data-dir', dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const url = await new Promise<URL>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /Gatehouse web host: (\S+)/.exec(stdout);
          if (m) resolve(new URL(m[1]!));
        });
        void exited.then(() => reject(new Error(`the web host exited: ${stderr}`)));
      });
      const token = url.hash.replace('#token=', '');
      const invoke = async (channel: string, input: unknown) => {
        const res = await fetch(`${url.origin}/api/invoke`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify({ channel, input }) });
        const body = (await res.json()) as { ok: boolean; data: Record<string, unknown> };
        expect(body.ok, JSON.stringify(body)).toBe(true);
        return body.data;
      };
      await invoke('providerKeys:create', { vendor: 'OpenAI', label: 'web', secret: SECRET });
      expect(modeOf(dataDir).toString(8)).toBe('700');
      expect(modesIn(dataDir)).toEqual({ [DATABASE_FILE_NAME]: '600', [`${DATABASE_FILE_NAME}-wal`]: '600', [`${DATABASE_FILE_NAME}-shm`]: '600', [KEY_FILE_NAME]: '600' });

      const job = await invoke('exports:start', { kind: 'workspaces' });
      let status = job;
      while (status.state !== 'done') {
        expect(['waiting', 'running'], JSON.stringify(status)).toContain(status.state);
        status = await invoke('jobs:status', { jobId: job.jobId });
      }
      const [hostDir] = fs.readdirSync(tmp).filter((n) => n.startsWith('gatehouse-web-'));
      const downloads = path.join(tmp, hostDir!, 'downloads');
      expect(modesIn(downloads)).toEqual({ [`${String(job.jobId)}.csv`]: '600' });
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(stderr).toBe('');
  });
});
