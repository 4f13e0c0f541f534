// better-sqlite3 must match two ABIs on one checkout: Node's (tests, CLI, browser host; built by
// `npm install` into node_modules) and Electron's (the desktop app). Rather than rebuilding
// node_modules back and forth, the Electron build lives in its own folder, keyed by Electron
// version/platform/arch, and main loads it through better-sqlite3's `nativeBinding` option.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');

export function electronVersion() {
  return require('electron/package.json').version;
}

export function electronBindingPath(version = electronVersion()) {
  return path.join(root, '.native', `electron-${version}-${process.platform}-${process.arch}`, 'better_sqlite3.node');
}

export async function ensureElectronBinding() {
  const version = electronVersion();
  const target = electronBindingPath(version);
  if (fs.existsSync(target)) return target;
  const buildRoot = path.join(root, '.native', `build-electron-${version}`);
  const moduleDir = path.join(buildRoot, 'node_modules', 'better-sqlite3');
  fs.rmSync(buildRoot, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(moduleDir), { recursive: true });
  fs.cpSync(path.join(root, 'node_modules', 'better-sqlite3'), moduleDir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}build${path.sep}`) && !src.endsWith(`${path.sep}build`),
  });
  fs.writeFileSync(path.join(buildRoot, 'package.json'), JSON.stringify({ name: 'gatehouse-native', version: '0.0.0', dependencies: { 'better-sqlite3': '*' } }));
  console.log(`Building better-sqlite3 for Electron ${version} (one time, about a minute)…`);
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({ buildPath: buildRoot, electronVersion: version, onlyModules: ['better-sqlite3'], force: true, buildFromSource: true });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node'), target);
  fs.rmSync(buildRoot, { recursive: true, force: true });
  return target;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await ensureElectronBinding());
}
