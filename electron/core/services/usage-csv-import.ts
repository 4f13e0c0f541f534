import { CsvError, parse } from 'csv-parse/sync';
import { AppError, type FieldIssue } from '../../../shared/contract/errors';
import { USAGE_CSV_COLUMNS } from '../../../shared/domain/usage-rules';
import type { UsageRecord } from '../store/usage-repository';

/** An import stops listing problems after this many; the user fixes them and tries again. */
export const MAX_REPORTED_ISSUES = 50;
const MAX_ID_LENGTH = 200;
const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const WHOLE_NUMBER = /^\d{1,16}$/;
const CURRENCY = /^[A-Z]{3}$/;

type Column = (typeof USAGE_CSV_COLUMNS)[number];

/**
 * Parses and validates a usage CSV (header row with the documented columns, any order).
 * Every row is checked before anything is stored; problems are reported as `line N: column: message`
 * on the `csv` field, with N the file's line number (1 = header).
 */
export function parseUsageCsv(csv: string): UsageRecord[] {
  let rows: Array<{ record: string[]; info: { lines: number } }>;
  try {
    rows = parse(csv, { info: true, bom: true, skip_empty_lines: true, relax_column_count: true }) as unknown as typeof rows;
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw AppError.field('E_VALIDATION', 'csv', `line ${line ?? '?'}: ${error.message.replace(/^[^:]+:\s*/, '')}`);
    }
    throw error;
  }
  const [header, ...data] = rows;
  if (!header) throw AppError.field('E_VALIDATION', 'csv', 'line 1: the file has no header row');

  const names = header.record.map((name) => name.trim().toLowerCase());
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
  const index = Object.fromEntries(USAGE_CSV_COLUMNS.map((column) => [column, names.indexOf(column)])) as Record<Column, number>;

  const issues: FieldIssue[] = [];
  let issueCount = 0;
  const records: UsageRecord[] = [];
  for (const { record, info } of data) {
    const line = info.lines;
    const problem = (column: Column | 'row', message: string) => {
      issueCount += 1;
      if (issues.length < MAX_REPORTED_ISSUES) issues.push({ path: 'csv', message: `line ${line}: ${column}: ${message}` });
    };
    if (record.length !== names.length) {
      problem('row', `has ${record.length} columns, the header has ${names.length}`);
      continue;
    }
    const cell = (column: Column) => record[index[column]]!.trim();
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
    const count = (column: Column): number => {
      const value = cell(column);
      if (!WHOLE_NUMBER.test(value) || !Number.isSafeInteger(Number(value))) {
        problem(column, value ? `"${value.slice(0, 20)}" is not a whole number ≥ 0` : 'is required');
        return 0;
      }
      return Number(value);
    };

    const errorsBefore = issueCount;
    const id = text('id', true);
    const time = cell('time');
    let at = '';
    const ms = TIME_PATTERN.test(time) ? Date.parse(time) : Number.NaN;
    if (Number.isNaN(ms)) problem('time', time ? `"${time.slice(0, 40)}" is not an ISO-8601 time with a zone (e.g. 2026-01-31T13:45:00Z)` : 'is required');
    else {
      at = new Date(ms).toISOString();
      if (at.length !== 24) problem('time', 'is out of range');
    }
    const workspaceId = text('workspace_id', true);
    const keyId = text('key_id', false);
    const modelId = text('model_id', true);
    const requests = count('requests');
    const inputTokens = count('input_tokens');
    const outputTokens = count('output_tokens');
    const cachedTokens = count('cached_tokens');
    const costMicros = count('cost_micros');
    const currency = cell('currency');
    if (!CURRENCY.test(currency)) problem('currency', currency ? `"${currency.slice(0, 10)}" is not a 3-letter currency code (e.g. USD)` : 'is required');
    if (cachedTokens > inputTokens) problem('cached_tokens', 'cannot exceed input_tokens');
    if (issueCount > errorsBefore) continue;
    records.push({ id: id!, at, workspaceId: workspaceId!, keyId, modelId: modelId!, requests, inputTokens, outputTokens, cachedTokens, costMicros, currency });
  }

  if (issueCount > 0) {
    const more = issueCount > issues.length ? ` (first ${issues.length} shown)` : '';
    throw new AppError('E_VALIDATION', `${issueCount} problem${issueCount === 1 ? '' : 's'} in the file${more}; nothing was imported`, issues);
  }
  return records;
}
