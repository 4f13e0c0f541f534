import type { ParsedInput } from '../../../shared/contract/contract';
import type { BudgetSettings, BudgetStatus, WorkspaceBudgetStatus } from '../../../shared/contract/budget-schemas';
import { AppError } from '../../../shared/contract/errors';
import {
  budgetFigures,
  DEFAULT_BUDGET_MODE,
  DEFAULT_THRESHOLDS,
  forecastMonthEnd,
  microsToMinor,
  monthWindow,
  normalizeThresholds,
  percentOfBudget,
} from '../../../shared/domain/budget-math';
import { currencyDecimals } from '../../../shared/domain/money';
import type { BudgetRepository, BudgetRow } from '../store/budget-repository';
import type { UsageRepository } from '../store/usage-repository';
import type { WorkspaceRepository, WorkspaceRow } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';

const ALL_WORKSPACES = { search: '', sort: { field: 'name', direction: 'asc' }, page: { index: 0, size: 500 } } as const;

/** Budget thresholds and mode per workspace, and month-to-date spend against the budget. */
export function createBudgetService(
  ctx: ServiceContext,
  budgets: BudgetRepository,
  workspaces: WorkspaceRepository,
  usage: Pick<UsageRepository, 'spendBetween'>,
) {

  const settingsOf = (workspace: WorkspaceRow, row: BudgetRow | null | undefined): BudgetSettings => ({
    workspaceId: workspace.id,
    monthlyBudgetMinor: workspace.monthlyBudgetMinor,
    currency: workspace.currency,
    thresholds: row?.thresholds ?? [...DEFAULT_THRESHOLDS],
    mode: row?.mode ?? DEFAULT_BUDGET_MODE,
    version: row?.version ?? 0,
    isDefault: row == null,
  });

  const requireWorkspace = (id: string): WorkspaceRow => {
    const workspace = workspaces.get(id);
    if (!workspace) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${id} does not exist`);
    return workspace;
  };

  /** What the audit and change logs see: the settings, which hold no secret. */
  const snapshot = (s: BudgetSettings) => ({ workspaceId: s.workspaceId, thresholds: s.thresholds, mode: s.mode, version: s.version });

  return {
    get(workspaceId: string): BudgetSettings {
      return settingsOf(requireWorkspace(workspaceId), budgets.get(workspaceId));
    },

    update(input: ParsedInput<'budgets:update'>): BudgetSettings {
      return ctx.write(() => {
          const at = ctx.now().toISOString();
          const workspace = requireWorkspace(input.workspaceId);
          const beforeRow = budgets.get(input.workspaceId);
          const before = settingsOf(workspace, beforeRow);
          if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
            throw new AppError('E_CONFLICT', 'Someone changed this budget since you opened it; reload to see the latest settings');
          }
          const thresholds = normalizeThresholds(input.thresholds);
          budgets.save({ workspaceId: workspace.id, thresholds, mode: input.mode, version: before.version + 1, updatedAt: at });
          const after = settingsOf(workspace, budgets.get(workspace.id));
          ctx.record({
            at,
            actor: ctx.actor(),
            action: 'budget.update',
            entityType: 'workspace_budget',
            entityId: workspace.id,
            workspaceId: workspace.id,
            before: beforeRow ? snapshot(before) : null,
            after: snapshot(after),
            change: { op: beforeRow ? 'update' : 'create', payload: snapshot(after), baseVersion: beforeRow ? before.version : null },
          });
          return after;
        });
    },

    /**
     * Month-to-date status for each workspace (optionally only some) plus the org roll-up per
     * currency. Spend comes from the daily rollup of the current UTC month; only records in the
     * workspace's budget currency count against its budget.
     */
    status(workspaceIds?: readonly string[]): BudgetStatus {
      const window = monthWindow(ctx.now());
      const settingsById = budgets.all();
      const spend = new Map<string, Map<string, number>>();
      for (const row of usage.spendBetween(window.firstDay, window.lastDay)) {
        let byCurrency = spend.get(row.workspaceId);
        if (!byCurrency) spend.set(row.workspaceId, (byCurrency = new Map()));
        byCurrency.set(row.currency, row.costMicros);
      }
      const wanted = workspaceIds && workspaceIds.length > 0 ? new Set(workspaceIds) : null;
      const all = workspaces.list(ALL_WORKSPACES).items;

      const statusOf = (workspace: WorkspaceRow): WorkspaceBudgetStatus => {
        const settings = settingsOf(workspace, settingsById.get(workspace.id));
        const byCurrency = spend.get(workspace.id) ?? new Map<string, number>();
        const spentMinor = microsToMinor(byCurrency.get(workspace.currency) ?? 0, currencyDecimals(workspace.currency));
        const figures = budgetFigures(spentMinor, workspace.monthlyBudgetMinor, settings.thresholds, window.elapsedFraction);
        return {
          workspaceId: workspace.id,
          workspaceName: workspace.name,
          currency: workspace.currency,
          monthlyBudgetMinor: workspace.monthlyBudgetMinor,
          thresholds: settings.thresholds,
          mode: settings.mode,
          ...figures,
          otherCurrencies: [...byCurrency]
            .filter(([currency]) => currency !== workspace.currency)
            .map(([currency, costMicros]) => ({ currency, costMicros }))
            .sort((a, b) => a.currency.localeCompare(b.currency)),
        };
      };
      const statuses = all.map(statusOf);

      // Org roll-up over every workspace (not just the requested ones), one per budget currency.
      const rollups = new Map<string, { workspaces: number; budgetMinor: number; spentMinor: number }>();
      for (const s of statuses) {
        const r = rollups.get(s.currency) ?? { workspaces: 0, budgetMinor: 0, spentMinor: 0 };
        r.workspaces += 1;
        r.budgetMinor += s.monthlyBudgetMinor;
        r.spentMinor += s.spentMinor;
        rollups.set(s.currency, r);
      }
      const org = [...rollups]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, r]) => ({
          currency,
          ...r,
          percentUsed: percentOfBudget(r.spentMinor, r.budgetMinor),
          forecastMinor: forecastMonthEnd(r.spentMinor, r.budgetMinor, window.elapsedFraction),
        }));

      return {
        month: window.firstDay.slice(0, 7),
        firstDay: window.firstDay,
        lastDay: window.lastDay,
        daysInMonth: window.daysInMonth,
        elapsedFraction: window.elapsedFraction,
        workspaces: wanted ? statuses.filter((s) => wanted.has(s.workspaceId)) : statuses,
        org,
      };
    },
  };
}
export type BudgetService = ReturnType<typeof createBudgetService>;
