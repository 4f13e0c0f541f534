/**
 * What each CSV export contains: documented header names, cell values and a row source.
 * Shared by the export jobs (IPC) and the CLI. Secrets never appear: keys export only their
 * masked form, which the UI already shows.
 *
 * Sources that read while the file is written (usage raw, audit) read in keyset-paged batches with
 * `.all()`/`.get()`, never one open `iterate()`: the job yields between batches and the same
 * connection then serves other requests and writes, which better-sqlite3 refuses ("This database
 * connection is busy executing a query") while a statement is still being iterated.
 */
import { AppError } from '../../../shared/contract/errors';
import type { UsageReport } from '../../../shared/contract/usage-schemas';
import { currencyDecimals } from '../../../shared/domain/money';
import { minorUnits } from '../csv/csv-cells';
import type { CsvColumn, PreformattedCsv } from '../csv/csv-writer';
import type { AuditFilter, AuditRow } from '../store/audit-repository';
import type { KeyRow } from '../store/key-repository';
import { changedFields } from '../store/snapshot-diff';
import {
  USAGE_RAW_PAGE_ROWS,
  USAGE_RAW_PAGE_SQL,
  type UsageExportRepository,
  type UsageRawPageParams,
  type UsageRawRow as RawUsageRow,
} from '../store/usage-export-repository';
import type { WorkspaceRow } from '../store/workspace-repository';
import { PARALLEL_MIN_ROWS, startUsageRawWorkers, TASK_SEQS, type UsageRawTaskResult, type UsageRawWorkers } from '../store/usage-export-readers';

export interface ExportSource<Row> {
  /** Suggested file name, e.g. `gatehouse-usage-raw-2026-11-01_2026-11-30.csv`. */
  fileName: string;
  columns: readonly CsvColumn<Row>[];
  /** Rows expected, for the progress bar. */
  totalRows: number;
  /** Consumed once, lazily: nothing is read before the export starts writing. */
  rows: Iterable<Row> | AsyncIterable<Row>;
  /** Optional fast path: an item that is already CSV text (or its UTF-8 bytes) of `rows` records (see writeCsvFile). */
  preformatted?: (item: Row) => PreformattedCsv | undefined;
}

/** Type-erased source, as the job runner handles it. */
export type AnyExportSource = ExportSource<never>;
const erase = <Row>(source: ExportSource<Row>): AnyExportSource => source as unknown as AnyExportSource;

/** Micro-units (integer ≥ 0 in the store) as a fixed 6-decimal amount, without bigint on the hot path. */
export function microsCell(micros: number): string {
  const whole = Math.floor(micros / 1_000_000);
  const fraction = String(micros - whole * 1_000_000);
  return `${whole}.${'000000'.slice(fraction.length)}${fraction}`;
}

export const WORKSPACE_HEADERS = [
  'id', 'name', 'description', 'environment', 'region', 'status', 'owner',
  'monthly_budget', 'currency', 'budget_thresholds_percent', 'budget_mode', 'active_keys', 'members', 'created_at', 'updated_at',
] as const;

export function workspacesExport(
  workspaces: readonly WorkspaceRow[],
  budgetOf: (workspaceId: string) => { thresholds: readonly number[]; mode: string },
  today: string,
): AnyExportSource {
  const columns: CsvColumn<WorkspaceRow>[] = [
    { header: 'id', value: (w) => w.id },
    { header: 'name', value: (w) => w.name },
    { header: 'description', value: (w) => w.description },
    { header: 'environment', value: (w) => w.environment },
    { header: 'region', value: (w) => w.region },
    { header: 'status', value: (w) => w.status },
    { header: 'owner', value: (w) => w.owner },
    { header: 'monthly_budget', value: (w) => minorUnits(w.monthlyBudgetMinor, currencyDecimals(w.currency)) },
    { header: 'currency', value: (w) => w.currency },
    { header: 'budget_thresholds_percent', value: (w) => budgetOf(w.id).thresholds.join(';') },
    { header: 'budget_mode', value: (w) => budgetOf(w.id).mode },
    { header: 'active_keys', value: (w) => w.keyCount },
    { header: 'members', value: (w) => w.memberCount },
    { header: 'created_at', value: (w) => w.createdAt },
    { header: 'updated_at', value: (w) => w.updatedAt },
  ];
  return erase({ fileName: `gatehouse-workspaces-${today}.csv`, columns, totalRows: workspaces.length, rows: workspaces });
}

export const KEY_HEADERS = [
  'id', 'workspace_id', 'name', 'masked_key', 'status', 'expires_at', 'revoked_at', 'last_used_at', 'rotated_at',
  'rpm_limit', 'tpm_limit', 'monthly_budget', 'currency', 'created_at', 'updated_at',
] as const;

export function keysExport(keys: readonly KeyRow[], workspace: { id: string; name: string; currency: string }, today: string): AnyExportSource {
  const decimals = currencyDecimals(workspace.currency);
  const columns: CsvColumn<KeyRow>[] = [
    { header: 'id', value: (k) => k.id },
    { header: 'workspace_id', value: (k) => k.workspaceId },
    { header: 'name', value: (k) => k.name },
    { header: 'masked_key', value: (k) => `${k.secretPrefix}…${k.last4}` },
    { header: 'status', value: (k) => k.status },
    { header: 'expires_at', value: (k) => k.expiresAt },
    { header: 'revoked_at', value: (k) => k.revokedAt },
    { header: 'last_used_at', value: (k) => k.lastUsedAt },
    { header: 'rotated_at', value: (k) => k.rotatedAt },
    { header: 'rpm_limit', value: (k) => k.rpmLimit },
    { header: 'tpm_limit', value: (k) => k.tpmLimit },
    { header: 'monthly_budget', value: (k) => (k.monthlyBudgetMinor === null ? null : minorUnits(k.monthlyBudgetMinor, decimals)) },
    { header: 'currency', value: () => workspace.currency },
    { header: 'created_at', value: (k) => k.createdAt },
    { header: 'updated_at', value: (k) => k.updatedAt },
  ];
  return erase({ fileName: `gatehouse-keys-${workspace.id}-${today}.csv`, columns, totalRows: keys.length, rows: keys });
}

export const USAGE_RAW_HEADERS = [
  'id', 'time', 'workspace_id', 'key_id', 'model_id', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'currency',
] as const;

/** A page of records SQLite rendered as CSV text checked plain by `isPlainCsvPage`, or the bytes of a worker's task. */
type RawPage = { text: string; rows: number } | { bytes: Uint8Array; rows: number };

const RAW_CELLS_PER_RECORD = 11;

/**
 * The pattern of a page of CRLF-terminated records of `cells` cells that need no quoting and no
 * neutralising: no cell holds `"`, `,`, CR, LF or NUL, and none starts with a formula trigger
 * (`= + - @ TAB` and their full-width forms; CR, LF and NUL cannot appear at all). Each record has
 * exactly `cells` cells, so a comma or line break inside a cell cannot pass. One compiled regular
 * expression scans a page ~2.5× faster than a loop over its characters (measured on 1M records).
 */
export function plainCsvPagePattern(cells: number): string {
  const never = '",\\r\\n\\0';
  const trigger = '=+\\-@\\t\\uFF1D\\uFF0B\\uFF0D\\uFF20';
  const cell = `(?:[^${never}${trigger}][^${never}]*)?`;
  return `^(?:${cell}(?:,${cell}){${cells - 1}}\\r\\n)*$`;
}
const RAW_PLAIN_PATTERN = plainCsvPagePattern(RAW_CELLS_PER_RECORD);
const plainPages = new Map<number, RegExp>([[RAW_CELLS_PER_RECORD, new RegExp(RAW_PLAIN_PATTERN)]]);

/**
 * True when `text` is exactly `records` CRLF-terminated records of `cells` cells that need no
 * quoting and no neutralising (see plainCsvPagePattern).
 */
export function isPlainCsvPage(text: string, records: number, cells: number): boolean {
  let pattern = plainPages.get(cells);
  if (!pattern) plainPages.set(cells, (pattern = new RegExp(plainCsvPagePattern(cells))));
  if (!pattern.test(text)) return false;
  // Records are CRLF-terminated and no cell holds a CR, so the CRs count the records.
  let crs = 0;
  for (let i = text.indexOf('\r'); i !== -1; i = text.indexOf('\r', i + 1)) crs++;
  return crs === records;
}

/** Inclusive UTC day range → half-open ISO bounds on `at`. */
export function dayRangeBounds(from: string, to: string): { fromIso: string; toIso: string } {
  const end = new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString();
  return { fromIso: `${from}T00:00:00.000Z`, toIso: end };
}

/** Where worker threads can read the store from (a file; an in-memory store has none). */
export interface UsageRawParallelism {
  file: string;
  nativeBinding?: string | undefined;
  /** Number of reader threads (default: the machine's parallelism, 1–4). */
  workers?: number;
  /** Use the workers from this many records on (default PARALLEL_MIN_ROWS). */
  minRows?: number;
  /** Counts tasks rendered by a worker and here (tests and the benchmark check the split). */
  tally?: { worker: number; here: number };
}

const usageRecordsChanged = (expected: number, written: number) =>
  new AppError('E_CONFLICT', `The usage records of this period changed while they were exported (${written} rows instead of ${expected}); no file was written. Export again.`);

/**
 * Raw usage records in [from, to] (UTC days, inclusive), in the order they were stored (`seq`;
 * the gateway and the generator store them chronologically).
 *
 * The statements, and why they have this shape (measured), are in store/usage-export-repository.ts.
 * Pages are read with `.get()`/`.all()` rather than one open `iterate()`: between pages the
 * connection is free for other IPC calls while the export awaits its file writes, and an abandoned
 * export leaves no statement open. With `parallel` (a store file) and enough records, worker
 * threads render the pages (usage-export-readers.ts, which also explains why their separate
 * snapshots give the same rows); a task they cannot render plainly is rendered here.
 */
export function usageRawExport(records: UsageExportRepository, from: string, to: string, parallel?: UsageRawParallelism): AnyExportSource {
  const { fromIso, toIso } = dayRangeBounds(from, to);
  const range = records.rawRange(fromIso, toIso);

  /** Records with after < seq ≤ last, page by page; `counted.rows` adds up what was yielded. */
  function* inProcess(after: number, last: number, counted: { rows: number }): Generator<RawPage | RawUsageRow> {
    const params: UsageRawPageParams = { after, last, fromIso, toIso };
    for (;;) {
      const { text, count, lastSeq } = records.rawPage(params);
      if (count === 0 || text === null || lastSeq === null) return;
      counted.rows += count;
      if (isPlainCsvPage(text, count, RAW_CELLS_PER_RECORD)) yield { text, rows: count };
      else yield* records.rawPageRows(params); // rare: quoting or neutralising needed
      if (count < USAGE_RAW_PAGE_ROWS) return;
      params.after = lastSeq;
    }
  }
  function checkCount(counted: { rows: number }): void {
    if (counted.rows !== range.n) throw usageRecordsChanged(range.n, counted.rows);
  }
  function* rows(): Generator<RawPage | RawUsageRow> {
    if (range.first === null || range.last === null) return;
    const counted = { rows: 0 };
    yield* inProcess(range.first - 1, range.last, counted);
    checkCount(counted);
  }
  async function* parallelRows(config: UsageRawParallelism): AsyncGenerator<RawPage | RawUsageRow> {
    const first = range.first!;
    const last = range.last!;
    const tasks = Math.ceil((last - first + 1) / TASK_SEQS);
    const taskAt = (k: number) => ({ after: first - 1 + k * TASK_SEQS, last: Math.min(last, first - 1 + (k + 1) * TASK_SEQS) });
    const counted = { rows: 0 };
    let pool: UsageRawWorkers | null;
    try {
      pool = startUsageRawWorkers(
        { file: config.file, nativeBinding: config.nativeBinding, pageSql: USAGE_RAW_PAGE_SQL, pageRows: USAGE_RAW_PAGE_ROWS, plainPattern: RAW_PLAIN_PATTERN, fromIso, toIso },
        config.workers,
      );
    } catch {
      pool = null; // no worker threads here: the job reads on its own connection
    }
    const ahead: Array<Promise<UsageRawTaskResult | null>> = [];
    let asked = 0;
    // writeCsvFile starts a write only once the previous one finished: when the generator resumes
    // after yielding a task's bytes, the bytes yielded before them are on disk and can be reused.
    let writing: Extract<UsageRawTaskResult, { plain: true }> | null = null;
    try {
      for (let k = 0; k < tasks; k++) {
        while (pool && asked < tasks && asked < k + pool.queueDepth) {
          // A worker failure settles as null: that task (and, the pool failed, every later one) is read here.
          ahead.push(pool.run(taskAt(asked), asked).catch(() => null));
          asked++;
        }
        const result = pool ? await ahead.shift()! : null;
        if (result?.plain) {
          if (config.tally) config.tally.worker++;
          counted.rows += result.rows;
          if (result.rows > 0) {
            yield { bytes: result.bytes, rows: result.rows };
            if (writing) pool!.recycle(writing);
            writing = result;
          }
        } else {
          if (config.tally) config.tally.here++;
          const task = taskAt(k);
          yield* inProcess(task.after, task.last, counted);
        }
      }
      checkCount(counted);
    } finally {
      await pool?.close();
    }
  }

  const cell = <T>(get: (r: RawUsageRow) => T) => (r: RawPage | RawUsageRow) => get(r as RawUsageRow);
  const columns: CsvColumn<RawPage | RawUsageRow>[] = [
    { header: 'id', value: cell((r) => r[0]) },
    { header: 'time', value: cell((r) => r[1]) },
    { header: 'workspace_id', value: cell((r) => r[2]) },
    { header: 'key_id', value: cell((r) => r[3]) },
    { header: 'model_id', value: cell((r) => r[4]) },
    { header: 'requests', value: cell((r) => r[5]) },
    { header: 'input_tokens', value: cell((r) => r[6]) },
    { header: 'output_tokens', value: cell((r) => r[7]) },
    { header: 'cached_tokens', value: cell((r) => r[8]) },
    { header: 'cost', value: cell((r) => microsCell(r[9])) },
    { header: 'currency', value: cell((r) => r[10]) },
  ];
  const useWorkers = parallel !== undefined && range.first !== null && range.n >= (parallel.minRows ?? PARALLEL_MIN_ROWS);
  return erase({
    fileName: `gatehouse-usage-raw-${from}_${to}.csv`,
    columns,
    totalRows: range.n,
    rows: useWorkers ? { [Symbol.asyncIterator]: () => parallelRows(parallel) } : { [Symbol.iterator]: rows },
    preformatted: (r) => (Array.isArray(r) ? undefined : r),
  });
}

export const USAGE_REPORT_HEADERS = [
  'period', 'group_by', 'group_id', 'group', 'records', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'currency',
] as const;

type ReportRow = UsageReport['rows'][number];

/** The grouped report as `usage:report` returned it; one CSV row per report row. */
export function usageReportExport(report: UsageReport, params: { from: string; to: string; groupBy: string; bucket: string }): AnyExportSource {
  const columns: CsvColumn<ReportRow>[] = [
    { header: 'period', value: (r) => r.bucket },
    { header: 'group_by', value: () => params.groupBy },
    { header: 'group_id', value: (r) => r.groupId },
    { header: 'group', value: (r) => r.groupLabel },
    { header: 'records', value: (r) => r.records },
    { header: 'requests', value: (r) => r.requests },
    { header: 'input_tokens', value: (r) => r.inputTokens },
    { header: 'output_tokens', value: (r) => r.outputTokens },
    { header: 'cached_tokens', value: (r) => r.cachedTokens },
    { header: 'cost', value: (r) => microsCell(r.costMicros) },
    { header: 'currency', value: (r) => r.currency },
  ];
  return erase({
    fileName: `gatehouse-usage-by-${params.groupBy}-per-${params.bucket}-${params.from}_${params.to}.csv`,
    columns,
    totalRows: report.rows.length,
    rows: report.rows,
  });
}

export const AUDIT_HEADERS = [
  'id', 'time_utc', 'actor', 'action', 'entity_type', 'entity_id', 'workspace_id', 'workspace_name', 'changes', 'before_json', 'after_json',
] as const;

/**
 * Entries per page (~400 KB of CSV, a few file writes). Measured exporting 1M entries: 5,000-row
 * pages lived across many writes, got promoted to V8's old generation and raised peak RSS by
 * ~55 MB; with 1,000 the export stays ~40 MB above the idle process.
 */
export const AUDIT_PAGE_ROWS = 1_000;

const parseSnapshot = (json: string | null): Record<string, unknown> | null => (json ? (JSON.parse(json) as Record<string, unknown>) : null);
const showValue = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));

const AUDIT_COLUMNS: CsvColumn<AuditRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'time_utc', value: (r) => r.at },
  { header: 'actor', value: (r) => r.actor },
  { header: 'action', value: (r) => r.action },
  { header: 'entity_type', value: (r) => r.entityType },
  { header: 'entity_id', value: (r) => r.entityId },
  { header: 'workspace_id', value: (r) => r.workspaceId },
  { header: 'workspace_name', value: (r) => r.workspaceName },
  {
    header: 'changes',
    value: (r) =>
      changedFields(parseSnapshot(r.beforeJson), parseSnapshot(r.afterJson))
        .map((c) => `${c.field}: ${showValue(c.before)} → ${showValue(c.after)}`)
        .join('; '),
  },
  { header: 'before_json', value: (r) => r.beforeJson },
  { header: 'after_json', value: (r) => r.afterJson },
];

/** What the audit export reads: keyset pages by id, newest first, filtered as `audit:list` filters. */
export interface AuditPages {
  exportPage(filter: AuditFilter, beforeId: number, limit: number): AuditRow[];
  count(filter: AuditFilter, beforeId: number | null): number;
}

/**
 * The audit log as `audit:list` filters it, newest first, in pages of AUDIT_PAGE_ROWS by id. The
 * export covers the entries that exist when it starts (ids up to the newest one then): entries
 * written while it runs, its own job's included, are not in the file.
 */
export function auditExport(audit: AuditPages, filter: AuditFilter, startedAt: Date): AnyExportSource {
  const newest = audit.exportPage({}, Number.MAX_SAFE_INTEGER, 1)[0]?.id ?? null;
  const upTo = newest === null ? null : newest + 1;
  const totalRows = upTo === null ? 0 : audit.count(filter, upTo);
  function* rows(): Generator<AuditRow> {
    if (upTo === null) return;
    let beforeId = upTo;
    for (;;) {
      const page = audit.exportPage(filter, beforeId, AUDIT_PAGE_ROWS);
      yield* page;
      if (page.length < AUDIT_PAGE_ROWS) return;
      beforeId = page[page.length - 1]!.id;
    }
  }
  const stamp = startedAt.toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return erase({ fileName: `gatehouse-audit-${stamp}.csv`, columns: AUDIT_COLUMNS, totalRows, rows: { [Symbol.iterator]: rows } });
}
