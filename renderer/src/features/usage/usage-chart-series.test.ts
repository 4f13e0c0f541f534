import { describe, expect, it } from 'vitest';
import type { UsageReport, UsageReportRow } from '../../../../shared/contract/usage-schemas';
import { OTHER_GROUP, toChartSeries } from './usage-chart-series';

const row = (bucket: string, groupId: string, costMicros: number, currency = 'USD', tokens = 10): UsageReportRow => ({
  bucket,
  groupId,
  groupLabel: `Label ${groupId}`,
  records: 1,
  requests: 1,
  inputTokens: tokens,
  outputTokens: 0,
  cachedTokens: 0,
  costMicros,
  currency,
});

describe('toChartSeries', () => {
  it('stacks the top groups by spend, folds the rest into Other, and zero-fills empty buckets', () => {
    const report: UsageReport = {
      buckets: ['2026-06-01', '2026-06-02', '2026-06-03'],
      rows: [row('2026-06-01', 'a', 3_000_000), row('2026-06-01', 'b', 1_000_000), row('2026-06-03', 'c', 500_000), row('2026-06-03', 'd', 250_000)],
      totals: [{ currency: 'USD', records: 4, requests: 4, inputTokens: 40, outputTokens: 0, cachedTokens: 0, costMicros: 4_750_000 }],
    };
    const series = toChartSeries(report, 2);
    expect(series.groups).toEqual([
      { key: 'g0', label: 'Label a' },
      { key: 'g1', label: 'Label b' },
      { key: OTHER_GROUP, label: 'Other' },
    ]);
    expect(series.spend).toEqual([
      { bucket: '2026-06-01', g0: 3, g1: 1, [OTHER_GROUP]: 0 },
      { bucket: '2026-06-02', g0: 0, g1: 0, [OTHER_GROUP]: 0 },
      { bucket: '2026-06-03', g0: 0, g1: 0, [OTHER_GROUP]: 0.75 },
    ]);
    expect(series.tokens[2]).toEqual({ bucket: '2026-06-03', g0: 0, g1: 0, [OTHER_GROUP]: 20 });
    expect(series.currency).toBe('USD');
  });

  it('charts spend in the largest currency only and names the others', () => {
    const report: UsageReport = {
      buckets: ['2026-06'],
      rows: [row('2026-06', 'a', 100, 'EUR'), row('2026-06', 'a', 5_000_000, 'USD')],
      totals: [
        { currency: 'EUR', records: 1, requests: 1, inputTokens: 10, outputTokens: 0, cachedTokens: 0, costMicros: 100 },
        { currency: 'USD', records: 1, requests: 1, inputTokens: 10, outputTokens: 0, cachedTokens: 0, costMicros: 5_000_000 },
      ],
    };
    const series = toChartSeries(report);
    expect(series).toMatchObject({ currency: 'USD', otherCurrencies: ['EUR'], groups: [{ key: 'g0', label: 'Label a' }] });
    expect(series.spend).toEqual([{ bucket: '2026-06', g0: 5 }]);
    expect(series.tokens).toEqual([{ bucket: '2026-06', g0: 20 }]);
  });
});
