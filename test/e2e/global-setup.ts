import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './web-host';

/** Builds the renderer once per run; every test's web host serves dist/renderer. */
export default function globalSetup(): void {
  const started = Date.now();
  const result = spawnSync('npm', ['run', 'build:renderer'], { cwd: repoRoot, stdio: 'inherit', env: process.env });
  if (result.error) throw new Error(`e2e global setup: could not run "npm run build:renderer": ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`e2e global setup: "npm run build:renderer" failed (exit ${result.status ?? `signal ${result.signal}`})`);
  }
  const index = path.join(repoRoot, 'dist/renderer/index.html');
  if (!fs.existsSync(index)) throw new Error(`e2e global setup: the renderer build did not produce ${index}`);
  console.log(`e2e: renderer built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
