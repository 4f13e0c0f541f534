import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { UsageReport, UsageReportRow } from '../../../shared/contract/usage-schemas';
import { addDays, bucketsBetween, USAGE_REPORT_MAX_ROWS, utcDay, type UsageBucket, type UsageGroupBy } from '../../../shared/domain/usage-rules';
import type { UsageRecord, UsageRepository, UsageRollupQuery } from '../store/usage-repository';
import { parseUsageCsv } from './usage-csv-import';
import { generateSampleRecords, type SampleModel, type SampleWorkspace } from './usage-sample-generator';
import type { ServiceContext } from './service-context';

/** Records go to the store in batches; each batch is aggregated once for the rollup. */
const INSERT_BATCH = 20_000;

/** A usage report request: inclusive UTC days, one grouping, one bucket, optional ID filters (empty = all). */
export interface UsageReportQuery {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  bucket: UsageBucket;
  workspaceIds?: string[];
  modelIds?: string[];
  keyIds?: string[];
}

function* batches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Usage import, sample generation and reports.
 *
 * Imports and generation are one IMMEDIATE transaction each (all or nothing) with ONE audit entry
 * carrying counts, never rows. They write no change-log entry: usage is pulled from the gateway by
 * sync, never pushed to it.
 */
export function createUsageService(ctx: ServiceContext, usage: UsageRepository) {

  const store = (records: Iterable<UsageRecord>, action: string, details: Record<string, unknown>) =>
    ctx.write(() => {
        let inserted = 0;
        let duplicates = 0;
        for (const batch of batches(records, INSERT_BATCH)) {
          const result = usage.insertBatch(batch);
          inserted += result.inserted;
          duplicates += result.duplicates;
        }
        ctx.record({
          at: ctx.now().toISOString(),
          actor: ctx.actor(),
          action,
          entityType: 'usage',
          entityId: action,
          workspaceId: null,
          before: null,
          after: { ...details, inserted, duplicates },
        });
        return { inserted, duplicates };
      });

  const labeller = (groupBy: UsageGroupBy) => {
    if (groupBy === 'vendor') return (id: string) => id;
    const sources = usage.labelSources();
    const workspaceName = new Map(sources.workspaces.map((w) => [w.id, w.name]));
    if (groupBy === 'workspace') return (id: string) => workspaceName.get(id) ?? `${id} (deleted)`;
    if (groupBy === 'model') {
      const modelName = new Map(sources.models.map((m) => [m.id, m.displayName]));
      return (id: string) => modelName.get(id) ?? id;
    }
    const keys = new Map(sources.keys.map((k) => [k.id, k]));
    return (id: string) => {
      if (!id) return 'No key';
      const key = keys.get(id);
      return key ? `${key.name} · ${workspaceName.get(key.workspaceId) ?? key.workspaceId}` : `${id} (deleted)`;
    };
  };

  return {
    /** `usage:import`: validates every row first; duplicates (by ID) are skipped and counted. */
    importCsv(csv: string) {
      const records = parseUsageCsv(csv);
      const result = store(records, 'usage.import', { rows: records.length });
      return { rows: records.length, ...result };
    },

    /**
     * `usage:generateSample`: realistic records over the `days` days ending today, across the
     * existing workspaces and their active keys, priced from the model catalog.
     */
    generateSample(input: ParsedInput<'usage:generateSample'>) {
      const sources = usage.labelSources();
      const activeKeys = new Set(usage.activeKeyIds(ctx.now().toISOString()));
      const workspaces: SampleWorkspace[] = usage.sampleWorkspaces().map((w) => ({
        ...w,
        keyIds: sources.keys.filter((k) => k.workspaceId === w.id && activeKeys.has(k.id)).map((k) => k.id),
      }));
      if (workspaces.length === 0) throw new AppError('E_CONFLICT', 'Create a workspace first: sample usage is spread over existing workspaces');
      const models: SampleModel[] = sources.models
        .filter((m) => m.inputPricePerMTokUsd !== null && m.outputPricePerMTokUsd !== null)
        .map((m) => ({ id: m.id, inputPricePerMTokUsd: m.inputPricePerMTokUsd!, outputPricePerMTokUsd: m.outputPricePerMTokUsd! }));
      const seed = input.seed ?? Math.floor(ctx.now().getTime() / 1000) % 2 ** 31;
      const lastDay = utcDay(ctx.now());
      const plan = { workspaces, models, days: input.days, rows: input.rows, seed, lastDay };
      const result = store(generateSampleRecords(plan), 'usage.generate', { days: input.days, rows: input.rows, seed });
      return { ...result, from: addDays(lastDay, -(input.days - 1)), to: lastDay, seed };
    },

    /**
     * `usage:report`, also used by the report export. Answers from the daily rollup only (never
     * scans records). Rows are ordered by bucket, group ID, currency; totals are per currency;
     * `buckets` lists every period in the range, empty ones included.
     */
    report(query: UsageReportQuery): UsageReport {
      const full: UsageRollupQuery = { workspaceIds: [], modelIds: [], keyIds: [], ...query };
      const raw = usage.rollupReport(full);
      if (raw.length > USAGE_REPORT_MAX_ROWS) {
        throw new AppError('E_LIMIT', `The report has ${raw.length.toLocaleString('en-US')} rows (at most ${USAGE_REPORT_MAX_ROWS.toLocaleString('en-US')}); use a shorter range, a coarser bucket or filters`);
      }
      const label = labeller(query.groupBy);
      const labels = new Map<string, string>();
      const totals = new Map<string, Omit<UsageReportRow, 'bucket' | 'groupId' | 'groupLabel'>>();
      const rows = raw.map((r): UsageReportRow => {
        let groupLabel = labels.get(r.groupId);
        if (groupLabel === undefined) labels.set(r.groupId, (groupLabel = label(r.groupId)));
        const total = totals.get(r.currency) ?? { records: 0, requests: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costMicros: 0, currency: r.currency };
        total.records += r.records;
        total.requests += r.requests;
        total.inputTokens += r.inputTokens;
        total.outputTokens += r.outputTokens;
        total.cachedTokens += r.cachedTokens;
        total.costMicros += r.costMicros;
        totals.set(r.currency, total);
        return { ...r, groupLabel };
      });
      return {
        rows,
        totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
        buckets: bucketsBetween(query.from, query.to, query.bucket),
      };
    },

    /** `usage:facets`: the workspaces, models and keys that have usage, labelled, for the filters. */
    facets() {
      const ids = usage.facetIds();
      const workspaceLabel = labeller('workspace');
      const modelLabel = labeller('model');
      const keyLabel = labeller('key');
      const byLabel = (a: { label: string }, b: { label: string }) => a.label.localeCompare(b.label);
      return {
        workspaces: ids.workspaceIds.map((id) => ({ id, label: workspaceLabel(id) })).sort(byLabel),
        models: ids.modelIds.map((id) => ({ id, label: modelLabel(id) })).sort(byLabel),
        keys: [...new Map(ids.keys.filter((k) => k.keyId !== '').map((k) => [k.keyId, k])).values()]
          .map((k) => ({ id: k.keyId, workspaceId: k.workspaceId, label: keyLabel(k.keyId) }))
          .sort(byLabel),
      };
    },

    /** `usage:summary`: record count and first/last day, from the rollup (constant time at 10M rows). */
    summary() {
      return usage.summary();
    },
  };
}
export type UsageService = ReturnType<typeof createUsageService>;
