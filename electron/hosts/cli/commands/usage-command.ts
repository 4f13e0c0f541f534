import fs from 'node:fs';
import type { UsageReport } from '../../../../shared/contract/usage-schemas';
import { formatMicros as money, USAGE_BUCKETS, USAGE_GROUP_BYS, utcDay } from '../../../../shared/domain/usage-rules';
import { CLI_SENDER, UsageError, type CliPlan, type CliValues } from './cli-plan';

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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
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
      return {
        channel: 'usage:generateSample',
        input: { days, rows, ...(seed === undefined ? {} : { seed }) },
        print: (data) => {
          const d = data as { inserted: number; duplicates: number; from: string; to: string; seed: number };
          return json ? asJson(d) : `Generated ${d.inserted} usage records from ${d.from} to ${d.to} (seed ${d.seed}; ${d.duplicates} already present)`;
        },
      };
    }
    case 'import': {
      if (!file) throw new UsageError('Usage: gatehouse usage import FILE');
      return {
        async run(client, io) {
          let csv: string;
          try {
            csv = await fs.promises.readFile(file, 'utf8');
          } catch (error) {
            io.err(`E_NOT_FOUND: Cannot read ${file}: ${(error as Error).message}`);
            return 1;
          }
          const result = await client.invoke('usage:import', { csv }, CLI_SENDER);
          if (!result.ok) {
            const issues = (result.error.issues ?? []).map((i) => `\n  ${i.message}`).join('');
            io.err(`${result.error.code}: ${result.error.message}${issues}`);
            return 1;
          }
          const d = result.data as { rows: number; inserted: number; duplicates: number };
          io.out(json ? asJson(d) : `Imported ${d.inserted} of ${d.rows} rows (${d.duplicates} already present)`);
          return 0;
        },
      };
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
