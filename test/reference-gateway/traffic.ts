import crypto from 'node:crypto';
import type { ResourceRow, GatewayStore } from './store';

// Usage the reference gateway "serves": simulated traffic for the keys it knows, and the usage
// record of a data-plane call. Costs come from a small price table (USD per million tokens), so
// cost_micros = tokens × price exactly.

const PRICES: { match: RegExp; input: number; output: number }[] = [
  { match: /gpt-4o-mini|gpt-4\.1-mini|flash/i, input: 0.15, output: 0.6 },
  { match: /haiku/i, input: 0.8, output: 4 },
  { match: /gpt-4o|gpt-4\.1|gpt-5/i, input: 2.5, output: 10 },
  { match: /opus/i, input: 15, output: 75 },
  { match: /claude|sonnet/i, input: 3, output: 15 },
];

export function costMicros(modelId: string, inputTokens: number, outputTokens: number): number {
  const price = PRICES.find((p) => p.match.test(modelId)) ?? { input: 1, output: 3 };
  return Math.round(inputTokens * price.input + outputTokens * price.output);
}

export interface SimulateTrafficOptions {
  /** Seed for the values (not the ids): the same seed gives the same keys, models and token counts. */
  seed?: number;
  /** Share of records that arrive late, with an `occurred_at` 1–12 h in the past (default 0.2). */
  lateFraction?: number;
}

/** mulberry32: small, fast, good enough for test traffic. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function grantedModels(store: GatewayStore, workspaceId: string): string[] {
  const grants = store.get('model_grants', '', workspaceId)?.data.grants as Record<string, unknown> | undefined;
  return grants ? Object.keys(grants).sort() : [];
}

/** Inserts up to `n` usage records for active keys whose workspace grants at least one model; returns how many. */
export function simulateTraffic(store: GatewayStore, now: Date, n: number, options: SimulateTrafficOptions = {}): number {
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const lateFraction = options.lateFraction ?? 0.2;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

  const keys = store
    .ofType('api_key')
    .filter((key) => key.data.status === 'active')
    .map((key) => ({ key, models: grantedModels(store, key.parent_id!) }))
    .filter((entry) => entry.models.length > 0);
  if (keys.length === 0 || n <= 0) return 0;

  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const { key, models } = pick(keys);
      const modelId = pick(models);
      const requests = between(1, 20);
      const input = requests * between(40, 4000);
      const output = requests * between(10, 1200);
      const cached = random() < 0.3 ? Math.floor(input * random() * 0.5) : 0;
      const late = random() < lateFraction;
      const ageMs = late ? between(1, 12) * 3_600_000 + between(0, 3_599_999) : between(0, 60_000);
      store.insertUsage(usageRecord(key, modelId, new Date(now.getTime() - ageMs), { requests, input, output, cached }));
    }
  });
  return n;
}

export function usageRecord(
  key: ResourceRow,
  modelId: string,
  occurredAt: Date,
  tokens: { requests: number; input: number; output: number; cached: number },
) {
  return {
    id: `usage-${crypto.randomUUID()}`,
    occurred_at: occurredAt.toISOString(),
    workspace_id: key.parent_id!,
    key_id: key.id,
    model_id: modelId,
    requests: tokens.requests,
    input_tokens: tokens.input,
    output_tokens: tokens.output,
    cached_tokens: tokens.cached,
    cost_micros: costMicros(modelId, tokens.input, tokens.output),
    currency: 'USD',
  };
}
