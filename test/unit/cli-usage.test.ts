import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliDataDir } from './cli-harness';
import { USAGE_CSV_COLUMNS } from '../../shared/domain/usage-rules';

const cli = useCliDataDir('gatehouse-cli-usage-');
const gh = cli.gh;

describe('gatehouse usage', () => {
  it('generate is deterministic with --seed: a second run adds nothing; summary and report see the records', async () => {
    const first = await gh('usage', 'generate', '--days', '14', '--rows', '2_000', '--seed', '5', '--json');
    expect(first).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(first.out)).toMatchObject({ inserted: 2000, duplicates: 0, seed: 5 });
    const second = await gh('usage', 'generate', '--days', '14', '--rows', '2000', '--seed', '5');
    expect(second.out).toMatch(/^Generated 0 usage records from \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2} \(seed 5; 2000 already present\)$/);
    const summary = JSON.parse((await gh('usage', 'summary', '--json')).out);
    expect(summary.records).toBe(2000);
    const report = await gh('usage', 'report', '--from', summary.firstDay, '--to', summary.lastDay, '--bucket', 'week', '--json');
    expect(report.code).toBe(0);
    const parsed = JSON.parse(report.out) as { totals: Array<{ records: number }> };
    expect(parsed.totals.reduce((a, t) => a + t.records, 0)).toBe(2000);
    const table = await gh('usage', 'report', '--from', summary.firstDay, '--to', summary.lastDay, '--group-by', 'vendor');
    expect(table.out.split('\n')[0]).toMatch(/^BUCKET\s+GROUP\s+REQUESTS\s+INPUT\s+OUTPUT\s+CACHED\s+COST$/);
    expect(table.out).toMatch(/\nTOTAL\s+.*USD \d+\.\d{2}$/);
  });

  it('import FILE reports counts, then duplicates; a bad row fails with its line number and exit 1', async () => {
    const file = path.join(cli.dataDir(), 'usage.csv');
    const row = (id: string, requests = '1') => [id, '2026-03-01T10:00:00Z', 'ws-x', '', 'gpt-4o', requests, '10', '5', '0', '123', 'USD'].join(',');
    fs.writeFileSync(file, [USAGE_CSV_COLUMNS.join(','), row('a'), row('b')].join('\n'));
    expect(await gh('usage', 'import', file)).toMatchObject({ code: 0, out: 'Imported 2 of 2 rows (0 already present)' });
    expect(await gh('usage', 'import', file)).toMatchObject({ code: 0, out: 'Imported 0 of 2 rows (2 already present)' });
    fs.writeFileSync(file, [USAGE_CSV_COLUMNS.join(','), row('c'), row('d', 'many')].join('\n'));
    const bad = await gh('usage', 'import', file);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('line 3: requests: "many" is not a whole number ≥ 0');
    expect(JSON.parse((await gh('usage', 'summary', '--json')).out).records).toBe(2);
    expect(await gh('usage', 'import', path.join(cli.dataDir(), 'missing.csv'))).toMatchObject({ code: 1, err: expect.stringMatching(/^E_NOT_FOUND/) });
  });

  it('bad flags exit 2 before the store is opened', async () => {
    expect(await gh('usage', 'generate', '--days', '3')).toMatchObject({ code: 2, err: expect.stringContaining('--rows N is required') });
    expect(await gh('usage', 'report', '--bucket', 'year')).toMatchObject({ code: 2, err: expect.stringContaining('--bucket must be one of: day, week, month') });
    expect(await gh('usage', 'generate', '--rows', '1e6')).toMatchObject({ code: 2 });
    expect(fs.readdirSync(cli.dataDir())).toEqual([]);
  });
});
