import type { FailoverError, Route, RoutingStrategy } from '../../../shared/domain/routing-rules';
import type { Db } from './database';

interface RawRoute {
  workspaceId: string;
  alias: string;
  strategy: RoutingStrategy;
  targetsJson: string;
  retries: number;
  timeoutMs: number;
  failoverOnJson: string;
  expectedRpm: number | null;
}

/** A route in the protocol's canonical form (gatehouse-v1 `routing` document entries, snake_case). */
export interface WireRoute {
  strategy: RoutingStrategy;
  targets: { target: string; weight: number }[];
  retries: number;
  timeout_ms: number;
  failover_on: FailoverError[];
  expected_rpm: number | null;
}

const toRoute = (raw: RawRoute): Route => ({
  alias: raw.alias,
  strategy: raw.strategy,
  targets: JSON.parse(raw.targetsJson) as Route['targets'],
  retries: raw.retries,
  timeoutMs: raw.timeoutMs,
  failoverOn: JSON.parse(raw.failoverOnJson) as FailoverError[],
  expectedRpm: raw.expectedRpm,
});

export const routeToWire = (r: Route): WireRoute => ({
  strategy: r.strategy,
  targets: r.targets.map((t) => ({ target: t.target, weight: t.weight })),
  retries: r.retries,
  timeout_ms: r.timeoutMs,
  failover_on: [...r.failoverOn],
  expected_rpm: r.expectedRpm,
});
export const routeFromWire = (alias: string, w: WireRoute): Route => ({
  alias,
  strategy: w.strategy,
  targets: w.targets.map((t) => ({ target: t.target, weight: t.weight })),
  retries: w.retries,
  timeoutMs: w.timeout_ms,
  failoverOn: [...w.failover_on],
  expectedRpm: w.expected_rpm,
});

/** Routes per workspace (aliases in code-unit order) and the section's version. All SQL of routing lives here. */
export function createRoutingRepository(db: Db) {
  const columns = `workspace_id AS workspaceId, alias, strategy, targets_json AS targetsJson, retries, timeout_ms AS timeoutMs,
                   failover_on_json AS failoverOnJson, expected_rpm AS expectedRpm`;
  const routesOf = db.prepare(`SELECT ${columns} FROM workspace_routes WHERE workspace_id = ? ORDER BY alias`);
  const allRoutes = db.prepare(`SELECT ${columns} FROM workspace_routes ORDER BY workspace_id, alias`);
  const insert = db.prepare(
    `INSERT INTO workspace_routes (workspace_id, alias, strategy, targets_json, retries, timeout_ms, failover_on_json, expected_rpm, created_at, updated_at)
     VALUES (@workspaceId, @alias, @strategy, @targetsJson, @retries, @timeoutMs, @failoverOnJson, @expectedRpm, @at, @at)`,
  );
  const update = db.prepare(
    `UPDATE workspace_routes SET strategy = @strategy, targets_json = @targetsJson, retries = @retries, timeout_ms = @timeoutMs,
            failover_on_json = @failoverOnJson, expected_rpm = @expectedRpm, updated_at = @at
      WHERE workspace_id = @workspaceId AND alias = @alias`,
  );
  const remove = db.prepare('DELETE FROM workspace_routes WHERE workspace_id = ? AND alias = ?');
  const removeAll = db.prepare('DELETE FROM workspace_routes WHERE workspace_id = ?');
  const version = db.prepare('SELECT version FROM workspace_routing WHERE workspace_id = ?').pluck();
  const versions = db.prepare('SELECT workspace_id AS workspaceId, version FROM workspace_routing');
  const bump = db.prepare(
    `INSERT INTO workspace_routing (workspace_id, version, updated_at) VALUES (?, 1, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at`,
  );
  const dropSection = db.prepare('DELETE FROM workspace_routing WHERE workspace_id = ?');
  // Routes whose targets name a model: json_each over the target list, so the grant editor can refuse removals.
  const usingModel = db.prepare(
    `SELECT DISTINCT r.alias FROM workspace_routes r, json_each(r.targets_json) t
      WHERE r.workspace_id = ? AND json_extract(t.value, '$.target') = ? ORDER BY r.alias`,
  ).pluck();

  const params = (workspaceId: string, r: Route, at: string) => ({
    workspaceId,
    alias: r.alias,
    strategy: r.strategy,
    targetsJson: JSON.stringify(r.targets.map((t) => ({ target: t.target, weight: t.weight }))),
    retries: r.retries,
    timeoutMs: r.timeoutMs,
    failoverOnJson: JSON.stringify(r.failoverOn),
    expectedRpm: r.expectedRpm,
    at,
  });

  return {
    routesOf: (workspaceId: string): Route[] => (routesOf.all(workspaceId) as RawRoute[]).map(toRoute),
    /** Every workspace's routes, grouped (for sync's read model). */
    allRoutes(): Map<string, Route[]> {
      const out = new Map<string, Route[]>();
      for (const raw of allRoutes.all() as RawRoute[]) {
        const list = out.get(raw.workspaceId) ?? [];
        list.push(toRoute(raw));
        out.set(raw.workspaceId, list);
      }
      return out;
    },
    insert: (workspaceId: string, r: Route, at: string) => void insert.run(params(workspaceId, r, at)),
    update: (workspaceId: string, r: Route, at: string) => void update.run(params(workspaceId, r, at)),
    remove: (workspaceId: string, alias: string) => void remove.run(workspaceId, alias),
    /** 0 until the section is first saved. */
    version: (workspaceId: string) => (version.get(workspaceId) as number | undefined) ?? 0,
    versions: () => new Map((versions.all() as Array<{ workspaceId: string; version: number }>).map((v) => [v.workspaceId, v.version])),
    bumpVersion: (workspaceId: string, at: string) => void bump.run(workspaceId, at),
    /** A pulled delete of the whole document: no routes, no section row. */
    clear(workspaceId: string): void {
      removeAll.run(workspaceId);
      dropSection.run(workspaceId);
    },
    routesUsingModel: (workspaceId: string, modelId: string) => usingModel.all(workspaceId, modelId) as string[],
  };
}
export type RoutingRepository = ReturnType<typeof createRoutingRepository>;
