// kill -9 at random points of a usage import (≥ 50 trials; GATEHOUSE_CRASH_TRIALS=N for more, as
// `npm run bench usage-import` does): after reopening, either none or all of the import is there,
// counted once, usage_daily = raw GROUP BY, integrity ok, nothing staged.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { aimAt, prepareCrashSetup, runCrashTrial, type CrashSetup, type CrashTrial } from './fixtures/usage-import-crash-trials';

const TRIALS = Number(process.env.GATEHOUSE_CRASH_TRIALS ?? 50);
const ROWS = Number(process.env.GATEHOUSE_CRASH_ROWS ?? 20_000);
const CONCURRENCY = Number(process.env.GATEHOUSE_CRASH_CONCURRENCY ?? 2);

let dir: string;
let setup: CrashSetup;
beforeAll(async () => {
  dir = makeTempDir('gatehouse-import-crash-');
  setup = await prepareCrashSetup(dir, ROWS);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('usage import under kill -9', () => {
  it(`${TRIALS} trials killed at random points: nothing or everything, never half, never doubled`, async () => {
    // One undisturbed run first: it must import everything, and its duration spreads the kill points.
    // One undisturbed run first: it must import everything.
    const undisturbed = await runCrashTrial(setup, `${dir}/undisturbed`, null);
    expect(undisturbed.violations).toEqual([]);
    expect(undisturbed).toMatchObject({ point: 'finished', outcome: 'everything' });

    // Trial i dies at a random point of slot i of the import (rows checked, then rows written), plus up to 150 ms.
    const trials: CrashTrial[] = [];
    let next = 0;
    const worker = async () => {
      while (next < TRIALS) {
        const i = next++;
        trials.push(await runCrashTrial(setup, `${dir}/trial-${i}`, aimAt(i, TRIALS, ROWS)));
        fs.rmSync(`${dir}/trial-${i}`, { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, CONCURRENCY) }, worker));

    const tally = (key: (t: CrashTrial) => string) => trials.reduce<Record<string, number>>((acc, t) => ({ ...acc, [key(t)]: (acc[key(t)] ?? 0) + 1 }), {});
    const phaseMs = undisturbed.child?.phaseMs ?? {};
    console.log(`usage import crash trials: ${TRIALS} of ${ROWS} rows (undisturbed: ${JSON.stringify(phaseMs)})`, {
      killedWhile: tally((t) => t.point),
      outcome: tally((t) => t.outcome),
      resumed: tally((t) => t.resumedState ?? 'none'),
    });
    expect(trials.flatMap((t, i) => t.violations.map((v) => `trial ${i} (${t.point}, killed after ${t.killedAfterMs} ms): ${v}`))).toEqual([]);
    expect(trials.every((t) => t.outcome !== 'partial')).toBe(true);
    // The kills landed in both phases, so both the discard and the resume paths ran.
    if (TRIALS >= 20) {
      expect(trials.some((t) => t.point === 'staging')).toBe(true);
      expect(trials.some((t) => t.point === 'applying' && t.resumedState === 'done')).toBe(true);
    }
  }, 30 * 60_000);
});
