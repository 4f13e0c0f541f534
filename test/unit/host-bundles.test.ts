import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(repoRoot, 'bin/gatehouse.mjs');

let buildDir: string;
let dataDir: string;
beforeAll(() => {
  buildDir = makeTempDir('gatehouse-bundle-');
  // The bundles keep better-sqlite3 external: resolve it from the repo, as .build/ does.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
  dataDir = makeTempDir('gatehouse-bundle-data-');
});
afterAll(() => {
  fs.rmSync(buildDir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function gatehouse(env: Record<string, string>, ...argv: string[]) {
  return spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env: { ...process.env, GATEHOUSE_DEBUG_BUNDLE: '1', ...env } });
}

describe('host bundles', () => {
  it('builds on first run, answers like the tsx sources, and rebuilds when a source input changes', { timeout: 120_000 }, () => {
    const viaBundle = gatehouse({ GATEHOUSE_BUILD_DIR: buildDir }, 'workspaces', 'list', '--json', '--data-dir', dataDir);
    expect(viaBundle.stderr).toBe('');
    expect(viaBundle.status).toBe(0);
    for (const f of ['cli.mjs', 'web.mjs', 'core-worker.cjs', 'stamp.json']) expect(fs.existsSync(path.join(buildDir, f))).toBe(true);
    const viaTsx = gatehouse({ GATEHOUSE_NO_BUNDLE: '1' }, 'workspaces', 'list', '--json', '--data-dir', dataDir);
    expect(viaTsx.status).toBe(0);
    expect(viaBundle.stdout).toBe(viaTsx.stdout);
    expect(JSON.parse(viaBundle.stdout)).toMatchObject([{ name: 'Default Workspace', isDefault: true }]);

    // A stamp whose recorded input differs (size and hash) is stale: the next run rebuilds.
    const stampFile = path.join(buildDir, 'stamp.json');
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { files: Record<string, { size: number; sha256: string }> };
    const entry = stamp.files['electron/hosts/cli/main.ts'];
    expect(entry).toBeDefined();
    entry!.size += 1;
    entry!.sha256 = '0'.repeat(64);
    fs.writeFileSync(stampFile, JSON.stringify(stamp));
    fs.rmSync(path.join(buildDir, 'cli.mjs'));
    const again = gatehouse({ GATEHOUSE_BUILD_DIR: buildDir }, 'workspaces', 'list', '--json', '--data-dir', dataDir);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe(viaTsx.stdout);
    expect(fs.existsSync(path.join(buildDir, 'cli.mjs'))).toBe(true);
    const rebuilt = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as typeof stamp;
    expect(rebuilt.files['electron/hosts/cli/main.ts']!.sha256).not.toBe('0'.repeat(64));
  });
});
