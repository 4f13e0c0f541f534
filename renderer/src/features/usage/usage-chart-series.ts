import type { UsageReport } from '../../../../shared/contract/usage-schemas';

export const OTHER_GROUP = '__other__';
/** The chart stacks this many groups; the rest are summed into "Other" so colours stay readable. */
export const CHART_TOP_GROUPS = 8;

export interface ChartSeries {
  /** Data keys in stacking order (largest first, "Other" last). */
  groups: Array<{ key: string; label: string }>;
  /** One point per bucket: `{ bucket, [groupKey]: value }`. */
  spend: Array<Record<string, number | string>>;
  tokens: Array<Record<string, number | string>>;
  /** The currency charted; other currencies are left out of the spend chart (money is never added across currencies). */
  currency: string | null;
  otherCurrencies: string[];
}

/** Pivots report rows into stacked series over every bucket (empty buckets are zeros). */
export function toChartSeries(report: UsageReport, topN = CHART_TOP_GROUPS): ChartSeries {
  const byCurrency = [...report.totals].sort((a, b) => b.costMicros - a.costMicros);
  const currency = byCurrency[0]?.currency ?? null;
  const weight = new Map<string, { label: string; cost: number; tokens: number }>();
  for (const row of report.rows) {
    const w = weight.get(row.groupId) ?? { label: row.groupLabel, cost: 0, tokens: 0 };
    if (row.currency === currency) w.cost += row.costMicros;
    w.tokens += row.inputTokens + row.outputTokens;
    weight.set(row.groupId, w);
  }
  const ranked = [...weight.entries()].sort((a, b) => b[1].cost - a[1].cost || b[1].tokens - a[1].tokens || a[1].label.localeCompare(b[1].label));
  const top = ranked.slice(0, topN);
  const keyOf = new Map(top.map(([id], i) => [id, `g${i}`]));
  const groups = top.map(([id, w]) => ({ key: keyOf.get(id)!, label: w.label }));
  const hasOther = ranked.length > topN;
  if (hasOther) groups.push({ key: OTHER_GROUP, label: 'Other' });

  const empty = () => Object.fromEntries(groups.map((g) => [g.key, 0])) as Record<string, number>;
  const spend = new Map(report.buckets.map((b) => [b, empty()]));
  const tokens = new Map(report.buckets.map((b) => [b, empty()]));
  for (const row of report.rows) {
    const key = keyOf.get(row.groupId) ?? OTHER_GROUP;
    const t = tokens.get(row.bucket);
    if (t) t[key] = (t[key] ?? 0) + row.inputTokens + row.outputTokens;
    const s = spend.get(row.bucket);
    // Spend is charted in major units of the main currency.
    if (s && row.currency === currency) s[key] = (s[key] ?? 0) + row.costMicros / 1_000_000;
  }
  const points = (m: Map<string, Record<string, number>>) => report.buckets.map((bucket) => ({ bucket, ...m.get(bucket)! }));
  return {
    groups,
    spend: points(spend),
    tokens: points(tokens),
    currency,
    otherCurrencies: byCurrency.slice(1).map((t) => t.currency),
  };
}
