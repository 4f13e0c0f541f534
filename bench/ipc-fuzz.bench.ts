// `npm run bench ipc-fuzz` (or `npx tsx bench/ipc-fuzz.bench.ts`): the IPC fuzzer of
// test/unit/ipc-fuzz.test.ts at bench scale — GATEHOUSE_FUZZ_RUNS payloads (default 100,000) over
// every channel of the contract against a real core seeded with realistic data and the reference
// gateway on 127.0.0.1. It counts every violation instead of stopping at the first, and prints the
// totals: payloads, ok, rejected, E_INTERNAL (must be 0), changes on rejection (must be 0).
// The seed is random unless GATEHOUSE_FUZZ_SEED is set; it is printed first, so any run replays.
// Baseline in the same run: the same payloads' share that the contract alone refuses (input parse
// only, no core), so "rejected" can be read against what validation alone accounts for.
import { performance } from 'node:perf_hooks';
import { contract } from '../shared/contract/contract';
import { formatReport, openFuzzEnv, runFuzz, secretsAtRest, seedRealisticData, selectChannels } from '../test/unit/ipc-fuzz-harness';

const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 100_000);
const SEED = process.env.GATEHOUSE_FUZZ_SEED ? Number(process.env.GATEHOUSE_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const channels = selectChannels(process.env.GATEHOUSE_FUZZ_CHANNELS);

console.log(`ipc-fuzz: ${RUNS.toLocaleString('en-US')} payloads over ${channels.length} channels, seed ${SEED} (replay: GATEHOUSE_FUZZ_SEED=${SEED})`);
const env = await openFuzzEnv();
try {
  await seedRealisticData(env);
  const started = performance.now();
  const report = await runFuzz(env, {
    numRuns: RUNS,
    seed: SEED,
    channels,
    stopOnViolation: false,
    progressEvery: 10_000,
    onProgress: (r) => console.log(`  … ${r.payloads.toLocaleString('en-US')} payloads, ${r.violations.length} violations, ${((performance.now() - started) / 1000).toFixed(0)} s`),
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(formatReport(report));
  const byKind = new Map<string, number>();
  for (const v of report.violations) byKind.set(v.kind, (byKind.get(v.kind) ?? 0) + 1);
  for (const v of report.violations.slice(0, 20)) console.log(`  violation ${v.kind} on ${v.channel}: ${v.detail.split('\n')[0]}\n    payload: ${v.payload}`);
  const atRest = secretsAtRest(env);
  const validationShare = report.rejected ? (Object.values(report.perChannel).reduce((n, s) => n + (s.byCode.E_VALIDATION ?? 0), 0) / report.rejected) * 100 : 0;
  console.log('');
  console.log(`totals: payloads ${report.payloads}, ok ${report.ok}, rejected ${report.rejected} (${validationShare.toFixed(1)} % of them E_VALIDATION), E_INTERNAL=${report.internal}, changes on rejection=${report.changedOnRejection}`);
  console.log(`        violations ${report.violations.length}${byKind.size ? ` (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}, blocked connections ${env.guard.blocked.length}, plaintext secrets at rest ${atRest.length}`);
  console.log(`        ${seconds.toFixed(1)} s, ${(report.payloads / seconds).toFixed(0)} payloads/s; contract: ${Object.keys(contract).length} channels`);
  if (report.violations.length > 0 || report.internal > 0 || report.changedOnRejection > 0 || atRest.length > 0) process.exitCode = 1;
} finally {
  await env.close();
}
