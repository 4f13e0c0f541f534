/** Usage report vocabulary and calendar rules shared by the core, the renderer and the CLI. */
import { currencyDecimals, formatMoney } from './money';

export const USAGE_GROUP_BYS = ['workspace', 'model', 'key', 'vendor'] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BYS)[number];
export const USAGE_BUCKETS = ['day', 'week', 'month'] as const;
export type UsageBucket = (typeof USAGE_BUCKETS)[number];

/** Columns of a usage CSV import, in this order; the header row is required. */
export const USAGE_CSV_COLUMNS = [
  'id',
  'time',
  'workspace_id',
  'key_id',
  'model_id',
  'requests',
  'input_tokens',
  'output_tokens',
  'cached_tokens',
  'cost_micros',
  'currency',
] as const;

/**
 * The most one usage record may carry, per amount (CSV import, sync pull, sample generation).
 * A record costs at most 10^6 currency units (10^12 micro-units), 10^10 tokens of each kind and
 * 10^9 requests: far above any real call, and small enough that ~9,000 records at the cap still
 * add up exactly. The gateway protocol's usage schema (shared/gateway-protocol/v1.ts) uses the
 * same numbers.
 */
export const USAGE_RECORD_MAX = {
  requests: 1_000_000_000,
  inputTokens: 10_000_000_000,
  outputTokens: 10_000_000_000,
  cachedTokens: 10_000_000_000,
  costMicros: 1_000_000_000_000,
} as const;
export type UsageAmountField = keyof typeof USAGE_RECORD_MAX;
export const USAGE_AMOUNT_FIELDS = Object.keys(USAGE_RECORD_MAX) as UsageAmountField[];
/** CSV column of each amount, for messages (`line N: cost_micros: …`). */
export const USAGE_AMOUNT_COLUMNS: Record<UsageAmountField, (typeof USAGE_CSV_COLUMNS)[number]> = {
  requests: 'requests',
  inputTokens: 'input_tokens',
  outputTokens: 'output_tokens',
  cachedTokens: 'cached_tokens',
  costMicros: 'cost_micros',
};

/**
 * Every sum Gatehouse reports (a report row, a total, a budget's spend) is a sum over the stored
 * records of one currency, so the store keeps each amount's total per currency at most 2^53 − 1:
 * then every partial sum is an exact JavaScript integer, and no SQLite SUM can overflow. A write
 * that would go past it is refused with E_LIMIT (usage-repository.ts).
 */
export const USAGE_TOTAL_MAX = Number.MAX_SAFE_INTEGER;

/** A report answers at most this many rows; beyond it the caller narrows range, grouping or filters. */
export const USAGE_REPORT_MAX_ROWS = 200_000;
/** Sample generation through IPC; the CLI may ask for more (10M for the benchmark). */
export const USAGE_SAMPLE_MAX_ROWS = 10_000_000;
export const USAGE_SAMPLE_MAX_DAYS = 730;

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of a UTC date. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS));
}

/** ISO week bucket (Monday start), labelled by its Monday. */
export function weekStart(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(day, -((weekday + 6) % 7));
}

export function bucketOf(day: string, bucket: UsageBucket): string {
  if (bucket === 'day') return day;
  if (bucket === 'week') return weekStart(day);
  return day.slice(0, 7);
}

const monthIndex = (day: string) => {
  const [year, month] = day.split('-').map(Number) as [number, number];
  return year * 12 + month - 1;
};

/** How many buckets `bucketsBetween` lists, without listing them (a report refuses too many). */
export function bucketCount(from: string, to: string, bucket: UsageBucket): number {
  if (bucket === 'month') return Math.max(0, monthIndex(to) - monthIndex(from) + 1);
  const start = Date.parse(`${bucketOf(from, bucket)}T00:00:00Z`);
  return Math.max(0, Math.floor((Date.parse(`${to}T00:00:00Z`) - start) / (bucket === 'week' ? 7 * DAY_MS : DAY_MS)) + 1);
}

/**
 * Every bucket label from `from` to `to` inclusive, so charts show empty periods as zero. Steps by
 * time, not by comparing labels: past 9999-12-31 a day's label is `+010000-01`, which sorts before
 * `9999-…`, so the old string loop never ended.
 */
export function bucketsBetween(from: string, to: string, bucket: UsageBucket): string[] {
  const out: string[] = [];
  if (bucket === 'month') {
    for (let n = monthIndex(from); n <= monthIndex(to); n++) out.push(`${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`);
    return out;
  }
  const end = Date.parse(`${to}T00:00:00Z`);
  const step = bucket === 'week' ? 7 * DAY_MS : DAY_MS;
  for (let ms = Date.parse(`${bucketOf(from, bucket)}T00:00:00Z`); ms <= end; ms += step) out.push(utcDay(new Date(ms)));
  return out;
}

export const USAGE_RANGE_PRESETS = ['today', '7d', '30d', 'thisMonth', 'lastMonth', 'custom'] as const;
export type UsageRangePreset = (typeof USAGE_RANGE_PRESETS)[number];

/** Inclusive day range of a preset, relative to `today` (UTC). 'custom' keeps the given range. */
export function presetRange(preset: Exclude<UsageRangePreset, 'custom'>, today: string): { from: string; to: string } {
  switch (preset) {
    case 'today':
      return { from: today, to: today };
    case '7d':
      return { from: addDays(today, -6), to: today };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case 'thisMonth':
      return { from: `${today.slice(0, 7)}-01`, to: today };
    case 'lastMonth': {
      const lastOfPrevious = addDays(`${today.slice(0, 7)}-01`, -1);
      return { from: `${lastOfPrevious.slice(0, 7)}-01`, to: lastOfPrevious };
    }
  }
}

/** Micro-units (1e-6 of the currency) in the currency's usual precision, e.g. "USD 1,234.57", "JPY 1,235". */
export function formatMicros(micros: number, currency: string): string {
  return formatMoney(Math.round(micros / 10 ** (6 - currencyDecimals(currency))), currency);
}
