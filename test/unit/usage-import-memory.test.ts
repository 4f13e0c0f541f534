// Peak memory of importing a 64 MiB usage CSV (≈ 790k rows) in its own process: the import streams
// the file and commits in chunks, so memory stays flat (the string import it replaced peaked at
// 862 MB). A ceiling, not a timing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { writeUsageCsv } from '../../electron/core/testing/usage-csv-fixture';

const CHILD = fileURLToPath(new URL('./fixtures/usage-import-child.ts', import.meta.url));
const CSV_BYTES = 64 * 1024 * 1024;
const SMALL_BYTES = 16 * 1024 * 1024;
/** 4× the bytes may cost at most this much more peak RSS (measured here: +38 MB for 16 → 64 MiB; holding the file would cost 100+). */
const GROWTH_MB = 60;
/** A backstop for the absolute peak (Node + tsx + the core are most of it, and vary by machine). */
const CEILING_MB = 320;

const dir = makeTempDir('gatehouse-import-memory-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Imports a CSV of about `bytes` in a child process; its peak RSS in MB. */
async function importPeakMb(name: string, bytes: number): Promise<number> {
  const csvFile = path.join(dir, `${name}.csv`);
  const csv = writeUsageCsv(csvFile, { rows: 10_000_000, idPrefix: name, maxBytes: bytes });
  expect(csv.bytes).toBeGreaterThanOrEqual(bytes);
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, path.join(dir, `data-${name}`), csvFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  expect({ code, err }).toEqual({ code: 0, err: '' });
  const line = out.split('\n').find((l) => l.startsWith('{'))!;
  const report = JSON.parse(line) as { state: string; result: unknown; phaseMs: Record<string, number>; maxRssKb: number };
  expect(report.state).toBe('done');
  expect(report.result).toEqual({ kind: 'usage-import', rows: csv.rows, inserted: csv.rows, duplicates: 0 });
  const peakMb = Math.round(report.maxRssKb / 1024);
  const seconds = Object.values(report.phaseMs).reduce((a, b) => a + b, 0) / 1000;
  console.log(`usage import of ${(csv.bytes / 1024 ** 2).toFixed(1)} MiB (${csv.rows} rows): peak RSS ${peakMb} MB, phases ${JSON.stringify(report.phaseMs)} ms, ${Math.round(csv.rows / seconds)} rows/s`);
  return peakMb;
}

describe('usage import memory', () => {
  it(`memory stays flat: a 64 MiB CSV peaks at most ${GROWTH_MB} MB above a 16 MiB one (and under ${CEILING_MB} MB)`, async () => {
    const small = await importPeakMb('mem16', SMALL_BYTES);
    const large = await importPeakMb('mem64', CSV_BYTES);
    expect(large - small).toBeLessThan(GROWTH_MB);
    expect(large).toBeLessThan(CEILING_MB);
  }, 15 * 60_000);
});
