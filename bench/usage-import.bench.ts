// `npm run bench usage-import` (or `npx tsx bench/usage-import.bench.ts [MIB] [TRIALS]`): the usage CSV
// import job on a generated file of MIB MiB (default 64) in a fresh child process — rows/s per phase
// (checking + staging, then writing) and peak RSS (target < 250 MB) — alternating with
// `sqlite3 <fresh db> ".import --csv --skip 1 FILE t"` into a table equivalent to usage_records (same
// columns, STRICT, CHECKs, UNIQUE id, the `at` index), GATEHOUSE_BENCH_RUNS times (default 3), medians,
// ratio of rows/s (target ≥ 0.5×); then TRIALS kill -9 trials
// (default 200, 20k rows each; the unit test runs 50): after each, nothing or everything of the
// import is there, counted once, usage_daily = raw GROUP BY, integrity ok.
import { spawn, spawnSync } from 'node:child_process';
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
const RUNS = Number(process.env.GATEHOUSE_BENCH_RUNS ?? 3);
const TARGET_RATIO = 0.5;

/** usage_records as migration 008 creates it, minus the seq column (the rowid plays it), so .import maps the CSV's 11 columns. */
const EQUIVALENT_TABLE = `CREATE TABLE t (
  id TEXT NOT NULL UNIQUE, at TEXT NOT NULL CHECK (length(at) = 24), workspace_id TEXT NOT NULL, key_id TEXT, model_id TEXT NOT NULL,
  requests INTEGER NOT NULL CHECK (requests >= 0), input_tokens INTEGER NOT NULL CHECK (input_tokens >= 0),
  output_tokens INTEGER NOT NULL CHECK (output_tokens >= 0), cached_tokens INTEGER NOT NULL CHECK (cached_tokens >= 0),
  cost_micros INTEGER NOT NULL CHECK (cost_micros >= 0), currency TEXT NOT NULL CHECK (length(currency) = 3)
) STRICT; CREATE INDEX t_at ON t (at);`;

function sqliteImport(dbFile: string, csvFile: string): number {
  fs.rmSync(dbFile, { force: true });
  const start = performance.now();
  const result = spawnSync('sqlite3', [dbFile], { input: `PRAGMA journal_mode = WAL;\n${EQUIVALENT_TABLE}\n.import --csv --skip 1 ${csvFile} t\n`, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.status !== 0 || result.stderr) throw new Error(`sqlite3 .import failed: ${result.stderr}`);
  return ms;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  if (spawnSync('sqlite3', ['-version']).status !== 0) throw new Error('sqlite3 CLI missing: apt-get install -y sqlite3');
  console.log(`import ${(csv.bytes / 1024 ** 2).toFixed(1)} MiB, ${csv.rows.toLocaleString('en-US')} rows; medians of ${RUNS} alternating runs`);
  const ours: Array<Awaited<ReturnType<typeof importInChild>>> = [];
  const base: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    base.push(sqliteImport(path.join(dir, 'sqlite-import.db'), csvFile));
    const dataDir = path.join(dir, `data-${r}`);
    ours.push(await importInChild(dataDir, csvFile));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const report = ours[ours.length - 1]!;
  const phase = (name: string) => median(ours.map((o) => o.phaseMs[name] ?? 0));
  const checking = phase('Checking rows');
  const writing = phase('Writing records');
  const total = median(ours.map((o) => (o.phaseMs['Checking rows'] ?? 0) + (o.phaseMs['Writing records'] ?? 0)));
  const baseMs = median(base);
  const peakMb = Math.round(Math.max(...ours.map((o) => o.maxRssKb)) / 1024);
  const perSecond = (ms: number) => Math.round(csv.rows / (ms / 1000)).toLocaleString('en-US');
  const ratio = baseMs / total;
  console.log(`  state               ${ours.map((o) => o.state).join(', ')} (${report.result?.rows.toLocaleString('en-US')} rows)`);
  console.log(`  sqlite3 .import     ${(baseMs / 1000).toFixed(1)} s  ${perSecond(baseMs)} rows/s (baseline; runs ${base.map((b) => (b / 1000).toFixed(1)).join(' ')})`);
  console.log(`  checking + staging  ${(checking / 1000).toFixed(1)} s  ${perSecond(checking)} rows/s`);
  console.log(`  writing             ${(writing / 1000).toFixed(1)} s  ${perSecond(writing)} rows/s`);
  console.log(`  total               ${(total / 1000).toFixed(1)} s  ${perSecond(total)} rows/s  ${ratio.toFixed(2)}× sqlite3 .import throughput (target ≥ ${TARGET_RATIO}×: ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'})`);
  console.log(`  CPU time            ${(median(ours.map((o) => o.cpuMs)) / 1000).toFixed(1)} s  ${perSecond(median(ours.map((o) => o.cpuMs)))} rows per CPU-second (less sensitive to a busy machine)`);
  console.log(`  longest block       ${Math.max(...ours.map((o) => o.maxBlockMs))} ms (one chunk's transaction or parse burst; target well under 200 ms)`);
  console.log(`  peak RSS            ${peakMb} MB (target < ${TARGET_RSS_MB} MB) ${peakMb < TARGET_RSS_MB ? 'ok' : 'OVER'}`);
  if (ours.some((o) => o.state !== 'done') || peakMb >= TARGET_RSS_MB) failed = true;

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
