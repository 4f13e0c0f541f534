import { formatMoney } from '../../../../shared/domain/money';
import { useBudgetStatus } from './budget-status-context';
import { SpendBar, ThresholdBadges } from './BudgetBadges';
import './budgets.css';
import { formatUtcMonth } from '../../lib/format';

const monthName = formatUtcMonth;

/** Overview: the org roll-up per currency and this month's spend vs budget per workspace. */
export function BudgetOverview({ onOpenWorkspaces }: { onOpenWorkspaces: () => void }) {
  const { status, error } = useBudgetStatus();
  if (error) return <p role="alert" className="form-error">{error}</p>;
  if (!status) return <p aria-busy="true">Loading budgets…</p>;
  const withBudget = status.workspaces.filter((w) => w.monthlyBudgetMinor > 0);
  const elapsedDays = (status.elapsedFraction * status.daysInMonth).toFixed(1);
  return (
    <section aria-labelledby="budget-overview-title" className="budget-overview">
      <h2 id="budget-overview-title">Budgets in {monthName(status.month)}</h2>
      <p className="page__subtitle">
        Day {elapsedDays} of {status.daysInMonth} (UTC). Forecast = spend so far ÷ elapsed part of the month.
      </p>
      <div className="stats">
        {status.org
          .filter((o) => o.budgetMinor > 0 || o.spentMinor > 0)
          .map((o) => (
            <div key={o.currency} className="stat" role="group" aria-label={`Organisation budget ${o.currency}`}>
              <div className="stat__label">All workspaces ({o.currency})</div>
              <div className="stat__value">
                {formatMoney(o.spentMinor, o.currency)} of {formatMoney(o.budgetMinor, o.currency)}
              </div>
              <div className="stat__detail">
                {o.percentUsed === null ? 'No budget set' : `${o.percentUsed.toFixed(1)}% used`}
                {o.forecastMinor === null ? '' : ` · forecast ${formatMoney(o.forecastMinor, o.currency)}`}
              </div>
            </div>
          ))}
      </div>
      {withBudget.length === 0 ? (
        <p className="note">
          No workspace has a monthly budget yet.{' '}
          <button type="button" className="link-button" onClick={onOpenWorkspaces}>
            Set a budget on a workspace
          </button>{' '}
          to track spend against it here.
        </p>
      ) : (
        <ul className="budget-list" aria-label="Spend vs budget per workspace">
          {withBudget.map((w) => (
            <li key={w.workspaceId} className="budget-list__row" aria-label={w.workspaceName}>
              <strong>{w.workspaceName}</strong>
              <SpendBar status={w} label={`${w.workspaceName} spend this month`} />
              <span className="budget-list__figures">
                {formatMoney(w.spentMinor, w.currency)} / {formatMoney(w.monthlyBudgetMinor, w.currency)} ({w.percentUsed?.toFixed(1)}%)
                {w.forecastMinor === null ? null : <> · forecast {formatMoney(w.forecastMinor, w.currency)}</>}
                {w.mode === 'hard' ? ' · hard limit' : null}
                <br />
                <ThresholdBadges status={w} />
                {w.otherCurrencies.length ? (
                  <span className="muted"> · also spent {w.otherCurrencies.map((o) => `${o.currency} ${(o.costMicros / 1e6).toFixed(2)}`).join(', ')} (not counted)</span>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
