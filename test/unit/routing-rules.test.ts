import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTE, MAX_ALIAS_DEPTH, findAliasLoop, simulateRoute, validateRoutes, type ModelFacts, type Route } from '../../shared/domain/routing-rules';

const granted = (rpmLimit: number | null = null): ModelFacts => ({ granted: true, rpmLimit, tpmLimit: null });
const models = new Map<string, ModelFacts>([
  ['gpt-4o', granted(600)],
  ['gpt-4o-mini', granted(null)],
  ['claude-sonnet', granted(100)],
  ['not-granted', { granted: false, rpmLimit: null, tpmLimit: null }],
]);
const route = (alias: string, targets: string[], extra: Partial<Route> = {}): Route => ({
  ...DEFAULT_ROUTE,
  alias,
  targets: targets.map((target) => ({ target, weight: 1 })),
  ...extra,
});
const paths = (routes: Route[], facts = models) => validateRoutes(routes, facts).map((i) => i.path);
const messages = (routes: Route[], facts = models) => validateRoutes(routes, facts).map((i) => i.message);

describe('validateRoutes', () => {
  it('accepts granted targets and nested aliases', () => {
    expect(validateRoutes([route('chat', ['gpt-4o', 'fast']), route('fast', ['gpt-4o-mini'])], models)).toEqual([]);
  });

  it('points at the field: unknown and ungranted targets, duplicate alias, alias equal to a model id, non-positive weights', () => {
    expect(paths([route('chat', ['nope'])])).toEqual(['routes.0.targets.0.target']);
    expect(messages([route('chat', ['nope'])])[0]).toMatch(/neither a model in the catalog nor another route/);
    expect(messages([route('chat', ['not-granted'])])[0]).toMatch(/not granted to this workspace/);
    expect(paths([route('chat', ['gpt-4o']), route('chat', ['gpt-4o-mini'])])).toEqual(['routes.1.alias']);
    expect(messages([route('gpt-4o', ['gpt-4o-mini'])])[0]).toMatch(/is a model ID/);
    const weights = route('chat', ['gpt-4o', 'gpt-4o-mini'], { strategy: 'weighted' });
    weights.targets[0]!.weight = 0;
    weights.targets[1]!.weight = -3;
    expect(paths([weights])).toEqual(['routes.0.targets.0.weight', 'routes.0.targets.1.weight']);
    expect(paths([route('chat', [])])).toEqual(['routes.0.targets']);
    expect(paths([route('Chat Bot', ['gpt-4o'])])).toEqual(['routes.0.alias']);
    expect(paths([route('chat', ['gpt-4o', 'gpt-4o'])])).toEqual(['routes.0.targets.1.target']);
    expect(paths([route('chat', ['gpt-4o'], { retries: 11, timeoutMs: 10 })])).toEqual(['routes.0.retries', 'routes.0.timeoutMs']);
  });

  it('finds fallback loops through other aliases, and self-targets', () => {
    const loop = [route('a', ['b']), route('b', ['c']), route('c', ['a', 'gpt-4o'])];
    const issues = validateRoutes(loop, models);
    expect(issues.map((i) => i.message)).toEqual(['Fallback loop: a → b → c → a', 'Fallback loop: b → c → a → b', 'Fallback loop: c → a → b → c']);
    expect(findAliasLoop('a', new Map(loop.map((r) => [r.alias, r])))).toEqual(['a', 'b', 'c', 'a']);
    expect(messages([route('self', ['self'])])).toEqual(['Route self cannot target itself']);
  });

  it('refuses nesting deeper than the limit', () => {
    const chain = Array.from({ length: MAX_ALIAS_DEPTH + 2 }, (_, i) => route(`r${i}`, [i === MAX_ALIAS_DEPTH + 1 ? 'gpt-4o' : `r${i + 1}`]));
    expect(messages(chain)[0]).toMatch(/nest more than/);
  });

  it('RPM capacity: refused when every reachable model has a limit below the expected load', () => {
    // gpt-4o allows 600, claude-sonnet 100: at 700 RPM neither can carry the route alone.
    expect(messages([route('chat', ['gpt-4o', 'claude-sonnet'], { expectedRpm: 700 })])[0]).toMatch(/Every target is over its RPM limit at 700 .*gpt-4o 600, claude-sonnet 100/);
    expect(paths([route('chat', ['gpt-4o', 'claude-sonnet'], { expectedRpm: 600 })])).toEqual([]); // gpt-4o can
    expect(paths([route('chat', ['claude-sonnet', 'gpt-4o-mini'], { expectedRpm: 10_000 })])).toEqual([]); // no limit = gateway default
    // Through a nested alias too.
    expect(paths([route('chat', ['claude-sonnet', 'inner'], { expectedRpm: 700 }), route('inner', ['gpt-4o'])])).toEqual(['routes.0.expectedRpm']);
  });

  it('property: a route list that passes has unique valid aliases, only granted or alias targets, positive weights and no loop', () => {
    const ids = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'not-granted', 'nope', 'a', 'b', 'c'];
    const arbRoute = fc.record({
      alias: fc.constantFrom<string>('a', 'b', 'c', 'gpt-4o', 'A', ''),
      strategy: fc.constantFrom('priority', 'weighted', 'lowest-latency', 'least-busy') as fc.Arbitrary<Route['strategy']>,
      targets: fc.array(fc.record({ target: fc.constantFrom(...ids), weight: fc.integer({ min: -2, max: 5 }) }), { maxLength: 4 }),
      retries: fc.integer({ min: -1, max: 11 }),
      timeoutMs: fc.constantFrom(500, 1000, 30_000, 700_000),
      failoverOn: fc.subarray(['rate-limit', 'server-error', 'timeout', 'context-length'] as const).map((l) => [...l]),
      expectedRpm: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(arbRoute, { maxLength: 4 }), (routes) => {
        const issues = validateRoutes(routes, models);
        if (issues.length > 0) return;
        const aliases = routes.map((r) => r.alias);
        expect(new Set(aliases).size).toBe(aliases.length);
        const byAlias = new Map<string, Route>(routes.map((r) => [r.alias, r]));
        for (const r of routes) {
          expect(models.has(r.alias)).toBe(false);
          expect(r.targets.length).toBeGreaterThan(0);
          for (const t of r.targets) {
            expect(t.weight).toBeGreaterThan(0);
            expect(byAlias.has(t.target) || models.get(t.target)?.granted === true).toBe(true);
          }
          expect(findAliasLoop(r.alias, byAlias)).toBeNull();
          // Every valid route can be simulated, and with every model answering, its first pick serves.
          const sim = simulateRoute(r.alias, routes, { outcomes: {} }, () => ({ rpmLimit: null, tpmLimit: null }));
          expect(sim.servedBy).not.toBeNull();
          expect(sim.attempts).toHaveLength(1);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('simulateRoute', () => {
  const limits = (modelId: string) => ({ rpmLimit: models.get(modelId)?.rpmLimit ?? null, tpmLimit: null });

  it('first target 429, second down: retries then fails over, the third serves, with the limits that apply', () => {
    const routes = [route('chat', ['gpt-4o', 'claude-sonnet', 'gpt-4o-mini'], { retries: 1 })];
    const sim = simulateRoute('chat', routes, { outcomes: { 'gpt-4o': 'rate-limited', 'claude-sonnet': 'down' } }, limits);
    expect(sim.servedBy).toBe('gpt-4o-mini');
    expect(sim.attempts.map((a) => `${a.modelId}#${a.retry}:${a.outcome}:${a.next}`)).toEqual([
      'gpt-4o#0:rate-limited:retry',
      'gpt-4o#1:rate-limited:failover',
      'claude-sonnet#0:down:retry',
      'claude-sonnet#1:down:failover',
      'gpt-4o-mini#0:ok:served',
    ]);
    expect(sim.order).toEqual(['gpt-4o', 'claude-sonnet', 'gpt-4o-mini']);
    expect(sim.limits).toEqual([
      { modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: null },
      { modelId: 'claude-sonnet', rpmLimit: 100, tpmLimit: null },
      { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null },
    ]);
  });

  it('stops when the error class is not a failover class; context length is never retried', () => {
    const noTimeout = [route('chat', ['gpt-4o', 'gpt-4o-mini'], { failoverOn: ['rate-limit'], retries: 2 })];
    const sim = simulateRoute('chat', noTimeout, { outcomes: { 'gpt-4o': 'timeout' } }, limits);
    expect(sim.servedBy).toBeNull();
    expect(sim.attempts.map((a) => a.next)).toEqual(['retry', 'retry', 'give-up']);
    const ctx = simulateRoute('chat', [route('chat', ['gpt-4o', 'gpt-4o-mini'], { failoverOn: ['context-length'], retries: 3 })], { outcomes: { 'gpt-4o': 'context-length' } }, limits);
    expect(ctx.attempts.map((a) => `${a.modelId}:${a.next}`)).toEqual(['gpt-4o:failover', 'gpt-4o-mini:served']);
  });

  it('orders by strategy: weighted by weight (with shares), lowest latency, least busy', () => {
    const weighted = route('w', ['gpt-4o', 'gpt-4o-mini'], { strategy: 'weighted' });
    weighted.targets[0]!.weight = 1;
    weighted.targets[1]!.weight = 3;
    const w = simulateRoute('w', [weighted], { outcomes: {} }, limits);
    expect(w.servedBy).toBe('gpt-4o-mini');
    expect(w.shares).toEqual([{ target: 'gpt-4o', percent: 25 }, { target: 'gpt-4o-mini', percent: 75 }]);
    const fast = simulateRoute('l', [route('l', ['gpt-4o', 'gpt-4o-mini'], { strategy: 'lowest-latency' })], { outcomes: {}, latencyMs: { 'gpt-4o': 900, 'gpt-4o-mini': 200 } }, limits);
    expect(fast.servedBy).toBe('gpt-4o-mini');
    const idle = simulateRoute('b', [route('b', ['gpt-4o', 'gpt-4o-mini'], { strategy: 'least-busy' })], { outcomes: {}, inFlight: { 'gpt-4o': 0, 'gpt-4o-mini': 7 } }, limits);
    expect(idle.servedBy).toBe('gpt-4o');
  });

  it('follows nested aliases and reports the alias chain', () => {
    const routes = [route('chat', ['inner', 'gpt-4o-mini'], { retries: 0 }), route('inner', ['gpt-4o', 'claude-sonnet'], { retries: 0 })];
    const sim = simulateRoute('chat', routes, { outcomes: { 'gpt-4o': 'server-error', 'claude-sonnet': 'server-error' } }, limits);
    expect(sim.servedBy).toBe('gpt-4o-mini');
    expect(sim.attempts.map((a) => `${a.via.join('>')}:${a.modelId}`)).toEqual(['chat>inner:gpt-4o', 'chat>inner:claude-sonnet', 'chat:gpt-4o-mini']);
  });
});
