import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { JobStatus } from '../../../shared/contract/job-schemas';
import { DEFAULT_BUDGET_MODE, DEFAULT_THRESHOLDS } from '../../../shared/domain/budget-math';
import type { HostCapabilities } from '../host-capabilities';
import type { JobRunner } from '../jobs/job-runner';
import type { BudgetRepository } from '../store/budget-repository';
import type { KeyRepository } from '../store/key-repository';
import type { UsageExportRepository } from '../store/usage-export-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import { runExportJob } from './export-jobs';
import { auditExport, keysExport, usageRawExport, usageReportExport, workspacesExport, type AnyExportSource, type AuditPages, type UsageRawParallelism } from './export-sources';
import type { ServiceContext } from './service-context';
import type { UsageService } from './usage-service';

const ALL_WORKSPACES = { search: '', sort: { field: 'name', direction: 'asc' }, page: { index: 0, size: 500 } } as const;

export interface ExportServiceDeps {
  workspaces: WorkspaceRepository;
  keys: KeyRepository;
  budgets: BudgetRepository;
  audit: AuditPages;
  usage: UsageService;
  usageExport: UsageExportRepository;
}

export interface ExportServiceOptions {
  jobs: JobRunner;
  /** Where the door saves files (chooseSavePath) and whether it hands them out as downloads. */
  capabilities?: HostCapabilities | undefined;
  /** better-sqlite3's binding for this runtime: the raw usage export's reader threads open the store with it. */
  nativeBinding?: string | undefined;
  /** Reader threads for the raw usage export (default: the machine's parallelism, 1–4; 0: none). */
  usageExportWorkers?: number | undefined;
}

/**
 * CSV exports as jobs on the core's one runner. Small sources (workspaces, keys, the report) are
 * read in the caller's turn; big ones (raw usage, the audit log) are counted now and read page by
 * page while the file is written. Nothing is written until the door chose where.
 */
export function createExportService(ctx: ServiceContext, deps: ExportServiceDeps, options: ExportServiceOptions) {
  const today = () => ctx.now().toISOString().slice(0, 10);
  // Reader threads need the store's file (an in-memory store has none).
  const parallelism = (): UsageRawParallelism | undefined =>
    ctx.db.memory || options.usageExportWorkers === 0
      ? undefined
      : { file: ctx.db.name, nativeBinding: options.nativeBinding, ...(options.usageExportWorkers ? { workers: options.usageExportWorkers } : {}) };

  const sourceFor = (input: ParsedInput<'exports:start'>): { source: AnyExportSource; label: string } => {
    switch (input.kind) {
      case 'workspaces': {
        const settings = deps.budgets.all();
        const budgetOf = (id: string) => settings.get(id) ?? { thresholds: DEFAULT_THRESHOLDS, mode: DEFAULT_BUDGET_MODE };
        return { source: workspacesExport(deps.workspaces.list(ALL_WORKSPACES).items, budgetOf, today()), label: 'Export workspaces' };
      }
      case 'keys': {
        const workspace = deps.workspaces.get(input.workspaceId);
        if (!workspace) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${input.workspaceId} does not exist`);
        const keys = deps.keys.list({ workspaceId: workspace.id, status: 'all', search: '' }, ctx.now().toISOString());
        return { source: keysExport(keys, workspace, today()), label: `Export API keys of ${workspace.name}` };
      }
      case 'usage-raw':
        return { source: usageRawExport(deps.usageExport, input.from, input.to, parallelism()), label: `Export usage records ${input.from} – ${input.to}` };
      case 'usage-report':
        // Computed now, from the same service as `usage:report`, so the file equals the page.
        return {
          source: usageReportExport(deps.usage.report(input.report), input.report),
          label: `Export usage by ${input.report.groupBy} per ${input.report.bucket} ${input.report.from} – ${input.report.to}`,
        };
      case 'audit':
        return { source: auditExport(deps.audit, input.filter, ctx.now()), label: 'Export audit log' };
    }
  };

  return {
    /** Starts the export job and returns its first status (`waiting` while the door chooses a path). */
    start(input: ParsedInput<'exports:start'>): JobStatus {
      const door = options.capabilities;
      if (!door?.chooseSavePath) throw new AppError('E_CONFLICT', 'This door cannot save files');
      const { source, label } = sourceFor(input);
      const destination = {
        chooseSavePath: (request: { suggestedName: string; jobId: string }) => door.chooseSavePath!(request),
        savesForDownload: door.savesForDownload === true,
      };
      return options.jobs.start({
        kind: 'export',
        label,
        unit: 'rows',
        total: source.totalRows,
        waiting: true,
        run: (job) => runExportJob(job, source, destination),
      });
    },
  };
}
export type ExportService = ReturnType<typeof createExportService>;
