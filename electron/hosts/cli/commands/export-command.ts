import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Result } from '../../../../shared/contract/errors';
import type { ExportStatus } from '../../../../shared/contract/export-schemas';
import { USAGE_BUCKETS, USAGE_GROUP_BYS } from '../../../../shared/domain/usage-rules';
import type { Core } from '../../../core/core';
import type { CoreClient } from '../../../core/client/core-client';
import { downloadPathFor } from '../../../core/services/export-jobs';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';

export const EXPORT_COMMANDS_HELP = `  export usage --from D --to D [--group-by workspace|model|key|vendor [--bucket day|week|month]] --out FILE
                                          CSV of the grouped report, or of the raw records without --group-by
  export workspaces --out FILE            CSV of all workspaces (budgets included)
  export keys --workspace ID --out FILE   CSV of a workspace's API keys (masked, never secrets)`;

const POLL_MS = 50;

function pick<T extends string>(list: readonly T[], value: string | boolean | undefined, flag: string): T | undefined {
  if (value === undefined) return undefined;
  const found = list.find((v) => v === String(value).toLowerCase());
  if (!found) throw new UsageError(`--${flag} must be one of: ${list.join(', ')}`);
  return found;
}

/** Moves the finished export onto `out`; across file systems, copies to a temp file next to it first. */
async function moveInto(from: string, out: string): Promise<void> {
  try {
    await fs.promises.rename(from, out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    const tmp = path.join(path.dirname(out), `.${path.basename(out)}.${randomBytes(6).toString('hex')}.partial`);
    try {
      await fs.promises.copyFile(from, tmp);
      await fs.promises.rename(tmp, out);
    } finally {
      await fs.promises.rm(tmp, { force: true });
      await fs.promises.rm(from, { force: true });
    }
  }
}

/**
 * Runs the same export job as the app (`exports:start`), waits for it with a progress line on
 * stderr, then moves the file to `--out`. Ctrl+C cancels: no file is left behind.
 */
async function runExport(core: Core, io: CliIo, input: unknown, out: string, json: boolean): Promise<number> {
  const dispatch = (channel: string, payload: unknown) => core.dispatcher.dispatch(channel, payload, { kind: 'cli' }) as Result<ExportStatus>;
  const started = dispatch('exports:start', input);
  if (!started.ok) {
    const issues = (started.error.issues ?? []).filter((i) => i.message !== started.error.message).map((i) => `\n  ${i.path}: ${i.message}`);
    io.err(`${started.error.code}: ${started.error.message}${issues.join('')}`);
    return 1;
  }
  const { jobId } = started.data;
  const onInterrupt = () => void dispatch('exports:cancel', { jobId });
  process.once('SIGINT', onInterrupt);
  let status = started.data;
  let lastShown = -1;
  try {
    while (status.state === 'running' || status.state === 'choosing') {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      const next = dispatch('exports:status', { jobId });
      if (!next.ok) throw new Error(next.error.message);
      status = next.data;
      if (!json && status.rowsWritten !== lastShown && status.state === 'running') {
        lastShown = status.rowsWritten;
        io.err(`exporting… ${status.rowsWritten} / ${status.totalRows ?? '?'} rows`);
      }
    }
  } finally {
    process.removeListener('SIGINT', onInterrupt);
  }
  if (status.state !== 'done') {
    io.err(`${status.state === 'cancelled' ? 'E_CANCELLED' : 'E_INTERNAL'}: ${status.message ?? 'The export did not finish'}`);
    return 1;
  }
  const target = path.resolve(out);
  try {
    await moveInto(downloadPathFor(core.dataDir, jobId), target);
  } catch (error) {
    io.err(`E_INTERNAL: Cannot write ${target}: ${(error as Error).message}`);
    return 1;
  }
  io.out(json ? JSON.stringify({ ...status, savedTo: target, downloadable: false }, null, 2) : `Wrote ${status.rowsWritten} rows to ${target}`);
  return 0;
}

/** `gatehouse export usage --from D --to D [--group-by …] --out FILE`, `export workspaces|keys --out FILE`. */
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
    default:
      throw new UsageError(`Unknown export command "${args.join(' ')}"`);
  }
  // Interim: until exports run on the job runner, this reaches into the in-process core.
  return { run: (client: CoreClient, io) => runExport((client as unknown as { core: Core }).core, io, input, out, json) };
}
