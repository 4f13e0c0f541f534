import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { formatMoney } from '../../../../shared/domain/money';
import { ENVIRONMENTS, REGIONS, WORKSPACE_STATUSES, labelOf } from '../../../../shared/domain/workspace-rules';
import { columnHelperFor, type DataColumn } from '../../components/DataTable';
import { BudgetCell } from '../budgets/BudgetBadges';
import { useBudgetStatus } from '../budgets/budget-status-context';

const helper = columnHelperFor<Workspace>();

/** Column ids equal the core's sort fields, so the table's sorting state maps 1:1 to SQL. */
export const workspaceColumns: DataColumn<Workspace>[] = [
  helper.accessor('name', {
    id: 'name',
    header: 'Name',
    cell: (ctx) => (
      <span className="ws-name">
        {ctx.getValue()}
        {ctx.row.original.isDefault ? <span className="badge">Default</span> : null}
      </span>
    ),
  }),
  helper.accessor('id', { id: 'id', header: 'ID', cell: (ctx) => <code>{ctx.getValue()}</code> }),
  helper.accessor('environment', { id: 'environment', header: 'Environment', cell: (ctx) => labelOf(ENVIRONMENTS, ctx.getValue()) }),
  helper.accessor('region', { id: 'region', header: 'Region', cell: (ctx) => labelOf(REGIONS, ctx.getValue()) }),
  helper.accessor('status', {
    id: 'status',
    header: 'Status',
    cell: (ctx) => <span className={`status status--${ctx.getValue()}`}>{labelOf(WORKSPACE_STATUSES, ctx.getValue())}</span>,
  }),
  helper.accessor('owner', { id: 'owner', header: 'Owner' }),
  helper.accessor('monthlyBudgetMinor', {
    id: 'monthlyBudgetMinor',
    header: 'Monthly budget',
    cell: (ctx) => <span className="num">{formatMoney(ctx.getValue(), ctx.row.original.currency)}</span>,
  }),
  // This month's spend vs budget, from the page's BudgetStatusProvider (budgets:status).
  helper.display({ id: 'budgetStatus', header: 'Budget', cell: (ctx) => <BudgetStatusCell workspaceId={ctx.row.original.id} /> }),
  helper.accessor('memberCount', { id: 'memberCount', header: 'Members', enableSorting: false, cell: (ctx) => <span className="num">{ctx.getValue()}</span> }),
  helper.accessor('keyCount', {
    id: 'keyCount',
    header: 'Keys',
    cell: (ctx) => (
      <span className="num">
        {ctx.getValue()}/{ctx.row.original.keyLimit}
      </span>
    ),
  }),
];

function BudgetStatusCell({ workspaceId }: { workspaceId: string }) {
  return <BudgetCell status={useBudgetStatus().byWorkspace.get(workspaceId)} />;
}
