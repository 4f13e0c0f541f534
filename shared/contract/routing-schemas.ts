import { z } from 'zod';
import {
  FAILOVER_ERRORS,
  MAX_ROUTES_PER_WORKSPACE,
  MAX_TARGETS_PER_ROUTE,
  ROUTE_ALIAS_MAX,
  ROUTING_STRATEGIES,
  SIMULATED_OUTCOMES,
} from '../domain/routing-rules';
import type { ChannelDefinition } from './channel-definition';
import type { RoutingChannelName } from './routing-channels';
import { workspaceIdSchema } from './workspace-schemas';

const ids = <T extends readonly { id: string }[]>(list: T) => list.map((entry) => entry.id) as unknown as [T[number]['id'], ...T[number]['id'][]];
export const routingStrategySchema = z.enum(ids(ROUTING_STRATEGIES));
export const failoverErrorSchema = z.enum(ids(FAILOVER_ERRORS));
export const simulatedOutcomeSchema = z.enum(ids(SIMULATED_OUTCOMES));

/**
 * A route as callers send it. Shape only (bounded sizes, whole numbers): the rules (granted targets,
 * positive weights, unique aliases, loops, RPM capacity) are shared/domain/routing-rules'
 * `validateRoutes`, so `routes:check` on a draft and `routes:save` report the same field issues.
 */
export const routeInputSchema = z.strictObject({
  alias: z.string().trim().max(ROUTE_ALIAS_MAX * 2),
  strategy: routingStrategySchema,
  targets: z.array(z.strictObject({ target: z.string().trim().max(200), weight: z.int().min(-1_000_000).max(1_000_000) })).max(MAX_TARGETS_PER_ROUTE * 2),
  retries: z.int().min(-1000).max(1000),
  timeoutMs: z.int().min(0).max(100_000_000),
  failoverOn: z.array(failoverErrorSchema).max(FAILOVER_ERRORS.length * 2),
  expectedRpm: z.int().min(-1_000_000).max(100_000_000).nullable(),
});
export type RouteInput = z.infer<typeof routeInputSchema>;

export const routeSchema = z.strictObject({
  alias: z.string(),
  strategy: routingStrategySchema,
  targets: z.array(z.strictObject({ target: z.string(), weight: z.int() })),
  retries: z.int(),
  timeoutMs: z.int(),
  failoverOn: z.array(failoverErrorSchema),
  expectedRpm: z.int().nullable(),
});

const routeList = z.array(routeInputSchema).max(MAX_ROUTES_PER_WORKSPACE * 2);

export const routeListInput = z.strictObject({ workspaceId: workspaceIdSchema });
export const routeListOutput = z.strictObject({
  workspaceId: z.string(),
  routes: z.array(routeSchema),
  /** 0 while the workspace never saved routes. */
  version: z.int(),
});

export const routeSaveInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  /** The version the editor loaded; a newer one in the store means someone else saved first. */
  expectedVersion: z.int().min(0).optional(),
  routes: routeList,
});
export const routeSaveOutput = routeListOutput.extend({
  summary: z.strictObject({ added: z.int(), removed: z.int(), changed: z.int() }),
});

export const routeCheckInput = z.strictObject({ workspaceId: workspaceIdSchema, routes: routeList });
export const routeCheckOutput = z.strictObject({
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })),
});

const perModel = <T extends z.ZodType>(value: T) => z.record(z.string().max(200), value).refine((r) => Object.keys(r).length <= 100, 'At most 100 models');
export const routeSimulateInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  alias: z.string().trim().min(1).max(ROUTE_ALIAS_MAX * 2),
  /** Simulate an unsaved draft instead of the stored routes (it must pass validation). */
  routes: routeList.optional(),
  scenario: z.strictObject({
    outcomes: perModel(simulatedOutcomeSchema),
    latencyMs: perModel(z.int().min(0).max(3_600_000)).optional(),
    inFlight: perModel(z.int().min(0).max(1_000_000_000)).optional(),
  }),
});
export const routeSimulateOutput = z.strictObject({
  alias: z.string(),
  strategy: routingStrategySchema,
  servedBy: z.string().nullable(),
  attempts: z.array(
    z.strictObject({
      step: z.int(),
      modelId: z.string(),
      via: z.array(z.string()),
      retry: z.int(),
      outcome: simulatedOutcomeSchema,
      next: z.enum(['served', 'retry', 'failover', 'give-up']),
      note: z.string(),
    }),
  ),
  order: z.array(z.string()),
  shares: z.array(z.strictObject({ target: z.string(), percent: z.number() })),
  limits: z.array(z.strictObject({ modelId: z.string(), rpmLimit: z.int().nullable(), tpmLimit: z.int().nullable() })),
  summary: z.string(),
});
export type RouteSimulation = z.infer<typeof routeSimulateOutput>;

/** The routing configuration as a JSON document (what `routes:export` answers and `gatehouse routes export` writes). */
export const routeExportOutput = z.strictObject({
  format: z.literal('gatehouse-routes/1'),
  exportedAt: z.string(),
  workspaceId: z.string(),
  workspaceName: z.string(),
  version: z.int(),
  routes: z.array(routeSchema),
});

export const routingContract = {
  'routes:list': { input: routeListInput, output: routeListOutput },
  'routes:save': { input: routeSaveInput, output: routeSaveOutput },
  'routes:check': { input: routeCheckInput, output: routeCheckOutput },
  'routes:simulate': { input: routeSimulateInput, output: routeSimulateOutput },
  'routes:export': { input: routeListInput, output: routeExportOutput },
} satisfies { [C in RoutingChannelName]: ChannelDefinition };
