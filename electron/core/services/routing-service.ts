import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { RouteInput } from '../../../shared/contract/routing-schemas';
import { mentionedIds, simulateRoute, validateRoutes, type ModelFacts, type Route } from '../../../shared/domain/routing-rules';
import type { ModelRepository } from '../store/model-repository';
import { routeToWire, type RoutingRepository } from '../store/routing-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';

const sameRoute = (a: Route, b: Route) => JSON.stringify(routeToWire(a)) === JSON.stringify(routeToWire(b));

/** How a route reads in the audit log: one line, no secret (routes hold none). */
const describe = (r: Route) =>
  `${r.strategy}: ${r.targets.map((t) => (r.strategy === 'weighted' ? `${t.target} ×${t.weight}` : t.target)).join(' → ')}; retries ${r.retries}, timeout ${r.timeoutMs / 1000} s, fail over on ${r.failoverOn.join(', ') || 'nothing'}${r.expectedRpm === null ? '' : `, expected ${r.expectedRpm} RPM`}`;

const toRoute = (r: RouteInput): Route => ({
  alias: r.alias.trim(),
  strategy: r.strategy,
  targets: r.targets.map((t) => ({ target: t.target.trim(), weight: t.weight })),
  retries: r.retries,
  timeoutMs: r.timeoutMs,
  failoverOn: [...r.failoverOn],
  expectedRpm: r.expectedRpm,
});

/** Model routing per workspace: the whole route list saves at once, checked by shared/domain/routing-rules. */
export function createRoutingService(ctx: ServiceContext, routing: RoutingRepository, models: ModelRepository, workspaces: WorkspaceRepository) {
  const requireWorkspace = (id: string) => {
    const ws = workspaces.get(id);
    if (!ws) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${id} does not exist`);
    return ws;
  };

  /** Catalog facts for every id the routes mention: granted (the default workspace has every model) and its limits. */
  const factsFor = (workspaceId: string, isDefault: boolean, routes: readonly Route[]): Map<string, ModelFacts> => {
    const catalog = models.getMany(mentionedIds(routes));
    const grants = new Map(isDefault ? [] : models.grantsOf(workspaceId).map((g) => [g.modelId, g]));
    const facts = new Map<string, ModelFacts>();
    for (const id of catalog.keys()) {
      const grant = grants.get(id);
      facts.set(id, { granted: isDefault || grant !== undefined, rpmLimit: grant?.rpmLimit ?? null, tpmLimit: grant?.tpmLimit ?? null });
    }
    return facts;
  };

  const check = (workspaceId: string, routes: readonly Route[]) => {
    const ws = requireWorkspace(workspaceId);
    return { ws, issues: validateRoutes(routes, factsFor(workspaceId, ws.isDefault, routes)) };
  };

  const listOf = (workspaceId: string) => {
    requireWorkspace(workspaceId);
    return { workspaceId, routes: routing.routesOf(workspaceId), version: routing.version(workspaceId) };
  };

  return {
    list: (workspaceId: string) => listOf(workspaceId),

    /** Validates a draft without saving: the same issues `save` would refuse with. */
    check(input: ParsedInput<'routes:check'>) {
      return { issues: check(input.workspaceId, input.routes.map(toRoute)).issues };
    },

    /** Replaces the workspace's route list in one transaction with one audit and one change-log entry. */
    save(input: ParsedInput<'routes:save'>) {
      return ctx.write(() => {
        const at = ctx.now().toISOString();
        const wanted = input.routes.map(toRoute);
        const { issues } = check(input.workspaceId, wanted);
        const version = routing.version(input.workspaceId);
        if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
          throw new AppError('E_CONFLICT', 'Someone else changed this workspace’s routes; reload to see their changes');
        }
        if (issues.length > 0) throw new AppError('E_VALIDATION', issues.length === 1 ? issues[0]!.message : `${issues.length} problems with these routes: ${issues[0]!.message}, …`, issues);
        const current = new Map(routing.routesOf(input.workspaceId).map((r) => [r.alias, r]));
        const next = new Map(wanted.map((r) => [r.alias, r]));
        const before: Record<string, string> = {};
        const after: Record<string, string> = {};
        const summary = { added: 0, removed: 0, changed: 0 };
        for (const [alias, existing] of current) {
          if (next.has(alias)) continue;
          routing.remove(input.workspaceId, alias);
          before[alias] = describe(existing);
          summary.removed += 1;
        }
        for (const [alias, r] of next) {
          const existing = current.get(alias);
          if (!existing) {
            routing.insert(input.workspaceId, r, at);
            summary.added += 1;
          } else if (!sameRoute(existing, r)) {
            routing.update(input.workspaceId, r, at);
            before[alias] = describe(existing);
            summary.changed += 1;
          } else continue;
          after[alias] = describe(r);
        }
        if (summary.added + summary.removed + summary.changed > 0) {
          routing.bumpVersion(input.workspaceId, at);
          const afterVersion = routing.version(input.workspaceId);
          ctx.record({
            at,
            actor: ctx.actor(),
            action: 'routes.save',
            entityType: 'workspace_routes',
            entityId: input.workspaceId,
            workspaceId: input.workspaceId,
            before: { version, ...before },
            after: { version: afterVersion, ...after },
            change: {
              op: version === 0 ? 'create' : 'update',
              payload: { workspaceId: input.workspaceId, version: afterVersion, routes: routing.routesOf(input.workspaceId) },
              baseVersion: version === 0 ? null : version,
            },
          });
        }
        return { ...listOf(input.workspaceId), summary };
      });
    },

    /** Offline: which model would serve one request through `alias` in the scenario, and why. */
    simulate(input: ParsedInput<'routes:simulate'>) {
      const ws = requireWorkspace(input.workspaceId);
      const routes = input.routes ? input.routes.map(toRoute) : routing.routesOf(input.workspaceId);
      if (input.routes) {
        const { issues } = check(input.workspaceId, routes);
        if (issues.length > 0) throw new AppError('E_VALIDATION', `Fix the routes before simulating: ${issues[0]!.message}`, issues);
      }
      if (!routes.some((r) => r.alias === input.alias)) throw AppError.field('E_NOT_FOUND', 'alias', `Workspace ${ws.name} has no route ${input.alias}`);
      const grants = new Map(ws.isDefault ? [] : models.grantsOf(input.workspaceId).map((g) => [g.modelId, g]));
      const scenario = {
        outcomes: input.scenario.outcomes,
        ...(input.scenario.latencyMs ? { latencyMs: input.scenario.latencyMs } : {}),
        ...(input.scenario.inFlight ? { inFlight: input.scenario.inFlight } : {}),
      };
      return simulateRoute(input.alias, routes, scenario, (modelId) => {
        const g = grants.get(modelId);
        return { rpmLimit: g?.rpmLimit ?? null, tpmLimit: g?.tpmLimit ?? null };
      });
    },

    /** The configuration as a JSON document (read-only; routes hold no secret). */
    export(workspaceId: string) {
      const ws = requireWorkspace(workspaceId);
      return {
        format: 'gatehouse-routes/1' as const,
        exportedAt: ctx.now().toISOString(),
        workspaceId,
        workspaceName: ws.name,
        version: routing.version(workspaceId),
        routes: routing.routesOf(workspaceId),
      };
    },

    /** For the grant editor: the aliases of routes that target `modelId` in this workspace. */
    routesUsingModel: (workspaceId: string, modelId: string) => routing.routesUsingModel(workspaceId, modelId),
  };
}
export type RoutingService = ReturnType<typeof createRoutingService>;
