import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
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
  return AppError.field('E_VALIDATION', 'csv', `line ${line ?? '?'}: ${error.message.replace(/^[^:]+:\s*/, '')}`);
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
  if (progress.problems > 0) {
    const more = progress.problems > issues.length ? ` (first ${issues.length} shown)` : '';
    throw new AppError('E_VALIDATION', `${progress.problems} problem${progress.problems === 1 ? '' : 's'} in the file${more}; nothing was imported`, issues);
  }
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
