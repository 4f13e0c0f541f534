import { useId } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ChartSeries } from './usage-chart-series';
import { OTHER_GROUP } from './usage-chart-series';
import { formatCompact } from './usage-format';

// Series colours are theme tokens (styles.css --chart-1…8, "Other" --chart-other): each reads at >= 4.5:1
// on the panel and stays apart under colour-blindness simulation (test/unit/chart-palette.test.ts).
const SERIES_COLOURS = 8;
const colourOf = (key: string, index: number) => (key === OTHER_GROUP ? 'var(--chart-other)' : `var(--chart-${(index % SERIES_COLOURS) + 1})`);

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
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--line)" />
            <XAxis dataKey="bucket" tick={{ fontSize: 11, fill: 'var(--muted)' }} stroke="var(--muted)" minTickGap={16} />
            <YAxis tick={{ fontSize: 11, fill: 'var(--muted)' }} stroke="var(--muted)" tickFormatter={(v: number) => formatCompact(v)} width={56} />
            <Tooltip
              formatter={(value) => formatValue(Number(value))}
              contentStyle={{ background: 'var(--panel)', borderColor: 'var(--line)', color: 'var(--text)' }}
              cursor={{ fill: 'var(--row-hover)' }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {series.groups.map((g, i) => (
              // A panel-coloured outline keeps neighbouring segments apart even where two hues are close.
              <Bar key={g.key} dataKey={g.key} name={g.label} stackId="usage" fill={colourOf(g.key, i)} stroke="var(--panel)" strokeWidth={1} isAnimationActive={false} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
