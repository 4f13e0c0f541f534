import { extractAll, listPackage, statFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { getConfig } from 'app-builder-lib/out/util/config/config';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerClient } from '../../electron/core/client/worker-client';
import { makeTempDir } from '../../electron/core/testing/temp-core';

// The real electron-builder run (`--dir`, Linux) with build/electron-builder.yml, through
// build/pack-offline.mjs: a stand-in Electron distribution (no runtime can be downloaded here) and
// no native rebuild (Electron's headers are a download too). What is checked is what the package
// holds and how the fuses were flipped, both done by electron-builder exactly as in `npm run dist`.
const repo = path.resolve(__dirname, '../..');
const out = path.join(repo, '.test-output', `pack-${process.pid}`);
const packageJson = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
let packed: { appOutDir: string; executable: string; asar: string; unpacked: string };
let entries: string[];

beforeAll(() => {
  const stdout = execFileSync(process.execPath, ['build/pack-offline.mjs', '--out', out, '--reuse-renderer'], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  packed = JSON.parse(stdout.trim().split('\n').at(-1)!) as typeof packed;
  entries = listPackage(packed.asar, { isPack: false }).map((entry) => entry.replace(/^[\\/]/, '').replaceAll('\\', '/'));
}, 180_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const files = () => entries.filter((entry) => !('files' in statFile(packed.asar, entry)));

describe('the packaged app (electron-builder --dir with a stand-in Electron)', () => {
  it('holds the renderer, the three bundles, package.json and the runtime node_modules, nothing else', () => {
    expect(new Set(entries.map((entry) => entry.split('/')[0]))).toEqual(new Set(['dist', 'dist-electron', 'node_modules', 'package.json']));
    expect(entries.filter((e) => e.startsWith('dist-electron/')).sort()).toEqual(['dist-electron/core-worker.cjs', 'dist-electron/main.cjs', 'dist-electron/preload.cjs']);
    expect(entries).toContain('dist/renderer/index.html');
    expect(new Set(entries.filter((e) => e.startsWith('node_modules/')).map((e) => e.split('/')[1]))).toEqual(new Set(['better-sqlite3', 'bindings', 'file-uri-to-path']));
  });

  it('no tests, no source maps, no TypeScript sources, no .native/, no dev dependencies, no C sources', () => {
    const all = files();
    expect(all.filter((f) => /\.map$/.test(f))).toEqual([]);
    expect(all.filter((f) => /(^|\/)(tests?|__tests__|e2e|fixtures)\//.test(f) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(f))).toEqual([]);
    expect(all.filter((f) => /\.[cm]?tsx?$/.test(f))).toEqual([]);
    expect(all.filter((f) => /\.(c|cc|cpp|h|hpp|gyp|gypi|mk)$/.test(f))).toEqual([]);
    expect(entries.filter((e) => e.split('/').includes('.native'))).toEqual([]);
    for (const dev of Object.keys(packageJson.devDependencies)) expect(entries.filter((e) => e.startsWith(`node_modules/${dev}/`) || e === `node_modules/${dev}`), dev).toEqual([]);
  });

  it('the better-sqlite3 binding is unpacked beside the archive; no native file stays inside it', () => {
    const binding = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    expect(entries).toContain(binding);
    expect(statFile(packed.asar, binding)).toMatchObject({ unpacked: true });
    expect(fs.statSync(path.join(packed.unpacked, binding)).size).toBeGreaterThan(100_000);
    for (const native of files().filter((f) => f.endsWith('.node'))) expect(statFile(packed.asar, native), native).toMatchObject({ unpacked: true });
    expect(files().filter((f) => f.endsWith('.node'))).toEqual([binding]);
  });

  it('the bundles need nothing outside the package: only electron, better-sqlite3 and Node built-ins', () => {
    const extracted = path.join(out, 'extracted');
    extractAll(packed.asar, extracted);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    for (const bundle of ['main.cjs', 'core-worker.cjs', 'preload.cjs']) {
      const source = fs.readFileSync(path.join(extracted, 'dist-electron', bundle), 'utf8');
      const required = new Set([...source.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!).filter((m) => !builtins.has(m)));
      expect([...required].every((m) => m === 'electron' || m === 'better-sqlite3'), `${bundle}: ${[...required].join(', ')}`).toBe(true);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(extracted, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: 'gatehouse', main: 'dist-electron/main.cjs' });
    expect(manifest).not.toHaveProperty('devDependencies');
    expect(manifest).not.toHaveProperty('scripts');
  });

  it('the packed core worker runs from the extracted package alone: better-sqlite3 → bindings → the unpacked binding', async () => {
    // Under Node: npmRebuild is off here, so the packed binding is node_modules' Node build. Outside
    // the repo, so that no module can come from its node_modules.
    const app = makeTempDir('gatehouse-packed-app-');
    extractAll(packed.asar, app);
    const from = (file: string) => createRequire(path.join(app, file));
    expect(from('dist-electron/core-worker.cjs').resolve('better-sqlite3')).toBe(path.join(app, 'node_modules/better-sqlite3/lib/index.js'));
    expect(from('node_modules/better-sqlite3/lib/database.js').resolve('bindings')).toBe(path.join(app, 'node_modules/bindings/bindings.js'));
    expect(from('node_modules/bindings/bindings.js').resolve('file-uri-to-path')).toBe(path.join(app, 'node_modules/file-uri-to-path/index.js'));
    const dataDir = makeTempDir('gatehouse-packed-');
    const client = await createWorkerClient({
      dataDir,
      appVersion: '0.0.0-packed',
      isTrustedSender: (sender) => sender.kind === 'cli',
      workerEntry: path.join(app, 'dist-electron', 'core-worker.cjs'),
      externalChangePollMs: 0,
    });
    try {
      expect(await client.invoke('app:info', {}, { kind: 'cli' })).toMatchObject({ ok: true, data: { version: '0.0.0-packed', dataDir } });
      expect(await client.invoke('workspaces:create', { name: 'Packed' }, { kind: 'cli' })).toMatchObject({ ok: true, data: { name: 'Packed' } });
    } finally {
      await client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(app, { recursive: true, force: true });
    }
  });

  it('electron-builder flipped every fuse in the executable as electronFuses says (the stand-in started at Electron’s defaults)', async () => {
    const config = await getConfig(repo, path.join(repo, 'build/electron-builder.yml'), null);
    const wire = await getCurrentFuseWire(packed.executable);
    const names = Object.keys(FuseV1Options).filter((key) => Number.isNaN(Number(key))) as Array<keyof typeof FuseV1Options>;
    const option = (name: string) => name[0]!.toLowerCase() + name.slice(1);
    const state = (on: boolean) => (on ? '1' : '0').charCodeAt(0);
    for (const name of names) {
      const wanted = (config.electronFuses as Record<string, boolean>)[option(name)]!;
      expect((wire as unknown as Record<number, number>)[FuseV1Options[name]], name).toBe(state(wanted));
    }
    // Electron's defaults had RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on.
    expect(String.fromCharCode(...names.map((n) => (wire as unknown as Record<number, number>)[FuseV1Options[n]]!))).toBe('01001100');
  });
});
