// `npm run bench models-filter`: catalog filtering at 10,000 models through the full pipeline vs the raw SQL, same run.
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { openTestCore } from '../electron/core/testing/temp-core';
import { median } from './bench-timing';

const CATALOG_SIZE = 10_000;
const TYPES = ['text', 'vision', 'image-generation', 'video-generation', 'embedding', 'speech-audio', 'rerank'] as const;

/** Median over `runs` of the mean time per call, in milliseconds. */
function time(fn: () => void, iterations: number, runs = 7): number {
  fn(); // warm the statement cache
  const perRun: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) fn();
    perRun.push((performance.now() - start) / iterations);
  }
  return median(perRun);
}

const core = openTestCore();
const vendors = core.db.prepare('SELECT DISTINCT vendor FROM models ORDER BY vendor').pluck().all() as string[];
const seeded = core.db.prepare('SELECT COUNT(*) FROM models').pluck().get() as number;
// Synthetic models fill the shipped catalog up to 10,000, spread over the real vendors and all types.
const insert = core.db.prepare(
  `INSERT INTO models (id, display_name, name_key, vendor, type, token_metered, context_window, source, catalog_version, updated_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, 'sync', 'bench', 't')`,
);
core.db.transaction(() => {
  for (let i = 0; i < CATALOG_SIZE - seeded; i++) {
    const vendor = vendors[i % vendors.length]!;
    const type = TYPES[i % TYPES.length]!;
    const name = `${vendor} ${['Nova', 'Pro', 'Lite', 'Max', 'Flash'][i % 5]} ${i}`;
    const id = `bench-${i}`;
    insert.run(id, name, `${name} ${id}`.toLowerCase(), vendor, type, type.endsWith('generation') ? 0 : 1, 8192 + i);
  }
})();

const dispatch = (channel: string, input: unknown) => {
  const result = core.dispatcher.dispatch(channel, input, { kind: 'cli' });
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.data;
};

const filter = { search: 'pro', vendors: ['Alibaba', 'OpenAI', 'Google'], types: ['text', 'vision'] };
const listInput = { ...filter, sort: { field: 'displayName', direction: 'asc' }, page: { index: 0, size: 25 } };
const total = (dispatch('models:list', listInput) as { total: number }).total;
const catalogTotal = (dispatch('models:list', {}) as { total: number }).total;

// Baselines: the same queries as plain prepared statements, no validation, no mapping, no output parse.
const where = `WHERE instr(name_key, @search) > 0 AND vendor IN (SELECT value FROM json_each(@vendors)) AND type IN (SELECT value FROM json_each(@types))`;
const bind = { search: 'pro', vendors: JSON.stringify(filter.vendors), types: JSON.stringify(filter.types) };
const rawRows = core.db.prepare(`SELECT * FROM models ${where} ORDER BY name_key, id LIMIT 25 OFFSET 0`);
const rawCount = core.db.prepare(`SELECT COUNT(*) FROM models ${where}`).pluck();
const rawIds = core.db.prepare(`SELECT id FROM models ${where} ORDER BY name_key, id`).pluck();
const rawAllIds = core.db.prepare('SELECT id FROM models ORDER BY name_key, id').pluck();

/** Baseline and pipeline run interleaved (A, B, A, B…) so machine noise hits both alike. Medians in ms per call. */
function compare(raw: () => void, pipeline: () => void, iterations: number, runs = 9): [number, number] {
  raw();
  pipeline();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < runs; r++) {
    for (const [fn, out] of [[raw, a], [pipeline, b]] as const) {
      const start = performance.now();
      for (let i = 0; i < iterations; i++) fn();
      out.push((performance.now() - start) / iterations);
    }
  }
  return [median(a), median(b)];
}

const pairs = [
  ['models:list search+vendor+type, page of 25 (rows + count)', compare(() => (rawRows.all(bind), rawCount.get(bind)), () => dispatch('models:list', listInput), 100)],
  ['models:matchIds search+vendor+type', compare(() => rawIds.all(bind), () => dispatch('models:matchIds', filter), 100)],
  ['models:matchIds whole catalog (Select All Results)', compare(() => rawAllIds.all(), () => dispatch('models:matchIds', {}), 20)],
] as const;

console.log(`cores: ${os.cpus().length}, node ${process.version}, catalog ${catalogTotal.toLocaleString('en-US')} models (${total} match the filter), medians of 9 interleaved runs`);
console.log(`${'query'.padEnd(60)} ${'raw SQL'.padStart(10)} ${'pipeline'.padStart(10)}  ratio`);
for (const [label, [raw, pipeline]] of pairs) {
  console.log(`${label.padEnd(60)} ${raw.toFixed(3).padStart(7)} ms ${pipeline.toFixed(3).padStart(7)} ms  ${(pipeline / raw).toFixed(2)}× raw`);
}
console.log(`${'models:list no filter, page 200 of 400 (pipeline)'.padEnd(71)} ${time(() => dispatch('models:list', { page: { index: 199, size: 25 } }), 100).toFixed(3)} ms`);
console.log(`${'models:facets for a search (pipeline)'.padEnd(71)} ${time(() => dispatch('models:facets', { search: 'pro' }), 100).toFixed(3)} ms`);

// A whole-catalog grant saved in one transaction (the worst case of "Select All Results" + Save).
const ws = (dispatch('workspaces:create', { name: 'Bench' }) as { id: string }).id;
const ids = (dispatch('models:matchIds', {}) as { ids: string[] }).ids;
const start = performance.now();
dispatch('modelGrants:save', { workspaceId: ws, grants: ids.map((modelId) => ({ modelId, rpmLimit: 60, tpmLimit: null })) });
console.log(`modelGrants:save of ${ids.length.toLocaleString('en-US')} grants (one transaction, audit + change log)  ${(performance.now() - start).toFixed(1)} ms (single run)`);
core.dispose();
