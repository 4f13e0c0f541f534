import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExportStatus } from '../../../shared/contract/export-schemas';
import { makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { downloadPathFor } from './export-jobs';
import { KEY_HEADERS, USAGE_RAW_HEADERS, USAGE_REPORT_HEADERS, WORKSPACE_HEADERS } from './export-sources';

let core: TestCore;
const now = new Date('2026-11-16T12:00:00.000Z');
beforeEach(() => {
  core = openTestCore({ now: () => now });
});
afterEach(() => core.dispose());

async function settle(c: TestCore, jobId: string, timeoutMs = 20_000): Promise<ExportStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = c.ok('exports:status', { jobId });
    if (status.state !== 'running' && status.state !== 'choosing') return status;
    if (Date.now() > deadline) throw new Error(`export ${jobId} did not settle: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function readCsv(file: string): { bytes: Buffer; rows: string[][] } {
  const bytes = fs.readFileSync(file);
  return { bytes, rows: parse(bytes.toString('utf8'), { bom: true, record_delimiter: '\r\n' }) as string[][] };
}

/** `count` usage records spread over November 2026, inserted in one statement. */
function insertUsage(c: TestCore, count: number, workspaceId = 'ws-usage1') {
  c.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       SELECT 'r-' || i, strftime('%Y-%m-%dT%H:%M:%fZ', '2026-11-01', '+' || (i % 2592000) || ' seconds'), ?,
              CASE WHEN i % 5 = 0 THEN NULL ELSE 'key-abcd' END, CASE WHEN i % 3 = 0 THEN '=HYPERLINK("x")' ELSE 'gpt-x' END,
              1, i % 1000, i % 700, 0, i * 7, 'USD' FROM n`,
    )
    .run(count, workspaceId);
}

const exportsDir = (c: TestCore) => path.join(c.dataDir, 'exports');
const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

describe('exports (browser host / CLI: file kept for one download)', () => {
  it('workspaces: documented headers, money with fixed decimals, budget settings, BOM + CRLF', async () => {
    const ws = core.ok('workspaces:create', { name: 'Team', description: '=cmd|calc', monthlyBudgetMinor: 150_050 });
    core.ok('budgets:update', { workspaceId: ws.id, thresholds: [80, 40], mode: 'hard' });
    const started = core.ok('exports:start', { kind: 'workspaces' });
    expect(started).toMatchObject({ kind: 'workspaces', totalRows: 2, savedTo: null });
    const done = await settle(core, started.jobId);
    expect(done).toMatchObject({ state: 'done', rowsWritten: 2, downloadable: true, fileName: 'gatehouse-workspaces-2026-11-16.csv' });
    const { bytes, rows } = readCsv(downloadPathFor(core.dataDir, started.jobId));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toMatch(/\r\n$/);
    expect(rows[0]).toEqual([...WORKSPACE_HEADERS]);
    const row = rows.find((r) => r[0] === ws.id)!;
    expect(row[2]).toBe("'=cmd|calc"); // neutralised
    expect(row[7]).toBe('1500.50');
    expect(row.slice(9, 11)).toEqual(['40;80', 'hard']);
  });

  it('keys: masked keys only, never a secret or its hash', async () => {
    const ws = core.ok('workspaces:getActive', {});
    const { secret } = core.ok('keys:create', { workspaceId: ws.id, name: 'backend', monthlyBudgetMinor: 1234 });
    const hash = core.db.prepare('SELECT secret_hash FROM api_keys').pluck().get() as string;
    const status = await settle(core, core.ok('exports:start', { kind: 'keys', workspaceId: ws.id }).jobId);
    const { bytes, rows } = readCsv(downloadPathFor(core.dataDir, status.jobId));
    const text = bytes.toString('utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(8, 20));
    expect(text).not.toContain(hash);
    expect(rows[0]).toEqual([...KEY_HEADERS]);
    expect(rows[1]![3]).toMatch(new RegExp(`^gh_live_\\w*…${secret.slice(-4)}$`));
    expect(rows[1]![11]).toBe('12.34');
    expect(core.call('exports:start', { kind: 'keys', workspaceId: 'ws-nothere' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('usage-raw: every record in the day range, in stored (here chronological) order; cost totals equal the store', async () => {
    insertUsage(core, 20_000);
    core.db.exec("INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency) VALUES ('late', '2026-12-01T00:00:00.000Z', 'ws-x', NULL, 'm', 1, 1, 1, 0, 5, 'USD')");
    const started = core.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
    expect(started.totalRows).toBe(20_000);
    const done = await settle(core, started.jobId);
    expect(done).toMatchObject({ state: 'done', rowsWritten: 20_000 });
    const { rows } = readCsv(downloadPathFor(core.dataDir, started.jobId));
    expect(rows[0]).toEqual([...USAGE_RAW_HEADERS]);
    const data = rows.slice(1);
    expect(data).toHaveLength(20_000);
    expect(data.some((r) => r[0] === 'late')).toBe(false);
    const times = data.map((r) => r[1]!);
    expect([...times].sort()).toEqual(times);
    const micros = data.reduce((sum, r) => sum + Math.round(Number(r[9]) * 1_000_000), 0);
    expect(micros).toBe(core.db.prepare("SELECT SUM(cost_micros) FROM usage_records WHERE id != 'late'").pluck().get());
    expect(data.find((r) => r[0] === 'r-3')![4]).toBe(`'=HYPERLINK("x")`);
    expect(data.find((r) => r[0] === 'r-5')![3]).toBe(''); // unknown key → empty cell
    expect(data.find((r) => r[0] === 'r-1')![9]).toBe('0.000007');
  });

  it('usage-report: the same rows and totals as usage:report', async () => {
    const ws = core.ok('workspaces:getActive', {});
    core.ok('usage:generateSample', { days: 20, rows: 3_000, seed: 7 });
    const report = { from: '2026-10-01', to: '2026-11-16', groupBy: 'model', bucket: 'week' } as const;
    const expected = core.ok('usage:report', report);
    const status = await settle(core, core.ok('exports:start', { kind: 'usage-report', report }).jobId);
    expect(status).toMatchObject({ state: 'done', rowsWritten: expected.rows.length });
    const { rows } = readCsv(downloadPathFor(core.dataDir, status.jobId));
    expect(rows[0]).toEqual([...USAGE_REPORT_HEADERS]);
    const totalMicros = rows.slice(1).reduce((sum, r) => sum + Math.round(Number(r[9]) * 1e6), 0);
    expect(totalMicros).toBe(expected.totals.reduce((sum, t) => sum + t.costMicros, 0));
    expect(totalMicros).toBeGreaterThan(0);
    void ws;
  });

  it('cancel mid-export leaves no file (no partial either) and reports cancelled', async () => {
    insertUsage(core, 300_000);
    const started = core.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
    await new Promise((r) => setTimeout(r, 5));
    expect(core.ok('exports:cancel', { jobId: started.jobId }).jobId).toBe(started.jobId);
    const status = await settle(core, started.jobId);
    expect(status.state).toBe('cancelled');
    expect(status.rowsWritten).toBeLessThan(300_000);
    expect(status.downloadable).toBe(false);
    expect(filesIn(exportsDir(core))).toEqual([]);
  });

  it('rejects bad input with field issues and unknown jobs with E_NOT_FOUND', () => {
    expect(core.call('exports:start', { kind: 'usage-raw', from: '2026-11-30', to: '2026-11-01' })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'to' }] },
    });
    expect(core.call('exports:start', { kind: 'passwords' } as never)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(core.call('exports:status', { jobId: 'exp-0000000000000000' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });
});

describe('exports (desktop: save dialog)', () => {
  it('writes where the user chose; a dismissed dialog cancels and writes nothing', async () => {
    const dir = makeTempDir('gatehouse-save-');
    const answers: Array<string | null> = [path.join(dir, 'mine.csv'), null];
    const asked: string[] = [];
    const desktop = openTestCore({
      now: () => now,
      capabilities: {
        chooseSavePath: async (name) => {
          asked.push(name);
          return answers.shift() ?? null;
        },
      },
    });
    try {
      const first = desktop.ok('exports:start', { kind: 'workspaces' });
      expect(first.state).toBe('choosing');
      expect(await settle(desktop, first.jobId)).toMatchObject({ state: 'done', savedTo: path.join(dir, 'mine.csv'), fileName: 'mine.csv', downloadable: false });
      expect(readCsv(path.join(dir, 'mine.csv')).rows).toHaveLength(2);
      const second = desktop.ok('exports:start', { kind: 'workspaces' });
      expect(await settle(desktop, second.jobId)).toMatchObject({ state: 'cancelled', savedTo: null });
      expect(asked).toEqual(['gatehouse-workspaces-2026-11-16.csv', 'gatehouse-workspaces-2026-11-16.csv']);
      expect(fs.readdirSync(dir)).toEqual(['mine.csv']);
      expect(filesIn(exportsDir(desktop))).toEqual([]);
    } finally {
      desktop.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closing the core aborts a running export and leaves nothing behind', async () => {
    const dataDir = makeTempDir();
    const errors: unknown[] = [];
    const c = openTestCore({ dataDir, now: () => now, logError: (_channel, error) => errors.push(error) });
    insertUsage(c, 300_000);
    const started = c.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
    await new Promise((r) => setTimeout(r, 5));
    c.dispose();
    await new Promise((r) => setTimeout(r, 200));
    expect(filesIn(path.join(dataDir, 'exports'))).toEqual([]);
    expect(errors).toEqual([]); // aborted as a cancellation, not failed on the closed store
    fs.rmSync(dataDir, { recursive: true, force: true });
    void started;
  });
});
