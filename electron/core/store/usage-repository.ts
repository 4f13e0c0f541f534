import { AppError } from '../../../shared/contract/errors';
import {
  USAGE_AMOUNT_COLUMNS,
  USAGE_AMOUNT_FIELDS,
  USAGE_RECORD_MAX,
  USAGE_TOTAL_MAX,
  type UsageBucket,
  type UsageGroupBy,
} from '../../../shared/domain/usage-rules';
import type { Db } from './database';

/** One usage record as stored. `at` is a full ISO-8601 UTC instant ('YYYY-MM-DDTHH:MM:SS.sssZ'). */
export interface UsageRecord {
  id: string;
  at: string;
  workspaceId: string;
  keyId: string | null;
  modelId: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number;
  currency: string;
}

export interface UsageAmounts {
  records: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number;
}

export interface UsageRollupQuery {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  bucket: UsageBucket;
  workspaceIds: string[];
  modelIds: string[];
  keyIds: string[];
}

export interface UsageRollupRow extends UsageAmounts {
  bucket: string;
  groupId: string;
  currency: string;
}

/** Bucket and group expressions are chosen from these maps; caller text is never interpolated. */
const BUCKET_SQL: Record<UsageBucket, string> = {
  day: 'd.day',
  // ISO week, labelled by its Monday: move to the coming Sunday (or stay), then back six days.
  week: "date(d.day, 'weekday 0', '-6 days')",
  month: 'substr(d.day, 1, 7)',
};
const GROUP_SQL: Record<UsageGroupBy, string> = {
  workspace: 'd.workspace_id',
  model: 'd.model_id',
  key: 'd.key_id',
  vendor: "COALESCE(m.vendor, 'Unknown')",
};
const SUMS = `SUM(d.record_count) AS records, SUM(d.requests) AS requests, SUM(d.input_tokens) AS inputTokens,
  SUM(d.output_tokens) AS outputTokens, SUM(d.cached_tokens) AS cachedTokens, SUM(d.cost_micros) AS costMicros`;

function filterSql(query: Pick<UsageRollupQuery, 'workspaceIds' | 'modelIds' | 'keyIds'>): string {
  const parts = ['d.day BETWEEN @from AND @to'];
  // Lists are bound as JSON arrays, so one statement per shape serves any list length.
  if (query.workspaceIds.length) parts.push('d.workspace_id IN (SELECT value FROM json_each(@workspaceIds))');
  if (query.modelIds.length) parts.push('d.model_id IN (SELECT value FROM json_each(@modelIds))');
  if (query.keyIds.length) parts.push('d.key_id IN (SELECT value FROM json_each(@keyIds))');
  return parts.join(' AND ');
}

/** A usage import's journal row (see migration 011): who runs it, how far it got. */
export interface UsageImportJournal {
  id: number;
  state: 'staging' | 'applying';
  ownerPid: number;
  ownerThread: number;
  ownerToken: string;
  /** Wall-clock ms of the owner's last committed chunk (liveness, not a domain time). */
  heartbeatMs: number;
  startedAt: string;
  /** Rows staged (= data rows of the file, once staging is complete). */
  rows: number;
  /** Staged rows with seq ≤ this are in usage_records (or were duplicates) and deleted from staging. */
  appliedSeq: number;
  inserted: number;
  duplicates: number;
}

/** Who runs an import: this process and thread, under a token unique to the running job. */
export interface UsageImportOwner {
  pid: number;
  thread: number;
  token: string;
  heartbeatMs: number;
}

export interface StagedUsageRecord extends UsageRecord {
  seq: number;
}

export interface MonthSpendRow {
  workspaceId: string;
  currency: string;
  costMicros: number;
}

/** Amounts per currency: what a batch adds to (or an import reserves in) the store totals. */
export type UsageTotalsByCurrency = Map<string, UsageAmounts>;

const TOTAL_FIELDS = ['records', ...USAGE_AMOUNT_FIELDS] as const;
const TOTAL_COLUMNS: Record<(typeof TOTAL_FIELDS)[number], string> = { records: 'records', ...USAGE_AMOUNT_COLUMNS };
const LIMIT_TEXT = `${USAGE_TOTAL_MAX.toLocaleString('en-US')} (2^53 − 1), the most Gatehouse adds up exactly`;

const emptyAmounts = (): UsageAmounts => ({ records: 0, requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costMicros: 0 });

/**
 * Adds one record's amounts to `totals[currency]`. Plain number sums are exact while they stay at
 * most 2^53 − 1, and once the exact sum passes it the float sum is at least 2^53 (adding
 * non-negative numbers never rounds below a power of two already reached), so `> USAGE_TOTAL_MAX`
 * is still decided exactly.
 */
export function addToCurrency(totals: UsageTotalsByCurrency, currency: string, r: Omit<UsageAmounts, 'records'>, records = 1): void {
  let t = totals.get(currency);
  if (!t) totals.set(currency, (t = emptyAmounts()));
  t.records += records;
  t.requests += r.requests;
  t.inputTokens += r.inputTokens;
  t.outputTokens += r.outputTokens;
  t.cachedTokens += r.cachedTokens;
  t.costMicros += r.costMicros;
}

/** The first amount whose stored total plus `delta` would pass USAGE_TOTAL_MAX (its column name), or null. */
function overLimit(stored: UsageAmounts | undefined, delta: UsageAmounts): string | null {
  for (const field of TOTAL_FIELDS) if ((stored?.[field] ?? 0) + delta[field] > USAGE_TOTAL_MAX) return TOTAL_COLUMNS[field];
  return null;
}

/**
 * What a read answers when the store holds sums it cannot report exactly: only possible for usage
 * stored before the per-record caps and store totals existed (a write can no longer get there).
 */
export const inexactSums = () =>
  new AppError(
    'E_LIMIT',
    `This usage adds up to more than ${LIMIT_TEXT}: the store holds records stored before Gatehouse capped each record ` +
      `(cost_micros at most ${USAGE_RECORD_MAX.costMicros.toLocaleString('en-US')}). Narrow the range or filters to leave them out.`,
  );

/** Runs a SUM query and refuses, with `inexactSums`, an SQLite integer overflow or a sum past USAGE_TOTAL_MAX. */
function exactSums<T extends object>(read: () => T[], fields: ReadonlyArray<keyof T>): T[] {
  let rows: T[];
  try {
    rows = read();
  } catch (error) {
    if (error instanceof Error && /integer overflow/i.test(error.message)) throw inexactSums();
    throw error;
  }
  for (const row of rows) for (const field of fields) if ((row[field] as number) > USAGE_TOTAL_MAX) throw inexactSums();
  return rows;
}

interface RollupDelta extends UsageAmounts {
  day: string;
  workspaceId: string;
  keyId: string;
  modelId: string;
  currency: string;
}

/** Rolling rows into usage_daily: a day's row that already exists gets the new amounts added. */
const ADD_TO_DAILY_ROW = `ON CONFLICT (day, workspace_id, key_id, model_id, currency) DO UPDATE SET
       record_count = record_count + excluded.record_count,
       requests = requests + excluded.requests,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       cached_tokens = cached_tokens + excluded.cached_tokens,
       cost_micros = cost_micros + excluded.cost_micros`;

/**
 * Usage records and the `usage_daily` rollup (day × workspace × key × model × currency).
 * `insertBatch` must run inside the caller's transaction: records and rollup commit together,
 * which is what lets reports read only the rollup.
 */
export function createUsageRepository(db: Db) {
  const insertRecord = db.prepare(
    `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
  );
  const upsertDaily = db.prepare(
    `INSERT INTO usage_daily (day, workspace_id, key_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ${ADD_TO_DAILY_ROW}`,
  );
  const totalsRows = db.prepare(
    `SELECT currency, record_count AS records, requests, input_tokens AS inputTokens, output_tokens AS outputTokens,
            cached_tokens AS cachedTokens, cost_micros AS costMicros FROM usage_totals`,
  );
  const addTotals = db.prepare(
    `INSERT INTO usage_totals (currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
     VALUES (@currency, @records, @requests, @inputTokens, @outputTokens, @cachedTokens, @costMicros)
     ON CONFLICT (currency) DO UPDATE SET
       record_count = record_count + excluded.record_count,
       requests = requests + excluded.requests,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       cached_tokens = cached_tokens + excluded.cached_tokens,
       cost_micros = cost_micros + excluded.cost_micros`,
  );
  // MAX(0, …): a release never takes a total below zero, even after usage rows were deleted by hand.
  const releaseTotals = db.prepare(
    `UPDATE usage_totals SET
       record_count = MAX(0, record_count - @records),
       requests = MAX(0, requests - @requests),
       input_tokens = MAX(0, input_tokens - @inputTokens),
       output_tokens = MAX(0, output_tokens - @outputTokens),
       cached_tokens = MAX(0, cached_tokens - @cachedTokens),
       cost_micros = MAX(0, cost_micros - @costMicros)
     WHERE currency = @currency`,
  );
  const storedTotals = () => new Map((totalsRows.all() as Array<UsageAmounts & { currency: string }>).map(({ currency, ...amounts }) => [currency, amounts]));

  /**
   * Adds `deltas` to the store totals, or throws E_LIMIT (nothing added) when a total of a
   * currency would pass USAGE_TOTAL_MAX. In the caller's transaction, before the rows it counts.
   */
  const addToTotals = (deltas: UsageTotalsByCurrency, what: string, outcome: string) => {
    if (deltas.size === 0) return;
    const stored = storedTotals();
    for (const [currency, delta] of deltas) {
      const field = overLimit(stored.get(currency), delta);
      // Past 2^53 − 1 the sum itself is no longer exact: say "more than", never a wrong number.
      if (field) throw new AppError('E_LIMIT', `${what} would bring the stored ${field} in ${currency} to more than ${LIMIT_TEXT}; ${outcome}`);
    }
    for (const [currency, delta] of deltas) addTotals.run({ currency, ...delta });
  };

  const summary = db.prepare('SELECT COALESCE(SUM(record_count), 0) AS records, MIN(day) AS firstDay, MAX(day) AS lastDay FROM usage_daily');
  const facetWorkspaces = db.prepare('SELECT DISTINCT workspace_id FROM usage_daily').pluck();
  const facetModels = db.prepare('SELECT DISTINCT model_id FROM usage_daily').pluck();
  const facetKeys = db.prepare('SELECT DISTINCT workspace_id AS workspaceId, key_id AS keyId FROM usage_daily');

  // usage_daily's primary key starts with `day`, so a month is a range scan of the rollup.
  const spendBetween = db.prepare(
    `SELECT workspace_id AS workspaceId, currency, SUM(cost_micros) AS costMicros
       FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY workspace_id, currency`,
  );

  const journalColumns = `id, state, owner_pid AS ownerPid, owner_thread AS ownerThread, owner_token AS ownerToken, heartbeat_ms AS heartbeatMs,
    started_at AS startedAt, rows, applied_seq AS appliedSeq, inserted, duplicates`;
  const listJournals = db.prepare(`SELECT ${journalColumns} FROM usage_imports ORDER BY id`);
  const getJournal = db.prepare(`SELECT ${journalColumns} FROM usage_imports WHERE id = ?`);
  const insertJournal = db.prepare(
    `INSERT INTO usage_imports (id, state, owner_pid, owner_thread, owner_token, heartbeat_ms, started_at)
     VALUES (@id, 'staging', @pid, @thread, @token, @heartbeatMs, @startedAt)`,
  );
  // Every chunk touches its journal row under the owner's token: if another process took the
  // import over (or discarded it), `changes` is 0 and the chunk rolls back.
  const touchStaging = db.prepare("UPDATE usage_imports SET heartbeat_ms = @heartbeatMs, rows = @rows WHERE id = @id AND owner_token = @token AND state = 'staging'");
  const markApplying = db.prepare(
    "UPDATE usage_imports SET state = 'applying', heartbeat_ms = @heartbeatMs, rows = @rows WHERE id = @id AND owner_token = @token AND state = 'staging'",
  );
  const advanceApplied = db.prepare(
    `UPDATE usage_imports SET heartbeat_ms = @heartbeatMs, applied_seq = @appliedSeq, inserted = inserted + @inserted, duplicates = duplicates + @duplicates
      WHERE id = @id AND owner_token = @token AND state = 'applying' AND applied_seq < @appliedSeq`,
  );
  const claimJournal = db.prepare(
    `UPDATE usage_imports SET owner_pid = @pid, owner_thread = @thread, owner_token = @token, heartbeat_ms = @heartbeatMs
      WHERE id = @id AND owner_token = @previousToken`,
  );
  const deleteJournal = db.prepare('DELETE FROM usage_imports WHERE id = @id AND owner_token = @token');
  const insertStaged = db.prepare(
    `INSERT INTO usage_import_rows (import_id, seq, id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const selectStaged = db.prepare(
    `SELECT seq, id, at, workspace_id AS workspaceId, key_id AS keyId, model_id AS modelId, requests, input_tokens AS inputTokens,
            output_tokens AS outputTokens, cached_tokens AS cachedTokens, cost_micros AS costMicros, currency
       FROM usage_import_rows WHERE import_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const deleteStagedThrough = db.prepare('DELETE FROM usage_import_rows WHERE import_id = ? AND seq <= ?');
  // Applying a staged chunk in SQL (see applyStagedChunk): no JS value per row.
  const STAGED_CHUNK = 'import_id = @id AND seq > @after AND seq <= @last';
  const stagedChunkEnd = db.prepare(
    'SELECT count(*) AS rows, max(seq) AS last FROM (SELECT seq FROM usage_import_rows WHERE import_id = @id AND seq > @after ORDER BY seq LIMIT @limit)',
  );
  const stagedOverCap = db.prepare(
    `SELECT id, ${USAGE_AMOUNT_FIELDS.map((f) => `${USAGE_AMOUNT_COLUMNS[f]} > ${USAGE_RECORD_MAX[f]} AS ${f}`).join(', ')} FROM usage_import_rows
      WHERE ${STAGED_CHUNK} AND (${USAGE_AMOUNT_FIELDS.map((f) => `${USAGE_AMOUNT_COLUMNS[f]} > ${USAGE_RECORD_MAX[f]}`).join(' OR ')}) ORDER BY seq LIMIT 1`,
  );
  const lastRecordSeq = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM usage_records').pluck();
  // In file order, so the first of two rows with one id is the one stored (as insertBatch does); new rows get seq > the previous max.
  const moveStaged = db.prepare(
    `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
     SELECT id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency
       FROM usage_import_rows WHERE ${STAGED_CHUNK} ORDER BY seq
     ON CONFLICT (id) DO NOTHING`,
  );
  const rollupInserted = db.prepare(
    `INSERT INTO usage_daily (day, workspace_id, key_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
     SELECT substr(at, 1, 10), workspace_id, COALESCE(key_id, ''), model_id, currency, count(*), SUM(requests), SUM(input_tokens), SUM(output_tokens), SUM(cached_tokens), SUM(cost_micros)
       FROM usage_records WHERE seq > @before GROUP BY 1, 2, 3, 4, 5
     ${ADD_TO_DAILY_ROW}`,
  );
  const CURRENCY_SUMS = `currency, count(*) AS records, SUM(requests) AS requests, SUM(input_tokens) AS inputTokens, SUM(output_tokens) AS outputTokens,
    SUM(cached_tokens) AS cachedTokens, SUM(cost_micros) AS costMicros`;
  const stagedByCurrency = db.prepare(`SELECT ${CURRENCY_SUMS} FROM usage_import_rows WHERE ${STAGED_CHUNK} GROUP BY currency`);
  const insertedByCurrency = db.prepare(`SELECT ${CURRENCY_SUMS} FROM usage_records WHERE seq > @before GROUP BY currency`);
  const deleteStagedChunk = db.prepare(
    'DELETE FROM usage_import_rows WHERE import_id = @id AND seq IN (SELECT seq FROM usage_import_rows WHERE import_id = @id ORDER BY seq LIMIT @limit)',
  );

  const reportCache = new Map<string, ReturnType<Db['prepare']>>();
  const reportStatement = (source: 'rollup' | 'records', query: UsageRollupQuery) => {
    const shape = `${source}|${query.groupBy}|${query.bucket}|${query.workspaceIds.length > 0}|${query.modelIds.length > 0}|${query.keyIds.length > 0}`;
    let statement = reportCache.get(shape);
    if (!statement) {
      const bucket = BUCKET_SQL[query.bucket];
      const group = GROUP_SQL[query.groupBy];
      // Read model: joins models for the vendor of each row when grouping by vendor.
      const join = query.groupBy === 'vendor' ? 'LEFT JOIN models m ON m.id = d.model_id' : '';
      // The records source reshapes raw rows like rollup rows, so both answer with the same SQL.
      const from =
        source === 'rollup'
          ? 'usage_daily d'
          : `(SELECT substr(at, 1, 10) AS day, workspace_id, COALESCE(key_id, '') AS key_id, model_id, currency, 1 AS record_count,
                     requests, input_tokens, output_tokens, cached_tokens, cost_micros
                FROM usage_records WHERE at >= @from AND at < date(@to, '+1 day')) d`;
      statement = db.prepare(
        `SELECT ${bucket} AS bucket, ${group} AS groupId, d.currency AS currency, ${SUMS}
           FROM ${from} ${join}
          WHERE ${filterSql(query)}
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      );
      reportCache.set(shape, statement);
    }
    return statement;
  };
  const runReport = (source: 'rollup' | 'records', query: UsageRollupQuery) =>
    exactSums(
      () =>
        reportStatement(source, query).all({
          from: query.from,
          to: query.to,
          workspaceIds: JSON.stringify(query.workspaceIds),
          modelIds: JSON.stringify(query.modelIds),
          keyIds: JSON.stringify(query.keyIds),
        }) as UsageRollupRow[],
      TOTAL_FIELDS,
    );

  return {
    /**
     * Inserts records, skipping IDs already stored, and adds the inserted ones to the rollup
     * (aggregated per batch first, so a batch costs one upsert per distinct rollup key) and to the
     * store totals. Throws E_LIMIT, and the caller's transaction rolls back, when a total would
     * pass USAGE_TOTAL_MAX; E_VALIDATION for a record over a per-record cap (callers validate
     * first: this is the last line). `reserved`: the records are an import's staged rows, already
     * counted in the totals when it started writing (`reserveImport`); the duplicates among them
     * give their reservation back instead.
     */
    insertBatch(records: Iterable<UsageRecord>, options: { reserved?: boolean } = {}): { inserted: number; duplicates: number } {
      if (!db.inTransaction) throw new Error('usage-repository.insertBatch must run inside the import transaction');
      const deltas = new Map<string, RollupDelta>();
      const added: UsageTotalsByCurrency = new Map();
      const released: UsageTotalsByCurrency = new Map();
      let inserted = 0;
      let duplicates = 0;
      for (const r of records) {
        for (const field of USAGE_AMOUNT_FIELDS) {
          if (r[field] > USAGE_RECORD_MAX[field]) {
            throw new AppError('E_VALIDATION', `Usage record ${r.id}: ${USAGE_AMOUNT_COLUMNS[field]} is at most ${USAGE_RECORD_MAX[field].toLocaleString('en-US')} per record`);
          }
        }
        const { changes } = insertRecord.run(r.id, r.at, r.workspaceId, r.keyId, r.modelId, r.requests, r.inputTokens, r.outputTokens, r.cachedTokens, r.costMicros, r.currency);
        if (changes === 0) {
          duplicates += 1;
          if (options.reserved) addToCurrency(released, r.currency, r);
          continue;
        }
        inserted += 1;
        if (!options.reserved) addToCurrency(added, r.currency, r);
        const day = r.at.slice(0, 10);
        const keyId = r.keyId ?? '';
        const rollupKey = `${day}\u0000${r.workspaceId}\u0000${keyId}\u0000${r.modelId}\u0000${r.currency}`;
        const delta = deltas.get(rollupKey);
        if (delta) {
          delta.records += 1;
          delta.requests += r.requests;
          delta.inputTokens += r.inputTokens;
          delta.outputTokens += r.outputTokens;
          delta.cachedTokens += r.cachedTokens;
          delta.costMicros += r.costMicros;
        } else {
          deltas.set(rollupKey, {
            day,
            workspaceId: r.workspaceId,
            keyId,
            modelId: r.modelId,
            currency: r.currency,
            records: 1,
            requests: r.requests,
            inputTokens: r.inputTokens,
            outputTokens: r.outputTokens,
            cachedTokens: r.cachedTokens,
            costMicros: r.costMicros,
          });
        }
      }
      // Before the rollup: a refused batch never reaches an upsert that could overflow.
      addToTotals(added, 'Storing these usage records', 'nothing was stored');
      for (const [currency, amounts] of released) releaseTotals.run({ currency, ...amounts });
      for (const d of deltas.values()) {
        upsertDaily.run(d.day, d.workspaceId, d.keyId, d.modelId, d.currency, d.records, d.requests, d.inputTokens, d.outputTokens, d.cachedTokens, d.costMicros);
      }
      return { inserted, duplicates };
    },

    /**
     * Moves the next `limit` staged rows after `afterSeq` into the store, as `insertBatch(rows,
     * { reserved: true })` does for them (same records, rollup, duplicates and released totals),
     * but in a few statements, without reading the rows into JS. Inside the chunk transaction.
     */
    applyStagedChunk(id: number, afterSeq: number, limit: number): { rows: number; last: number; inserted: number; duplicates: number } {
      if (!db.inTransaction) throw new Error('usage-repository.applyStagedChunk must run inside the chunk transaction');
      const end = stagedChunkEnd.get({ id, after: afterSeq, limit }) as { rows: number; last: number | null };
      if (end.rows === 0 || end.last === null) return { rows: 0, last: afterSeq, inserted: 0, duplicates: 0 };
      const chunk = { id, after: afterSeq, last: end.last };
      const over = stagedOverCap.get(chunk) as (Record<string, number> & { id: string }) | undefined;
      if (over) {
        const field = USAGE_AMOUNT_FIELDS.find((f) => over[f] === 1)!;
        throw new AppError('E_VALIDATION', `Usage record ${over.id}: ${USAGE_AMOUNT_COLUMNS[field]} is at most ${USAGE_RECORD_MAX[field].toLocaleString('en-US')} per record`);
      }
      const before = lastRecordSeq.get() as number;
      const inserted = moveStaged.run(chunk).changes;
      if (inserted > 0) rollupInserted.run({ before });
      if (inserted < end.rows) {
        // The duplicates give back their reservation: what was staged minus what was stored, per currency.
        const stored = new Map((insertedByCurrency.all({ before }) as Array<UsageAmounts & { currency: string }>).map((r) => [r.currency, r]));
        for (const staged of stagedByCurrency.all(chunk) as Array<UsageAmounts & { currency: string }>) {
          const kept = stored.get(staged.currency);
          const released = Object.fromEntries(TOTAL_FIELDS.map((f) => [f, staged[f] - (kept?.[f] ?? 0)])) as unknown as UsageAmounts;
          if (released.records > 0) releaseTotals.run({ currency: staged.currency, ...released });
        }
      }
      return { rows: end.rows, last: end.last, inserted, duplicates: end.rows - inserted };
    },

    /**
     * An import about to write: adds all its staged rows to the store totals (duplicates are
     * given back as they are found), so every chunk it writes fits and no other write can take
     * the room. Throws E_LIMIT (nothing reserved) when a total would pass USAGE_TOTAL_MAX.
     * Conservative by the file's duplicates: finding them would mean a lookup per row, and only a
     * store within one file of 2^53 − 1 can tell the difference.
     */
    reserveImport(totals: UsageTotalsByCurrency): void {
      if (!db.inTransaction) throw new Error('usage-repository.reserveImport must run inside the transaction that starts the writing phase');
      addToTotals(totals, "The file's usage", 'nothing was imported (every row of the file counts, also one already stored)');
    },

    /** Every import journal row (a plain read: opening the store writes nothing when there is none). */
    importJournals(): UsageImportJournal[] {
      return listJournals.all() as UsageImportJournal[];
    },

    importJournal(id: number): UsageImportJournal | undefined {
      return getJournal.get(id) as UsageImportJournal | undefined;
    },

    /** Phase 1 starts: the journal row in `staging`, owned by `owner`. */
    createImportJournal(id: number, owner: UsageImportOwner, startedAt: string): void {
      insertJournal.run({ id, pid: owner.pid, thread: owner.thread, token: owner.token, heartbeatMs: owner.heartbeatMs, startedAt });
    },

    /**
     * Stages validated rows (seq = their order in the file) and notes the count on the journal.
     * False (and nothing staged) when the caller no longer owns a `staging` journal.
     */
    stageRows(id: number, owner: UsageImportOwner, firstSeq: number, records: readonly UsageRecord[]): boolean {
      if (!db.inTransaction) throw new Error('usage-repository.stageRows must run inside a transaction');
      const rows = firstSeq - 1 + records.length;
      if (touchStaging.run({ id, token: owner.token, heartbeatMs: owner.heartbeatMs, rows }).changes === 0) return false;
      let seq = firstSeq;
      for (const r of records) {
        insertStaged.run(id, seq++, r.id, r.at, r.workspaceId, r.keyId, r.modelId, r.requests, r.inputTokens, r.outputTokens, r.cachedTokens, r.costMicros, r.currency);
      }
      return true;
    },

    /** Phase 2 starts (committed before any record moves): false when the caller lost the journal. */
    markImportApplying(id: number, owner: UsageImportOwner, rows: number): boolean {
      return markApplying.run({ id, token: owner.token, heartbeatMs: owner.heartbeatMs, rows }).changes === 1;
    },

    /** The next staged rows after `afterSeq`, in file order. */
    stagedRows(id: number, afterSeq: number, limit: number): StagedUsageRecord[] {
      return selectStaged.all(id, afterSeq, limit) as StagedUsageRecord[];
    },

    /**
     * Records that staged rows up to `appliedSeq` were applied (with their counts) and deletes
     * them from staging, in the caller's transaction, together with the insertBatch of those rows.
     * False when the caller lost the journal or the chunk was already applied: roll back.
     */
    markStagedApplied(id: number, owner: UsageImportOwner, appliedSeq: number, counts: { inserted: number; duplicates: number }): boolean {
      if (!db.inTransaction) throw new Error('usage-repository.markStagedApplied must run inside the chunk transaction');
      const advanced = advanceApplied.run({ id, token: owner.token, heartbeatMs: owner.heartbeatMs, appliedSeq, ...counts }).changes === 1;
      if (advanced) deleteStagedThrough.run(id, appliedSeq);
      return advanced;
    },

    /** Deletes up to `limit` staged rows of an import; returns how many (0 = none left). */
    deleteStagedRows(id: number, limit: number): number {
      return deleteStagedChunk.run({ id, limit }).changes;
    },

    /** Takes over an orphaned import, if nobody else did since `previousToken` was read. */
    claimImport(id: number, previousToken: string, owner: UsageImportOwner): boolean {
      return claimJournal.run({ id, previousToken, pid: owner.pid, thread: owner.thread, token: owner.token, heartbeatMs: owner.heartbeatMs }).changes === 1;
    },

    /** Deletes the journal row (after its staged rows); false when the caller does not own it. */
    deleteImportJournal(id: number, owner: Pick<UsageImportOwner, 'token'>): boolean {
      return deleteJournal.run({ id, token: owner.token }).changes === 1;
    },

    /** Grouped sums from the rollup, ordered by bucket, group, currency. What reports use. */
    rollupReport(query: UsageRollupQuery): UsageRollupRow[] {
      return runReport('rollup', query);
    },

    /** The same report by a raw GROUP BY over every record: the reference for tests and the benchmark baseline. */
    recordsReport(query: UsageRollupQuery): UsageRollupRow[] {
      return runReport('records', query);
    },

    /** Spend per workspace and currency over [firstDay, lastDay] (UTC days), from the rollup: what budgets count. */
    spendBetween(firstDay: string, lastDay: string): MonthSpendRow[] {
      return exactSums(() => spendBetween.all(firstDay, lastDay) as MonthSpendRow[], ['costMicros']);
    },

    summary(): { records: number; firstDay: string | null; lastDay: string | null } {
      return summary.get() as { records: number; firstDay: string | null; lastDay: string | null };
    },

    facetIds() {
      return {
        workspaceIds: facetWorkspaces.all() as string[],
        modelIds: facetModels.all() as string[],
        keys: facetKeys.all() as Array<{ workspaceId: string; keyId: string }>,
      };
    },
  };
}
export type UsageRepository = ReturnType<typeof createUsageRepository>;
