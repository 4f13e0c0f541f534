import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { useCliDataDir } from './cli-harness';

const cli = useCliDataDir('gatehouse-cli-export-');
const gh = cli.gh;
const rowsOf = (file: string) => parse(fs.readFileSync(file, 'utf8'), { bom: true, record_delimiter: '\r\n' }) as string[][];

describe('gatehouse export', () => {
  it('usage: raw records without --group-by, the grouped report with it; totals agree with the report', async () => {
    expect((await gh('usage', 'generate', '--days', '10', '--rows', '1500', '--seed', '3')).code).toBe(0);
    const summary = JSON.parse((await gh('usage', 'summary', '--json')).out) as { firstDay: string; lastDay: string };
    const raw = path.join(cli.dataDir(), 'raw.csv');
    const rawRun = await gh('export', 'usage', '--from', summary.firstDay, '--to', summary.lastDay, '--out', raw);
    expect(rawRun).toMatchObject({ code: 0, out: `Wrote 1500 rows to ${raw}` });
    const rawRows = rowsOf(raw);
    expect(rawRows[0]![0]).toBe('id');
    expect(rawRows).toHaveLength(1501);

    const grouped = path.join(cli.dataDir(), 'by-model.csv');
    const groupedRun = await gh('export', 'usage', '--from', summary.firstDay, '--to', summary.lastDay, '--group-by', 'model', '--bucket', 'month', '--out', grouped);
    expect(groupedRun.code).toBe(0);
    const groupedRows = rowsOf(grouped);
    expect(groupedRows[0]!.slice(0, 4)).toEqual(['period', 'group_by', 'group_id', 'group']);
    const sum = (rows: string[][], column: number) => rows.slice(1).reduce((a, r) => a + Math.round(Number(r[column]) * 1e6), 0);
    expect(sum(groupedRows, 9)).toBe(sum(rawRows, 9)); // cost column of both files
    expect(fs.readdirSync(path.join(cli.dataDir(), 'exports'))).toEqual([]); // moved, not copied
  });

  it('workspaces and keys; bad flags exit 2, bad values exit 1 with the field, nothing written', async () => {
    const ws = path.join(cli.dataDir(), 'ws.csv');
    expect((await gh('export', 'workspaces', '--out', ws)).code).toBe(0);
    const wsRows = rowsOf(ws);
    const id = wsRows[1]![0]!;
    const keys = path.join(cli.dataDir(), 'keys.csv');
    expect((await gh('export', 'keys', '--workspace', id, '--out', keys)).code).toBe(0);
    expect(rowsOf(keys)).toHaveLength(1); // header only: no keys yet

    expect((await gh('export', 'usage', '--from', '2026-01-01', '--to', '2026-01-02')).code).toBe(2);
    expect((await gh('export', 'usage', '--from', '2026-01-01', '--to', '2026-01-02', '--bucket', 'week', '--out', 'x.csv')).code).toBe(2);
    expect((await gh('export', 'secrets', '--out', 'x.csv')).code).toBe(2);
    const backwards = await gh('export', 'usage', '--from', '2026-02-01', '--to', '2026-01-01', '--out', path.join(cli.dataDir(), 'no.csv'));
    expect(backwards).toMatchObject({ code: 1 });
    expect(backwards.err).toContain('E_VALIDATION: The end date is before the start date');
    expect(fs.existsSync(path.join(cli.dataDir(), 'no.csv'))).toBe(false);
    expect((await gh('export', 'keys', '--workspace', 'ws-nothere', '--out', path.join(cli.dataDir(), 'no.csv'))).err).toMatch(/^E_NOT_FOUND/);
  });
});
