// `npm test`: typecheck, lint, vitest (unit + renderer), Playwright e2e; then one summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { findChromium, NO_CHROMIUM_MESSAGE } from './find-chromium.mjs';

const out = '.test-output';
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
const tally = { passed: 0, failed: 0, skipped: 0 };
const steps = [];

function run(name, command, args) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: '0' } });
  steps.push(`${name}: ${result.status === 0 ? 'ok' : `exit ${result.status}`} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return result.status === 0;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

for (const [name, args] of [
  ['typecheck', ['tsc', '-b']],
  ['lint', ['eslint', '--max-warnings', '0', '.']],
]) {
  if (run(name, 'npx', args)) tally.passed += 1;
  else tally.failed += 1;
}

const vitestOk = run('vitest', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}/vitest.json`]);
const vitest = readJson(`${out}/vitest.json`);
if (vitest) {
  tally.passed += vitest.numPassedTests;
  tally.failed += vitest.numFailedTests;
  tally.skipped += vitest.numPendingTests + (vitest.numTodoTests ?? 0);
}
if (!vitestOk && (!vitest || vitest.numFailedTests === 0)) tally.failed += 1; // crashed before reporting

const chromium = findChromium();
if (!chromium) {
  console.log(`\n=== e2e\n${NO_CHROMIUM_MESSAGE}`);
  steps.push('e2e: no Chromium (0.0 s)');
  tally.failed += 1;
} else {
  const e2eOk = run('e2e', 'npx', ['playwright', 'test']);
  const e2e = readJson(`${out}/e2e.json`);
  if (e2e?.stats) {
    tally.passed += e2e.stats.expected + (e2e.stats.flaky ?? 0);
    tally.failed += e2e.stats.unexpected;
    tally.skipped += e2e.stats.skipped;
  }
  if (!e2eOk && (!e2e?.stats || e2e.stats.unexpected === 0)) tally.failed += 1;
}

console.log(`\n${steps.join('\n')}`);
console.log(`${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
process.exit(tally.failed === 0 ? 0 : 1);
