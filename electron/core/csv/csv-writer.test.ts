import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FORMULA_TRIGGERS,
  type CsvValue,
  formatCell,
  formatMinorUnits,
  formatNumber,
  minorUnits,
  neutralizeCell,
} from './csv-cells';
import { type CsvColumn, csvStringifyOptions, csvToString, csvTransform, writeCsvFile } from './csv-writer';

const BOM = '\uFEFF';
const TRIGGERS = [...FORMULA_TRIGGERS];
const OWASP_PLUS = ['=', '+', '-', '@', '\t', '\r', '\n', '\0'];

// ---------------------------------------------------------------- arbitraries

const trigger = fc.constantFrom(...TRIGGERS);
/** Characters that stress CSV syntax and the neutraliser. */
const nasty = fc.constantFrom(',', '"', '\r', '\n', '\r\n', "'", '=', '-', '+', '@', '\t', '\0', ' ', 'a', 'é', '😀', '\uFEFF');

/** Well-formed (no lone surrogate) strings biased towards CSV/formula trouble. */
const cellString: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: nasty }),
  fc.tuple(trigger, fc.string({ unit: nasty })).map(([t, s]) => t + s),
  fc.tuple(trigger, fc.string({ unit: 'binary' })).map(([t, s]) => t + s),
  fc.constantFrom('', '=1+1', '-2+3+cmd|\' /C calc\'!A0', '@SUM(A1)', '\n=1', '\0=1', '"', '""', ',', '\r\n', '\r', '\n'),
);

/** Also lone surrogates; only for string-level comparisons (UTF-8 cannot round-trip them). */
const anyString: fc.Arbitrary<string> = fc.oneof(
  cellString,
  fc.string({ unit: fc.oneof(nasty, fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c))) }),
);

const headerArb = fc.string({ unit: 'grapheme-ascii', maxLength: 8 });

function columnsFor(headers: string[]): CsvColumn<CsvValue[]>[] {
  return headers.map((header, i) => ({ header, value: (row: CsvValue[]) => row[i] }));
}

/** `width` header strings plus rows of `width` values each. */
function table<T>(cell: fc.Arbitrary<T>, maxRows = 12) {
  return fc.integer({ min: 1, max: 6 }).chain((width) =>
    fc.record({
      headers: fc.array(headerArb, { minLength: width, maxLength: width }),
      rows: fc.array(fc.array(cell, { minLength: width, maxLength: width }), { maxLength: maxRows }),
    }),
  );
}

const anyValue: fc.Arbitrary<CsvValue> = fc.oneof(
  cellString,
  fc.double(),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.tuple(fc.bigInt(), fc.integer({ min: 0, max: 12 })).map(([a, d]) => minorUnits(a, d)),
);

// ---------------------------------------------------------------- helpers

function parseCsv(text: string | Buffer): string[][] {
  return parse(text, { bom: true, record_delimiter: '\r\n' }) as string[][];
}

/**
 * Split at record delimiters outside quotes; throws on a bare CR or LF outside
 * quotes. Returns the number of records.
 */
function countRecordsStrictCrlf(text: string): number {
  let inQuotes = false;
  let records = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') inQuotes = !inQuotes; // "" inside quotes toggles twice: fine
    else if (!inQuotes && c === '\r') {
      if (text[i + 1] !== '\n') throw new Error(`bare CR outside quotes at ${i}`);
      records++;
      i++;
    } else if (!inQuotes && c === '\n') throw new Error(`bare LF outside quotes at ${i}`);
  }
  if (inQuotes) throw new Error('unterminated quote');
  return records;
}

async function collect(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks).toString('utf8');
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-csv-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------- cells

describe('neutralizeCell / formatCell', () => {
  it('prefixes every trigger character (OWASP set plus LF, NUL, full-width) and nothing else', () => {
    for (const t of OWASP_PLUS) expect(FORMULA_TRIGGERS.has(t)).toBe(true);
    fc.assert(
      fc.property(anyString, (s) => {
        const out = neutralizeCell(s);
        const first = s[0];
        if (first !== undefined && FORMULA_TRIGGERS.has(first)) expect(out).toBe("'" + s);
        else expect(out).toBe(s);
        expect(formatCell(s)).toBe(out);
      }),
      { numRuns: 500 },
    );
    expect(neutralizeCell('')).toBe('');
    expect(neutralizeCell("'=x")).toBe("'=x");
    expect(neutralizeCell('a=b')).toBe('a=b');
  });

  it('formats non-string values without neutralising numbers', () => {
    expect(formatCell(-5)).toBe('-5');
    expect(formatCell(-0)).toBe('0');
    expect(formatCell(1234567.5)).toBe('1234567.5');
    expect(formatCell(1e21)).toBe('1000000000000000000000');
    expect(formatCell(-1.5e-7)).toBe('-0.00000015');
    expect(formatCell(-12n)).toBe('-12');
    expect(formatCell(true)).toBe('true');
    expect(formatCell(false)).toBe('false');
    expect(formatCell(null)).toBe('');
    expect(formatCell(undefined)).toBe('');
    expect(formatCell(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('2024-01-02T03:04:05.678Z');
    expect(formatCell(new Date(8.64e15))).toBe("'+275760-09-13T00:00:00.000Z");
    expect(formatCell(minorUnits(-5, 2))).toBe('-0.05');
    expect(formatCell(Number.NaN)).toBe('NaN');
    expect(formatCell(-Infinity)).toBe("'-Infinity");
    expect(() => formatCell(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => formatCell({} as unknown as CsvValue)).toThrow(TypeError);
  });

  it('formats every finite double in plain notation that round-trips exactly', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const s = formatNumber(n);
        expect(s).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Number(s)).toBe(n === 0 ? 0 : n); // -0 prints as 0
        // Identical to String(n) unless that used exponent notation.
        if (!String(n).includes('e')) expect(s).toBe(String(n));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('formatMinorUnits (3: exactness vs bigint reference)', () => {
  function reference(amount: bigint, decimals: number): string {
    const scale = 10n ** BigInt(decimals);
    const abs = amount < 0n ? -amount : amount;
    const whole = abs / scale;
    const frac = abs % scale;
    const sign = amount < 0n ? '-' : '';
    return decimals === 0 ? sign + whole.toString() : `${sign}${whole}.${frac.toString().padStart(decimals, '0')}`;
  }

  it('matches the reference for arbitrary bigints and safe integers', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.bigInt(), fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }), fc.bigInt({ min: -1000n, max: 1000n })),
        fc.integer({ min: 0, max: 36 }),
        (amount, decimals) => {
          const s = formatMinorUnits(amount, decimals);
          expect(s).toBe(reference(amount, decimals));
          // Exact: removing the point gives back the amount.
          expect(BigInt(s.replace('.', ''))).toBe(amount);
          expect(s.split('.')[1]?.length ?? 0).toBe(decimals);
        },
      ),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), (amount, decimals) => {
        expect(formatMinorUnits(amount, decimals)).toBe(reference(BigInt(amount), decimals));
        expect(formatCell(minorUnits(amount, decimals))).toBe(reference(BigInt(amount), decimals));
      }),
      { numRuns: 2000 },
    );
  });

  it('handles the documented examples and rejects inexact input', () => {
    expect(formatMinorUnits(12345, 2)).toBe('123.45');
    expect(formatMinorUnits(-5, 2)).toBe('-0.05');
    expect(formatMinorUnits(0, 2)).toBe('0.00');
    expect(formatMinorUnits(-0, 2)).toBe('0.00');
    expect(formatMinorUnits(1, 6)).toBe('0.000001');
    expect(formatMinorUnits(-1_234_567_891n, 6)).toBe('-1234.567891');
    expect(formatMinorUnits(7, 0)).toBe('7');
    expect(formatMinorUnits(Number.MAX_SAFE_INTEGER, 2)).toBe('90071992547409.91');
    expect(() => formatMinorUnits(1.5, 2)).toThrow(RangeError);
    expect(() => formatMinorUnits(2 ** 53, 2)).toThrow(RangeError);
    expect(() => formatMinorUnits(Number.NaN, 2)).toThrow(RangeError);
    expect(() => formatMinorUnits(1, -1)).toThrow(RangeError);
    expect(() => formatMinorUnits(1, 2.5)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------- string output

describe('csvToString', () => {
  it('(1) parses back to exactly the neutralised input, and no cell starts with a trigger', () => {
    fc.assert(
      fc.property(table(cellString), ({ headers, rows }) => {
        const out = csvToString(columnsFor(headers), rows);
        const parsed = parseCsv(out);
        expect(parsed).toEqual([headers.map(neutralizeCell), ...rows.map((r) => r.map(neutralizeCell))]);
        for (const record of parsed) {
          for (const cell of record) {
            const first = cell[0];
            expect(first === undefined || !FORMULA_TRIGGERS.has(first)).toBe(true);
          }
        }
        // Also readable with csv-parse's record delimiter auto-detection.
        expect(parse(out, { bom: true })).toEqual(parsed);
      }),
      { numRuns: 400 },
    );
  });

  it('(2) starts with a BOM and uses CRLF as the only record delimiter', () => {
    fc.assert(
      fc.property(table(anyValue), ({ headers, rows }) => {
        const out = csvToString(columnsFor(headers), rows);
        expect(out.startsWith(BOM)).toBe(true);
        expect(out.endsWith('\r\n')).toBe(true);
        expect(countRecordsStrictCrlf(out.slice(1))).toBe(rows.length + 1);
      }),
      { numRuns: 300 },
    );
    const out = csvToString<{ a: string; b: number }>(
      [
        { header: 'a', value: (r) => r.a },
        { header: 'b', value: (r) => r.b },
      ],
      [{ a: 'x,y', b: -5 }],
    );
    expect(out).toBe(`${BOM}a,b\r\n"x,y",-5\r\n`);
  });

  it('is byte-identical to csv-stringify (sync API) with csvStringifyOptions', () => {
    fc.assert(
      fc.property(table(fc.oneof(anyString, anyValue)), ({ headers, rows }) => {
        const columns = columnsFor(headers);
        const cells = rows.map((r) => r.map((v) => formatCell(v)));
        expect(csvToString(columns, rows)).toBe(stringify(cells, csvStringifyOptions(columns)));
      }),
      { numRuns: 500 },
    );
  });

  it('csvTransform (csv-stringify stream) produces the same bytes', async () => {
    await fc.assert(
      fc.asyncProperty(table(fc.oneof(cellString, anyValue)), async ({ headers, rows }) => {
        const columns = columnsFor(headers);
        const out = await collect(Readable.from(rows, { objectMode: true }).pipe(csvTransform(columns)));
        expect(out).toBe(csvToString(columns, rows));
      }),
      { numRuns: 100 },
    );
  });

  it('csvTransform reports a failing column as a stream error', async () => {
    const columns: CsvColumn<number>[] = [
      {
        header: 'x',
        value: (n) => {
          if (n === 2) throw new Error('bad row');
          return n;
        },
      },
    ];
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(pipeline(Readable.from([1, 2, 3]), csvTransform(columns), sink)).rejects.toThrow('bad row');
  });

  it('rejects an empty column list', () => {
    expect(() => csvToString([], [])).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------- files

type Row = { id: number; name: string; amount: bigint; at: Date };
const ROW_COLUMNS: CsvColumn<Row>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'name', value: (r) => r.name },
  { header: 'amount', value: (r) => minorUnits(r.amount, 6) },
  { header: 'at', value: (r) => r.at },
];

function makeRow(i: number): Row {
  return {
    id: i,
    name: i % 7 === 0 ? `=evil("${i}"),\r\n` : `user ${i}`,
    amount: BigInt(i) * 1_000_001n - 500_000n,
    at: new Date(Date.UTC(2024, 0, 1) + i * 1000),
  };
}

function* rowsForever(onRow?: (i: number) => void, onClose?: () => void): Generator<Row> {
  try {
    for (let i = 0; ; i++) {
      onRow?.(i);
      yield makeRow(i);
    }
  } finally {
    onClose?.();
  }
}

describe('writeCsvFile', () => {
  it('writes exactly csvToString() encoded as UTF-8, via rename', async () => {
    await fc.assert(
      fc.asyncProperty(table(fc.oneof(anyString, anyValue), 30), fc.boolean(), async ({ headers, rows }, asAsync) => {
        const columns = columnsFor(headers);
        const path = join(dir, 'out.csv');
        const source = asAsync ? Readable.from(rows, { objectMode: true }) : rows;
        const res = await writeCsvFile({ path, columns, rows: source });
        const bytes = readFileSync(path);
        expect(bytes.equals(Buffer.from(csvToString(columns, rows), 'utf8'))).toBe(true);
        expect(res).toEqual({ rowsWritten: rows.length, bytes: bytes.length, path });
        expect(readdirSync(dir)).toEqual(['out.csv']);
      }),
      { numRuns: 60 },
    );
  });

  it('replaces an existing file on success', async () => {
    const path = join(dir, 'audit.csv');
    writeFileSync(path, 'old');
    await writeCsvFile({ path, columns: ROW_COLUMNS, rows: [makeRow(1)] });
    expect(parseCsv(readFileSync(path))).toEqual([
      ['id', 'name', 'amount', 'at'],
      ['1', 'user 1', '0.500001', '2024-01-01T00:00:01.000Z'],
    ]);
  });

  describe('(4) abort', () => {
    it('mid-stream (sync source): rejects with AbortError, no partial file, target untouched, iterator closed', async () => {
      const path = join(dir, 'audit.csv');
      writeFileSync(path, 'previous export');
      const ac = new AbortController();
      let closed = false;
      const rows = rowsForever(
        (i) => {
          if (i === 50_000) ac.abort();
        },
        () => {
          closed = true;
        },
      );
      const err: unknown = await writeCsvFile({ path, columns: ROW_COLUMNS, rows, signal: ac.signal }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).name).toBe('AbortError');
      expect(closed).toBe(true);
      expect(readdirSync(dir)).toEqual(['audit.csv']);
      expect(readFileSync(path, 'utf8')).toBe('previous export');
    });

    it('from a timer while an endless sync source is being written (the writer yields to the event loop)', async () => {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(new Error('user cancelled')), 30);
      const err: unknown = await writeCsvFile({
        path: join(dir, 'usage.csv'),
        columns: ROW_COLUMNS,
        rows: rowsForever(),
        signal: ac.signal,
      }).catch((e: unknown) => e);
      clearTimeout(timer);
      expect((err as Error).name).toBe('AbortError');
      expect(((err as Error).cause as Error).message).toBe('user cancelled');
      expect(readdirSync(dir)).toEqual([]);
    });

    it('mid-stream (async source)', async () => {
      const path = join(dir, 'audit.csv');
      writeFileSync(path, 'previous export');
      const ac = new AbortController();
      let closed = false;
      async function* source(): AsyncGenerator<Row> {
        try {
          for (let i = 0; ; i++) {
            if (i === 20_000) ac.abort();
            if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
            yield makeRow(i);
          }
        } finally {
          closed = true;
        }
      }
      const err: unknown = await writeCsvFile({ path, columns: ROW_COLUMNS, rows: source(), signal: ac.signal }).catch(
        (e: unknown) => e,
      );
      expect((err as Error).name).toBe('AbortError');
      expect(closed).toBe(true);
      expect(readdirSync(dir)).toEqual(['audit.csv']);
      expect(readFileSync(path, 'utf8')).toBe('previous export');
    });

    it('already aborted: rejects without creating anything', async () => {
      const ac = new AbortController();
      ac.abort();
      await expect(
        writeCsvFile({ path: join(dir, 'x.csv'), columns: ROW_COLUMNS, rows: [makeRow(1)], signal: ac.signal }),
      ).rejects.toMatchObject({ name: 'AbortError' });
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  describe('(5) errors', () => {
    it('an error thrown by a sync row iterator leaves nothing behind', async () => {
      const path = join(dir, 'audit.csv');
      function* failing(): Generator<Row> {
        for (let i = 0; i < 30_000; i++) yield makeRow(i);
        throw new Error('database is locked');
      }
      await expect(writeCsvFile({ path, columns: ROW_COLUMNS, rows: failing() })).rejects.toThrow('database is locked');
      expect(readdirSync(dir)).toEqual([]);
    });

    it('an error thrown by an async row iterator leaves the previous file untouched', async () => {
      const path = join(dir, 'audit.csv');
      writeFileSync(path, 'previous export');
      async function* failing(): AsyncGenerator<Row> {
        for (let i = 0; i < 30_000; i++) yield makeRow(i);
        throw new Error('connection reset');
      }
      await expect(writeCsvFile({ path, columns: ROW_COLUMNS, rows: failing() })).rejects.toThrow('connection reset');
      expect(readdirSync(dir)).toEqual(['audit.csv']);
      expect(readFileSync(path, 'utf8')).toBe('previous export');
    });

    it('a throwing column getter or onProgress fails the export, closes the iterator and cleans up', async () => {
      const path = join(dir, 'audit.csv');
      writeFileSync(path, 'previous export');
      let closed = 0;
      const badColumns: CsvColumn<Row>[] = [
        ...ROW_COLUMNS,
        { header: 'bad', value: (r) => (r.id === 12_345 ? new Date(Number.NaN) : '') },
      ];
      await expect(
        writeCsvFile({ path, columns: badColumns, rows: rowsForever(undefined, () => closed++) }),
      ).rejects.toThrow(RangeError);
      await expect(
        writeCsvFile({
          path,
          columns: ROW_COLUMNS,
          rows: rowsForever(undefined, () => closed++),
          progressEvery: 1000,
          onProgress: (n) => {
            if (n > 5000) throw new Error('renderer went away');
          },
        }),
      ).rejects.toThrow('renderer went away');
      expect(closed).toBe(2);
      expect(readdirSync(dir)).toEqual(['audit.csv']);
      expect(readFileSync(path, 'utf8')).toBe('previous export');
    });

    it('rejects when the directory does not exist, and validates options', async () => {
      await expect(writeCsvFile({ path: join(dir, 'missing', 'a.csv'), columns: ROW_COLUMNS, rows: [] })).rejects.toMatchObject({
        code: 'ENOENT',
      });
      await expect(writeCsvFile({ path: join(dir, 'a.csv'), columns: [], rows: [] })).rejects.toThrow(TypeError);
      await expect(
        writeCsvFile({ path: join(dir, 'a.csv'), columns: ROW_COLUMNS, rows: [], progressEvery: 0 }),
      ).rejects.toThrow(RangeError);
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('(6) writes 200k generated rows with monotonic progress', async () => {
    const path = join(dir, 'big.csv');
    const total = 200_000;
    function* gen(): Generator<Row> {
      for (let i = 0; i < total; i++) yield makeRow(i);
    }
    const progress: number[] = [];
    const res = await writeCsvFile({ path, columns: ROW_COLUMNS, rows: gen(), progressEvery: 10_000, onProgress: (n) => progress.push(n) });

    expect(res.rowsWritten).toBe(total);
    expect(res.bytes).toBe(statSync(path).size);
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) {
      expect(progress[i]!).toBeGreaterThan(progress[i - 1]!);
      // Batch granularity: at least progressEvery rows apart, except the final report.
      if (i < progress.length - 1) expect(progress[i]! - progress[i - 1]!).toBeGreaterThanOrEqual(10_000);
    }
    expect(progress.at(-1)).toBe(total);

    const records = parseCsv(readFileSync(path));
    expect(records.length).toBe(total + 1);
    expect(records[0]).toEqual(['id', 'name', 'amount', 'at']);
    for (const i of [0, 7, 1, 99_999, total - 1]) {
      const r = makeRow(i);
      expect(records[i + 1]).toEqual([String(i), neutralizeCell(r.name), formatMinorUnits(r.amount, 6), r.at.toISOString()]);
    }
    expect(readdirSync(dir)).toEqual(['big.csv']);
  });
});
