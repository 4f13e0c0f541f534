// Issue #12 item 5: a date or time that does not exist is refused wherever the core reads a
// user's timestamp (usage CSV import, key expiry, audit filters) and in pulled usage, instead of
// rolling over (2026-02-30 → 2 March, T24:00 → the next day).
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStrictTimestamp } from '../../shared/domain/timestamps';
import { USAGE_CSV_COLUMNS } from '../../shared/domain/usage-rules';
import { usageRecordSchema } from '../../shared/gateway-protocol/v1';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';
import { createUploadDoor, importUsage, type UploadDoor } from '../../electron/core/testing/usage-import-door';

const NONEXISTENT: Array<[string, string]> = [
  ['2026-02-30T10:00:00Z', '2026-02-30 does not exist (February 2026 has 28 days)'],
  ['2027-02-29T10:00:00Z', '2027-02-29 does not exist (February 2027 has 28 days)'],
  ['2026-04-31T10:00:00+02:00', '2026-04-31 does not exist (April 2026 has 30 days)'],
  ['2026-06-30T24:00:00Z', '24:00 is not a time of day (use 00:00 of the next day)'],
  ['2026-06-30T23:60Z', 'minute 60 does not exist (00–59)'],
  ['2016-12-31T23:59:60Z', '23:59:60 is a leap second, which Gatehouse does not take (use :59)'],
  ['2026-06-30T12:00:00+24:00', '+24:00 is not a zone offset (−23:59 to +23:59)'],
];

let dir: string;
let door: UploadDoor;
let core: TestCore;

beforeEach(() => {
  dir = makeTempDir('gatehouse-timestamps-');
  door = createUploadDoor(dir);
  core = openTestCore({ dataDir: dir, capabilities: door.capabilities, now: () => new Date('2026-01-15T00:00:00Z') });
});
afterEach(async () => {
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('usage CSV import', () => {
  it('refuses each time that does not exist with "line N: time: …", nothing imported', async () => {
    const rows = NONEXISTENT.map(([time], i) => [`t-${i}`, time, 'ws-a', '', 'gpt-4o', 1, 10, 5, 0, 100, 'USD'].join(','));
    const before = dumpTables(core);
    const job = await importUsage(core, door, [USAGE_CSV_COLUMNS.join(','), ...rows].join('\n'));
    expect(job.state).toBe('failed');
    expect(job.error?.issues?.map((i) => i.message)).toEqual(NONEXISTENT.map(([, why], i) => `line ${i + 2}: time: ${why}`));
    expect(dumpTables(core)).toEqual(before);
  });

  it('stores times that exist in UTC, on the UTC day (a zone can move a record across midnight)', async () => {
    const rows = [
      ['a', '2024-02-29T23:30:00-01:00'], // leap day, stored as 1 March UTC
      ['b', '2026-01-31T00:30+02:00'],
      ['c', '2026-12-31T23:59:59.999999Z'],
    ].map(([id, time]) => [id, time, 'ws-a', '', 'gpt-4o', 1, 10, 5, 0, 100, 'USD'].join(','));
    expect((await importUsage(core, door, [USAGE_CSV_COLUMNS.join(','), ...rows].join('\n'))).state).toBe('done');
    expect(core.db.prepare('SELECT id, at FROM usage_records ORDER BY id').all()).toEqual([
      { id: 'a', at: '2024-03-01T00:30:00.000Z' },
      { id: 'b', at: '2026-01-30T22:30:00.000Z' },
      { id: 'c', at: '2026-12-31T23:59:59.999Z' },
    ]);
  });
});

describe('key expiry', () => {
  it('a date that does not exist is a field error on expiresAt, and no key is made', () => {
    const workspaceId = core.ok('workspaces:list', {}).items[0]!.id;
    const before = dumpTables(core);
    for (const [expiresAt, why] of NONEXISTENT) {
      expect(core.call('keys:create', { workspaceId, name: 'k', expiresAt })).toEqual({
        ok: false,
        error: { code: 'E_VALIDATION', message: expect.any(String), issues: [{ path: 'expiresAt', message: `Expiry: ${why}` }] },
      });
    }
    expect(core.call('keys:create', { workspaceId, name: 'k', expiresAt: '9999-12-31T23:30:00-01:00' })).toMatchObject({
      ok: false,
      error: { issues: [{ path: 'expiresAt', message: expect.stringMatching(/out of range/) }] },
    });
    expect(dumpTables(core)).toEqual(before);
    // One that exists is stored as its UTC instant.
    const { key } = core.ok('keys:create', { workspaceId, name: 'k', expiresAt: '2028-02-29T01:00:00+02:00' });
    expect(key.expiresAt).toBe('2028-02-28T23:00:00.000Z');
  });
});

describe('audit filters', () => {
  it('from / to that do not exist are field errors; ones that exist filter as before', () => {
    for (const [time, why] of NONEXISTENT) {
      expect(core.call('audit:list', { filter: { from: time } })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'filter.from', message: `From: ${why}` }] } });
      expect(core.call('audit:list', { filter: { to: time } })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'filter.to', message: `To: ${why}` }] } });
    }
    expect(core.ok('audit:list', { filter: { from: '2000-01-01T00:00Z', to: '2100-01-01T00:00:00+01:00' } }).items.length).toBeGreaterThan(0);
  });
});

describe('usage filters and the CLI', () => {
  it('report and export days that do not exist are field errors, never rolled over', () => {
    expect(core.call('usage:report', { from: '2026-02-29', to: '2026-03-31' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'from', message: 'Not a calendar date' }] } });
    expect(core.call('exports:start', { kind: 'usage-raw', from: '2026-01-01', to: '2026-04-31' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'to' }] } });
  });

  it('gatehouse export audit --to 2026-02-30 fails naming the day (the CLI used to pass 3 March on)', async () => {
    const cliDir = makeTempDir('gatehouse-timestamps-cli-');
    try {
      const err: string[] = [];
      const out = path.join(cliDir, 'audit.csv');
      const code = await runCli(['--data-dir', cliDir, 'export', 'audit', '--to', '2026-02-30', '--out', out], { out: () => {}, err: (t) => err.push(t), env: {} });
      expect(code).not.toBe(0);
      expect(err.join('\n')).toContain('2026-02-30 does not exist (February 2026 has 28 days)');
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      fs.rmSync(cliDir, { recursive: true, force: true });
    }
  });
});

describe('pulled usage (gateway protocol)', () => {
  it('occurred_at must be a time that exists', () => {
    const wire = {
      id: 'u-1',
      ingest_seq: 1,
      occurred_at: '2026-02-28T10:00:00.000Z',
      workspace_id: 'ws-default',
      key_id: null,
      model_id: 'gpt-4o',
      requests: 1,
      input_tokens: 1,
      output_tokens: 1,
      cached_tokens: 0,
      cost_micros: 1,
      currency: 'USD',
    };
    expect(usageRecordSchema.safeParse(wire).success).toBe(true);
    for (const at of ['2026-02-30T10:00:00.000Z', '2026-02-28T24:00:00.000Z', '2026-02-28T23:60:00.000Z', '2016-12-31T23:59:60.000Z', '2026-13-01T00:00:00.000Z']) {
      expect(usageRecordSchema.safeParse({ ...wire, occurred_at: at }).success, at).toBe(false);
    }
  });
});

describe('parseStrictTimestamp (the one parser behind all of these)', () => {
  it('property: any field combination is accepted exactly when the date and time exist, as the same instant', () => {
    const lastDay = (y: number, m: number) => [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9998 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (y, mo, d, h, mi, s, offset) => {
          const zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${p(Math.floor(Math.abs(offset) / 60))}:${p(Math.abs(offset) % 60)}`;
          const text = `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}${zone}`;
          const exists = mo >= 1 && mo <= 12 && d >= 1 && d <= lastDay(y, mo) && h <= 23 && mi <= 59 && s <= 59;
          const parsed = parseStrictTimestamp(text);
          expect(parsed.ok).toBe(exists);
          if (parsed.ok) {
            // The oracle: Date.parse is right about instants that exist (years ≥ 100 avoid its 2-digit-year rule).
            if (y >= 100) expect(parsed.ms).toBe(Date.parse(text));
            expect(new Date(parsed.iso).getTime()).toBe(parsed.ms);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
