import path from 'node:path';
import { FINISHED_JOB_STATES, type JobStatus } from '../../../../shared/contract/job-schemas';
import type { UsageReport } from '../../../../shared/contract/usage-schemas';
import { formatMicros as money, USAGE_BUCKETS, USAGE_GROUP_BYS, utcDay } from '../../../../shared/domain/usage-rules';
import { textTable } from './cli-call';
import { formatCliError, jobFailure, runJob } from './cli-job';
import type { CoreClient } from '../../../core/client/core-client';
import { CLI_SENDER, UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';

export const USAGE_COMMANDS_HELP = `  usage generate --days N --rows N [--seed S] [--json]   sample usage over the last N days (existing workspaces and keys)
  usage import FILE [--json]              import a usage CSV (columns: see README "Usage data"); all or nothing
  usage report [--from D] [--to D] [--group-by workspace|model|key|vendor] [--bucket day|week|month] [--workspace ID[,ID]] [--json]
  usage summary [--json]                  record count and first/last day`;

const asJson = (data: unknown) => JSON.stringify(data, null, 2);

function wholeNumber(value: string | boolean | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const cleaned = String(value).replace(/[_,]/g, '');
  if (!/^\d+$/.test(cleaned)) throw new UsageError(`--${flag} "${String(value)}" is not a whole number`);
  return Number(cleaned);
}

function oneOf<T extends string>(list: readonly T[], value: string | boolean | undefined, flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  const found = list.find((v) => v === String(value).toLowerCase());
  if (!found) throw new UsageError(`--${flag} must be one of: ${list.join(', ')}`);
  return found;
}


function reportTable(report: UsageReport): string {
  if (report.rows.length === 0) return 'No usage in this range.';
  const header = ['BUCKET', 'GROUP', 'REQUESTS', 'INPUT', 'OUTPUT', 'CACHED', 'COST'];
  const rows = report.rows.map((r) => [r.bucket, r.groupLabel, String(r.requests), String(r.inputTokens), String(r.outputTokens), String(r.cachedTokens), money(r.costMicros, r.currency)]);
  for (const t of report.totals) rows.push(['TOTAL', '', String(t.requests), String(t.inputTokens), String(t.outputTokens), String(t.cachedTokens), money(t.costMicros, t.currency)]);
  return textTable(header, rows, new Set([2, 3, 4, 5, 6]));
}

/**
 * `usage import FILE`: the import job (`usage:import {source:'file'}`), followed through its job
 * events. Progress on stderr ("importing… N rows checked", then "writing… N of M"); Ctrl+C cancels
 * while rows are checked (nothing is imported); once writing has started the import finishes
 * (a second Ctrl+C quits at once and the next open finishes it). Counts on stdout at the end.
 */
async function runImport(client: CoreClient, io: CliIo, json: boolean): Promise<number> {
  let jobId: string | null = null;
  let latest: JobStatus | null = null;
  let shown = '';
  let cancelling = false;
  const early: JobStatus[] = [];
  let settle: (job: JobStatus) => void = () => {};
  const settled = new Promise<JobStatus>((resolve) => (settle = resolve));
  const onJob = (job: JobStatus) => {
    if (jobId === null) return void early.push(job); // events may come before the first status (worker client)
    if (job.jobId !== jobId) return;
    latest = job;
    // Progress events are throttled: the last one shown may be short of the end, so `done` shows it too.
    const progressing = (job.state === 'running' && job.message !== null) || (job.state === 'done' && job.total !== null);
    if (!json && !cancelling && progressing) {
      const line = job.total === null ? `importing… ${job.done} rows checked` : `writing… ${job.done} of ${job.total}`;
      if (line !== shown) io.err((shown = line));
    }
    if (FINISHED_JOB_STATES.includes(job.state)) settle(job);
  };
  const unsubscribe = client.on((event) => {
    if (event.type === 'job') onJob(event.job);
  });
  const onInterrupt = () => {
    if (jobId === null) return;
    const writing = latest?.state === 'running' && latest.total !== null;
    cancelling = !writing;
    io.err(writing ? 'Too late to cancel: the import is being written and finishes (Ctrl+C again quits now; the next open finishes it)' : 'Cancelling…');
    void client.invoke('jobs:cancel', { jobId }, CLI_SENDER);
  };
  try {
    const started = await client.invoke('usage:import', { source: 'file' }, CLI_SENDER);
    if (!started.ok) {
      io.err(formatCliError(started.error));
      return 1;
    }
    const first = started.data as JobStatus;
    jobId = first.jobId;
    process.once('SIGINT', onInterrupt);
    onJob(first);
    for (const job of early.splice(0)) onJob(job);
    const job = await settled;
    if (job.state !== 'done' || job.result?.kind !== 'usage-import') {
      const error = jobFailure(job, 'import');
      io.err(`${error.code}: ${error.message}${(error.issues ?? []).map((i) => `\n  ${i.message}`).join('')}`);
      return 1;
    }
    const { kind: _kind, ...counts } = job.result;
    io.out(json ? asJson(counts) : `Imported ${counts.inserted} of ${counts.rows} rows (${counts.duplicates} already present)`);
    return 0;
  } finally {
    unsubscribe();
    process.removeListener('SIGINT', onInterrupt);
  }
}

/** `gatehouse usage generate|import|report|summary`. */
export function planUsageCommand(args: string[], values: CliValues): CliPlan {
  const [sub, file, ...rest] = args;
  const json = values.json === true;
  if (rest.length > 0 || (sub !== 'import' && file !== undefined)) throw new UsageError(`Unexpected argument "${[file, ...rest].filter(Boolean).join(' ')}"`);
  switch (sub) {
    case 'generate': {
      const days = wholeNumber(values.days, 'days') ?? 90;
      const rows = wholeNumber(values.rows, 'rows');
      if (rows === undefined) throw new UsageError('--rows N is required');
      const seed = wholeNumber(values.seed, 'seed');
      // A chunked job: progress on stderr, Ctrl+C cancels after the current chunk (written records stay).
      return {
        async run(client, io) {
          const outcome = await runJob(client, io, 'usage:generateSample', { days, rows, ...(seed === undefined ? {} : { seed }) }, { progressVerb: json ? null : 'generating' });
          if (!outcome.ok) {
            io.err(formatCliError(outcome.error));
            return 1;
          }
          const { job } = outcome;
          if (job.state !== 'done' || job.result?.kind !== 'usage-generate') {
            io.err(formatCliError(jobFailure(job, 'generation')));
            return 1;
          }
          const { kind: _kind, ...d } = job.result;
          io.out(json ? asJson(d) : `Generated ${d.inserted} usage records from ${d.from} to ${d.to} (seed ${d.seed}; ${d.duplicates} already present)`);
          return 0;
        },
      };
    }
    case 'import': {
      if (!file) throw new UsageError('Usage: gatehouse usage import FILE');
      // The CLI is the door: its "open dialog" answers FILE.
      const chosen = path.resolve(file);
      return { run: (client, io) => runImport(client, io, json), capabilities: { chooseOpenPath: () => Promise.resolve(chosen) } };
    }
    case 'report': {
      const to = typeof values.to === 'string' ? values.to : utcDay(new Date());
      const from = typeof values.from === 'string' ? values.from : `${to.slice(0, 7)}-01`;
      const workspaceIds = typeof values.workspace === 'string' ? values.workspace.split(',').map((s) => s.trim()).filter(Boolean) : [];
      return {
        channel: 'usage:report',
        input: {
          from,
          to,
          groupBy: oneOf(USAGE_GROUP_BYS, values['group-by'], 'group-by', 'workspace'),
          bucket: oneOf(USAGE_BUCKETS, values.bucket, 'bucket', 'month'),
          workspaceIds,
        },
        print: (data) => (json ? asJson(data) : reportTable(data as UsageReport)),
      };
    }
    case 'summary':
      return {
        channel: 'usage:summary',
        input: {},
        print: (data) => {
          const d = data as { records: number; firstDay: string | null; lastDay: string | null };
          return json ? asJson(d) : d.records ? `${d.records} usage records from ${d.firstDay} to ${d.lastDay}` : 'No usage records yet.';
        },
      };
    default:
      throw new UsageError(`Unknown usage command "${args.join(' ')}"`);
  }
}
