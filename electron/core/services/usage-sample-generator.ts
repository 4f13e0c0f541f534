import { addDays } from '../../../shared/domain/usage-rules';
import type { UsageRecord } from '../store/usage-repository';

export interface SampleWorkspace {
  id: string;
  currency: string;
  monthlyBudgetMinor: number;
  /** Key IDs usage is attributed to; empty → records without a key. */
  keyIds: string[];
}

export interface SampleModel {
  id: string;
  /** USD per million tokens. */
  inputPricePerMTokUsd: number;
  outputPricePerMTokUsd: number;
}

export interface SamplePlan {
  workspaces: SampleWorkspace[];
  models: SampleModel[];
  days: number;
  rows: number;
  seed: number;
  /** Last day of the range (UTC 'YYYY-MM-DD'); the range is the `days` days ending here. */
  lastDay: string;
}

/**
 * Generation chunks: each chunk is generated, then written in one IMMEDIATE transaction (records +
 * rollup), and the job yields between chunks. The size adapts so a whole chunk (generate + write)
 * takes about `targetMs`, because a fixed size cannot hold the ~100 ms bound everywhere: on a
 * 2-core box running other test suites (load 5–6× its cores), 10,000 records took a median 270 ms
 * to write plus 100 ms to generate; with this rule the same box settled at ~1,300-record chunks of
 * 51 ms (write median 38 ms, p95 105 ms). Per-record cost is constant, so faster boxes grow the
 * chunks up to `max` (fewer rollup upserts per record).
 */
export const SAMPLE_CHUNK = { first: 5_000, min: 500, max: 20_000, targetMs: 50 } as const;

/** The next chunk size after one of `size` records took `tookMs` (at most ×2 or ÷2 per step). */
export function nextSampleChunkSize(size: number, tookMs: number): number {
  const scaled = tookMs > 0 ? (size * SAMPLE_CHUNK.targetMs) / tookMs : size * 2;
  const stepped = Math.min(size * 2, Math.max(size / 2, scaled));
  return Math.round(Math.min(SAMPLE_CHUNK.max, Math.max(SAMPLE_CHUNK.min, stepped)));
}

/** Up to `count` next items of `source` (fewer at its end), for chunked writes of a stream. */
export function takeRecords<T>(source: Iterator<T>, count: number): T[] {
  const chunk: T[] = [];
  while (chunk.length < count) {
    const next = source.next();
    if (next.done === true) break;
    chunk.push(next.value);
  }
  return chunk;
}

/** Used when the catalog has no priced text model (e.g. a trimmed catalog). */
export const FALLBACK_SAMPLE_MODEL: SampleModel = { id: 'sample-model', inputPricePerMTokUsd: 1, outputPricePerMTokUsd: 4 };

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same sample everywhere. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CACHED_PRICE_FACTOR = 0.1; // cached input tokens are billed at a tenth of the input price
const MEAN_REQUESTS = 6;
const MEAN_INPUT_PER_REQUEST = 1800;
const MEAN_OUTPUT_PER_REQUEST = 450;
/** Budgeted USD workspaces, heaviest first, are steered to spend these fractions of their monthly budget. */
const BUDGET_TARGETS = [1.3, 0.9, 0.55];

interface WorkspaceProfile {
  workspace: SampleWorkspace;
  share: number;
  models: SampleModel[];
  /** Total volume multiplier (requests × tokens per request) and the part of it carried by requests. */
  volumeScale: number;
  requestScale: number;
}

function pickDistinct<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return out;
}

/** A few heavy workspaces (Zipf-like shares), 2–5 models each, token volume steered towards budgets. */
function profiles(plan: SamplePlan, random: () => number): WorkspaceProfile[] {
  const order = pickDistinct(plan.workspaces, plan.workspaces.length, random);
  const weights = order.map((_w, i) => 1 / (i + 1) ** 1.3);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const models = plan.models.length ? plan.models : [FALLBACK_SAMPLE_MODEL];
  let budgeted = 0;
  return order.map((workspace, i) => {
    const share = weights[i]! / weightSum;
    const chosen = pickDistinct(models, 2 + Math.floor(random() * 4), random);
    let volumeScale = 1;
    if (workspace.currency === 'USD' && workspace.monthlyBudgetMinor > 0 && budgeted < BUDGET_TARGETS.length) {
      const avgIn = chosen.reduce((a, m) => a + m.inputPricePerMTokUsd, 0) / chosen.length;
      const avgOut = chosen.reduce((a, m) => a + m.outputPricePerMTokUsd, 0) / chosen.length;
      const costPerRecordMicros = MEAN_REQUESTS * (MEAN_INPUT_PER_REQUEST * avgIn * 0.8 + MEAN_OUTPUT_PER_REQUEST * avgOut);
      const recordsPerMonth = (plan.rows * share * 30) / plan.days;
      const expectedMonthMicros = costPerRecordMicros * recordsPerMonth;
      const targetMicros = workspace.monthlyBudgetMinor * 10_000 * BUDGET_TARGETS[budgeted]!;
      if (expectedMonthMicros > 0) volumeScale = Math.min(1000, Math.max(0.001, targetMicros / expectedMonthMicros));
      budgeted += 1;
    }
    return { workspace, share, models: chosen, volumeScale, requestScale: Math.sqrt(volumeScale) };
  });
}

/** Weekdays are busier than weekends, and usage grows over the range. */
function dayWeights(days: number, firstDay: string): number[] {
  const firstWeekday = new Date(`${firstDay}T00:00:00Z`).getUTCDay();
  return Array.from({ length: days }, (_x, i) => {
    const weekday = (firstWeekday + i) % 7;
    const weekend = weekday === 0 || weekday === 6;
    return (weekend ? 0.35 : 1) * (1 + (0.6 * i) / Math.max(1, days - 1));
  });
}

/** Splits `total` into integer parts proportional to `weights` that add up exactly. */
function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0]);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left -= 1) parts[byRemainder[k]![1]]! += 1;
  return parts;
}

/** Picks an index by cumulative weight. */
function pickIndex(cumulative: number[], random: () => number): number {
  const target = random() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Yields exactly `plan.rows` realistic records in time order (streamed: 10M rows never sit in
 * memory). Deterministic for a plan: IDs are `smp-<seed>-<day>-<n>`, so generating the same plan
 * again produces the same IDs and inserts nothing new.
 */
export function* generateSampleRecords(plan: SamplePlan): Generator<UsageRecord> {
  const random = seededRandom(plan.seed);
  if (plan.workspaces.length === 0) return;
  const firstDay = addDays(plan.lastDay, -(plan.days - 1));
  const workspaceProfiles = profiles(plan, random);
  const cumulative: number[] = [];
  workspaceProfiles.reduce((acc, p) => (cumulative.push(acc + p.share), acc + p.share), 0);
  const perDay = apportion(plan.rows, dayWeights(plan.days, firstDay));
  const seedTag = plan.seed.toString(36);

  for (let d = 0; d < plan.days; d += 1) {
    const day = addDays(firstDay, d);
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    const count = perDay[d]!;
    const compactDay = day.replaceAll('-', '');
    for (let n = 0; n < count; n += 1) {
      const profile = workspaceProfiles[pickIndex(cumulative, random)]!;
      const model = profile.models[Math.floor(random() * profile.models.length)]!;
      const keyIds = profile.workspace.keyIds;
      const keyId = keyIds.length ? keyIds[Math.floor(random() * keyIds.length)]! : null;
      // Spread through the day in order, with jitter inside each slot.
      const offsetMs = Math.floor(((n + random()) / count) * 86_400_000);
      // Budget steering is split between more requests and longer prompts, so neither looks absurd.
      const requests = Math.max(1, Math.round((1 + -Math.log(1 - random()) * (MEAN_REQUESTS - 1)) * profile.requestScale));
      const scale = (profile.volumeScale / profile.requestScale) * (0.4 + 1.2 * random());
      const inputTokens = Math.round(requests * MEAN_INPUT_PER_REQUEST * scale);
      const outputTokens = Math.round(requests * MEAN_OUTPUT_PER_REQUEST * scale * (0.5 + random()));
      const cachedTokens = Math.floor(inputTokens * random() * 0.4);
      // Price per million tokens in USD is exactly micro-USD per token.
      const costMicros = Math.round(
        (inputTokens - cachedTokens) * model.inputPricePerMTokUsd +
          cachedTokens * model.inputPricePerMTokUsd * CACHED_PRICE_FACTOR +
          outputTokens * model.outputPricePerMTokUsd,
      );
      yield {
        id: `smp-${seedTag}-${compactDay}-${String(n).padStart(7, '0')}`,
        at: new Date(dayStart + offsetMs).toISOString(),
        workspaceId: profile.workspace.id,
        keyId,
        modelId: model.id,
        requests,
        inputTokens,
        outputTokens,
        cachedTokens,
        costMicros,
        currency: 'USD',
      };
    }
  }
}
