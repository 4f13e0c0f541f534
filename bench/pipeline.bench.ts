// `npm run bench`: the IPC pipeline's cost over the raw SQL it runs, measured in the same run.
import os from 'node:os';
import { openTestCore } from '../electron/core/testing/temp-core';
import { timePerCall } from './bench-timing';

const time = timePerCall; // microseconds per call

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

// Audit paging at 100k entries: keyset (what the Audit page uses) vs OFFSET, both deep in the log.
{
  const audit = openTestCore();
  const insert = audit.db.prepare(
    `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
     VALUES (?, ?, 'workspace.update', 'workspace', 'ws-bench', 'ws-bench', '{"name":"a"}', '{"name":"b"}')`,
  );
  audit.db.transaction(() => {
    for (let i = 0; i < 100_000; i++) insert.run(new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(), i % 4 ? 'ana' : 'bo');
  })();
  const deepId = 10_000; // ~90% of the way down the newest-first list
  const keyset = time(() => audit.dispatcher.dispatch('audit:list', { filter: { actor: 'ana' }, beforeId: deepId, limit: 100 }, { kind: 'cli' }), 50, 5);
  const offsetSql = audit.db.prepare("SELECT * FROM audit_log WHERE actor = 'ana' ORDER BY id DESC LIMIT 100 OFFSET 67000");
  const offset = time(() => offsetSql.all(), 50, 5);
  console.log(`audit:list page at depth ~67k of 100k (keyset, full pipeline) ${(keyset / 1000).toFixed(2)} ms`);
  console.log(`same depth by raw SQL OFFSET (baseline)                        ${(offset / 1000).toFixed(2)} ms  (keyset is ${(offset / keyset).toFixed(1)}× faster)`);
  audit.dispose();
}
