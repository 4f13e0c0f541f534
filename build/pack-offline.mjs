// Packages the app as far as a machine without network allows: electron-builder's `--dir` target
// for Linux with build/electron-builder.yml, except that
//   - the Electron runtime (a download) is replaced by a STAND-IN distribution: a shell script named
//     `electron` that embeds Electron's fuse wire with Electron's default values (sentinel, version
//     1, the eight fuses of electron/electron build/fuses/fuses.json5: "10110001"), plus the files
//     electron-builder moves around (LICENSE, LICENSES.chromium.html, locales/, resources/). It
//     cannot run the app; it lets electron-builder copy, pack the asar, unpack the binding and flip
//     the fuses exactly as it does on the real binary;
//   - npmRebuild is off: rebuilding better-sqlite3 for Electron needs Electron's headers (a
//     download), so the packed binding is the one in node_modules (built for Node).
// Everything else (files, asarUnpack, electronFuses, icons, metadata) is the real config.
//
//   node build/pack-offline.mjs [--out DIR] [--reuse-renderer]
// builds the Electron bundles and the renderer first (`--reuse-renderer`: keeps dist/renderer when
// it exists, as the tests do: e2e serves it), writes DIR/linux-unpacked (default DIR:
// release/offline) and prints a JSON line with the paths.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const out = path.resolve(repo, arg('--out') ?? 'release/offline');
const reuseRenderer = process.argv.includes('--reuse-renderer');

/** Electron's fuse sentinel and its default V1 wire (fuses.json5 order; '1' on, '0' off). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ELECTRON_DEFAULT_FUSE_WIRE = '10110001';

function run(command, args) {
  execFileSync(command, args, { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
}

function buildApp() {
  run(process.execPath, ['scripts/build-electron.mjs']);
  if (reuseRenderer && fs.existsSync(path.join(repo, 'dist/renderer/index.html'))) return;
  run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build:renderer']);
}

function writeStandInElectron(dir) {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  const wire = Buffer.concat([Buffer.from(FUSE_SENTINEL, 'ascii'), Buffer.from([1, ELECTRON_DEFAULT_FUSE_WIRE.length]), Buffer.from(ELECTRON_DEFAULT_FUSE_WIRE, 'ascii')]);
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "Stand-in Electron from build/pack-offline.mjs: it cannot run Gatehouse." >&2\nexit 1\n# fuse wire: ', 'utf8'),
    wire,
    Buffer.from('\n', 'utf8'),
  ]);
  fs.writeFileSync(path.join(dir, 'electron'), script, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'Stand-in for Electron’s LICENSE (MIT).\n');
  fs.writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<!-- stand-in for Chromium’s licenses -->\n');
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
}

buildApp();
const standIn = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-electron-stand-in-'));
try {
  writeStandInElectron(standIn);
  fs.rmSync(out, { recursive: true, force: true });
  const arch = process.arch === 'arm64' ? '--arm64' : '--x64';
  run(process.execPath, [
    path.join(repo, 'node_modules/electron-builder/cli.js'),
    '--linux',
    '--dir',
    arch,
    '--publish',
    'never',
    '--config',
    'build/electron-builder.yml',
    `-c.electronDist=${standIn}`,
    '-c.npmRebuild=false',
    `-c.directories.output=${out}`,
  ]);
} finally {
  fs.rmSync(standIn, { recursive: true, force: true });
}
const appOutDir = path.join(out, process.arch === 'arm64' ? 'linux-arm64-unpacked' : 'linux-unpacked');
const resources = path.join(appOutDir, 'resources');
console.log(JSON.stringify({ appOutDir, executable: path.join(appOutDir, 'gatehouse'), asar: path.join(resources, 'app.asar'), unpacked: path.join(resources, 'app.asar.unpacked') }));
