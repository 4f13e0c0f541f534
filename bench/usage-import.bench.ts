// `npm run bench usage-import` (or `npx tsx bench/usage-import.bench.ts [MIB] [TRIALS]`): the usage CSV
// import job on a generated file of MIB MiB (default 64) in a fresh child process — rows/s per phase
// (checking + staging, then writing) and peak RSS (target < 250 MB) — then TRIALS kill -9 trials
// (default 200, 20k rows each; the unit test runs 50): after each, nothing or everything of the
// import is there, counted once, usage_daily = raw GROUP BY, integrity ok.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../electron/core/testing/temp-core';
import { writeUsageCsv } from '../electron/core/testing/usage-csv-fixture';
import { aimAt, prepareCrashSetup, runCrashTrial, type CrashTrial } from '../test/unit/fixtures/usage-import-crash-trials';

const CHILD = fileURLToPath(new URL('../test/unit/fixtures/usage-import-child.ts', import.meta.url));
const MIB = Number(process.argv[2] ?? 64);
const TRIALS = Number(process.argv[3] ?? process.env.GATEHOUSE_CRASH_TRIALS ?? 200);
const CRASH_ROWS = 20_000;
const TARGET_RSS_MB = 250;

async function importInChild(dataDir: string, csvFile: string) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, csvFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  const line = out.split('\n').find((l) => l.startsWith('{'));
  if (code !== 0 || !line) throw new Error(`import child exited ${code}: ${out.slice(-500)}`);
  return JSON.parse(line) as { state: string; result: { rows: number } | null; phaseMs: Record<string, number>; maxBlockMs: number; cpuMs: number; maxRssKb: number };
}

const dir = makeTempDir('gatehouse-bench-import-');
let failed = false;
try {
  const csvFile = path.join(dir, 'usage.csv');
  const csv = writeUsageCsv(csvFile, { rows: 100_000_000, idPrefix: 'bench', maxBytes: MIB * 1024 * 1024 });
  const report = await importInChild(path.join(dir, 'data'), csvFile);
  const checking = report.phaseMs['Checking rows'] ?? 0;
  const writing = report.phaseMs['Writing records'] ?? 0;
  const peakMb = Math.round(report.maxRssKb / 1024);
  const perSecond = (ms: number) => Math.round(csv.rows / (ms / 1000)).toLocaleString('en-US');
  console.log(`import ${(csv.bytes / 1024 ** 2).toFixed(1)} MiB, ${csv.rows.toLocaleString('en-US')} rows: ${report.state}`);
  console.log(`  checking + staging  ${(checking / 1000).toFixed(1)} s  ${perSecond(checking)} rows/s`);
  console.log(`  writing             ${(writing / 1000).toFixed(1)} s  ${perSecond(writing)} rows/s`);
  console.log(`  total               ${((checking + writing) / 1000).toFixed(1)} s  ${perSecond(checking + writing)} rows/s`);
  console.log(`  CPU time            ${(report.cpuMs / 1000).toFixed(1)} s  ${perSecond(report.cpuMs)} rows per CPU-second (less sensitive to a busy machine)`);
  console.log(`  longest block       ${report.maxBlockMs} ms (one chunk's transaction or parse burst; target well under 200 ms)`);
  console.log(`  peak RSS            ${peakMb} MB (target < ${TARGET_RSS_MB} MB) ${peakMb < TARGET_RSS_MB ? 'ok' : 'OVER'}`);
  if (report.state !== 'done' || peakMb >= TARGET_RSS_MB) failed = true;

  if (TRIALS > 0) {
    const setup = await prepareCrashSetup(path.join(dir, 'crash'), CRASH_ROWS);
    const trials: CrashTrial[] = [];
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < TRIALS) {
        const i = next++;
        const trialDir = path.join(dir, 'crash', `trial-${i}`);
        trials.push(await runCrashTrial(setup, trialDir, aimAt(i, TRIALS, CRASH_ROWS)));
        fs.rmSync(trialDir, { recursive: true, force: true });
      }
    };
    await Promise.all([worker(), worker()]);
    const tally = (key: (t: CrashTrial) => string) => trials.reduce<Record<string, number>>((acc, t) => ({ ...acc, [key(t)]: (acc[key(t)] ?? 0) + 1 }), {});
    const violations = trials.flatMap((t, i) => t.violations.map((v) => `trial ${i} (${t.point}): ${v}`));
    console.log(`kill -9 trials: ${TRIALS} of ${CRASH_ROWS.toLocaleString('en-US')} rows in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(`  killed while  ${JSON.stringify(tally((t) => t.point))}`);
    console.log(`  outcome       ${JSON.stringify(tally((t) => t.outcome))}`);
    console.log(`  violations    ${violations.length === 0 ? 'none' : `\n    ${violations.join('\n    ')}`}`);
    if (violations.length > 0) failed = true;
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
