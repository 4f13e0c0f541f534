import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import { DEFAULT_BUDGET_MODE, DEFAULT_THRESHOLDS } from '../../../shared/domain/budget-math';
import type { BudgetRepository } from '../store/budget-repository';
import type { KeyRepository } from '../store/key-repository';
import type { Db } from '../store/database';
import type { WorkspaceRepository } from '../store/workspace-repository';
import { createExportJobs, type ExportJobsOptions } from './export-jobs';
import { keysExport, usageRawExport, usageReportExport, workspacesExport } from './export-sources';
import type { ServiceContext } from './service-context';
import type { UsageService } from './usage-service';

const ALL_WORKSPACES = { search: '', sort: { field: 'name', direction: 'asc' }, page: { index: 0, size: 500 } } as const;

export interface ExportServiceDeps {
  workspaces: WorkspaceRepository;
  keys: KeyRepository;
  budgets: BudgetRepository;
  usage: UsageService;
  db: Db;
}

/** CSV exports: sources read now (in the caller's turn), written by background jobs. */
export function createExportService(ctx: ServiceContext, deps: ExportServiceDeps, options: ExportJobsOptions) {
  const jobs = createExportJobs(options);
  const today = () => ctx.now().toISOString().slice(0, 10);
  return {
    start(input: ParsedInput<'exports:start'>) {
      switch (input.kind) {
        case 'workspaces': {
          const settings = deps.budgets.all();
          const budgetOf = (id: string) => settings.get(id) ?? { thresholds: DEFAULT_THRESHOLDS, mode: DEFAULT_BUDGET_MODE };
          return jobs.start(input.kind, workspacesExport(deps.workspaces.list(ALL_WORKSPACES).items, budgetOf, today()));
        }
        case 'keys': {
          const workspace = deps.workspaces.get(input.workspaceId);
          if (!workspace) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${input.workspaceId} does not exist`);
          const keys = deps.keys.list({ workspaceId: workspace.id, status: 'all', search: '' }, ctx.now().toISOString());
          return jobs.start(input.kind, keysExport(keys, workspace, today()));
        }
        case 'usage-raw':
          return jobs.start(input.kind, usageRawExport(deps.db, input.from, input.to));
        case 'usage-report':
          // Computed now, from the same service as `usage:report`, so the file equals the page.
          return jobs.start(input.kind, usageReportExport(deps.usage.report(input.report), input.report));
      }
    },
    status: (jobId: string) => jobs.status(jobId),
    cancel: (jobId: string) => jobs.cancel(jobId),
    dispose: () => jobs.dispose(),
  };
}
export type ExportService = ReturnType<typeof createExportService>;
