// `npm run bench usage-export` (sizes: GATEHOUSE_BENCH_ROWS=1000000,3000000,10000000, default 1M; or
// `npx tsx bench/usage-export.bench.ts ROWS[,ROWS…]`): export the raw usage records of an N-record store
// to CSV through the real export job, alternating with `sqlite3 -csv <db> "<equivalent query>" > file`
// in the same run, and with the whole CLI process (`gatehouse export usage … --out FILE`).
// Medians of GATEHOUSE_BENCH_RUNS (default 5). Each export runs in a fresh child process, so its
// peak RSS (maxRSS) is its own. GATEHOUSE_BENCH_STORE_DIR=DIR keeps the generated stores in
// DIR/<rows> and reuses them on the next run (generating 10M records takes minutes).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { dayRangeBounds } from '../electron/core/services/export-sources';
import { createUsageExportRepository, usageRawBaselineSql } from '../electron/core/store/usage-export-repository';
import { makeTempDir } from '../electron/core/testing/temp-core';
import { benchDispatch, generatedStore, openBenchCore } from './bench-store';

const SELF = fileURLToPath(import.meta.url);
const RUNS = Number(process.env.GATEHOUSE_BENCH_RUNS ?? 5);
const TARGET_RATIO = 1.0;
const CLI = fileURLToPath(new URL('../bin/gatehouse.mjs', import.meta.url));
const TARGET_RSS_MB = 200;

/** The export goes where a browser-host-like door says: `<dataDir>/exports/<jobId>.csv` (bench-store's core). */
const openCore = openBenchCore;
const dispatch = benchDispatch;

/** Child mode: one export job through `exports:start`, awaited to its end, then report time and peak RSS. */
async function child(dataDir: string, from: string, to: string, exportIt: boolean): Promise<void> {
  const core = openCore(dataDir);
  let ms = 0;
  let rows = 0;
  if (exportIt) {
    const start = performance.now();
    const { jobId } = dispatch<{ jobId: string }>(core, 'exports:start', { kind: 'usage-raw', from, to });
    const status = await core.jobs.settled(jobId);
    if (status.state !== 'done' || status.result?.kind !== 'export') throw new Error(`export ${status.state}: ${status.message}`);
    rows = status.result.rowsWritten;
    ms = performance.now() - start;
  }
  await core.close();
  process.stdout.write(JSON.stringify({ ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function runChild(dataDir: string, from: string, to: string, mode: '--child' | '--child-idle') {
  const start = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, mode, dataDir, from, to], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`child exited with ${code}`);
  return { wallMs: performance.now() - start, ...(JSON.parse(out) as { ms: number; rows: number; maxRssMb: number }) };
}

/** Hash of the file's lines (CRLF or LF endings), skipping the first `skipLines`; sqlite3 3.40 ends rows with LF. */
async function linesHash(file: string, skipLines = 0): Promise<string> {
  const hash = createHash('sha256');
  let n = 0;
  for await (const line of readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    if (n++ >= skipLines) hash.update(`${line}\n`);
  }
  return hash.digest('hex');
}

async function ensureSqlite3(): Promise<string> {
  if (spawnSync('sqlite3', ['-version']).status !== 0) {
    console.log('sqlite3 CLI missing: installing the Debian package');
    const apt = spawnSync('sh', ['-c', 'apt-get install -y sqlite3 || (apt-get update && apt-get install -y sqlite3)'], { stdio: 'inherit' });
    if (apt.status !== 0) throw new Error('Could not install sqlite3; install it (apt-get install sqlite3) and re-run');
  }
  return spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).stdout.split(' ')[0]!;
}

/** The whole CLI process, as a user runs it: `gatehouse --data-dir DIR export usage --from D --to D --out FILE`. */
function runCli(dataDir: string, from: string, to: string, out: string): { wallMs: number } {
  const start = performance.now();
  const result = spawnSync(process.execPath, [CLI, '--data-dir', dataDir, 'export', 'usage', '--from', from, '--to', to, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) process.stderr.write(result.stderr);
  const wallMs = performance.now() - start;
  if (result.status !== 0) throw new Error(`gatehouse export usage exited with ${result.status}`);
  return { wallMs };
}

async function benchSize(rows: number): Promise<boolean> {
  const store = await generatedStore(rows, 'gatehouse-bench-export-');
  const { dataDir } = store;
  const work = makeTempDir('gatehouse-bench-export-out-');
  try {
    const dbFile = path.join(dataDir, 'gatehouse.sqlite');
    const { fromIso, toIso } = dayRangeBounds(store.from, store.to);
    const baselineOut = path.join(work, 'baseline.csv');
    const cliOut = path.join(work, 'cli.csv');
    const exportsDir = path.join(dataDir, 'exports');
    const plan = new Database(dbFile, { readonly: true });
    const range = createUsageExportRepository(plan).rawRange(fromIso, toIso);
    const baselineSql = usageRawBaselineSql(fromIso, toIso, range.first!, range.last!);
    const planText = (plan.prepare(`EXPLAIN QUERY PLAN ${baselineSql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    plan.close();
    console.log(`baseline query plan: ${planText}`);

    const idle = await runChild(dataDir, store.from, store.to, '--child-idle');
    const base: number[] = [];
    const cli: number[] = [];
    const ours: Array<{ wallMs: number; ms: number; rows: number; maxRssMb: number }> = [];
    let same = true;
    for (let r = 0; r < RUNS; r++) {
      // Alternating order, so a slow phase of the (shared) machine hits every contender alike.
      const fd = fs.openSync(baselineOut, 'w');
      const start = performance.now();
      const result = spawnSync('sqlite3', ['-csv', dbFile, baselineSql], { stdio: ['ignore', fd, 'inherit'] });
      base.push(performance.now() - start);
      fs.closeSync(fd);
      if (result.status !== 0) throw new Error('sqlite3 failed');
      ours.push(await runChild(dataDir, store.from, store.to, '--child'));
      cli.push(runCli(dataDir, store.from, store.to, cliOut).wallMs);
      const written = fs.readdirSync(exportsDir);
      if (r === RUNS - 1) {
        // Same lines as sqlite3 apart from our UTF-8 BOM and header line (the sample data needs no quoting); the CLI's file is the job's.
        const file = path.join(exportsDir, written[0]!);
        const baselineHash = await linesHash(baselineOut);
        same = (await linesHash(file, 1)) === baselineHash && fs.readFileSync(file).equals(fs.readFileSync(cliOut));
        console.log(`output check: ${ours[r]!.rows.toLocaleString('en-US')} rows; every line identical to sqlite3's output (after our BOM + header), CLI file = job file: ${same ? 'yes' : 'NO'}`);
      }
      for (const f of written) fs.rmSync(path.join(exportsDir, f));
    }
    const baseMs = median(base);
    const exportMs = median(ours.map((o) => o.ms));
    const wallMs = median(ours.map((o) => o.wallMs));
    const cliMs = median(cli);
    const rss = Math.max(...ours.map((o) => o.maxRssMb));
    const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
    const runs = (xs: number[]) => xs.map((b) => (b / 1000).toFixed(2)).join(' ');
    const met = (ratio: number) => (ratio <= TARGET_RATIO ? 'met' : 'MISSED');
    console.log(`  sqlite3 -csv <db> "<query>" > file (baseline)     ${f(baseMs)}   runs: ${runs(base)}`);
    console.log(
      `  exports:start usage-raw → file (in process)       ${f(exportMs)}   ${(exportMs / baseMs).toFixed(2)}× baseline (target ≤ ${TARGET_RATIO}×: ${met(exportMs / baseMs)})   ${Math.round(rows / (exportMs / 1000)).toLocaleString('en-US')} rows/s   runs: ${runs(ours.map((o) => o.ms))}`,
    );
    console.log(`  same, child wall time incl. node + tsx start-up   ${f(wallMs)}   ${(wallMs / baseMs).toFixed(2)}× baseline`);
    console.log(`  gatehouse export usage --out (whole CLI process)  ${f(cliMs)}   ${(cliMs / baseMs).toFixed(2)}× baseline (target ≤ ${TARGET_RATIO}×: ${met(cliMs / baseMs)}; start-up is another helper's)   runs: ${runs(cli)}`);
    console.log(`  peak RSS of the exporting process: ${rss.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB: ${rss < TARGET_RSS_MB ? 'met' : 'MISSED'}); same process opening the store without exporting: ${idle.maxRssMb.toFixed(0)} MB`);
    return same && rss < TARGET_RSS_MB;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(path.join(dataDir, 'exports'), { recursive: true, force: true });
    if (!store.keep) fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [mode, dataDirArg, fromArg, toArg] = process.argv.slice(2);
  if (mode === '--child' || mode === '--child-idle') return child(dataDirArg!, fromArg!, toArg!, mode === '--child');

  const sizes = (mode ?? process.env.GATEHOUSE_BENCH_ROWS ?? '1000000').split(',').map((n) => Number(n.replace(/_/g, '')));
  const sqliteVersion = await ensureSqlite3();
  console.log(`cores: ${os.cpus().length}, node ${process.version}, sqlite3 CLI ${sqliteVersion}; medians of ${RUNS} alternating runs; sizes ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')}`);
  for (const rows of sizes) {
    console.log(`\n-- ${rows.toLocaleString('en-US')} records`);
    if (!(await benchSize(rows))) process.exitCode = 1;
  }
}

await main();
