/**
 * Model routing rules shared by the core (enforcement on save) and the renderer (labels, the
 * simulate panel): route validation and the offline failover simulator. Pure: no I/O, no zod.
 *
 * A route is an alias callers use (`chat-default`) mapped to an ordered list of targets. A target
 * names a granted model or another alias of the same workspace (a nested route). How a request
 * picks among the targets is the strategy; which errors move on to the next target is `failoverOn`.
 */

export const ROUTING_STRATEGIES = [
  { id: 'priority', label: 'Priority / fallback' },
  { id: 'weighted', label: 'Weighted' },
  { id: 'lowest-latency', label: 'Lowest latency' },
  { id: 'least-busy', label: 'Least busy' },
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number]['id'];

/** Error classes a route can fail over on (the gateway maps upstream answers onto these). */
export const FAILOVER_ERRORS = [
  { id: 'rate-limit', label: '429 rate limited' },
  { id: 'server-error', label: '5xx / unreachable' },
  { id: 'timeout', label: 'Timeout' },
  { id: 'context-length', label: 'Context length exceeded' },
] as const;
export type FailoverError = (typeof FAILOVER_ERRORS)[number]['id'];

export const ROUTE_ALIAS_MAX = 64;
/** Lowercase like catalog ids, so an alias and a model id compare exactly. */
export const ROUTE_ALIAS_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
export const MAX_ROUTES_PER_WORKSPACE = 200;
export const MAX_TARGETS_PER_ROUTE = 20;
export const WEIGHT_MAX = 1000;
export const RETRIES_MAX = 10;
export const TIMEOUT_MS_MIN = 1_000;
export const TIMEOUT_MS_MAX = 600_000;
export const EXPECTED_RPM_MAX = 1_000_000;
/** How deep aliases may nest (a → b → c); deeper is refused like a loop, so resolution stays bounded. */
export const MAX_ALIAS_DEPTH = 4;

export interface RouteTarget {
  /** A model id or another alias of the workspace. */
  target: string;
  weight: number;
}

export interface Route {
  alias: string;
  strategy: RoutingStrategy;
  targets: RouteTarget[];
  /** Retries on the same target before failing over (429, 5xx, timeout only; never context length). */
  retries: number;
  timeoutMs: number;
  failoverOn: FailoverError[];
  /**
   * The peak requests/min the route is expected to carry (null: not stated). With it, a target
   * whose granted RPM limit is below it is "over its RPM limit": it cannot carry the route alone.
   */
  expectedRpm: number | null;
}

export const DEFAULT_ROUTE: Omit<Route, 'alias' | 'targets'> = {
  strategy: 'priority',
  retries: 1,
  timeoutMs: 30_000,
  failoverOn: ['rate-limit', 'server-error', 'timeout'],
  expectedRpm: null,
};

/** What validation knows about a model id: in the catalog, granted to the workspace, its limits. */
export interface ModelFacts {
  granted: boolean;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

export interface RoutingIssue {
  /** Dotted path into the route list, e.g. `routes.2.targets.0.target`. */
  path: string;
  message: string;
}

const aliasKey = (alias: string) => alias.trim();

/**
 * The models a target resolves to (depth-first through nested aliases, each model once, in order).
 * Stops at loops and at MAX_ALIAS_DEPTH; validation reports those separately.
 */
export function resolveModels(route: Route, routesByAlias: ReadonlyMap<string, Route>, depth = 0, seen: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  const nextSeen = new Set(seen).add(route.alias);
  for (const t of route.targets) {
    const nested = routesByAlias.get(t.target);
    if (!nested) {
      if (!out.includes(t.target)) out.push(t.target);
      continue;
    }
    if (nextSeen.has(nested.alias) || depth + 1 > MAX_ALIAS_DEPTH) continue;
    for (const m of resolveModels(nested, routesByAlias, depth + 1, nextSeen)) if (!out.includes(m)) out.push(m);
  }
  return out;
}

/** The alias chain of the first loop reachable from `start` (e.g. [a, b, a]), or null. */
export function findAliasLoop(start: string, routesByAlias: ReadonlyMap<string, Route>): string[] | null {
  const walk = (alias: string, path: string[]): string[] | null => {
    if (path.includes(alias)) return [...path.slice(path.indexOf(alias)), alias];
    const route = routesByAlias.get(alias);
    if (!route) return null;
    for (const t of route.targets) {
      if (!routesByAlias.has(t.target)) continue;
      const loop = walk(t.target, [...path, alias]);
      if (loop) return loop;
    }
    return null;
  };
  return walk(start, []);
}

function aliasDepth(alias: string, routesByAlias: ReadonlyMap<string, Route>, seen: Set<string> = new Set()): number {
  const route = routesByAlias.get(alias);
  if (!route || seen.has(alias)) return 0;
  seen.add(alias);
  let deepest = 0;
  for (const t of route.targets) if (routesByAlias.has(t.target)) deepest = Math.max(deepest, 1 + aliasDepth(t.target, routesByAlias, new Set(seen)));
  return deepest;
}

/**
 * Checks a workspace's whole route list. `models` holds the facts for every model id the routes
 * mention that exists in the catalog (absent = unknown model). Returns one issue per problem,
 * pointing at the field, in route order; an empty list means the routes can be saved.
 */
export function validateRoutes(routes: readonly Route[], models: ReadonlyMap<string, ModelFacts>): RoutingIssue[] {
  const issues: RoutingIssue[] = [];
  const firstIndex = new Map<string, number>();
  routes.forEach((r, i) => {
    const key = aliasKey(r.alias);
    if (!firstIndex.has(key)) firstIndex.set(key, i);
  });
  const routesByAlias = new Map<string, Route>();
  for (const r of routes) if (!routesByAlias.has(aliasKey(r.alias))) routesByAlias.set(aliasKey(r.alias), r);
  if (routes.length > MAX_ROUTES_PER_WORKSPACE) issues.push({ path: 'routes', message: `At most ${MAX_ROUTES_PER_WORKSPACE} routes per workspace` });

  routes.forEach((route, i) => {
    const at = `routes.${i}`;
    const alias = aliasKey(route.alias);
    if (alias.length === 0) issues.push({ path: `${at}.alias`, message: 'Alias is required' });
    else if (alias.length > ROUTE_ALIAS_MAX) issues.push({ path: `${at}.alias`, message: `Alias must be at most ${ROUTE_ALIAS_MAX} characters` });
    else if (!ROUTE_ALIAS_PATTERN.test(alias)) issues.push({ path: `${at}.alias`, message: 'Alias may use lowercase letters, digits and . _ - and must start with a letter or digit' });
    else if (firstIndex.get(alias) !== i) issues.push({ path: `${at}.alias`, message: `Alias ${alias} is already used by route ${firstIndex.get(alias)! + 1}` });
    else if (models.has(alias)) issues.push({ path: `${at}.alias`, message: `Alias ${alias} is a model ID; callers could not tell the route from the model` });

    if (route.targets.length === 0) issues.push({ path: `${at}.targets`, message: 'Add at least one target' });
    if (route.targets.length > MAX_TARGETS_PER_ROUTE) issues.push({ path: `${at}.targets`, message: `At most ${MAX_TARGETS_PER_ROUTE} targets per route` });
    const seenTargets = new Set<string>();
    route.targets.forEach((t, j) => {
      const tp = `${at}.targets.${j}`;
      if (!Number.isInteger(t.weight) || t.weight <= 0) issues.push({ path: `${tp}.weight`, message: 'Weight must be a whole number above 0' });
      else if (t.weight > WEIGHT_MAX) issues.push({ path: `${tp}.weight`, message: `Weight must be at most ${WEIGHT_MAX}` });
      if (seenTargets.has(t.target)) {
        issues.push({ path: `${tp}.target`, message: `${t.target} is listed twice in this route` });
        return;
      }
      seenTargets.add(t.target);
      if (t.target === alias) {
        issues.push({ path: `${tp}.target`, message: `Route ${alias} cannot target itself` });
        return;
      }
      if (routesByAlias.has(t.target)) return; // a nested alias: loops are checked below
      const facts = models.get(t.target);
      if (!facts) issues.push({ path: `${tp}.target`, message: `${t.target || '(empty)'} is neither a model in the catalog nor another route's alias` });
      else if (!facts.granted) issues.push({ path: `${tp}.target`, message: `${t.target} is not granted to this workspace; grant it under Model permission first` });
    });

    if (!Number.isInteger(route.retries) || route.retries < 0 || route.retries > RETRIES_MAX) {
      issues.push({ path: `${at}.retries`, message: `Retries must be a whole number from 0 to ${RETRIES_MAX}` });
    }
    if (!Number.isInteger(route.timeoutMs) || route.timeoutMs < TIMEOUT_MS_MIN || route.timeoutMs > TIMEOUT_MS_MAX) {
      issues.push({ path: `${at}.timeoutMs`, message: `Timeout must be from ${TIMEOUT_MS_MIN / 1000} s to ${TIMEOUT_MS_MAX / 1000} s` });
    }
    if (new Set(route.failoverOn).size !== route.failoverOn.length) issues.push({ path: `${at}.failoverOn`, message: 'Each error class once' });
    if (route.expectedRpm !== null && (!Number.isInteger(route.expectedRpm) || route.expectedRpm < 1 || route.expectedRpm > EXPECTED_RPM_MAX)) {
      issues.push({ path: `${at}.expectedRpm`, message: `Expected requests/min must be a whole number from 1 to ${EXPECTED_RPM_MAX.toLocaleString('en-US')}` });
    }
  });

  // Loops and depth, once per route that starts one (reported on the first target that leads into it).
  routes.forEach((route, i) => {
    const alias = aliasKey(route.alias);
    if (firstIndex.get(alias) !== i) return;
    const loop = findAliasLoop(alias, routesByAlias);
    if (loop && loop[0] === alias && loop.length > 2) {
      const j = route.targets.findIndex((t) => t.target === loop[1]);
      issues.push({ path: `routes.${i}.targets.${Math.max(j, 0)}.target`, message: `Fallback loop: ${loop.join(' → ')}` });
      return;
    }
    if (!loop && aliasDepth(alias, routesByAlias) > MAX_ALIAS_DEPTH) {
      issues.push({ path: `routes.${i}.targets`, message: `Routes nest more than ${MAX_ALIAS_DEPTH} aliases deep` });
    }
  });

  // Capacity: with an expected load, at least one model the route can reach must be able to carry it.
  routes.forEach((route, i) => {
    if (route.expectedRpm === null || firstIndex.get(aliasKey(route.alias)) !== i) return;
    const reachable = resolveModels(route, routesByAlias).filter((m) => models.get(m)?.granted);
    if (reachable.length === 0) return; // already reported as unknown / ungranted targets
    const overLimit = reachable.filter((m) => {
      const rpm = models.get(m)!.rpmLimit;
      return rpm !== null && rpm < route.expectedRpm!;
    });
    if (overLimit.length === reachable.length) {
      const limits = overLimit.map((m) => `${m} ${models.get(m)!.rpmLimit!.toLocaleString('en-US')}`).join(', ');
      issues.push({
        path: `routes.${i}.expectedRpm`,
        message: `Every target is over its RPM limit at ${route.expectedRpm.toLocaleString('en-US')} requests/min (${limits}); raise a limit or add a target that can carry the load`,
      });
    }
  });
  return issues;
}

/** Every model id and alias-like target a route list mentions (what the core looks up in the catalog). */
export function mentionedIds(routes: readonly Route[]): string[] {
  const ids = new Set<string>();
  for (const r of routes) {
    ids.add(aliasKey(r.alias));
    for (const t of r.targets) ids.add(t.target);
  }
  return [...ids];
}

// ---- Simulation -------------------------------------------------------------------------------

/** What a model does in a scenario. `down` = unreachable (connection refused), a server error class. */
export const SIMULATED_OUTCOMES = [
  { id: 'ok', label: 'Answers' },
  { id: 'rate-limited', label: '429 rate limited' },
  { id: 'server-error', label: '5xx error' },
  { id: 'down', label: 'Down (unreachable)' },
  { id: 'timeout', label: 'Times out' },
  { id: 'context-length', label: 'Context too long' },
] as const;
export type SimulatedOutcome = (typeof SIMULATED_OUTCOMES)[number]['id'];

export interface SimulationScenario {
  /** Outcome per model id; a model not listed answers (`ok`). */
  outcomes: Readonly<Record<string, SimulatedOutcome>>;
  /** Observed latency per model (ms), for `lowest-latency`; unlisted = unknown, tried last. */
  latencyMs?: Readonly<Record<string, number>>;
  /** Requests in flight per model, for `least-busy`; unlisted = 0. */
  inFlight?: Readonly<Record<string, number>>;
}

export interface SimulationAttempt {
  step: number;
  modelId: string;
  /** The aliases walked to reach this model, outermost first (just the route's alias when direct). */
  via: string[];
  /** 0 = first try, 1.. = retries on the same target. */
  retry: number;
  outcome: SimulatedOutcome;
  /** What the router does next. */
  next: 'served' | 'retry' | 'failover' | 'give-up';
  note: string;
}

export interface SimulationResult {
  alias: string;
  strategy: RoutingStrategy;
  servedBy: string | null;
  attempts: SimulationAttempt[];
  /** The order targets are tried in (model ids, nested aliases expanded). */
  order: string[];
  /** For `weighted`: each top-level target's share of first picks. */
  shares: { target: string; percent: number }[];
  /** The limits that apply to each model tried (null = gateway default). */
  limits: { modelId: string; rpmLimit: number | null; tpmLimit: number | null }[];
  summary: string;
}

const outcomeClass = (o: SimulatedOutcome): FailoverError | null =>
  o === 'ok' ? null : o === 'rate-limited' ? 'rate-limit' : o === 'server-error' || o === 'down' ? 'server-error' : o === 'timeout' ? 'timeout' : 'context-length';
/** Context length fails the same way on every retry: it is never retried, only failed over. */
const retryable = (o: SimulatedOutcome) => o !== 'ok' && o !== 'context-length';

/** The order a strategy tries a route's own targets in; ties keep the listed order. */
export function orderTargets(route: Route, scenario: SimulationScenario, routesByAlias: ReadonlyMap<string, Route>): RouteTarget[] {
  const indexed = route.targets.map((t, i) => ({ t, i }));
  const firstModel = (t: RouteTarget) => {
    const nested = routesByAlias.get(t.target);
    return nested ? (resolveModels(nested, routesByAlias)[0] ?? t.target) : t.target;
  };
  const by = (score: (t: RouteTarget) => number) => indexed.sort((a, b) => score(a.t) - score(b.t) || a.i - b.i).map((x) => x.t);
  switch (route.strategy) {
    case 'priority':
      return route.targets.slice();
    case 'weighted':
      return by((t) => -t.weight);
    case 'lowest-latency':
      return by((t) => scenario.latencyMs?.[firstModel(t)] ?? Number.MAX_SAFE_INTEGER);
    case 'least-busy':
      return by((t) => scenario.inFlight?.[firstModel(t)] ?? 0);
  }
}

/**
 * Runs one request through a route offline: which model serves, in which order the router tries
 * them, what each try answers and the limits that apply. Deterministic (weighted picks the
 * heaviest target first and reports the shares). Nested aliases are followed with their own
 * strategy, retries and failover rules; a loop or too-deep nesting is skipped with a note.
 */
export function simulateRoute(
  alias: string,
  routes: readonly Route[],
  scenario: SimulationScenario,
  limitsOf: (modelId: string) => { rpmLimit: number | null; tpmLimit: number | null },
): SimulationResult {
  const routesByAlias = new Map<string, Route>();
  for (const r of routes) if (!routesByAlias.has(r.alias)) routesByAlias.set(r.alias, r);
  const root = routesByAlias.get(alias);
  if (!root) throw new Error(`No route ${alias}`);
  const attempts: SimulationAttempt[] = [];
  const order: string[] = [];

  /** Returns the serving model, or the error class that ended this (sub-)route. */
  const run = (route: Route, via: string[]): { served: string | null; lastError: FailoverError | null; stopped: boolean } => {
    const targets = orderTargets(route, scenario, routesByAlias);
    let lastError: FailoverError | null = null;
    for (const [k, t] of targets.entries()) {
      const isLast = k === targets.length - 1;
      const nested = routesByAlias.get(t.target);
      if (nested) {
        if (via.includes(nested.alias) || via.length >= MAX_ALIAS_DEPTH + 1) {
          attempts.push({ step: attempts.length + 1, modelId: t.target, via, retry: 0, outcome: 'server-error', next: isLast ? 'give-up' : 'failover', note: `Skipped: ${t.target} would loop or nest too deep` });
          continue;
        }
        const sub = run(nested, [...via, nested.alias]);
        if (sub.served) return sub;
        if (sub.stopped && sub.lastError && !route.failoverOn.includes(sub.lastError)) return sub;
        lastError = sub.lastError;
        continue;
      }
      order.push(t.target);
      for (let retry = 0; retry <= route.retries; retry += 1) {
        const outcome = scenario.outcomes[t.target] ?? 'ok';
        const step = attempts.length + 1;
        if (outcome === 'ok') {
          attempts.push({ step, modelId: t.target, via, retry, outcome, next: 'served', note: `${t.target} answers` });
          return { served: t.target, lastError: null, stopped: false };
        }
        const cls = outcomeClass(outcome)!;
        lastError = cls;
        if (retryable(outcome) && retry < route.retries) {
          attempts.push({ step, modelId: t.target, via, retry, outcome, next: 'retry', note: `Retry ${retry + 1} of ${route.retries} on ${t.target}` });
          continue;
        }
        if (!route.failoverOn.includes(cls)) {
          attempts.push({ step, modelId: t.target, via, retry, outcome, next: 'give-up', note: `${route.alias} does not fail over on ${cls}; the caller gets the error` });
          return { served: null, lastError: cls, stopped: true };
        }
        attempts.push({
          step,
          modelId: t.target,
          via,
          retry,
          outcome,
          next: isLast ? 'give-up' : 'failover',
          note: isLast ? `No target left in ${route.alias}` : `Fail over from ${t.target} (${cls})`,
        });
        break;
      }
    }
    return { served: null, lastError, stopped: false };
  };

  const result = run(root, [root.alias]);
  const totalWeight = root.targets.reduce((n, t) => n + Math.max(0, t.weight), 0);
  const shares =
    root.strategy === 'weighted' && totalWeight > 0
      ? root.targets.map((t) => ({ target: t.target, percent: Math.round((Math.max(0, t.weight) / totalWeight) * 1000) / 10 }))
      : [];
  const tried = [...new Set(attempts.filter((a) => routesByAlias.get(a.modelId) === undefined).map((a) => a.modelId))];
  const last = attempts.at(-1);
  const summary = result.served
    ? `${result.served} serves the request after ${attempts.length} ${attempts.length === 1 ? 'try' : 'tries'}`
    : `No model serves the request: ${last ? last.note : 'the route has no targets'}`;
  return {
    alias,
    strategy: root.strategy,
    servedBy: result.served,
    attempts,
    order,
    shares,
    limits: tried.map((modelId) => ({ modelId, ...limitsOf(modelId) })),
    summary,
  };
}

export function routingStrategyLabel(id: string): string {
  return ROUTING_STRATEGIES.find((s) => s.id === id)?.label ?? id;
}
