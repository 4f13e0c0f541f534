import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// `npm start` with no Electron binary: one short message naming the fix and `npm run web`, before any
// build work starts (no renderer build, no 40 s native build). ELECTRON_OVERRIDE_DIST_PATH points the
// check at an empty folder, so the test never downloads anything even on a machine with network.
const repo = path.resolve(import.meta.dirname, '../..');
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function startWith(distDir: string) {
  return spawnSync(process.execPath, ['scripts/start-electron.mjs'], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: distDir },
  });
}

describe('npm start preflight', () => {
  it('a missing Electron binary stops at once with one short message and no build', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-no-electron-'));
    temps.push(empty);
    const result = startWith(empty);
    expect(result.status).toBe(1);
    const stderr = result.stderr.trim().split('\n');
    expect(stderr[0]).toMatch(/^Gatehouse cannot start the desktop app: no Electron binary at /);
    expect(result.stderr).toContain('`npm run web`');
    expect(stderr.length).toBeLessThanOrEqual(4);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stdout).not.toMatch(/vite|build:renderer|Building better-sqlite3/);
  });
});
