import { describe, expect, it } from 'vitest';
import {
  budgetFigures,
  crossedThresholds,
  daysInMonth,
  forecastMonthEnd,
  microsToMinor,
  monthWindow,
  normalizeThresholds,
  percentOfBudget,
} from './budget-math';

describe('monthWindow', () => {
  it('knows month lengths, including February in leap and common years', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((m) => daysInMonth(2026, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect(daysInMonth(2024, 1)).toBe(29);
    expect(daysInMonth(2000, 1)).toBe(29); // divisible by 400
    expect(daysInMonth(2100, 1)).toBe(28); // divisible by 100 only
  });

  it('gives the UTC month bounds and the elapsed fraction including today’s partial day', () => {
    const w = monthWindow(new Date('2024-02-15T12:00:00.000Z'));
    expect(w).toMatchObject({ firstDay: '2024-02-01', lastDay: '2024-02-29', daysInMonth: 29 });
    expect(w.elapsedFraction).toBeCloseTo(14.5 / 29, 12);
    expect(monthWindow(new Date('2026-11-30T23:59:59.999Z')).elapsedFraction).toBeCloseTo(1, 6);
  });

  it('is never zero on the first instant of a month (forecast stays finite)', () => {
    const w = monthWindow(new Date('2026-03-01T00:00:00.000Z'));
    expect(w.firstDay).toBe('2026-03-01');
    expect(w.elapsedFraction).toBeGreaterThan(0);
    expect(Number.isFinite(forecastMonthEnd(0, 100, w.elapsedFraction))).toBe(true);
  });

  it('uses UTC, not the local time zone, at a month boundary', () => {
    expect(monthWindow(new Date('2026-01-31T23:30:00-02:00')).firstDay).toBe('2026-02-01');
  });
});

describe('forecast and thresholds', () => {
  it('forecasts linearly from the burn rate', () => {
    expect(forecastMonthEnd(1000, 5000, 0.25)).toBe(4000);
    expect(forecastMonthEnd(1000, 5000, 1)).toBe(1000);
    expect(forecastMonthEnd(1, 5000, 3 / 10)).toBe(3); // rounded to minor units
  });

  it('has no forecast, percent or crossings without a budget (zero budget)', () => {
    expect(forecastMonthEnd(1000, 0, 0.5)).toBeNull();
    expect(percentOfBudget(1000, 0)).toBeNull();
    expect(crossedThresholds(1000, 0, [50, 100])).toEqual([]);
    expect(budgetFigures(1000, 0, [50], 0.5)).toEqual({ spentMinor: 1000, percentUsed: null, forecastMinor: null, crossed: [], forecastCrosses: [] });
  });

  it('crosses a threshold at exactly t % (integer comparison)', () => {
    expect(crossedThresholds(799, 1000, [50, 80, 100])).toEqual([50]);
    expect(crossedThresholds(800, 1000, [50, 80, 100])).toEqual([50, 80]);
    expect(crossedThresholds(3, 3, [100, 150])).toEqual([100]);
    expect(crossedThresholds(1500, 1000, [50, 80, 100, 150, 1000])).toEqual([50, 80, 100, 150]);
  });

  it('reports which thresholds the forecast will cross but are not crossed yet', () => {
    // Half the month gone, 45 % spent → forecast 90 %.
    const f = budgetFigures(450, 1000, [50, 80, 100], 0.5);
    expect(f).toEqual({ spentMinor: 450, percentUsed: 45, forecastMinor: 900, crossed: [], forecastCrosses: [50, 80] });
    expect(budgetFigures(600, 1000, [50, 80, 100], 0.5).forecastCrosses).toEqual([80, 100]);
  });

  it('normalises thresholds to a sorted unique list', () => {
    expect(normalizeThresholds([100, 50, 80, 50])).toEqual([50, 80, 100]);
  });

  it('converts micro-units to minor units, rounding half up', () => {
    expect(microsToMinor(1_234_567, 2)).toBe(123);
    expect(microsToMinor(5_000, 2)).toBe(1);
    expect(microsToMinor(4_999, 2)).toBe(0);
    expect(microsToMinor(1_500_000, 0)).toBe(2); // JPY
    expect(microsToMinor(0, 2)).toBe(0);
  });
});
