import type { Db } from './database';

/**
 * The raw usage export's reads of `usage_records` (the usage domain's read side; writes are in
 * usage-repository.ts). The paging and CSV logic is in services/export-sources.ts.
 *
 * Why this shape (measured, see bench/usage-export.bench.ts): the `at` index gives the `seq`
 * range of the period in one aggregate; the rows are then read in rowid order, which is ~1.6×
 * faster than walking the `at` index with a table lookup per row; and SQLite renders each plain
 * record as one string, which is much cheaper than creating 11 JS values per row.
 */

/** Raw columns of one record, in the export's header order (cost still in micro-units), then `seq`. */
export type UsageRawRow = [string, string, string, string | null, string, number, number, number, number, number, string, number];

/** Keyset bounds of one page: records with `after` < seq ≤ `last` and `fromIso` ≤ at < `toIso`. */
export interface UsageRawPageParams {
  after: number;
  last: number;
  fromIso: string;
  toIso: string;
}

/** ~64 KiB of CSV per page: one JS string per page instead of 11 JS values per record. */
export const USAGE_RAW_PAGE_ROWS = 600;

const RAW_COLUMNS = 'id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency';
/**
 * The whole CSV record rendered by SQLite, for the common case of plain cells. Integers print as
 * decimals exactly as `formatNumber` does, the cost as `<whole>.<6 digits>` as `microsCell` does
 * (costs are ≥ 0 by a CHECK), a NULL key as an empty cell. Whether a page needs quoting or
 * neutralising is decided in JS by `isPlainCsvPage`; if it does, it is formatted cell by cell.
 */
const RAW_LINE_SQL = `id || ',' || at || ',' || workspace_id || ',' || ifnull(key_id, '') || ',' || model_id || ',' || requests || ',' ||
  input_tokens || ',' || output_tokens || ',' || cached_tokens || ',' || (cost_micros / 1000000) || '.' ||
  substr('000000' || (cost_micros % 1000000), -6) || ',' || currency || char(13, 10)`;
const PAGE_WHERE = `seq > @after AND seq <= @last AND +at >= @fromIso AND +at < @toIso ORDER BY seq LIMIT ${USAGE_RAW_PAGE_ROWS}`;

/**
 * One page as [text, count, last seq]: the records' lines joined in `seq` order. The same statement
 * runs on the core's connection and in the export's worker threads (usage-export-readers.ts).
 */
export const USAGE_RAW_PAGE_SQL = `SELECT group_concat(line, '' ORDER BY seq), count(*), max(seq) FROM (SELECT ${RAW_LINE_SQL} AS line, seq FROM usage_records WHERE ${PAGE_WHERE})`;

/**
 * The raw export as one SQL statement, for the benchmark's `sqlite3 -csv` baseline: the same rows
 * in the same order with the same cost formatting (quoting aside, which sqlite3 does itself), and
 * the same access path (the `seq` range of the period, read in rowid order).
 */
export function usageRawBaselineSql(fromIso: string, toIso: string, firstSeq: number, lastSeq: number): string {
  const quote = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return `SELECT id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens,
    (cost_micros / 1000000) || '.' || substr('000000' || (cost_micros % 1000000), -6) AS cost, currency
    FROM usage_records WHERE seq BETWEEN ${Math.trunc(firstSeq)} AND ${Math.trunc(lastSeq)} AND +at >= ${quote(fromIso)} AND +at < ${quote(toIso)} ORDER BY seq`;
}

/**
 * Read-only statements only, so it also serves a `readonly` connection (the benchmark's planner).
 * Pages are plain `.get()`/`.all()` reads, never an open `iterate()` (see export-sources.ts).
 */
export function createUsageExportRepository(db: Db) {
  const range = db.prepare('SELECT COUNT(*) AS n, MIN(seq) AS first, MAX(seq) AS last FROM usage_records WHERE at >= ? AND at < ?');
  const page = db.prepare(USAGE_RAW_PAGE_SQL).raw(true);
  const pageRows = db.prepare(`SELECT ${RAW_COLUMNS}, seq FROM usage_records WHERE ${PAGE_WHERE}`).raw(true);

  return {
    /** COUNT, MIN(seq), MAX(seq) of the records in [fromIso, toIso): one aggregate over the `at` index. */
    rawRange(fromIso: string, toIso: string): { n: number; first: number | null; last: number | null } {
      return range.get(fromIso, toIso) as { n: number; first: number | null; last: number | null };
    },

    /**
     * The next page (at most USAGE_RAW_PAGE_ROWS records) as one CSV text rendered by SQLite, its
     * record count and last `seq`; `text` and `lastSeq` are null when the page is empty.
     */
    rawPage(params: UsageRawPageParams): { text: string | null; count: number; lastSeq: number | null } {
      const [text, count, lastSeq] = page.get(params) as [string | null, number, number | null];
      return { text, count, lastSeq };
    },

    /** The same page as raw column values, for pages that need quoting or neutralising. */
    rawPageRows(params: UsageRawPageParams): UsageRawRow[] {
      return pageRows.all(params) as UsageRawRow[];
    },
  };
}
export type UsageExportRepository = ReturnType<typeof createUsageExportRepository>;
