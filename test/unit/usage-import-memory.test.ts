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
const CEILING_MB = 250;

const dir = makeTempDir('gatehouse-import-memory-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('usage import memory', () => {
  it(`imports a 64 MiB CSV with a peak RSS under ${CEILING_MB} MB`, async () => {
    const csvFile = path.join(dir, 'usage-64mib.csv');
    const csv = writeUsageCsv(csvFile, { rows: 10_000_000, idPrefix: 'mem', maxBytes: CSV_BYTES });
    expect(csv.bytes).toBeGreaterThanOrEqual(CSV_BYTES);

    const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, path.join(dir, 'data'), csvFile], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    expect(peakMb).toBeLessThan(CEILING_MB);
  }, 15 * 60_000);
});
