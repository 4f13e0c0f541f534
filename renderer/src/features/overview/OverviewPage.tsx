import { useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { formatMoney } from '../../../../shared/domain/money';
import { ENVIRONMENTS, labelOf } from '../../../../shared/domain/workspace-rules';
import { useAppStore } from '../../stores/app-store';
import { useDataVersion } from '../../stores/data-versions';
import { BudgetOverview } from '../budgets/BudgetOverview';
import { BudgetStatusProvider } from '../budgets/budget-status-context';

function Stat({ label, value, detail }: { label: string; value: string; detail?: string }) {
  return (
    <div className="stat" role="group" aria-label={label}>
      <div className="stat__label">{label}</div>
      <div className="stat__value">{value}</div>
      {detail ? <div className="stat__detail">{detail}</div> : null}
    </div>
  );
}

export function OverviewPage() {
  const { overview, overviewError, refreshOverview } = useAppStore();
  const navigate = useNavigate();
  const goToWorkspaces = () => void navigate({ to: '/workspaces' });
  const changes = useDataVersion('workspace', 'api_key', 'preference');
  useEffect(() => {
    void refreshOverview();
  }, [refreshOverview, changes]);

  if (overviewError) return <p role="alert" className="form-error">{overviewError}</p>;
  if (!overview) return <p aria-busy="true">Loading overview…</p>;
  const budgets = overview.monthlyBudgetTotals.filter((b) => b.amountMinor > 0);
  return (
    <div className="page">
      <header className="page__header">
        <h1>Overview</h1>
      </header>
      <div className="stats">
        <Stat label="Active workspace" value={overview.activeWorkspace.name} detail={labelOf(ENVIRONMENTS, overview.activeWorkspace.environment)} />
        <Stat label="Total workspaces" value={String(overview.totalWorkspaces)} detail={`of ${overview.workspaceLimit} allowed`} />
        <Stat
          label="Monthly budget across workspaces"
          value={budgets.length ? budgets.map((b) => formatMoney(b.amountMinor, b.currency)).join(' + ') : formatMoney(0, 'USD')}
          detail={budgets.length ? undefined : 'No budgets set yet'}
        />
        <Stat label="Active API keys" value={String(overview.activeKeys)} detail="across all workspaces" />
        <Stat label="Production workspaces" value={String(overview.productionWorkspaces)} />
      </div>
      {overview.totalWorkspaces === 1 ? (
        <p className="note">
          Only the default workspace exists. <button type="button" className="link-button" onClick={goToWorkspaces}>Create a workspace</button> to
          isolate a team, an app or an environment.
        </p>
      ) : null}
      <BudgetStatusProvider refreshKey={overview}>
        <BudgetOverview onOpenWorkspaces={goToWorkspaces} />
      </BudgetStatusProvider>
    </div>
  );
}
