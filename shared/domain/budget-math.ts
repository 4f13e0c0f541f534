/**
 * Budget rules and month-to-date math, shared by the core (status) and the renderer (editor).
 * Pure: no clock, no I/O. Money is integer minor units of the budget currency.
 */

export const BUDGET_MODES = ['alert', 'hard'] as const;
export type BudgetMode = (typeof BUDGET_MODES)[number];
export const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];
export const DEFAULT_BUDGET_MODE: BudgetMode = 'alert';
export const THRESHOLD_MIN = 1;
export const THRESHOLD_MAX = 1000;
export const MAX_THRESHOLDS = 6;

/** Sorted ascending, duplicates removed: the one stored form. */
export function normalizeThresholds(thresholds: readonly number[]): number[] {
  return [...new Set(thresholds)].sort((a, b) => a - b);
}

export interface MonthWindow {
  /** First day of the month, 'YYYY-MM-01' (UTC). */
  firstDay: string;
  /** Last day of the month, 'YYYY-MM-DD' (UTC). */
  lastDay: string;
  daysInMonth: number;
  /**
   * Elapsed fraction of the month at `now`, in (0, 1]: whole UTC days before today plus the
   * elapsed part of today, divided by the days in the month. Never 0, so a forecast made at
   * 00:00:00 on the 1st stays finite (it uses one millisecond of elapsed time).
   */
  elapsedFraction: number;
}

const DAY_MS = 86_400_000;
const pad2 = (n: number) => String(n).padStart(2, '0');

export function daysInMonth(year: number, monthIndex0: number): number {
  return new Date(Date.UTC(year, monthIndex0 + 1, 0)).getUTCDate();
}

/** The UTC calendar month containing `now`. */
export function monthWindow(now: Date): MonthWindow {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const days = daysInMonth(year, month);
  const start = Date.UTC(year, month, 1);
  const elapsedMs = Math.max(1, now.getTime() - start);
  const ym = `${String(year).padStart(4, '0')}-${pad2(month + 1)}`;
  return {
    firstDay: `${ym}-01`,
    lastDay: `${ym}-${pad2(days)}`,
    daysInMonth: days,
    elapsedFraction: Math.min(1, elapsedMs / (days * DAY_MS)),
  };
}

/**
 * Linear burn-rate forecast for the month end: spend so far ÷ elapsed fraction of the month.
 * Rounded to whole minor units, and at most Number.MAX_SAFE_INTEGER (seconds into a month the
 * fraction is ~10^-7, so a large spend would project past any exact integer). Null when there is
 * no budget (budget ≤ 0): nothing to compare.
 */
export function forecastMonthEnd(spentMinor: number, budgetMinor: number, elapsedFraction: number): number | null {
  if (budgetMinor <= 0) return null;
  if (!(elapsedFraction > 0)) throw new RangeError('elapsedFraction must be > 0');
  return Math.min(Number.MAX_SAFE_INTEGER, Math.round(spentMinor / Math.min(1, elapsedFraction)));
}

/** Percent of budget, one decimal; null without a budget. */
export function percentOfBudget(spentMinor: number, budgetMinor: number): number | null {
  if (budgetMinor <= 0) return null;
  return Math.round((spentMinor * 1000) / budgetMinor) / 10;
}

/**
 * Thresholds reached by `amountMinor`: amount ≥ t % of budget. Compared in integers
 * (amount × 100 ≥ t × budget) so 80 % of 1 000 is crossed by exactly 800. None without a budget.
 */
export function crossedThresholds(amountMinor: number | null, budgetMinor: number, thresholds: readonly number[]): number[] {
  if (amountMinor === null || budgetMinor <= 0) return [];
  return thresholds.filter((t) => amountMinor * 100 >= t * budgetMinor);
}

export interface BudgetFigures {
  spentMinor: number;
  percentUsed: number | null;
  forecastMinor: number | null;
  crossed: number[];
  /** Thresholds not crossed yet that the forecast says will be by the month end. */
  forecastCrosses: number[];
}

export function budgetFigures(spentMinor: number, budgetMinor: number, thresholds: readonly number[], elapsedFraction: number): BudgetFigures {
  const forecastMinor = forecastMonthEnd(spentMinor, budgetMinor, elapsedFraction);
  const crossed = crossedThresholds(spentMinor, budgetMinor, thresholds);
  const forecastCrosses = crossedThresholds(forecastMinor, budgetMinor, thresholds).filter((t) => !crossed.includes(t));
  return { spentMinor, percentUsed: percentOfBudget(spentMinor, budgetMinor), forecastMinor, crossed, forecastCrosses };
}

/**
 * Usage costs are integer micro-units (1 USD = 1 000 000); budgets are minor units of the
 * currency (cents, or yen for a 0-decimal currency). Rounds half up to the nearest minor unit.
 */
export function microsToMinor(costMicros: number, currencyDecimals: number): number {
  const perMinor = 10 ** (6 - currencyDecimals);
  // In integers: `(costMicros + perMinor / 2) / perMinor` can round (past 2^53, or a quotient a
  // hair below a whole number); `%` and dividing a multiple of perMinor are exact.
  const remainder = costMicros % perMinor;
  return (costMicros - remainder) / perMinor + (remainder >= perMinor / 2 ? 1 : 0);
}
