// `npm run bench`: the IPC pipeline's cost over the raw SQL it runs, measured in the same run.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openTestCore } from '../electron/core/testing/temp-core';

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function time(fn: () => void, iterations: number, runs = 7): number {
  const perRun: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    perRun.push(((performance.now() - start) * 1000) / iterations);
  }
  return median(perRun); // microseconds per call
}

const core = openTestCore();
for (let i = 1; i < 20; i++) core.ok('workspaces:create', { name: `Team ${i}`, monthlyBudgetMinor: i * 1000 });
// The raw baseline: the same search + sort + page query, prepared once, without validation or mapping.
const raw = core.db.prepare(
  `SELECT * FROM workspaces WHERE (name_key LIKE @p ESCAPE '\\' OR id LIKE @p ESCAPE '\\') ORDER BY monthly_budget_minor DESC, name_key LIMIT 50 OFFSET 0`,
);
const query = { search: 'team', sort: { field: 'monthlyBudgetMinor', direction: 'desc' }, page: { index: 0, size: 50 } } as const;

const rawUs = time(() => raw.all({ p: '%team%' }), 2000);
const pipelineUs = time(() => core.dispatcher.dispatch('workspaces:list', query, { kind: 'cli' }), 2000);
const badUs = time(() => core.dispatcher.dispatch('workspaces:create', { name: 'x'.repeat(31) }, { kind: 'cli' }), 2000);

console.log(`cores: ${os.cpus().length}, node ${process.version}, medians of 7 runs`);
console.log(`workspaces:list (20 rows, search+sort+page) raw SQL      ${rawUs.toFixed(1)} µs`);
console.log(`workspaces:list through the full pipeline            ${pipelineUs.toFixed(1)} µs  (${(pipelineUs / rawUs).toFixed(2)}× raw)`);
console.log(`workspaces:create rejected by validation (no SQL)     ${badUs.toFixed(1)} µs`);
core.dispose();
