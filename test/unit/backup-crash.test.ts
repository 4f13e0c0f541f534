// kill -9 during mixed writes, imports, backups and restores (real child processes, real SIGKILL):
// GATEHOUSE_BACKUP_CRASH_TRIALS=N for more (bench/backup-crash.bench.ts runs ≥ 100).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { prepareCrashSetup, runCrashChain, summarize, type CrashSetup, type TrialRecord } from './fixtures/backup-crash-trials';

const TRIALS = Number(process.env.GATEHOUSE_BACKUP_CRASH_TRIALS ?? 20);
let root: string;
let setup: CrashSetup;
beforeAll(async () => {
  root = makeTempDir('gatehouse-backup-crash-');
  setup = await prepareCrashSetup(root);
}, 60_000);
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('backups and restores under kill -9', () => {
  it(`${TRIALS} trials: integrity ok, no acknowledged write lost, store and key file of one generation, no half backup taken as valid`, async () => {
    const seed = Number(process.env.GATEHOUSE_BACKUP_CRASH_SEED ?? 20261202);
    const half = Math.ceil(TRIALS / 2);
    const chains = await Promise.all([runCrashChain(setup, 0, half, seed), runCrashChain(setup, 1, TRIALS - half, seed + 1)]);
    const records: TrialRecord[] = chains.flat();
    console.log('backup kill -9 trials', summarize(records));
    expect(records.flatMap((r) => r.violations.map((v) => `chain ${r.chain} trial ${r.trial} (${r.kind}, kill after ${r.killedAfterMs} ms): ${v}`))).toEqual([]);
    expect(records).toHaveLength(TRIALS);
    expect(records.every((r) => r.integrityOk)).toBe(true);
  }, 240_000);
});
