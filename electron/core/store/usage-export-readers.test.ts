import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCsvFile } from '../csv/csv-writer';
import { openTestCore, type TestCore } from '../testing/temp-core';
import { createUsageExportRepository } from './usage-export-repository';
import { type AnyExportSource, usageRawExport } from '../services/export-sources';
import { TASK_SEQS } from './usage-export-readers';

const ROWS = TASK_SEQS * 3 + 123;

let core: TestCore;
beforeAll(() => {
  core = openTestCore();
  // Mostly plain records; two need neutralising and quoting (its model id), so some tasks fall back to the in-process path.
  core.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       SELECT 'r-' || i, strftime('%Y-%m-%dT%H:%M:%fZ', '2026-03-01', '+' || (i * 7) || ' seconds'), 'ws-' || (i % 5),
              CASE WHEN i % 4 = 0 THEN NULL ELSE 'key-' || (i % 3) END,
              CASE WHEN i % 13000 = 17 THEN '=cmd|"a,b"' ELSE 'gpt-' || (i % 4) END,
              1 + i % 3, i % 1000, i % 700, i % 11, i * 37, CASE WHEN i % 9 = 0 THEN 'EUR' ELSE 'USD' END FROM n`,
    )
    .run(ROWS);
});
afterAll(() => core.dispose());

async function exportTo(file: string, source: AnyExportSource): Promise<string> {
  await writeCsvFile({ path: file, columns: source.columns, rows: source.rows, ...(source.preformatted ? { preformatted: source.preformatted } : {}) });
  return fs.readFileSync(file, 'utf8');
}

describe('raw usage export with reader threads', () => {
  const repo = () => createUsageExportRepository(core.db);
  const from = '2026-03-01';
  const to = '2026-03-31';

  it('writes byte for byte what the single-connection export writes, in order, plain and quoted tasks alike', async () => {
    const single = await exportTo(path.join(core.dataDir, 'single.csv'), usageRawExport(repo(), from, to));
    for (const workers of [1, 2, 3]) {
      const tally = { worker: 0, here: 0 };
      const parallel = usageRawExport(repo(), from, to, { file: core.db.name, workers, minRows: 1, tally });
      expect(await exportTo(path.join(core.dataDir, `parallel-${workers}.csv`), parallel)).toBe(single);
      // Tasks with a record that needs neutralising are rendered here, the others by the workers.
      expect(tally).toEqual({ worker: 2, here: 2 });
    }
    expect(single.split('\r\n')).toHaveLength(ROWS + 2); // header, rows, the final CRLF
    expect(single).toContain(`'=cmd|"a,b"`.replace(/"/g, '""'));
  });

  it('falls back to the job’s own connection when the workers cannot read (same bytes)', async () => {
    const single = await exportTo(path.join(core.dataDir, 'single-2.csv'), usageRawExport(repo(), from, to));
    const tally = { worker: 0, here: 0 };
    const broken = usageRawExport(repo(), from, to, { file: path.join(core.dataDir, 'no-such-store.sqlite'), workers: 2, minRows: 1, tally });
    expect(await exportTo(path.join(core.dataDir, 'fallback.csv'), broken)).toBe(single);
    expect(tally).toEqual({ worker: 0, here: 4 });
  });

  it('fails (no file) when the period’s records changed under the export instead of writing a mixed file', async () => {
    const source = usageRawExport(repo(), from, to, { file: core.db.name, workers: 2, minRows: 1 });
    core.db.exec("DELETE FROM usage_records WHERE id = 'r-5'"); // never done by the app (see the next test)
    const out = path.join(core.dataDir, 'changed.csv');
    await expect(exportTo(out, source)).rejects.toMatchObject({ code: 'E_CONFLICT' });
    expect(fs.existsSync(out)).toBe(false);
  });

  it('usage_records is append-only in the app: no UPDATE, DELETE, REPLACE or explicit seq (what separate snapshots rely on)', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !file.includes(`${path.sep}testing${path.sep}`)) {
          const text = fs.readFileSync(file, 'utf8');
          const patterns = [/UPDATE\s+usage_records\b/i, /DELETE\s+FROM\s+usage_records\b/i, /REPLACE\s+INTO\s+usage_records\b/i, /INSERT\s+OR\s+\w+\s+INTO\s+usage_records\b/i, /INTO\s+usage_records\s*\(\s*seq\b/i, /DROP\s+TABLE\s+usage_records\b/i];
          for (const pattern of patterns) if (pattern.test(text)) offenders.push(`${path.relative(root, file)}: ${pattern.source}`);
        }
      }
    };
    for (const dir of ['electron', 'shared']) walk(path.join(root, dir));
    expect(offenders).toEqual([]);
  });
});
