import type { ExportChannelName } from '../../../shared/contract/export-channels';
import { AppError } from '../../../shared/contract/errors';
import { DEFAULT_BUDGET_MODE, DEFAULT_THRESHOLDS } from '../../../shared/domain/budget-math';
import { createExportJobs } from '../services/export-jobs';
import { keysExport, usageRawExport, usageReportExport, workspacesExport } from '../services/export-sources';
import { createUsageService } from '../services/usage-service';
import { createBudgetRepository } from '../store/budget-repository';
import { createUsageRepository } from '../store/usage-repository';
import type { CoreBase, Feature } from './feature';

const ALL_WORKSPACES = { search: '', sort: { field: 'name', direction: 'asc' }, page: { index: 0, size: 500 } } as const;

/** Wires the export feature: CSV sources (read now, in the caller's turn) → background jobs. */
export function createExportsFeature(base: CoreBase): Feature<ExportChannelName> {
  const { ctx, workspaceRepo, keyRepo } = base;
  const jobs = createExportJobs({ dataDir: base.dataDir, chooseSavePath: base.options.capabilities?.chooseSavePath, logError: base.options.logError });
  const budgets = createBudgetRepository(ctx.db);
  const usage = createUsageService(ctx, createUsageRepository(ctx.db));
  const today = () => ctx.now().toISOString().slice(0, 10);

  return {
    handlers: {
      'exports:start': (input) => {
        switch (input.kind) {
          case 'workspaces': {
            const settings = budgets.all();
            const budgetOf = (id: string) => settings.get(id) ?? { thresholds: DEFAULT_THRESHOLDS, mode: DEFAULT_BUDGET_MODE };
            return jobs.start(input.kind, workspacesExport(workspaceRepo.list(ALL_WORKSPACES).items, budgetOf, today()));
          }
          case 'keys': {
            const workspace = workspaceRepo.get(input.workspaceId);
            if (!workspace) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${input.workspaceId} does not exist`);
            const keys = keyRepo.list({ workspaceId: workspace.id, status: 'all', search: '' }, ctx.now().toISOString());
            return jobs.start(input.kind, keysExport(keys, workspace, today()));
          }
          case 'usage-raw':
            return jobs.start(input.kind, usageRawExport(ctx.db, input.from, input.to));
          case 'usage-report':
            // Computed now, from the same service as `usage:report`, so the file equals the page.
            return jobs.start(input.kind, usageReportExport(usage.report(input.report), input.report));
        }
      },
      'exports:status': (input) => jobs.status(input.jobId),
      'exports:cancel': (input) => jobs.cancel(input.jobId),
    },
    dispose: () => jobs.dispose(),
  };
}
