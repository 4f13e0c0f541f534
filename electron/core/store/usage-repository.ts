import type { UsageBucket, UsageGroupBy } from '../../../shared/domain/usage-rules';
import type { Db } from './database';
import { ACTIVE_KEY_CONDITION } from './key-repository';

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

interface RollupDelta extends UsageAmounts {
  day: string;
  workspaceId: string;
  keyId: string;
  modelId: string;
  currency: string;
}

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
     ON CONFLICT (day, workspace_id, key_id, model_id, currency) DO UPDATE SET
       record_count = record_count + excluded.record_count,
       requests = requests + excluded.requests,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       cached_tokens = cached_tokens + excluded.cached_tokens,
       cost_micros = cost_micros + excluded.cost_micros`,
  );
  const summary = db.prepare('SELECT COALESCE(SUM(record_count), 0) AS records, MIN(day) AS firstDay, MAX(day) AS lastDay FROM usage_daily');
  const facetWorkspaces = db.prepare('SELECT DISTINCT workspace_id FROM usage_daily').pluck();
  const facetModels = db.prepare('SELECT DISTINCT model_id FROM usage_daily').pluck();
  const facetKeys = db.prepare('SELECT DISTINCT workspace_id AS workspaceId, key_id AS keyId FROM usage_daily');

  const workspaceNames = db.prepare('SELECT id, name FROM workspaces');
  const keyNames = db.prepare('SELECT id, workspace_id AS workspaceId, name FROM api_keys');
  const activeKeyIds = db.prepare(`SELECT id FROM api_keys WHERE ${ACTIVE_KEY_CONDITION}`).pluck();
  const sampleWorkspaces = db.prepare('SELECT id, currency, monthly_budget_minor AS monthlyBudgetMinor FROM workspaces ORDER BY created_at, id');
  const models = db.prepare(
    `SELECT id, display_name AS displayName, vendor, input_price_per_mtok_usd AS inputPricePerMTokUsd,
            output_price_per_mtok_usd AS outputPricePerMTokUsd FROM models`,
  );

  const reportCache = new Map<string, ReturnType<Db['prepare']>>();
  const reportStatement = (source: 'rollup' | 'records', query: UsageRollupQuery) => {
    const shape = `${source}|${query.groupBy}|${query.bucket}|${query.workspaceIds.length > 0}|${query.modelIds.length > 0}|${query.keyIds.length > 0}`;
    let statement = reportCache.get(shape);
    if (!statement) {
      const bucket = BUCKET_SQL[query.bucket];
      const group = GROUP_SQL[query.groupBy];
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
    reportStatement(source, query).all({
      from: query.from,
      to: query.to,
      workspaceIds: JSON.stringify(query.workspaceIds),
      modelIds: JSON.stringify(query.modelIds),
      keyIds: JSON.stringify(query.keyIds),
    }) as UsageRollupRow[];

  return {
    /**
     * Inserts records, skipping IDs already stored, and adds the inserted ones to the rollup
     * (aggregated per batch first, so a batch costs one upsert per distinct rollup key).
     */
    insertBatch(records: Iterable<UsageRecord>): { inserted: number; duplicates: number } {
      if (!db.inTransaction) throw new Error('usage-repository.insertBatch must run inside the import transaction');
      const deltas = new Map<string, RollupDelta>();
      let inserted = 0;
      let duplicates = 0;
      for (const r of records) {
        const { changes } = insertRecord.run(r.id, r.at, r.workspaceId, r.keyId, r.modelId, r.requests, r.inputTokens, r.outputTokens, r.cachedTokens, r.costMicros, r.currency);
        if (changes === 0) {
          duplicates += 1;
          continue;
        }
        inserted += 1;
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
      for (const d of deltas.values()) {
        upsertDaily.run(d.day, d.workspaceId, d.keyId, d.modelId, d.currency, d.records, d.requests, d.inputTokens, d.outputTokens, d.cachedTokens, d.costMicros);
      }
      return { inserted, duplicates };
    },

    /** Grouped sums from the rollup, ordered by bucket, group, currency. What reports use. */
    rollupReport(query: UsageRollupQuery): UsageRollupRow[] {
      return runReport('rollup', query);
    },

    /** The same report by a raw GROUP BY over every record: the reference for tests and the benchmark baseline. */
    recordsReport(query: UsageRollupQuery): UsageRollupRow[] {
      return runReport('records', query);
    },

    /** Names for labels; usage may reference workspaces, keys or models that no longer exist. */
    labelSources() {
      return {
        workspaces: workspaceNames.all() as Array<{ id: string; name: string }>,
        keys: keyNames.all() as Array<{ id: string; workspaceId: string; name: string }>,
        models: models.all() as Array<{
          id: string;
          displayName: string;
          vendor: string;
          inputPricePerMTokUsd: number | null;
          outputPricePerMTokUsd: number | null;
        }>,
      };
    },

    activeKeyIds(now: string): string[] {
      return activeKeyIds.all({ now }) as string[];
    },

    sampleWorkspaces(): Array<{ id: string; currency: string; monthlyBudgetMinor: number }> {
      return sampleWorkspaces.all() as Array<{ id: string; currency: string; monthlyBudgetMinor: number }>;
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
