import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../shared/contract/job-schemas';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import type { HostCapabilities } from '../host-capabilities';
import { makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { AUDIT_HEADERS, AUDIT_PAGE_ROWS, KEY_HEADERS, USAGE_RAW_HEADERS, USAGE_REPORT_HEADERS, WORKSPACE_HEADERS } from './export-sources';

const now = new Date('2026-11-16T12:00:00.000Z');

/** A door like the browser host's: every export goes to its own folder as `<jobId>.csv`, handed out as a download. */
function downloadDoor(dir: string): HostCapabilities {
  return { chooseSavePath: ({ jobId }) => Promise.resolve(path.join(dir, `${jobId}.csv`)), savesForDownload: true };
}

let saveDir: string;
let core: TestCore;
beforeEach(() => {
  saveDir = makeTempDir('gatehouse-exports-');
  core = openTestCore({ now: () => now, capabilities: downloadDoor(saveDir) });
});
afterEach(async () => {
  await core.close();
  core.dispose();
  fs.rmSync(saveDir, { recursive: true, force: true });
});

const settle = (c: TestCore, jobId: string): Promise<JobStatus> => c.jobs.settled(jobId);
const fileOf = (jobId: string) => path.join(saveDir, `${jobId}.csv`);
const filesIn = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);

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

/** `count` audit entries in one statement (the log refuses UPDATE and DELETE, not INSERT). */
function insertAudit(c: TestCore, count: number) {
  c.db
    .prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
       SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'), CASE WHEN i % 3 = 0 THEN 'ana' ELSE 'bo' END,
              'workspace.update', 'workspace', 'ws-seed' || (i % 50), 'ws-seed' || (i % 50),
              json_object('name', 'n' || i), json_object('name', 'n' || (i + 1)) FROM n`,
    )
    .run(count);
}

describe('exports as jobs (a door that hands files out as downloads)', () => {
  it('workspaces: a job of kind export; documented headers, money with fixed decimals, budget settings, BOM + CRLF', async () => {
    const ws = core.ok('workspaces:create', { name: 'Team', description: '=cmd|calc', monthlyBudgetMinor: 150_050 });
    core.ok('budgets:update', { workspaceId: ws.id, thresholds: [80, 40], mode: 'hard' });
    const started = core.ok('exports:start', { kind: 'workspaces' });
    expect(started).toMatchObject({ kind: 'export', state: 'waiting', total: 2, unit: 'rows', result: null, label: 'Export workspaces' });
    const done = await settle(core, started.jobId);
    expect(done).toMatchObject({
      state: 'done',
      done: 2,
      result: { kind: 'export', rowsWritten: 2, downloadable: true, savedTo: null, fileName: 'gatehouse-workspaces-2026-11-16.csv' },
    });
    expect(core.ok('jobs:status', { jobId: started.jobId })).toEqual(done);
    const { bytes, rows } = readCsv(fileOf(started.jobId));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toMatch(/\r\n$/);
    expect(rows[0]).toEqual([...WORKSPACE_HEADERS]);
    const row = rows.find((r) => r[0] === ws.id)!;
    expect(row[2]).toBe("'=cmd|calc"); // neutralised
    expect(row[7]).toBe('1500.50');
    expect(row.slice(9, 11)).toEqual(['40;80', 'hard']);
    expect(filesIn(saveDir)).toEqual([`${started.jobId}.csv`]); // no temp file left
  });

  it('keys: masked keys only, never a secret or its hash', async () => {
    const ws = core.ok('workspaces:getActive', {});
    const { secret } = core.ok('keys:create', { workspaceId: ws.id, name: 'backend', monthlyBudgetMinor: 1234 });
    const hash = core.db.prepare('SELECT secret_hash FROM api_keys').pluck().get() as string;
    const status = await settle(core, core.ok('exports:start', { kind: 'keys', workspaceId: ws.id }).jobId);
    const { bytes, rows } = readCsv(fileOf(status.jobId));
    const text = bytes.toString('utf8');
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(8, 20));
    expect(text).not.toContain(hash);
    expect(rows[0]).toEqual([...KEY_HEADERS]);
    expect(rows[1]![3]).toMatch(new RegExp(`^gh_live_\\w*…${secret.slice(-4)}$`));
    expect(rows[1]![11]).toBe('12.34');
    expect(core.call('exports:start', { kind: 'keys', workspaceId: 'ws-nothere' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('usage-raw: every record in the day range, in stored (here chronological) order; cost totals equal the store; progress up to the total', async () => {
    insertUsage(core, 20_000);
    core.db.exec("INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency) VALUES ('late', '2026-12-01T00:00:00.000Z', 'ws-x', NULL, 'm', 1, 1, 1, 0, 5, 'USD')");
    const events: JobStatus[] = [];
    core.on((e: CoreEvent) => {
      if (e.type === 'job') events.push(e.job);
    });
    const started = core.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
    expect(started.total).toBe(20_000);
    const done = await settle(core, started.jobId);
    expect(done).toMatchObject({ state: 'done', done: 20_000, total: 20_000, result: { rowsWritten: 20_000 } });
    const mine = events.filter((e) => e.jobId === started.jobId);
    expect(mine.map((e) => e.state)).toContain('running');
    expect(mine.at(-1)).toMatchObject({ state: 'done' });
    const counts = mine.map((e) => e.done);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts); // never goes back
    const { rows } = readCsv(fileOf(started.jobId));
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
    const generated = core.ok('usage:generateSample', { days: 20, rows: 3_000, seed: 7 });
    expect(await settle(core, generated.jobId)).toMatchObject({ state: 'done', result: { inserted: 3_000 } });
    const report = { from: '2026-10-01', to: '2026-11-16', groupBy: 'model', bucket: 'week' } as const;
    const expected = core.ok('usage:report', report);
    const status = await settle(core, core.ok('exports:start', { kind: 'usage-report', report }).jobId);
    expect(status).toMatchObject({ state: 'done', result: { rowsWritten: expected.rows.length, fileName: 'gatehouse-usage-by-model-per-week-2026-10-01_2026-11-16.csv' } });
    const { rows } = readCsv(fileOf(status.jobId));
    expect(rows[0]).toEqual([...USAGE_REPORT_HEADERS]);
    const totalMicros = rows.slice(1).reduce((sum, r) => sum + Math.round(Number(r[9]) * 1e6), 0);
    expect(totalMicros).toBe(expected.totals.reduce((sum, t) => sum + t.costMicros, 0));
    expect(totalMicros).toBeGreaterThan(0);
  });

  it('jobs:cancel mid-export leaves no file (no partial either) and reports cancelled', async () => {
    insertUsage(core, 300_000);
    const started = core.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
    let seen: JobStatus = started;
    while (seen.done === 0) {
      await nextTurn();
      seen = core.ok('jobs:status', { jobId: started.jobId });
    }
    expect(core.ok('jobs:cancel', { jobId: started.jobId })).toMatchObject({ jobId: started.jobId, message: 'Cancelling…' });
    const status = await settle(core, started.jobId);
    expect(status).toMatchObject({ state: 'cancelled', result: null, error: { code: 'E_CANCELLED' } });
    expect(status.done).toBeLessThan(300_000);
    expect(filesIn(saveDir)).toEqual([]);
  });

  it('rejects bad input with field issues; a door that cannot save files gets E_CONFLICT and no job', async () => {
    expect(core.call('exports:start', { kind: 'usage-raw', from: '2026-11-30', to: '2026-11-01' })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'to' }] },
    });
    expect(core.call('exports:start', { kind: 'passwords' } as never)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(core.call('exports:start', { kind: 'audit', filter: { from: 'yesterday' } })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    const noSave = openTestCore({ now: () => now });
    try {
      expect(noSave.call('exports:start', { kind: 'workspaces' })).toEqual({ ok: false, error: { code: 'E_CONFLICT', message: 'This door cannot save files' } });
      expect(noSave.ok('jobs:list', {}).items).toEqual([]);
    } finally {
      noSave.dispose();
    }
  });

  it('a destination that cannot be written fails the job with E_STORAGE naming it, and leaves nothing', async () => {
    const missing = path.join(saveDir, 'no-such-folder', 'x.csv');
    const c = openTestCore({ now: () => now, capabilities: { chooseSavePath: () => Promise.resolve(missing) } });
    try {
      const status = await settle(c, c.ok('exports:start', { kind: 'workspaces' }).jobId);
      expect(status).toMatchObject({ state: 'failed', error: { code: 'E_STORAGE' } });
      expect(status.error!.message).toContain(missing);
      expect(filesIn(saveDir)).toEqual([]);
    } finally {
      c.dispose();
    }
  });
});

describe('audit export', () => {
  it('streams the filtered log with the audit columns: same entries and order as audit:list, neutralised, no secrets', async () => {
    const ws = core.ok('workspaces:create', { name: 'Export me' });
    core.ok('workspaces:update', { id: ws.id, changes: { description: '=HYPERLINK("http://x")' } });
    core.ok('workspaces:create', { name: 'Other' });
    const secret = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret });
    const filter = { workspaceId: ws.id, entityType: 'workspace' };
    const started = core.ok('exports:start', { kind: 'audit', filter });
    expect(started).toMatchObject({ kind: 'export', total: 2, label: 'Export audit log' });
    const status = await settle(core, started.jobId);
    expect(status.result).toMatchObject({ rowsWritten: 2, fileName: 'gatehouse-audit-2026-11-16-12-00-00.csv' });
    const { bytes, rows } = readCsv(fileOf(started.jobId));
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(rows[0]).toEqual([...AUDIT_HEADERS]);
    const listed = core.ok('audit:list', { filter }).items;
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(listed.map((e) => e.id));
    expect(rows.slice(1).map((r) => r[3])).toEqual(['workspace.update', 'workspace.create']);
    expect(rows[1]![7]).toBe('Export me');
    expect(rows[1]![8]).toContain('description:  → =HYPERLINK("http://x")');
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r\n\0]/);

    const all = await settle(core, core.ok('exports:start', { kind: 'audit', filter: {} }).jobId);
    const text = fs.readFileSync(fileOf(all.jobId), 'utf8');
    expect(all.result!.kind === 'export' && all.result!.rowsWritten).toBe(core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get());
    expect(text).toContain('provider_key.create');
    expect(text).not.toContain(secret.slice(0, -4));
  });

  it('pages by id across many pages: every entry exactly once, newest first, and only those that existed at the start', async () => {
    insertAudit(core, AUDIT_PAGE_ROWS * 3 + 17);
    const before = core.db.prepare("SELECT id FROM audit_log WHERE actor = 'ana' ORDER BY id DESC").pluck().all() as number[];
    const started = core.ok('exports:start', { kind: 'audit', filter: { actor: 'ana' } });
    insertAudit(core, 3); // one more entry by ana, written after the start: not in the file
    const status = await settle(core, started.jobId);
    const ids = readCsv(fileOf(started.jobId)).rows.slice(1).map((r) => Number(r[0]));
    expect(ids).toEqual(before);
    expect(status).toMatchObject({ done: before.length, total: before.length });
  });

  it('the connection stays usable while the export runs: writes and reads between its batches succeed', async () => {
    insertAudit(core, 60_000);
    const events: JobStatus[] = [];
    core.on((e) => {
      if (e.type === 'job') events.push(e.job);
    });
    const started = core.ok('exports:start', { kind: 'audit', filter: {} });
    const settled = settle(core, started.jobId);
    let finished = false;
    void settled.then(() => (finished = true));
    const ws = core.ok('workspaces:create', { name: 'During 0' });
    const results: Array<{ ok: boolean }> = [];
    for (let i = 1; !finished; i++) {
      await nextTurn();
      if (finished) break;
      // A write (with its audit entry) and a read on the same connection, between the export's chunks.
      results.push(core.call('workspaces:update', { id: ws.id, changes: { name: `During ${i}` } }));
      results.push(core.call('audit:list', { limit: 5 }));
    }
    const status = await settled;
    expect(status.state).toBe('done');
    expect(results.length).toBeGreaterThan(10); // the job yielded many times
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(status.done).toBe(started.total);
    expect(events.some((e) => e.jobId === started.jobId && e.state === 'running' && e.done > 0 && e.done < started.total!)).toBe(true);
  });
});

describe('exports with a save dialog (desktop)', () => {
  it('writes where the user chose; a dismissed dialog cancels with "No file was chosen" and writes nothing', async () => {
    const dir = makeTempDir('gatehouse-save-');
    const answers: Array<string | null> = [path.join(dir, 'mine.csv'), null];
    const asked: Array<{ suggestedName: string; jobId: string }> = [];
    const desktop = openTestCore({
      now: () => now,
      capabilities: {
        chooseSavePath: (request) => {
          asked.push(request);
          return Promise.resolve(answers.shift() ?? null);
        },
      },
    });
    try {
      const first = desktop.ok('exports:start', { kind: 'workspaces' });
      expect(first.state).toBe('waiting');
      expect(await settle(desktop, first.jobId)).toMatchObject({
        state: 'done',
        result: { savedTo: path.join(dir, 'mine.csv'), fileName: 'mine.csv', downloadable: false },
      });
      expect(readCsv(path.join(dir, 'mine.csv')).rows).toHaveLength(2);
      const second = desktop.ok('exports:start', { kind: 'workspaces' });
      expect(await settle(desktop, second.jobId)).toMatchObject({
        state: 'cancelled',
        result: null,
        message: 'No file was chosen',
        error: { code: 'E_CANCELLED', message: 'No file was chosen' },
      });
      expect(asked).toEqual([
        { suggestedName: 'gatehouse-workspaces-2026-11-16.csv', jobId: first.jobId },
        { suggestedName: 'gatehouse-workspaces-2026-11-16.csv', jobId: second.jobId },
      ]);
      expect(fs.readdirSync(dir)).toEqual(['mine.csv']);
    } finally {
      desktop.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closing the core cancels a running export, waits for it, and leaves nothing behind', async () => {
    const dir = makeTempDir('gatehouse-save-');
    const errors: unknown[] = [];
    const c = openTestCore({ now: () => now, logError: (_channel, error) => errors.push(error), capabilities: downloadDoor(dir) });
    try {
      insertUsage(c, 300_000);
      const started = c.ok('exports:start', { kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' });
      while (c.ok('jobs:status', { jobId: started.jobId }).done === 0) await nextTurn();
      const final = settle(c, started.jobId);
      await c.close();
      expect(await final).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED' } });
      expect(filesIn(dir)).toEqual([]);
      expect(errors).toEqual([]); // a cancellation, not a failure on the closed store
    } finally {
      c.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
