// CLI start to first answer: median wall time of `gatehouse workspaces list` (bin/gatehouse.mjs,
// through the prebuilt bundle) over 20 runs, against a bare `node -e 0` start in the same run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { median } from './bench-timing';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/gatehouse.mjs');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-cli-bench-'));
const RUNS = 20;

function timeRun(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

try {
  timeRun([bin, 'workspaces', 'list', '--data-dir', dataDir]); // builds the bundle if stale, creates the store
  const cli: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(timeRun(['-e', '0']));
    cli.push(timeRun([bin, 'workspaces', 'list', '--data-dir', dataDir]));
  }
  const c = median(cli);
  const b = median(bare);
  console.log(`gatehouse workspaces list: median ${(c / 1000).toFixed(3)} s over ${RUNS} runs (target ≤ 0.120 s)`);
  console.log(`bare node -e 0:            median ${(b / 1000).toFixed(3)} s; ratio ${(c / b).toFixed(2)}x`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
