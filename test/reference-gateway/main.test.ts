import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { capabilitiesSchema, healthSchema } from '../../shared/gateway-protocol/v1';
import { createApi, makeTempDir } from './test-kit';

// The CLI as a user runs it (`npm run gateway` = tsx test/reference-gateway/main.ts), in a child process.
const repoRoot = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(repoRoot, 'test/reference-gateway/main.ts');
// The child runs in a temp folder: name tsx's loader by the file it resolves to from here, not by a package name resolved from there.
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const READY = /^Gatehouse reference gateway: (http:\/\/127\.0\.0\.1:\d+)$/m;

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Starts the CLI; resolves with its URL once ready (and a `stop` that sends SIGTERM), or with its exit when it fails to start. */
function launch(args: string[]): Promise<{ url: string; output: () => Run; stop: () => Promise<Run> } | { failed: Run }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { stdout: '', stderr: '', code: null };
    const exited = new Promise<Run>((done) => child.once('exit', (code) => done({ ...run, code })));
    let ready = false;
    child.stdout.on('data', (chunk: Buffer) => {
      run.stdout += chunk.toString();
      const m = READY.exec(run.stdout);
      if (m && !ready) {
        ready = true;
        resolve({
          url: m[1]!,
          output: () => ({ ...run }),
          stop: async () => {
            child.kill('SIGTERM');
            const result = await exited;
            return { ...result, stdout: run.stdout, stderr: run.stderr };
          },
        });
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (run.stderr += chunk.toString()));
    child.once('error', reject);
    void exited.then((result) => {
      if (!ready) resolve({ failed: { ...result, stdout: run.stdout, stderr: run.stderr } });
    });
  });
}

describe('npm run gateway', () => {
  it('makes a private data dir and admin key file, prints the path (never the key), serves, and stops cleanly on SIGTERM', async () => {
    const dataDir = path.join(dir, 'data');
    const started = await launch(['--port', '0', '--data-dir', dataDir]);
    if ('failed' in started) throw new Error(`did not start: ${started.failed.stderr}`);
    const keyFile = path.join(dataDir, 'admin-key');
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    expect(key).toMatch(/^gha_[A-Za-z0-9_-]{43}$/);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(started.output().stdout).toContain(keyFile);

    expect(healthSchema.parse((await createApi(started.url, '')('GET', '/v1/health', { auth: null })).body).protocol).toBe('gatehouse-v1');
    const caps = await createApi(started.url, key)('GET', '/v1/capabilities');
    expect(capabilitiesSchema.parse(caps.body).principal).toBe('admin');

    const stopped = await started.stop();
    expect(stopped.code).toBe(0);
    expect(stopped.stdout + stopped.stderr).not.toContain(key);
    expect(fs.existsSync(path.join(dataDir, 'gateway.sqlite'))).toBe(true);

    // A second start reuses the key file and says nothing about a new key.
    const again = await launch(['--port', '0', '--data-dir', dataDir, '--simulate-traffic']);
    if ('failed' in again) throw new Error(`did not restart: ${again.failed.stderr}`);
    expect((await createApi(again.url, key)('GET', '/v1/capabilities')).status).toBe(200);
    const second = await again.stop();
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/New admin key/);
    expect(second.stdout).toMatch(/Simulating traffic/);
  }, 60_000);

  it('reads the admin key from --admin-key-file', async () => {
    const keyFile = path.join(dir, 'my-key');
    fs.writeFileSync(keyFile, 'gha_my-own-admin-key\n', { mode: 0o600 });
    const started = await launch(['--port', '0', '--data-dir', path.join(dir, 'data'), '--admin-key-file', keyFile]);
    if ('failed' in started) throw new Error(`did not start: ${started.failed.stderr}`);
    expect((await createApi(started.url, 'gha_my-own-admin-key')('GET', '/v1/capabilities')).status).toBe(200);
    expect((await started.stop()).code).toBe(0);
  }, 60_000);

  it('answers a taken port and an unusable data dir with one clean line', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const busy = await launch(['--port', String(port), '--data-dir', path.join(dir, 'data')]);
      expect('failed' in busy && busy.failed).toMatchObject({ code: 1, stderr: `E_CONFLICT: Port ${port} is in use; choose another with --port\n` });
    } finally {
      blocker.close();
    }
    const aFile = path.join(dir, 'a-file');
    fs.writeFileSync(aFile, 'x');
    const bad = await launch(['--port', '0', '--data-dir', path.join(aFile, 'data')]);
    expect('failed' in bad && bad.failed.code).toBe(1);
    if ('failed' in bad) expect(bad.failed.stderr).toMatch(/^E_STORAGE: Cannot use the data dir .*a-file\/data \(a path component is not a folder\)\n$/);
    const badPort = await launch(['--port', 'eighty', '--data-dir', path.join(dir, 'data')]);
    expect('failed' in badPort && badPort.failed).toMatchObject({ code: 2, stderr: 'E_VALIDATION: --port must be 0-65535, got "eighty"\n' });
  }, 60_000);
});
