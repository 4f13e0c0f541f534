// A store of N generated usage records for benchmarks (90 days, 11 workspaces × 3 keys), made through
// the real core (`usage:generateSample`). GATEHOUSE_BENCH_STORE_DIR=DIR keeps it in DIR/<rows> and
// reuses it on the next run (10M records take minutes to generate).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCore, type CoreOptions } from '../electron/core/core';
import { LATEST_SCHEMA_VERSION } from '../electron/core/store/migrations';
import { makeTempDir } from '../electron/core/testing/temp-core';

export function openBenchCore(dataDir: string, overrides: Partial<CoreOptions> = {}) {
  const exportsDir = path.join(dataDir, 'exports');
  return createCore({
    ...overrides,
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

export function benchDispatch<T>(core: ReturnType<typeof openBenchCore>, channel: string, input: unknown): T {
  const result = core.dispatcher.dispatch(channel, input, { kind: 'cli' });
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.data as T;
}

export interface BenchStore {
  dataDir: string;
  from: string;
  to: string;
  keep: boolean;
}

export async function generatedStore(rows: number, tempPrefix = 'gatehouse-bench-store-'): Promise<BenchStore> {
  const keepRoot = process.env.GATEHOUSE_BENCH_STORE_DIR;
  const dataDir = keepRoot ? path.join(path.resolve(keepRoot), String(rows)) : makeTempDir(tempPrefix);
  const marker = path.join(dataDir, 'bench-store.json');
  if (keepRoot && fs.existsSync(marker)) {
    const kept = JSON.parse(fs.readFileSync(marker, 'utf8')) as { from: string; to: string; schema?: number };
    if (kept.schema === undefined || kept.schema === LATEST_SCHEMA_VERSION) {
      console.log(`store: ${rows.toLocaleString('en-US')} records (kept in ${dataDir}), ${kept.from} to ${kept.to}`);
      return { dataDir, from: kept.from, to: kept.to, keep: true };
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const core = openBenchCore(dataDir);
  for (let w = 1; w < 12; w++) benchDispatch(core, 'workspaces:create', { name: `Team ${w}`, monthlyBudgetMinor: w * 100_000 });
  const workspaces = benchDispatch<{ items: Array<{ id: string }> }>(core, 'workspaces:list', { page: { index: 0, size: 50 } }).items;
  for (const ws of workspaces) for (let k = 0; k < 3; k++) benchDispatch(core, 'keys:create', { workspaceId: ws.id, name: `svc-${k}` });
  const genStart = performance.now();
  const generation = await core.jobs.settled(benchDispatch<{ jobId: string }>(core, 'usage:generateSample', { days: 90, rows, seed: 1 }).jobId);
  if (generation.result?.kind !== 'usage-generate') throw new Error(`generation ${generation.state}: ${generation.message}`);
  const generated = generation.result;
  console.log(`store: ${generated.inserted.toLocaleString('en-US')} records from ${generated.from} to ${generated.to}, generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);
  core.db.pragma('wal_checkpoint(TRUNCATE)');
  await core.close();
  if (keepRoot) fs.writeFileSync(marker, JSON.stringify({ from: generated.from, to: generated.to, schema: LATEST_SCHEMA_VERSION }));
  return { dataDir, from: generated.from, to: generated.to, keep: Boolean(keepRoot) };
}
