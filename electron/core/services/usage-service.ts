import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { UsageReport, UsageReportRow } from '../../../shared/contract/usage-schemas';
import { addDays, bucketCount, bucketsBetween, USAGE_AMOUNT_FIELDS, USAGE_REPORT_MAX_ROWS, USAGE_TOTAL_MAX, utcDay, type UsageBucket, type UsageGroupBy } from '../../../shared/domain/usage-rules';
import { JobCancelledError, type JobRunner } from '../jobs/job-runner';
import type { KeyRepository } from '../store/key-repository';
import type { ModelRepository } from '../store/model-repository';
import { inexactSums, type UsageRepository, type UsageRollupQuery } from '../store/usage-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { HostCapabilities } from '../host-capabilities';
import { createUsageImports, type UsageImportInput } from './usage-import-job';
import { generateSampleRecords, nextSampleChunkSize, SAMPLE_CHUNK, takeRecords, type SampleModel, type SampleWorkspace } from './usage-sample-generator';
import type { ServiceContext } from './service-context';

/** What the usage import job needs from the door: file access (open dialog, CLI FILE, uploads). */
export interface UsageImportOptions {
  capabilities?: HostCapabilities | undefined;
  logError?: ((context: string, error: unknown) => void) | undefined;
}

/** The other domains usage labels and sample generation read, each through its own repository. */
export interface UsageDirectory {
  workspaces: Pick<WorkspaceRepository, 'names' | 'deletedNames' | 'forSampling'>;
  keys: Pick<KeyRepository, 'names' | 'activeIds'>;
  models: Pick<ModelRepository, 'labelsAndPrices'>;
}

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

/**
 * Usage import, sample generation and reports.
 *
 * Imports and generation are jobs in short chunked transactions, each with ONE audit entry
 * carrying counts, never rows; an import stays all or nothing for the user (usage-import-job.ts).
 * They write no change-log entry: usage is pulled from the gateway by sync, never pushed to it.
 */
export function createUsageService(
  ctx: ServiceContext,
  usage: UsageRepository,
  directory: UsageDirectory,
  jobs: JobRunner,
  importOptions: UsageImportOptions = {},
) {
  const imports = createUsageImports({ ctx, usage, jobs, ...importOptions });

  // Names for labels; usage may reference workspaces, keys or models that no longer exist.
  const labeller = (groupBy: UsageGroupBy) => {
    if (groupBy === 'vendor') return (id: string) => id;
    if (groupBy === 'model') {
      const modelName = new Map(directory.models.labelsAndPrices().map((m) => [m.id, m.displayName]));
      return (id: string) => modelName.get(id) ?? id;
    }
    // A deleted workspace keeps its last name (from the audit log); an ID this store never had (an
    // imported file's, or the gateway's) says so instead of claiming it was deleted.
    const workspaceName = new Map(directory.workspaces.names().map((w) => [w.id, w.name]));
    const deletedName = new Map(directory.workspaces.deletedNames().map((w) => [w.id, w.name]));
    const workspaceLabel = (id: string) => {
      const deleted = deletedName.get(id);
      return workspaceName.get(id) ?? (deleted === undefined ? `${id} (not in this store)` : `${deleted} (deleted)`);
    };
    if (groupBy === 'workspace') return workspaceLabel;
    const keys = new Map(directory.keys.names().map((k) => [k.id, k]));
    return (id: string) => {
      if (!id) return 'No key';
      const key = keys.get(id);
      // Keys go with their workspace, so an unknown key may be one of a deleted workspace's.
      return key ? `${key.name} · ${workspaceLabel(key.workspaceId)}` : `${id} (deleted or not in this store)`;
    };
  };

  return {
    /**
     * `usage:import`: starts the import job (a resumable, all-or-nothing job, see
     * usage-import-job.ts: every row validated first; duplicates by ID skipped and counted).
     */
    startImport(input: UsageImportInput) {
      return imports.start(input);
    },

    /** At open: finishes (or discards) imports a crash interrupted; nothing is written when there are none. */
    resumeInterruptedImports() {
      return imports.resumeInterrupted();
    },

    /**
     * `usage:generateSample`: realistic records over the `days` days ending today, across the
     * existing workspaces and their active keys, priced from the model catalog. A job: each chunk
     * (sized to take ~50 ms, see SAMPLE_CHUNK) is one short transaction, the job yields between chunks, and a
     * cancel stops after the current chunk. Written records stay (stable IDs: running the same
     * generation again inserts only the rest). ONE audit entry with the counts: in the last
     * chunk's transaction, or on cancel or failure with the counts so far.
     */
    generateSample(input: ParsedInput<'usage:generateSample'>) {
      const keys = directory.keys.names();
      const activeKeys = new Set(directory.keys.activeIds(ctx.now().toISOString()));
      const workspaces: SampleWorkspace[] = directory.workspaces.forSampling().map((w) => ({
        ...w,
        keyIds: keys.filter((k) => k.workspaceId === w.id && activeKeys.has(k.id)).map((k) => k.id),
      }));
      if (workspaces.length === 0) throw new AppError('E_CONFLICT', 'Create a workspace first: sample usage is spread over existing workspaces');
      const models: SampleModel[] = directory.models
        .labelsAndPrices()
        .filter((m) => m.inputPricePerMTokUsd !== null && m.outputPricePerMTokUsd !== null)
        .map((m) => ({ id: m.id, inputPricePerMTokUsd: m.inputPricePerMTokUsd!, outputPricePerMTokUsd: m.outputPricePerMTokUsd! }));
      const seed = input.seed ?? Math.floor(ctx.now().getTime() / 1000) % 2 ** 31;
      const lastDay = utcDay(ctx.now());
      const from = addDays(lastDay, -(input.days - 1));
      const plan = { workspaces, models, days: input.days, rows: input.rows, seed, lastDay };
      const total = input.rows;

      return jobs.start({
        kind: 'usage-generate',
        label: `Generate ${total.toLocaleString('en-US')} sample usage records (${from} – ${lastDay}, seed ${seed})`,
        unit: 'records',
        total,
        async run(job) {
          const records = generateSampleRecords(plan);
          let done = 0;
          let inserted = 0;
          let duplicates = 0;
          let audited = false;
          let chunkSize: number = SAMPLE_CHUNK.first;
          const audit = (counts: { inserted: number; duplicates: number }, extra: Record<string, unknown> = {}) =>
            ctx.record({
              at: ctx.now().toISOString(),
              actor: ctx.actor(),
              action: 'usage.generate',
              entityType: 'usage',
              entityId: 'usage.generate',
              workspaceId: null,
              before: null,
              after: { days: input.days, rows: total, seed, from, to: lastDay, ...extra, ...counts },
            });
          try {
            job.setMessage('Writing sample records');
            while (done < total) {
              await job.checkpoint();
              const chunkStart = performance.now();
              const chunk = takeRecords(records, Math.min(chunkSize, total - done));
              if (chunk.length === 0) break;
              const last = done + chunk.length >= total;
              const result = ctx.write(() => {
                const written = usage.insertBatch(chunk);
                // The last chunk commits together with the one audit entry.
                if (last) audit({ inserted: inserted + written.inserted, duplicates: duplicates + written.duplicates });
                return written;
              });
              inserted += result.inserted;
              duplicates += result.duplicates;
              done += chunk.length;
              audited = last;
              chunkSize = nextSampleChunkSize(chunk.length, performance.now() - chunkStart);
              job.progress(done, total);
            }
            if (!audited) ctx.write(() => audit({ inserted, duplicates }));
          } catch (error) {
            const cancelled = job.signal.aborted || (error instanceof AppError && error.code === 'E_CANCELLED');
            if (done > 0) {
              try {
                ctx.write(() => audit({ inserted, duplicates }, cancelled ? { cancelled: true } : { failed: true }));
              } catch {
                /* the store refuses writes now (closed, full): the records stay, unaudited */
              }
            }
            if (!cancelled) throw error;
            throw new JobCancelledError(
              done === 0
                ? 'Cancelled before any sample record was written'
                : `Cancelled after ${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} records; the ${inserted.toLocaleString('en-US')} written stay ` +
                    `(sample records have stable IDs: generating again with seed ${seed} today adds only the rest)`,
            );
          }
          return { kind: 'usage-generate', inserted, duplicates, from, to: lastDay, seed };
        },
      });
    },

    /**
     * `usage:report`, also used by the report export. Answers from the daily rollup only (never
     * scans records). Rows are ordered by bucket, group ID, currency; totals are per currency;
     * `buckets` lists every period in the range, empty ones included. Every sum is exact: the
     * store keeps each currency's totals within 2^53 − 1 (usage-repository's store totals).
     */
    report(query: UsageReportQuery): UsageReport {
      if (bucketCount(query.from, query.to, query.bucket) > USAGE_REPORT_MAX_ROWS) {
        throw AppError.field('E_LIMIT', 'to', `The range has more than ${USAGE_REPORT_MAX_ROWS.toLocaleString('en-US')} ${query.bucket}s; use a shorter range or a coarser bucket`);
      }
      const full: UsageRollupQuery = { workspaceIds: [], modelIds: [], keyIds: [], ...query };
      const raw = usage.rollupReport(full);
      const buckets = bucketsBetween(query.from, query.to, query.bucket);
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
      // Only a store filled before the caps can get here (see inexactSums).
      if ([...totals.values()].some((t) => USAGE_AMOUNT_FIELDS.some((field) => t[field] > USAGE_TOTAL_MAX))) throw inexactSums();
      return {
        rows,
        totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
        buckets,
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
