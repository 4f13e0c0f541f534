import type { WorkspaceBudgetStatus } from '../../../../shared/contract/budget-schemas';
import { formatMoney } from '../../../../shared/domain/money';
import './budgets.css';

/** "80% crossed" badges for reached thresholds, then "100% forecast" for those the burn rate will reach. */
export function ThresholdBadges({ status }: { status: WorkspaceBudgetStatus }) {
  if (status.crossed.length === 0 && status.forecastCrosses.length === 0) return null;
  const top = status.crossed.at(-1);
  return (
    <span className="budget-badges">
      {status.crossed.map((t) => (
        <span key={`c${t}`} className={`budget-badge budget-badge--crossed${t >= 100 ? ' budget-badge--over' : ''}${t === top ? '' : ' budget-badge--minor'}`}>
          {t}% crossed
        </span>
      ))}
      {status.forecastCrosses.map((t) => (
        <span key={`f${t}`} className="budget-badge budget-badge--forecast" title="The month-end forecast at the current burn rate reaches this threshold">
          {t}% forecast
        </span>
      ))}
    </span>
  );
}

/** Table cell: percent of this month's budget used, plus the threshold badges. */
export function BudgetCell({ status }: { status: WorkspaceBudgetStatus | undefined }) {
  if (!status) return <span className="muted">…</span>;
  if (status.percentUsed === null) return <span className="muted">No budget</span>;
  return (
    <span className="budget-cell">
      <span className="num" title={`${formatMoney(status.spentMinor, status.currency)} of ${formatMoney(status.monthlyBudgetMinor, status.currency)} this month`}>
        {status.percentUsed.toFixed(1)}%
      </span>
      <ThresholdBadges status={status} />
    </span>
  );
}

/** A horizontal bar of spend vs budget; the forecast is a lighter extension. Capped at 150 % wide. */
export function SpendBar({ status, label }: { status: { spentMinor: number; monthlyBudgetMinor?: number; budgetMinor?: number; forecastMinor: number | null; currency: string }; label: string }) {
  const budget = status.monthlyBudgetMinor ?? status.budgetMinor ?? 0;
  const scale = (minor: number) => (budget > 0 ? Math.min(150, (minor / budget) * 100) / 1.5 : 0);
  const spent = scale(status.spentMinor);
  const forecast = status.forecastMinor === null ? spent : Math.max(spent, scale(status.forecastMinor));
  return (
    <div
      className="spend-bar"
      role="meter"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={budget}
      aria-valuenow={status.spentMinor}
      aria-valuetext={budget > 0 ? `${formatMoney(status.spentMinor, status.currency)} of ${formatMoney(budget, status.currency)}` : 'No budget'}
    >
      <div className="spend-bar__forecast" style={{ width: `${forecast}%` }} />
      <div className={`spend-bar__spent${status.spentMinor > budget && budget > 0 ? ' spend-bar__spent--over' : ''}`} style={{ width: `${spent}%` }} />
      <div className="spend-bar__budget" style={{ left: `${100 / 1.5}%` }} aria-hidden="true" />
    </div>
  );
}
