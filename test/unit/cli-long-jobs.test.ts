/**
 * Long jobs through the real CLI in child processes: the 1M-entry audit export (streamed, peak RSS
 * measured in the child), and Ctrl+C (SIGINT) cancelling an export and a sample generation.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, openTestCore } from '../../electron/core/testing/temp-core';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI_MAIN = path.join(repoRoot, 'electron/hosts/cli/main.ts');
const RUSAGE_CHILD = path.join(repoRoot, 'test/unit/audit-export-child.ts');
const AUDIT_ENTRIES = 1_000_000;
const PEAK_RSS_LIMIT_MIB = 200;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `node --import tsx script ...args`. `interruptWhen` sees stderr as it grows; the first time it
 * returns true the child gets SIGINT, as from Ctrl+C.
 */
function runNode(script: string, args: string[], interruptWhen?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      if (!interrupted && interruptWhen?.(err)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Counts CRLF-terminated records of a big file without reading it into memory. */
async function countRecords(file: string): Promise<{ records: number; first: string }> {
  let records = 0;
  let first = '';
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (first.length < 4096) first += chunk.subarray(0, 4096).toString('utf8');
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) records++;
  }
  return { records, first };
}

const progressed = (pattern: RegExp) => (stderr: string) => [...stderr.matchAll(pattern)].some((m) => Number(m[1]) > 0);

describe('audit export of 1M entries through the CLI', () => {
  let dataDir = '';
  let entries = 0;
  let newestId = 0;
  beforeAll(async () => {
    dataDir = makeTempDir('gatehouse-audit-1m-');
    const core = openTestCore({ dataDir });
    // The log refuses UPDATE and DELETE (triggers), not INSERT: 1M realistic entries in one statement.
    core.db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
         INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
         SELECT strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i * 30) || ' seconds'),
                CASE i % 4 WHEN 0 THEN 'ana' WHEN 1 THEN 'bo' WHEN 2 THEN 'chen' ELSE 'dee' END,
                'workspace.update', 'workspace', 'ws-seed' || (i % 97), 'ws-seed' || (i % 97),
                json_object('name', 'Team ' || (i % 97), 'description', 'Budget review ' || i, 'region', 'eu', 'version', i),
                json_object('name', 'Team ' || (i % 97), 'description', 'Budget review ' || (i + 1), 'region', CASE WHEN i % 2 THEN 'us' ELSE 'eu' END, 'version', i + 1)
         FROM n`,
      )
      .run(AUDIT_ENTRIES);
    entries = core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
    newestId = core.db.prepare('SELECT MAX(id) FROM audit_log').pluck().get() as number;
    await core.close();
  }, 600_000);
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it(
    `streams every entry to --out with peak RSS under ${PEAK_RSS_LIMIT_MIB} MiB`,
    async () => {
      const out = path.join(dataDir, 'audit.csv');
      const run = await runNode(RUSAGE_CHILD, ['--data-dir', dataDir, 'export', 'audit', '--out', out]);
      expect(run.code, run.err).toBe(0);
      const usage = JSON.parse(/^RUSAGE (.*)$/m.exec(run.out)![1]!) as { maxRssKiB: number; ms: number };
      const peakMiB = usage.maxRssKiB / 1024;
      console.log(`audit export of ${entries} entries: peak RSS ${peakMiB.toFixed(1)} MiB, ${(usage.ms / 1000).toFixed(1)} s (CLI child, core open included)`);
      expect(run.out).toContain(`Wrote ${entries} rows to ${out}`);
      expect(run.err).toMatch(/exporting… \d+ \/ \d+ rows/); // progress on stderr
      const { records, first } = await countRecords(out);
      expect(records).toBe(entries + 1); // + header
      expect(first.split('\r\n')[1]!.split(',')[0]).toBe(String(newestId)); // newest first
      expect(first).toContain('description: Budget review 999999 → Budget review 1000000; region: eu → us; version: 999999 → 1000000');
      expect(peakMiB).toBeLessThan(PEAK_RSS_LIMIT_MIB);
    },
    600_000,
  );

  it(
    'Ctrl+C cancels the running export: exit 1 with E_CANCELLED, no file and no temp file left',
    async () => {
      const outDir = makeTempDir('gatehouse-audit-out-');
      try {
        const out = path.join(outDir, 'audit.csv');
        const run = await runNode(CLI_MAIN, ['--data-dir', dataDir, 'export', 'audit', '--out', out], progressed(/exporting… (\d+) \//g));
        expect(run.code, run.err).toBe(1);
        expect(run.err).toMatch(/^E_CANCELLED: /m);
        expect(run.out).toBe('');
        expect(fs.readdirSync(outDir)).toEqual([]);
      } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});

describe('usage generate through the CLI', () => {
  it(
    'Ctrl+C stops after the current chunk: exit 1 with E_CANCELLED and the counts; the records written and their audit entry stay',
    async () => {
      const dataDir = makeTempDir('gatehouse-generate-cancel-');
      try {
        const rows = 5_000_000;
        const run = await runNode(CLI_MAIN, ['--data-dir', dataDir, 'usage', 'generate', '--days', '30', '--rows', String(rows), '--seed', '8'], progressed(/generating… (\d+) \//g));
        expect(run.code, run.err).toBe(1);
        const message = /^E_CANCELLED: Cancelled after ([\d,]+) of 5,000,000 records; the ([\d,]+) written stay/m.exec(run.err);
        expect(message, run.err).not.toBeNull();
        const kept = Number(message![2]!.replaceAll(',', ''));
        expect(kept).toBeGreaterThan(0);
        expect(kept).toBeLessThan(rows);
        const core = openTestCore({ dataDir });
        try {
          expect(core.db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get()).toBe(kept);
          const audits = core.db.prepare("SELECT after_json FROM audit_log WHERE action = 'usage.generate'").pluck().all() as string[];
          expect(audits.map((a) => JSON.parse(a) as unknown)).toEqual([expect.objectContaining({ inserted: kept, duplicates: 0, cancelled: true, rows, seed: 8 })]);
        } finally {
          await core.close();
        }
      } finally {
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
