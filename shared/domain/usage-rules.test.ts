import { describe, expect, it } from 'vitest';
import { bucketOf, bucketsBetween, formatMicros, presetRange, weekStart } from './usage-rules';

describe('usage calendar rules', () => {
  it('ISO weeks start on Monday, across month and year ends', () => {
    expect(weekStart('2026-06-15')).toBe('2026-06-15'); // Monday
    expect(weekStart('2026-06-14')).toBe('2026-06-08'); // Sunday belongs to the week before
    expect(weekStart('2027-01-01')).toBe('2026-12-28');
    expect(bucketOf('2026-03-01', 'month')).toBe('2026-03');
  });

  it('lists every bucket in a range, in order, once', () => {
    expect(bucketsBetween('2026-02-27', '2026-03-02', 'day')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(bucketsBetween('2026-06-14', '2026-06-29', 'week')).toEqual(['2026-06-08', '2026-06-15', '2026-06-22', '2026-06-29']);
    expect(bucketsBetween('2025-12-31', '2026-02-01', 'month')).toEqual(['2025-12', '2026-01', '2026-02']);
  });

  it('presets are inclusive UTC day ranges ending today (last month: the whole previous month)', () => {
    expect(presetRange('today', '2026-03-31')).toEqual({ from: '2026-03-31', to: '2026-03-31' });
    expect(presetRange('7d', '2026-03-03')).toEqual({ from: '2026-02-25', to: '2026-03-03' });
    expect(presetRange('30d', '2026-03-30')).toEqual({ from: '2026-03-01', to: '2026-03-30' });
    expect(presetRange('thisMonth', '2026-03-17')).toEqual({ from: '2026-03-01', to: '2026-03-17' });
    expect(presetRange('lastMonth', '2026-03-17')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(presetRange('lastMonth', '2026-01-05')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });
});

describe('formatMicros', () => {
  it('rounds micro-units to the currency precision', () => {
    expect(formatMicros(1_234_565_000, 'USD')).toBe('USD 1,234.57');
    expect(formatMicros(4_999, 'USD')).toBe('USD 0.00');
    expect(formatMicros(1_234_500_000, 'JPY')).toBe('JPY 1,235');
  });
});
