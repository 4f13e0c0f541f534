import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerClient } from '../core/client/worker-client';
import { makeTempDir } from '../core/testing/temp-core';

// The Electron build as shipped: esbuild's CommonJS bundles, built by the real build script into a
// folder inside the repo (so `better-sqlite3` resolves from node_modules as it does in the app).
const repo = path.resolve(__dirname, '../..');
const outdir = path.join(repo, '.test-output', `electron-bundle-${process.pid}`);

beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build-electron.mjs', '--outdir', outdir], { cwd: repo, stdio: 'pipe' });
}, 60_000);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

describe('Electron bundles (dist-electron)', () => {
  it('builds main, the core worker and the preload', () => {
    expect(fs.readdirSync(outdir).filter((f) => f.endsWith('.cjs')).sort()).toEqual(['core-worker.cjs', 'main.cjs', 'preload.cjs']);
  });

  it('the bundled core-worker.cjs runs in a real worker thread under plain Node and answers app:info', async () => {
    const dataDir = makeTempDir('gatehouse-bundle-');
    const client = await createWorkerClient({
      dataDir,
      appVersion: '7.7.7',
      isTrustedSender: (sender) => sender.kind === 'cli',
      workerEntry: path.join(outdir, 'core-worker.cjs'),
      externalChangePollMs: 0,
    });
    try {
      expect(await client.invoke('app:info', {}, { kind: 'cli' })).toMatchObject({ ok: true, data: { version: '7.7.7', dataDir } });
      expect(await client.invoke('app:info', {}, { kind: 'electron', frameUrl: 'https://evil.example/' })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    } finally {
      await client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('main.cjs loads as CommonJS (no import.meta at load time) and registers its app listeners', () => {
    // A stand-in `electron` module; main.cjs must get as far as waiting for `app.whenReady()`.
    const probe = `
      const Module = require('node:module');
      const load = Module._load;
      const seen = [];
      const app = { requestSingleInstanceLock: () => true, on: (e) => seen.push(e), whenReady: () => new Promise(() => {}), quit() {}, exit() {} };
      Module._load = function (request, ...rest) {
        if (request === 'electron') return { app, protocol: { registerSchemesAsPrivileged() {} }, BrowserWindow: class {}, dialog: {}, ipcMain: {}, net: {}, safeStorage: {}, session: {}, shell: {} };
        return load.call(this, request, ...rest);
      };
      require(${JSON.stringify(path.join(outdir, 'main.cjs'))});
      process.stdout.write(JSON.stringify(seen));
    `;
    const seen = JSON.parse(execFileSync(process.execPath, ['-e', probe], { cwd: repo, encoding: 'utf8' })) as string[];
    expect(seen.sort()).toEqual(['second-instance', 'window-all-closed']);
  });
});
