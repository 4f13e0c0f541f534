import path from 'node:path';
import { addDays, USAGE_BUCKETS, USAGE_GROUP_BYS } from '../../../../shared/domain/usage-rules';
import type { CoreClient } from '../../../core/client/core-client';
import { formatCliError, jobFailure, runJob } from './cli-job';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';

export const EXPORT_COMMANDS_HELP = `  export usage --from D --to D [--group-by workspace|model|key|vendor [--bucket day|week|month]] --out FILE
                                          CSV of the grouped report, or of the raw records without --group-by
  export workspaces --out FILE            CSV of all workspaces (budgets included)
  export keys --workspace ID --out FILE   CSV of a workspace's API keys (masked, never secrets)
  export audit [--workspace ID] [--from D] [--to D] --out FILE
                                          CSV of the audit log, newest first (days inclusive, UTC, or ISO times)`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function pick<T extends string>(list: readonly T[], value: string | boolean | undefined, flag: string): T | undefined {
  if (value === undefined) return undefined;
  const found = list.find((v) => v === String(value).toLowerCase());
  if (!found) throw new UsageError(`--${flag} must be one of: ${list.join(', ')}`);
  return found;
}

/** A day means its UTC midnight (`--to`: the midnight after it, so the day is included); anything else goes to the core as given. */
function auditBound(value: string | boolean | undefined, end: boolean): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (!DAY.test(value)) return value;
  // A day that does not exist (2026-02-30) goes to the core as it is, which says why; addDays would roll it over.
  if (addDays(value, 0) !== value) return `${value}T00:00:00Z`;
  return `${end ? addDays(value, 1) : value}T00:00:00Z`;
}

/**
 * Runs the same export job as the app (`exports:start`): the CLI is the door, and its
 * chooseSavePath answers `--out`, so the core writes the file there (temp file + rename). Waits
 * for the job's events with a progress line on stderr; Ctrl+C cancels and leaves no file.
 */
async function runExport(client: CoreClient, io: CliIo, input: unknown, json: boolean): Promise<number> {
  const outcome = await runJob(client, io, 'exports:start', input, { progressVerb: json ? null : 'exporting' });
  if (!outcome.ok) {
    io.err(formatCliError(outcome.error));
    return 1;
  }
  const { job } = outcome;
  if (job.state !== 'done' || job.result?.kind !== 'export') {
    io.err(formatCliError(jobFailure(job, 'export')));
    return 1;
  }
  io.out(json ? JSON.stringify(job.result, null, 2) : `Wrote ${job.result.rowsWritten} rows to ${job.result.savedTo ?? job.result.fileName}`);
  return 0;
}

/** `gatehouse export usage|workspaces|keys|audit … --out FILE`. */
export function planExportCommand(args: string[], values: CliValues): CliPlan {
  const [what, ...rest] = args;
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest.join(' ')}"`);
  const out = values.out;
  if (typeof out !== 'string' || out === '') throw new UsageError('--out FILE is required');
  const json = values.json === true;
  let input: unknown;
  switch (what) {
    case 'usage': {
      if (typeof values.from !== 'string' || typeof values.to !== 'string') throw new UsageError('--from D and --to D are required (dates like 2026-01-31)');
      const groupBy = pick(USAGE_GROUP_BYS, values['group-by'], 'group-by');
      const bucket = pick(USAGE_BUCKETS, values.bucket, 'bucket');
      if (bucket && !groupBy) throw new UsageError('--bucket needs --group-by (raw records are not bucketed)');
      const workspaceIds = typeof values.workspace === 'string' ? values.workspace.split(',').filter(Boolean) : undefined;
      if (workspaceIds && !groupBy) throw new UsageError('--workspace filters the grouped report; add --group-by');
      input = groupBy
        ? { kind: 'usage-report', report: { from: values.from, to: values.to, groupBy, ...(bucket ? { bucket } : {}), ...(workspaceIds ? { workspaceIds } : {}) } }
        : { kind: 'usage-raw', from: values.from, to: values.to };
      break;
    }
    case 'workspaces':
      input = { kind: 'workspaces' };
      break;
    case 'keys':
      if (typeof values.workspace !== 'string') throw new UsageError('--workspace ID is required');
      input = { kind: 'keys', workspaceId: values.workspace };
      break;
    case 'audit': {
      const from = auditBound(values.from, false);
      const to = auditBound(values.to, true);
      const filter = {
        ...(typeof values.workspace === 'string' ? { workspaceId: values.workspace } : {}),
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      };
      input = { kind: 'audit', filter };
      break;
    }
    default:
      throw new UsageError(`Unknown export command "${args.join(' ')}"`);
  }
  const target = path.resolve(out);
  return {
    // The CLI as a door: the file goes where --out says; it is not a download.
    capabilities: { chooseSavePath: () => Promise.resolve(target) },
    run: (client, io) => runExport(client, io, input, json),
  };
}
