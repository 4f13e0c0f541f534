import { useId } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartSeries } from './usage-chart-series';
import { OTHER_GROUP } from './usage-chart-series';
import { formatCompact } from './usage-format';

// Colour-blind-friendly palette (Okabe–Ito plus two), "Other" in neutral grey.
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#332288'];
const colourOf = (key: string, index: number) => (key === OTHER_GROUP ? '#9ca3af' : PALETTE[index % PALETTE.length]!);

interface UsageChartProps {
  title: string;
  /** One sentence for screen readers: what the chart shows in total. */
  summary: string;
  series: ChartSeries;
  points: ChartSeries['spend'];
  formatValue: (value: number) => string;
}

/** A stacked bar chart over the report's buckets, one stack segment per group. */
export function UsageChart({ title, summary, series, points, formatValue }: UsageChartProps) {
  const titleId = useId();
  return (
    <figure className="usage-chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>{title}</figcaption>
      <p className="visually-hidden">{summary}</p>
      <div className="usage-chart__canvas">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="bucket" tick={{ fontSize: 11 }} minTickGap={16} />
            <YAxis tick={{ fontSize: 11 }} tickFormatter={(v: number) => formatCompact(v)} width={56} />
            <Tooltip formatter={(value) => formatValue(Number(value))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {series.groups.map((g, i) => (
              <Bar key={g.key} dataKey={g.key} name={g.label} stackId="usage" fill={colourOf(g.key, i)} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
