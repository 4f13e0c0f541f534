import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { CsvError, parse } from 'csv-parse';
import { assertCsvFile } from '../csv/file-sniff';
import { AppError, type FieldIssue } from '../../../shared/contract/errors';
import { parseStrictTimestamp } from '../../../shared/domain/timestamps';
import { USAGE_CSV_COLUMNS, USAGE_RECORD_MAX } from '../../../shared/domain/usage-rules';
import type { UsageRecord } from '../store/usage-repository';

/** An import stops listing problems after this many; the user fixes them and tries again. */
export const MAX_REPORTED_ISSUES = 50;
const MAX_ID_LENGTH = 200;
/**
 * A valid row is a few hundred characters; a stray quote would otherwise make the parser buffer
 * the rest of a 2 GiB file as one field. Beyond this the file fails with its line number.
 */
const MAX_RECORD_CHARS = 1024 * 1024;
const WHOLE_NUMBER = /^\d+$/;
const CURRENCY = /^[A-Z]{3}$/;

type Column = (typeof USAGE_CSV_COLUMNS)[number];

/** Checked rows so far, for progress; `problems` counts every issue (only the first 50 are kept). */
export interface UsageCsvProgress {
  rowsChecked: number;
  problems: number;
}

function syntaxError(error: CsvError): AppError {
  const line = (error as CsvError & { lines?: number }).lines;
  // The parser quotes the field it stopped in: keep that to a readable excerpt.
  const message = error.message.replace(/^[^:]+:\s*/, '');
  const shown = message.length > 160 ? `${message.slice(0, 160)}…` : message;
  return AppError.field('E_VALIDATION', 'csv', `line ${line ?? '?'}: ${shown}`);
}

function headerIndex(header: string[]): { index: Record<Column, number>; width: number } {
  const names = header.map((name) => name.trim().toLowerCase());
  const missing = USAGE_CSV_COLUMNS.filter((column) => !names.includes(column));
  const unknown = names.filter((name) => !(USAGE_CSV_COLUMNS as readonly string[]).includes(name));
  if (missing.length || unknown.length || new Set(names).size !== names.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.join(', ')}` : '',
      new Set(names).size !== names.length ? 'a column appears twice' : '',
    ].filter(Boolean);
    throw AppError.field('E_VALIDATION', 'csv', `line 1: header: ${parts.join('; ')} (expected ${USAGE_CSV_COLUMNS.join(',')})`);
  }
  return { index: Object.fromEntries(USAGE_CSV_COLUMNS.map((column) => [column, names.indexOf(column)])) as Record<Column, number>, width: names.length };
}

/**
 * Lines of at most this many bytes can take the plain path: far below MAX_RECORD_CHARS, so the
 * plain path never has to reproduce csv-parse's record-size error.
 */
const PLAIN_MAX_LINE_BYTES = MAX_RECORD_CHARS / 4;
const SCAN_CHUNK_BYTES = 1024 * 1024;

/**
 * Whether `file` can be read by `readPlainUsageCsv` with the same outcome as csv-parse: no `"`
 * anywhere (so no quoted field), one kind of line break throughout (only LF, or only CRLF: no lone
 * CR, no LF without its CR; csv-parse takes the first break it meets as the record delimiter), and
 * no line longer than PLAIN_MAX_LINE_BYTES. One read of the file with native byte searches
 * (`indexOf`), ~5 % of a checking pass.
 */
export async function isPlainUsageCsvFile(file: string, chunkBytes = SCAN_CHUNK_BYTES): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    let lineBytes = 0; // bytes of the current line so far
    let crlf: boolean | null = null; // the file's kind of line break, once seen
    let pendingCr = false; // the previous chunk ended with CR
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return !pendingCr; // a CR as the file's last byte is a lone CR
      const chunk = bytesRead === chunkBytes ? buffer : buffer.subarray(0, bytesRead);
      if (chunk.indexOf(0x22) !== -1) return false;
      let start = 0;
      if (pendingCr) {
        if (chunk[0] !== 0x0a) return false;
      }
      for (let lf = chunk.indexOf(0x0a); lf !== -1; lf = chunk.indexOf(0x0a, lf + 1)) {
        const withCr = lf > 0 ? chunk[lf - 1] === 0x0d : pendingCr;
        if (crlf === null) crlf = withCr;
        else if (crlf !== withCr) return false;
        lineBytes += lf - start;
        if (lineBytes > PLAIN_MAX_LINE_BYTES) return false;
        lineBytes = 0;
        start = lf + 1;
      }
      lineBytes += chunk.length - start;
      if (lineBytes > PLAIN_MAX_LINE_BYTES) return false;
      // Every CR must be the first half of a CRLF (in an LF file there is none at all).
      for (let cr = chunk.indexOf(0x0d); cr !== -1; cr = chunk.indexOf(0x0d, cr + 1)) {
        if (crlf === false) return false;
        if (cr + 1 < chunk.length && chunk[cr + 1] !== 0x0a) return false;
      }
      pendingCr = chunk[chunk.length - 1] === 0x0d;
      if (pendingCr && crlf === false) return false;
    }
  } finally {
    await handle.close();
  }
}

/**
 * The plain path: the same records, problems and line numbers as `readUsageCsv`, for files that
 * `isPlainUsageCsvFile` accepted (no quotes, one kind of line break), by splitting lines and cells
 * instead of running csv-parse's state machine (~6× faster). Yields batches (one per read chunk).
 */
export async function* readPlainUsageCsv(input: Readable, progress: UsageCsvProgress = { rowsChecked: 0, problems: 0 }): AsyncGenerator<Array<UsageRecord | null>> {
  const decoder = new StringDecoder('utf8');
  const issues: FieldIssue[] = [];
  const report = (message: string) => {
    progress.problems += 1;
    if (issues.length < MAX_REPORTED_ISSUES) issues.push({ path: 'csv', message });
  };
  let columns: ReturnType<typeof headerIndex> | null = null;
  let carry = '';
  let line = 0; // line number of the last complete line
  let first = true;
  let crlf: boolean | null = null; // the file's line break, from its first LF (the scan checked they are all alike)
  const lines = function* (text: string, final: boolean): Generator<string> {
    let start = 0;
    for (let lf = text.indexOf('\n'); lf !== -1; lf = text.indexOf('\n', lf + 1)) {
      crlf ??= lf > 0 && text.charCodeAt(lf - 1) === 0x0d;
      yield text.slice(start, crlf ? lf - 1 : lf);
      start = lf + 1;
    }
    carry = text.slice(start);
    if (final && carry.length > 0) {
      const last = carry;
      carry = '';
      yield last;
    }
  };
  const take = (text: string, final: boolean): Array<UsageRecord | null> => {
    const batch: Array<UsageRecord | null> = [];
    for (const content of lines(text, final)) {
      line += 1;
      if (content.length === 0) continue; // skip_empty_lines
      const record = content.split(',');
      if (!columns) {
        columns = headerIndex(record);
        continue;
      }
      batch.push(checkRow(record, line, columns, report));
      progress.rowsChecked += 1;
    }
    return batch;
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let text = carry + decoder.write(chunk);
      if (first && text.length > 0) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // bom: true
      }
      const batch = take(text, false);
      if (batch.length > 0) yield batch;
    }
    let rest = carry + decoder.end();
    if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
    const batch = take(rest, true);
    if (batch.length > 0) yield batch;
  } finally {
    input.destroy();
  }
  if (!columns) throw AppError.field('E_VALIDATION', 'csv', 'line 1: the file has no header row');
  failOnProblems(progress, issues);
}

function failOnProblems(progress: UsageCsvProgress, issues: FieldIssue[]): void {
  if (progress.problems > 0) {
    const more = progress.problems > issues.length ? ` (first ${issues.length} shown)` : '';
    throw new AppError('E_VALIDATION', `${progress.problems} problem${progress.problems === 1 ? '' : 's'} in the file${more}; nothing was imported`, issues);
  }
}

/**
 * Streams a usage CSV (header row with the documented columns, any order) and validates every
 * row, holding one row at a time. Yields each data row's record, or null when the row has
 * problems; once the file is read, any problem fails it with E_VALIDATION and issues
 * `line N: column: message` on the `csv` field (N = the file's line, 1 = header; first 50 listed).
 * Header and CSV syntax problems fail at once.
 */
export async function* readUsageCsv(input: Readable, progress: UsageCsvProgress = { rowsChecked: 0, problems: 0 }): AsyncGenerator<UsageRecord | null> {
  const parser = parse({ info: true, bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: MAX_RECORD_CHARS });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);

  let columns: ReturnType<typeof headerIndex> | null = null;
  const issues: FieldIssue[] = [];
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!columns) {
        columns = headerIndex(record);
        continue;
      }
      const valid = checkRow(record, info.lines, columns, (message) => {
        progress.problems += 1;
        if (issues.length < MAX_REPORTED_ISSUES) issues.push({ path: 'csv', message });
      });
      progress.rowsChecked += 1;
      yield valid;
    }
  } catch (error) {
    if (error instanceof CsvError) throw syntaxError(error);
    throw error;
  } finally {
    input.unpipe(parser);
    parser.destroy();
    input.destroy();
  }
  if (!columns) throw AppError.field('E_VALIDATION', 'csv', 'line 1: the file has no header row');
  failOnProblems(progress, issues);
}

/**
 * The file's rows in batches, through the plain path when `isPlainUsageCsvFile` allows it and
 * csv-parse otherwise (same records, problems and line numbers; see the property test).
 */
export async function* readUsageCsvFile(file: string, progress: UsageCsvProgress, readChunkBytes: number): AsyncGenerator<Array<UsageRecord | null>> {
  await assertCsvFile(file);
  if (await isPlainUsageCsvFile(file)) {
    yield* readPlainUsageCsv(fs.createReadStream(file, { highWaterMark: readChunkBytes }), progress);
    return;
  }
  let batch: Array<UsageRecord | null> = [];
  try {
    for await (const record of readUsageCsv(fs.createReadStream(file, { highWaterMark: readChunkBytes }), progress)) {
      batch.push(record);
      if (batch.length >= 256) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (batch.length > 0) yield batch; // the rows read before the failure, as the plain path yields them
    throw error;
  }
  if (batch.length > 0) yield batch;
}

/** One data row: its record, or null after reporting each problem as `line N: column: message`. */
function checkRow(record: string[], line: number, columns: ReturnType<typeof headerIndex>, report: (message: string) => void): UsageRecord | null {
  let problems = 0;
  const problem = (column: Column | 'row', message: string) => {
    problems += 1;
    report(`line ${line}: ${column}: ${message}`);
  };
  if (record.length !== columns.width) {
    problem('row', `has ${record.length} columns, the header has ${columns.width}`);
    return null;
  }
  const cell = (column: Column) => record[columns.index[column]]!.trim();
  const text = (column: Column, required: boolean): string | null => {
    const value = cell(column);
    if (!value) {
      if (required) problem(column, 'is required');
      return null;
    }
    if (value.length > MAX_ID_LENGTH) {
      problem(column, `must be at most ${MAX_ID_LENGTH} characters`);
      return null;
    }
    return value;
  };
  /** A whole number from 0 to `max` (the per-record cap that keeps every sum exact). */
  const count = (column: Column, max: number): number | null => {
    const value = cell(column);
    if (!WHOLE_NUMBER.test(value)) {
      problem(column, value ? `"${value.slice(0, 20)}" is not a whole number ≥ 0` : 'is required');
      return null;
    }
    const number = Number(value);
    if (number > max) {
      problem(column, `at most ${max.toLocaleString('en-US')} per record (got ${value.length > 20 ? `${value.slice(0, 20)}…` : value})`);
      return null;
    }
    return number;
  };

  const id = text('id', true);
  const time = cell('time');
  let at = '';
  const parsed = time ? parseStrictTimestamp(time) : null;
  if (!parsed) problem('time', 'is required');
  else if (!parsed.ok) problem('time', parsed.message);
  else at = parsed.iso;
  const workspaceId = text('workspace_id', true);
  const keyId = text('key_id', false);
  const modelId = text('model_id', true);
  const requests = count('requests', USAGE_RECORD_MAX.requests);
  const inputTokens = count('input_tokens', USAGE_RECORD_MAX.inputTokens);
  const outputTokens = count('output_tokens', USAGE_RECORD_MAX.outputTokens);
  const cachedTokens = count('cached_tokens', USAGE_RECORD_MAX.cachedTokens);
  const costMicros = count('cost_micros', USAGE_RECORD_MAX.costMicros);
  const currency = cell('currency');
  if (!CURRENCY.test(currency)) problem('currency', currency ? `"${currency.slice(0, 10)}" is not a 3-letter currency code (e.g. USD)` : 'is required');
  if (cachedTokens !== null && inputTokens !== null && cachedTokens > inputTokens) problem('cached_tokens', 'cannot exceed input_tokens');
  if (problems > 0) return null;
  return {
    id: id!,
    at,
    workspaceId: workspaceId!,
    keyId,
    modelId: modelId!,
    requests: requests!,
    inputTokens: inputTokens!,
    outputTokens: outputTokens!,
    cachedTokens: cachedTokens!,
    costMicros: costMicros!,
    currency,
  };
}
