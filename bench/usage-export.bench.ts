// `npm run bench usage-export` (or `npx tsx bench/usage-export.bench.ts ROWS`): export the raw usage records of a 1M-record store to CSV
// through the real export job, beside `sqlite3 -csv <db> "<equivalent query>" > file` in the same
// run. Each export runs in a fresh child process so its peak RSS (maxRSS) is its own.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import readline from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { createCore } from '../electron/core/core';
import { dayRangeBounds } from '../electron/core/services/export-sources';
import { createUsageExportRepository, usageRawBaselineSql } from '../electron/core/store/usage-export-repository';
import { makeTempDir } from '../electron/core/testing/temp-core';

const SELF = fileURLToPath(import.meta.url);
const RUNS = 5;
const TARGET_RATIO = 1.3;
const TARGET_RSS_MB = 200;

/** The export goes where a browser-host-like door says: `<dataDir>/exports/<jobId>.csv`. */
function openCore(dataDir: string) {
  const exportsDir = path.join(dataDir, 'exports');
  return createCore({
    dataDir,
    appVersion: 'bench',
    isTrustedSender: () => true,
    localUserName: 'bench',
    logError: (c, e) => console.error(c, e),
    capabilities: {
      chooseSavePath: ({ jobId }) => {
        fs.mkdirSync(exportsDir, { recursive: true });
        return Promise.resolve(path.join(exportsDir, `${jobId}.csv`));
      },
      savesForDownload: true,
    },
  });
}
function dispatch<T>(core: ReturnType<typeof openCore>, channel: string, input: unknown): T {
  const result = core.dispatcher.dispatch(channel, input, { kind: 'cli' });
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.data as T;
}

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

async function main(): Promise<void> {
  const [mode, dataDirArg, fromArg, toArg] = process.argv.slice(2);
  if (mode === '--child' || mode === '--child-idle') return child(dataDirArg!, fromArg!, toArg!, mode === '--child');

  const rows = mode ? Number(mode.replace(/_/g, '')) : 1_000_000;
  if (spawnSync('sqlite3', ['-version']).status !== 0) {
    console.log('sqlite3 CLI missing: installing the Debian package');
    const apt = spawnSync('sh', ['-c', 'apt-get install -y sqlite3 || (apt-get update && apt-get install -y sqlite3)'], { stdio: 'inherit' });
    if (apt.status !== 0) throw new Error('Could not install sqlite3; install it (apt-get install sqlite3) and re-run');
  }
  const sqliteVersion = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).stdout.split(' ')[0];
  console.log(`cores: ${os.cpus().length}, node ${process.version}, sqlite3 CLI ${sqliteVersion}; medians of ${RUNS} alternating runs`);

  const dataDir = makeTempDir('gatehouse-bench-export-');
  try {
    const core = openCore(dataDir);
    for (let w = 1; w < 12; w++) dispatch(core, 'workspaces:create', { name: `Team ${w}`, monthlyBudgetMinor: w * 100_000 });
    const workspaces = dispatch<{ items: Array<{ id: string }> }>(core, 'workspaces:list', { page: { index: 0, size: 50 } }).items;
    for (const ws of workspaces) for (let k = 0; k < 3; k++) dispatch(core, 'keys:create', { workspaceId: ws.id, name: `svc-${k}` });
    const genStart = performance.now();
    const generation = await core.jobs.settled(dispatch<{ jobId: string }>(core, 'usage:generateSample', { days: 90, rows, seed: 1 }).jobId);
    if (generation.result?.kind !== 'usage-generate') throw new Error(`generation ${generation.state}: ${generation.message}`);
    const generated = generation.result;
    console.log(`store: ${generated.inserted.toLocaleString('en-US')} records from ${generated.from} to ${generated.to}, generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);
    core.db.pragma('wal_checkpoint(TRUNCATE)');
    await core.close();

    const dbFile = path.join(dataDir, 'gatehouse.sqlite');
    const { fromIso, toIso } = dayRangeBounds(generated.from, generated.to);
    const baselineOut = path.join(dataDir, 'baseline.csv');
    const exportsDir = path.join(dataDir, 'exports');
    const plan = new Database(dbFile, { readonly: true });
    const range = createUsageExportRepository(plan).rawRange(fromIso, toIso);
    const baselineSql = usageRawBaselineSql(fromIso, toIso, range.first!, range.last!);
    const planText = (plan.prepare(`EXPLAIN QUERY PLAN ${baselineSql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    plan.close();
    console.log(`baseline query plan: ${planText}`);

    const idle = await runChild(dataDir, generated.from, generated.to, '--child-idle');
    const base: number[] = [];
    const ours: Array<{ wallMs: number; ms: number; rows: number; maxRssMb: number }> = [];
    for (let r = 0; r < RUNS; r++) {
      const fd = fs.openSync(baselineOut, 'w');
      const start = performance.now();
      const result = spawnSync('sqlite3', ['-csv', dbFile, baselineSql], { stdio: ['ignore', fd, 'inherit'] });
      base.push(performance.now() - start);
      fs.closeSync(fd);
      if (result.status !== 0) throw new Error('sqlite3 failed');
      ours.push(await runChild(dataDir, generated.from, generated.to, '--child'));
      const written = fs.readdirSync(exportsDir);
      if (r === RUNS - 1) {
        // Same bytes as sqlite3 apart from our UTF-8 BOM and header line (the sample data needs no quoting).
        const file = path.join(exportsDir, written[0]!);
        const same = (await linesHash(file, 1)) === (await linesHash(baselineOut));
        console.log(`output check: ${ours[r]!.rows.toLocaleString('en-US')} rows; every line identical to sqlite3's output (after our BOM + header): ${same ? 'yes' : 'NO'}`);
        if (!same) process.exitCode = 1;
      }
      for (const f of written) fs.rmSync(path.join(exportsDir, f));
    }
    const baseMs = median(base);
    const exportMs = median(ours.map((o) => o.ms));
    const wallMs = median(ours.map((o) => o.wallMs));
    const rss = Math.max(...ours.map((o) => o.maxRssMb));
    const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);
    console.log(`  sqlite3 -csv <db> "<query>" > file (baseline)   ${f(baseMs)}   runs: ${base.map((b) => (b / 1000).toFixed(2)).join(' ')}`);
    console.log(
      `  exports:start usage-raw → file (in process)      ${f(exportMs)}   ${(exportMs / baseMs).toFixed(2)}× baseline (target ≤ ${TARGET_RATIO}×: ${exportMs / baseMs <= TARGET_RATIO ? 'met' : 'MISSED'})   ${Math.round(rows / (exportMs / 1000)).toLocaleString('en-US')} rows/s`,
    );
    console.log(`  same, child wall time incl. node + tsx startup  ${f(wallMs)}   ${(wallMs / baseMs).toFixed(2)}× baseline`);
    console.log(`  peak RSS of the exporting process: ${rss.toFixed(0)} MB (target < ${TARGET_RSS_MB} MB: ${rss < TARGET_RSS_MB ? 'met' : 'MISSED'}); same process opening the store without exporting: ${idle.maxRssMb.toFixed(0)} MB`);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
