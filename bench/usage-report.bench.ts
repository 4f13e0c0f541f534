// `npm run bench usage-report` (USAGE_BENCH_ROWS=1000000 for one size): usage reports at 1M and 10M records, answered from the daily
// rollup, beside the same report computed by a raw GROUP BY over the records table in the same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createUsageRepository } from '../electron/core/store/usage-repository';
import { openTestCore } from '../electron/core/testing/temp-core';
import { median } from './bench-timing';

const SIZES = process.env.USAGE_BENCH_ROWS ? [Number(process.env.USAGE_BENCH_ROWS)] : [1_000_000, 10_000_000];
const DAYS = 90;

function time(fn: () => void, runs: number, warm = true): number {
  if (warm) fn(); // warm statements and page cache
  const samples: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return median(samples); // ms
}
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(0)).padStart(8);

console.log(`cores: ${os.cpus().length}, node ${process.version}; medians of 9 runs (rollup/pipeline) and 3 runs (raw GROUP BY)`);
for (const rows of SIZES) {
  const core = openTestCore();
  const dispatch = <T>(channel: string, input: unknown): T => {
    const result = core.dispatcher.dispatch(channel, input, { kind: 'cli' });
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.data as T;
  };
  // 12 workspaces (a few heavy ones, some with budgets), 3 keys each: ~40 keys × 2–5 models per workspace.
  for (let w = 1; w < 12; w++) core.ok('workspaces:create', { name: `Team ${w}`, monthlyBudgetMinor: w % 3 === 0 ? 0 : w * 150_000 });
  const workspaces = core.ok('workspaces:list', { page: { index: 0, size: 50 } }).items;
  for (const ws of workspaces) for (let k = 0; k < 3; k++) core.ok('keys:create', { workspaceId: ws.id, name: `svc-${k}` });

  const genStart = performance.now();
  const generation = await core.jobs.settled(dispatch<{ jobId: string }>('usage:generateSample', { days: DAYS, rows, seed: 1 }).jobId);
  if (generation.result?.kind !== 'usage-generate') throw new Error(`generation ${generation.state}: ${generation.message}`);
  const generated = generation.result;
  const genMs = performance.now() - genStart;
  const dbBytes = fs.statSync(path.join(core.dataDir, 'gatehouse.sqlite')).size + (fs.existsSync(path.join(core.dataDir, 'gatehouse.sqlite-wal')) ? fs.statSync(path.join(core.dataDir, 'gatehouse.sqlite-wal')).size : 0);
  core.db.pragma('wal_checkpoint(TRUNCATE)');
  const rollupRows = core.db.prepare('SELECT COUNT(*) FROM usage_daily').pluck().get() as number;
  console.log(
    `\n${rows.toLocaleString('en-US')} records over ${DAYS} days: generated in ${(genMs / 1000).toFixed(1)} s (${Math.round(generated.inserted / (genMs / 1000)).toLocaleString('en-US')} rows/s, records + rollup in chunked transactions of 10,000); ` +
      `store ${(dbBytes / 2 ** 20).toFixed(0)} MiB; rollup rows ${rollupRows.toLocaleString('en-US')}`,
  );

  const repo = createUsageRepository(core.db);
  const month = generated.to.slice(0, 7);
  const lastDayOfMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
  const queries = [
    { name: 'month × workspace, one month', query: { from: `${month}-01`, to: lastDayOfMonth, groupBy: 'workspace', bucket: 'month' } },
    { name: `month × workspace, all ${DAYS} days`, query: { from: generated.from, to: generated.to, groupBy: 'workspace', bucket: 'month' } },
    { name: `day × key, all ${DAYS} days`, query: { from: generated.from, to: generated.to, groupBy: 'key', bucket: 'day' } },
  ] as const;
  for (const { name, query } of queries) {
    const full = { ...query, workspaceIds: [], modelIds: [], keyIds: [] };
    const rollup = repo.rollupReport(full);
    const raw = repo.recordsReport(full);
    if (JSON.stringify(rollup) !== JSON.stringify(raw)) throw new Error(`${name}: rollup and raw GROUP BY disagree`);
    const rollupMs = time(() => repo.rollupReport(full), 9);
    const pipelineMs = time(() => dispatch('usage:report', query), 9);
    const rawMs = time(() => repo.recordsReport(full), 3, false); // already warmed by the equality check above
    console.log(`  ${name.padEnd(34)} (${String(rollup.length).padStart(5)} result rows)`);
    console.log(`    raw GROUP BY over usage_records (baseline) ${fmt(rawMs)} ms`);
    console.log(`    rollup SQL (usage_daily)                   ${fmt(rollupMs)} ms  ${(rawMs / rollupMs).toFixed(0)}× faster than raw`);
    console.log(`    usage:report through the full pipeline     ${fmt(pipelineMs)} ms  ${(rawMs / pipelineMs).toFixed(0)}× faster than raw${name.startsWith('month × workspace, one') ? (pipelineMs < 50 ? '  (target < 50 ms: met)' : '  (target < 50 ms: MISSED)') : ''}`);
  }
  core.dispose();
}
