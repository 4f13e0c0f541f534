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
    // Written straight to --out by the core (temp file next to it, renamed): no copy, no leftovers.
    expect(fs.readdirSync(cli.dataDir()).filter((f) => f.endsWith('.csv') || f.endsWith('.partial') || f === 'exports').sort()).toEqual(['by-model.csv', 'raw.csv']);
  });

  it('--json prints the job result; audit exports the log newest first, filtered by workspace and inclusive days', async () => {
    const created = JSON.parse((await gh('workspaces', 'create', '--name', 'Audited', '--json')).out) as { id: string };
    expect((await gh('workspaces', 'rename', created.id, '--name', 'Audited 2')).code).toBe(0);
    const file = path.join(cli.dataDir(), 'audit.csv');
    const run = await gh('export', 'audit', '--workspace', created.id, '--out', file, '--json');
    expect(run).toMatchObject({ code: 0, err: '' });
    const listed = (JSON.parse((await gh('call', 'audit:list', JSON.stringify({ filter: { workspaceId: created.id } }))).out) as { items: Array<{ id: number; action: string }> }).items;
    expect(listed.map((e) => e.action)).toContain('workspace.update');
    expect(JSON.parse(run.out)).toEqual({ kind: 'export', rowsWritten: listed.length, savedTo: file, fileName: 'audit.csv', downloadable: false });
    const rows = rowsOf(file);
    expect(rows[0]!.slice(0, 4)).toEqual(['id', 'time_utc', 'actor', 'action']);
    expect(rows.slice(1).map((r) => [Number(r[0]), r[3]])).toEqual(listed.map((e) => [e.id, e.action]));
    const today = new Date().toISOString().slice(0, 10);
    const todays = path.join(cli.dataDir(), 'today.csv');
    expect((await gh('export', 'audit', '--from', today, '--to', today, '--out', todays)).code).toBe(0);
    const all = path.join(cli.dataDir(), 'all.csv');
    expect((await gh('export', 'audit', '--out', all)).code).toBe(0);
    expect(rowsOf(todays).length).toBe(rowsOf(all).length); // everything happened today
    expect(rowsOf(todays).length).toBeGreaterThan(3);
    const future = path.join(cli.dataDir(), 'future.csv');
    expect((await gh('export', 'audit', '--from', '2999-01-01', '--out', future)).code).toBe(0);
    expect(rowsOf(future)).toHaveLength(1); // header only
    const bad = await gh('export', 'audit', '--from', 'last week', '--out', path.join(cli.dataDir(), 'no.csv'));
    expect(bad).toMatchObject({ code: 1, err: expect.stringMatching(/^E_VALIDATION: /) });
  });

  it('a destination folder that does not exist fails with E_STORAGE naming the file', async () => {
    const target = path.join(cli.dataDir(), 'missing', 'ws.csv');
    const run = await gh('export', 'workspaces', '--out', target);
    expect(run.code).toBe(1);
    expect(run.err).toBe(`E_STORAGE: Cannot write ${target}: its folder does not exist; no file was written`);
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
