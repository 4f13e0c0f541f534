import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { USAGE_CSV_COLUMNS } from '../../../shared/domain/usage-rules';
import { makeTempDir } from '../testing/temp-core';
import { isPlainUsageCsvFile, readPlainUsageCsv, readUsageCsv, readUsageCsvFile, type UsageCsvProgress } from './usage-csv-import';

const dir = makeTempDir('gatehouse-csv-import-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Everything a reader produced: records (null for a row with problems), then its error if any, and the progress counters. */
async function outcome(read: (progress: UsageCsvProgress) => AsyncIterable<unknown>) {
  const progress: UsageCsvProgress = { rowsChecked: 0, problems: 0 };
  const records: unknown[] = [];
  try {
    for await (const item of read(progress)) records.push(...(Array.isArray(item) ? item : [item]));
    return { records, progress, error: null };
  } catch (error) {
    const e = error as { code?: string; message: string; issues?: unknown };
    return { records, progress, error: { code: e.code, message: e.message, issues: e.issues } };
  }
}

const stream = (file: string, chunk: number) => fs.createReadStream(file, { highWaterMark: chunk });

// Cells: mostly valid values per column, with the problems the checks look for and CSV-significant characters.
const validCell: Record<string, fc.Arbitrary<string>> = {
  id: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
  time: fc.constantFrom('2026-01-02T03:04:05.000Z', '2026-02-28T23:59:59Z', '2026-03-01 10:00:00Z'),
  workspace_id: fc.constantFrom('ws-a', 'ws-b'),
  key_id: fc.constantFrom('', 'key-1'),
  model_id: fc.constantFrom('gpt-4o', 'claude'),
  requests: fc.nat({ max: 50 }).map(String),
  input_tokens: fc.nat({ max: 5000 }).map(String),
  output_tokens: fc.nat({ max: 5000 }).map(String),
  cached_tokens: fc.nat({ max: 10 }).map(String),
  cost_micros: fc.nat({ max: 10 ** 6 }).map(String),
  currency: fc.constantFrom('USD', 'EUR'),
};
const oddCell = fc.constantFrom('', ' ', ' 7 ', '-1', '1.5', '99999999999999', 'usd', 'é😀', '=1+2', 'x;y', '2026-13-01T00:00:00Z', '\t', 'a\u00a0b');
const quotedCell = fc.constantFrom('"a,b"', '"say ""hi"""', '"line\nbreak"', 'bad"quote', '"unclosed');
const header = fc.oneof(
  { arbitrary: fc.constant([...USAGE_CSV_COLUMNS]), weight: 6 },
  { arbitrary: fc.shuffledSubarray([...USAGE_CSV_COLUMNS], { minLength: USAGE_CSV_COLUMNS.length }), weight: 2 },
  { arbitrary: fc.constant([...USAGE_CSV_COLUMNS.slice(1), 'extra']), weight: 1 },
  { arbitrary: fc.constant([' ID ', ...USAGE_CSV_COLUMNS.slice(1)]), weight: 1 },
);

function fileText(quoted: boolean) {
  const cell = (column: string) =>
    fc.oneof({ arbitrary: validCell[column.trim().toLowerCase()] ?? fc.constant('x'), weight: 12 }, { arbitrary: oddCell, weight: 1 }, ...(quoted ? [{ arbitrary: quotedCell, weight: 1 }] : []));
  return header.chain((columns) =>
    fc.record({
      columns: fc.constant(columns),
      rows: fc.array(
        fc.oneof(
          { arbitrary: fc.tuple(...columns.map(cell)), weight: 20 },
          { arbitrary: fc.constant([] as string[]), weight: 1 }, // an empty line
          { arbitrary: fc.array(oddCell, { minLength: 1, maxLength: 13 }), weight: 1 }, // wrong column count
        ),
        { maxLength: 25 },
      ),
      eol: fc.constantFrom('\n', '\r\n'),
      mixedEol: fc.boolean(),
      bom: fc.boolean(),
      trailingEol: fc.boolean(),
      chunk: fc.integer({ min: 1, max: 80 }),
    }),
  ).map(({ columns, rows, eol, mixedEol, bom, trailingEol, chunk }) => {
    const lines = [columns.join(','), ...rows.map((r) => r.join(','))];
    // Mixed line breaks (an LF in a CRLF file, a lone CR) must leave the plain path.
    let text = lines.map((l, i) => l + (mixedEol && i === Math.floor(lines.length / 2) ? (eol === '\n' ? '\r' : '\n') : eol)).join('');
    if (!trailingEol) text = text.slice(0, -eol.length);
    return { text: (bom ? '\uFEFF' : '') + text, chunk };
  });
}

let fileNo = 0;
function writeFile(text: string): string {
  const file = path.join(dir, `f${fileNo++}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

/** What the scan must answer: no quote, one kind of line break, no lone CR. */
function plainByDefinition(text: string): boolean {
  if (text.includes('"')) return false;
  if (!text.includes('\r')) return true;
  return !/\r(?!\n)/.test(text) && !/(?<!\r)\n/.test(text);
}

describe('usage CSV: the plain path and csv-parse agree', () => {
  it('the scan accepts exactly the files without quotes, with one kind of line break, at any chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fileText(false), fileText(true)), fc.integer({ min: 1, max: 40 }), async ({ text }, scanChunk) => {
        const file = writeFile(text);
        expect(await isPlainUsageCsvFile(file, scanChunk)).toBe(plainByDefinition(text));
      }),
      { numRuns: 300 },
    );
  });

  it('same records, same problems with the same line numbers, same counts (random unquoted and quoted files)', async () => {
    let plainFiles = 0;
    let failedFiles = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: fileText(false), weight: 3 }, { arbitrary: fileText(true), weight: 1 }), async ({ text, chunk }) => {
        const file = writeFile(text);
        const reference = await outcome((progress) => readUsageCsv(stream(file, chunk), progress));
        // What the import runs: the plain path when the scan allows it, csv-parse otherwise.
        expect(await outcome((progress) => readUsageCsvFile(file, progress, chunk))).toEqual(reference);
        if (await isPlainUsageCsvFile(file)) {
          plainFiles += 1;
          if (reference.error) failedFiles += 1;
          expect(await outcome((progress) => readPlainUsageCsv(stream(file, chunk), progress))).toEqual(reference);
        }
      }),
      { numRuns: 400 },
    );
    // The property is not vacuous: many files took the plain path, some of them with problems, some without.
    expect(plainFiles).toBeGreaterThan(150);
    expect(failedFiles).toBeGreaterThan(20);
    expect(plainFiles - failedFiles).toBeGreaterThan(20);
  });

  it('reports problems with the file line numbers, empty lines counted (plain path)', async () => {
    const file = writeFile(`${USAGE_CSV_COLUMNS.join(',')}\r\n\r\nr1,2026-01-01T00:00:00Z,ws,,m,1,2,3,0,5,USD\r\nr2,nope,ws,,m,1,2,3,9,5,usd\r\n`);
    expect(await isPlainUsageCsvFile(file)).toBe(true);
    const result = await outcome((progress) => readPlainUsageCsv(stream(file, 7), progress));
    expect(result.records).toHaveLength(2);
    expect(result.error).toMatchObject({ code: 'E_VALIDATION', message: '3 problems in the file; nothing was imported' });
    expect((result.error!.issues as Array<{ message: string }>).map((i) => i.message)).toEqual([
      'line 4: time: is required',
      'line 4: currency: "usd" is not a 3-letter currency code (e.g. USD)',
      'line 4: cached_tokens: cannot exceed input_tokens',
    ].map((m) => (m.includes('time') ? expect.stringMatching(/^line 4: time: /) : m)));
  });
});
