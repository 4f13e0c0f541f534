// `gatehouse usage import FILE` as a job through the CLI door: progress on stderr, counts at the end,
// Ctrl+C (a real SIGINT to a real process) cancels while rows are checked and nothing is imported.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { writeUsageCsv } from '../../electron/core/testing/usage-csv-fixture';
import { useCliDataDir } from './cli-harness';

const CLI_MAIN = fileURLToPath(new URL('../../electron/hosts/cli/main.ts', import.meta.url));
const cli = useCliDataDir('gatehouse-cli-import-');

describe('gatehouse usage import FILE', () => {
  it('prints "importing… N rows checked", then "writing… N of M" on stderr, and the counts on stdout', async () => {
    const file = path.join(cli.dataDir(), 'usage.csv');
    const csv = writeUsageCsv(file, { rows: 12_000, idPrefix: 'cli', repeatEvery: 100 });
    const run = await cli.gh('usage', 'import', file);
    expect(run.code).toBe(0);
    expect(run.out).toBe(`Imported ${csv.distinctIds} of ${csv.rows} rows (${csv.rows - csv.distinctIds} already present)`);
    const lines = run.err.split('\n');
    expect(lines.some((l) => /^importing… \d+ rows checked$/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`writing… ${csv.rows} of ${csv.rows}`);
    expect(lines.every((l) => /^(importing… \d+ rows checked|writing… \d+ of 12000)$/.test(l))).toBe(true);
    const json = await cli.gh('usage', 'import', file, '--json');
    expect(json).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(json.out)).toEqual({ rows: csv.rows, inserted: 0, duplicates: csv.rows });
  }, 120_000);

  it('Ctrl+C while rows are checked cancels: exit 1, E_CANCELLED, nothing imported', async () => {
    const file = path.join(cli.dataDir(), 'big.csv');
    writeUsageCsv(file, { rows: 400_000, idPrefix: 'sigint' });
    const proc = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, '--data-dir', cli.dataDir(), 'usage', 'import', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      if (/importing… [1-9]\d* rows checked/.test(err) && !proc.killed) proc.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(out).toBe('');
    expect(code).toBe(1);
    expect(err).toMatch(/Cancelling…\nE_CANCELLED: /);
    expect(err).not.toMatch(/writing…/);
    expect(JSON.parse((await cli.gh('usage', 'summary', '--json')).out)).toMatchObject({ records: 0 });
  }, 120_000);
});
