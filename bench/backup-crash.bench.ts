// `npm run bench backup-crash`: (1) ≥ 100 kill -9 trials over mixed writes, imports, backups and
// restores (the same trials as test/unit/backup-crash.test.ts; GATEHOUSE_BACKUP_CRASH_TRIALS=N);
// (2) backup throughput of `backup:create` (plain and encrypted) against the `sqlite3 db ".backup x"`
// CLI on the same store in the same run, when sqlite3 is installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeTempDir } from '../electron/core/testing/temp-core';
import { openDoorCore } from '../test/unit/backup-harness';
import { prepareCrashSetup, runCrashChain, summarize } from '../test/unit/fixtures/backup-crash-trials';
import { median } from './bench-timing';

const TRIALS = Number(process.env.GATEHOUSE_BACKUP_CRASH_TRIALS ?? 100);
const USAGE_ROWS = Number(process.env.GATEHOUSE_BENCH_BACKUP_ROWS ?? 300_000);
const root = makeTempDir('gatehouse-bench-backup-');
const mib = (bytes: number) => bytes / (1024 * 1024);

try {
  // ---- (1) kill -9 trials
  {
    const setup = await prepareCrashSetup(root);
    const started = performance.now();
    const half = Math.ceil(TRIALS / 2);
    let done = 0;
    const progress = () => {
      done += 1;
      if (done % 10 === 0) console.log(`  ${done} / ${TRIALS} trials`);
    };
    const chains = await Promise.all([runCrashChain(setup, 0, half, 1001, progress), runCrashChain(setup, 1, TRIALS - half, 2002, progress)]);
    const records = chains.flat();
    const summary = summarize(records);
    console.log(`kill -9 trials (${((performance.now() - started) / 1000).toFixed(0)} s):`, summary);
    for (const r of records) for (const v of r.violations) console.log(`  VIOLATION chain ${r.chain} trial ${r.trial} (${r.kind}): ${v}`);
    if (summary.violations > 0) process.exitCode = 1;
  }

  // ---- (2) throughput vs the sqlite3 CLI
  {
    const dataDir = path.join(root, 'throughput');
    const h = openDoorCore(dataDir, { saveTo: null, openFrom: null }, { now: () => new Date() });
    const generated = await h.job('usage:generateSample', { days: 90, rows: USAGE_ROWS, seed: 9 });
    if (generated.state !== 'done') throw new Error('generation failed');
    h.core.db.pragma('wal_checkpoint(TRUNCATE)');
    const storeBytes = fs.statSync(path.join(dataDir, 'gatehouse.sqlite')).size;
    const runs = 3;
    const timeBackup = async (passphrase?: string) => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        h.door.saveTo = path.join(root, `b-${i}.ghbackup`);
        const start = performance.now();
        const job = await h.job('backup:create', passphrase ? { passphrase } : {});
        samples.push(performance.now() - start);
        if (job.state !== 'done') throw new Error(`backup ${job.state}`);
        fs.rmSync(h.door.saveTo, { force: true });
      }
      return median(samples);
    };
    const plainMs = await timeBackup();
    const encMs = await timeBackup('bench passphrase 123');
    console.log(`store: ${mib(storeBytes).toFixed(1)} MiB (${USAGE_ROWS} usage records), medians of ${runs}`);
    let baselineMs: number | null = null;
    if (spawnSync('which', ['sqlite3']).status === 0) {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        const out = path.join(root, `sqlite3-${i}.db`);
        const start = performance.now();
        const run = spawnSync('sqlite3', [path.join(dataDir, 'gatehouse.sqlite'), `.backup ${out}`]);
        samples.push(performance.now() - start);
        if (run.status !== 0) throw new Error(`sqlite3 failed: ${run.stderr}`);
        fs.rmSync(out, { force: true });
      }
      baselineMs = median(samples);
      console.log(`sqlite3 ".backup" CLI (baseline)         ${baselineMs.toFixed(0)} ms  ${(mib(storeBytes) / (baselineMs / 1000)).toFixed(0)} MiB/s`);
    } else {
      console.log('sqlite3 CLI not installed: no baseline');
    }
    const line = (label: string, ms: number) =>
      console.log(`${label} ${ms.toFixed(0)} ms  ${(mib(storeBytes) / (ms / 1000)).toFixed(0)} MiB/s${baselineMs ? `  (${(ms / baselineMs).toFixed(2)}× sqlite3)` : ''}`);
    line('backup:create, no passphrase            ', plainMs);
    line('backup:create, passphrase (scrypt+GCM)  ', encMs);
    await h.close();
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
