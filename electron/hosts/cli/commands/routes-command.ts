import fs from 'node:fs';
import type { RouteSimulation } from '../../../../shared/contract/routing-schemas';
import type { Route } from '../../../../shared/domain/routing-rules';
import { SIMULATED_OUTCOMES, routingStrategyLabel } from '../../../../shared/domain/routing-rules';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { CallFailed, callCore, textTable } from './cli-call';

export const ROUTES_COMMANDS_HELP = `  routes list --workspace ID [--json]                  model routes of a workspace (alias → targets)
  routes save --workspace ID --file FILE|-              replace the workspace's routes with a JSON list (or a routes export)
  routes check --workspace ID --file FILE|-             validate a JSON route list without saving (exit 1 with the problems)
  routes simulate ALIAS --workspace ID [--fail MODEL=OUTCOME[,MODEL=OUTCOME]] [--json]
                                          offline: which model serves, in which order (outcomes: ${SIMULATED_OUTCOMES.map((o) => o.id).join(', ')})
  routes export --workspace ID                          the routing configuration as JSON on stdout`;

const USAGE = `Usage:\n${ROUTES_COMMANDS_HELP}`;

function requireWorkspace(values: CliValues): string {
  if (typeof values.workspace !== 'string' || values.workspace.length === 0) throw new UsageError(`--workspace ID is required\n\n${USAGE}`);
  return values.workspace;
}

/** Reads a route list: a JSON array, `{routes: [...]}` (e.g. a `routes export`), from a file or stdin (`-`). */
async function readRoutes(values: CliValues, io: CliIo): Promise<unknown[]> {
  if (typeof values.file !== 'string') throw new UsageError(`--file FILE (or - for stdin) is required\n\n${USAGE}`);
  let text: string;
  if (values.file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of io.stdin ?? process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = fs.readFileSync(values.file, 'utf8');
    } catch (error) {
      throw new CallFailed({ code: 'E_NOT_FOUND', message: `Cannot read ${values.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CallFailed({ code: 'E_VALIDATION', message: `${values.file === '-' ? 'stdin' : values.file} is not JSON` });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { routes?: unknown } | null)?.routes;
  if (!Array.isArray(list)) throw new CallFailed({ code: 'E_VALIDATION', message: 'Expected a JSON array of routes or an object with "routes"' });
  return list;
}

/** `--fail gpt-4o=rate-limited,claude=down` → outcomes per model. */
function parseFailures(value: string | boolean | undefined): Record<string, string> {
  if (typeof value !== 'string') return {};
  const outcomes: Record<string, string> = {};
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.lastIndexOf('=');
    const model = part.slice(0, eq).trim();
    const outcome = part.slice(eq + 1).trim();
    if (eq <= 0 || !SIMULATED_OUTCOMES.some((o) => o.id === outcome)) {
      throw new UsageError(`--fail "${part}" must be MODEL=OUTCOME with OUTCOME one of ${SIMULATED_OUTCOMES.map((o) => o.id).join(', ')}`);
    }
    outcomes[model] = outcome;
  }
  return outcomes;
}

const describeTargets = (r: Route) => r.targets.map((t) => (r.strategy === 'weighted' ? `${t.target}×${t.weight}` : t.target)).join(' → ');

function routeTable(routes: Route[]): string {
  const header = ['ALIAS', 'STRATEGY', 'TARGETS', 'RETRIES', 'TIMEOUT', 'FAIL OVER ON'];
  const rows = routes.map((r) => [r.alias, routingStrategyLabel(r.strategy), describeTargets(r), String(r.retries), `${r.timeoutMs / 1000} s`, r.failoverOn.join(', ') || '—']);
  return textTable(header, rows);
}

function simulationText(sim: RouteSimulation): string {
  const limit = (n: number | null) => (n === null ? 'default' : n.toLocaleString('en-US'));
  const steps = textTable(
    ['STEP', 'MODEL', 'VIA', 'TRY', 'OUTCOME', 'NEXT'],
    sim.attempts.map((a) => [String(a.step), a.modelId, a.via.join(' › '), String(a.retry + 1), a.outcome, a.next]),
  );
  const limits = sim.limits.map((l) => `  ${l.modelId}: RPM ${limit(l.rpmLimit)}, TPM ${limit(l.tpmLimit)}`).join('\n');
  const shares = sim.shares.length ? `\nWeighted shares: ${sim.shares.map((s) => `${s.target} ${s.percent}%`).join(', ')}` : '';
  return `${sim.summary}\n\n${steps}\n\nLimits that apply:\n${limits || '  (none tried)'}${shares}`;
}

/** `gatehouse routes list|save|check|simulate|export`. */
export function planRoutesCommand(args: string[], values: CliValues): CliPlan {
  const [sub, alias, ...rest] = args;
  const json = values.json === true;
  if (rest.length > 0 || (sub !== 'simulate' && alias !== undefined)) throw new UsageError(`Unexpected argument "${[alias, ...rest].filter(Boolean).join(' ')}"\n\n${USAGE}`);
  if (!['list', 'save', 'check', 'simulate', 'export'].includes(sub ?? '')) throw new UsageError(`Unknown routes command "${sub ?? ''}"\n\n${USAGE}`);
  const workspaceId = requireWorkspace(values);
  const run = (body: (client: Parameters<Extract<CliPlan, { run: unknown }>['run']>[0], io: CliIo) => Promise<number>): CliPlan => ({
    resumesInterruptedWork: false,
    async run(client, io) {
      try {
        return await body(client, io);
      } catch (error) {
        if (!(error instanceof CallFailed)) throw error;
        io.err(`${error.payload.code}: ${error.payload.message}`);
        for (const issue of error.payload.issues ?? []) if (issue.message !== error.payload.message || (error.payload.issues?.length ?? 0) > 1) io.err(`  ${issue.path}: ${issue.message}`);
        return 1;
      }
    },
  });
  switch (sub) {
    case 'list':
      return run(async (client, io) => {
        const list = await callCore<{ routes: Route[]; version: number }>(client, 'routes:list', { workspaceId });
        io.out(json ? JSON.stringify(list.routes, null, 2) : list.routes.length ? routeTable(list.routes) : 'No routes in this workspace.');
        return 0;
      });
    case 'save':
      return run(async (client, io) => {
        const routes = await readRoutes(values, io);
        const saved = await callCore<{ routes: Route[]; version: number; summary: { added: number; removed: number; changed: number } }>(client, 'routes:save', { workspaceId, routes });
        const s = saved.summary;
        io.out(json ? JSON.stringify(saved, null, 2) : `Saved ${saved.routes.length} routes (version ${saved.version}): ${s.added} added, ${s.changed} changed, ${s.removed} removed`);
        return 0;
      });
    case 'check':
      return run(async (client, io) => {
        const routes = await readRoutes(values, io);
        const { issues } = await callCore<{ issues: { path: string; message: string }[] }>(client, 'routes:check', { workspaceId, routes });
        if (issues.length === 0) {
          io.out(`OK: ${routes.length} routes can be saved`);
          return 0;
        }
        io.err(`E_VALIDATION: ${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}`);
        for (const i of issues) io.err(`  ${i.path}: ${i.message}`);
        return 1;
      });
    case 'simulate': {
      if (!alias) throw new UsageError(`routes simulate needs the route's ALIAS\n\n${USAGE}`);
      const outcomes = parseFailures(values.fail);
      return run(async (client, io) => {
        const sim = await callCore<RouteSimulation>(client, 'routes:simulate', { workspaceId, alias, scenario: { outcomes } });
        io.out(json ? JSON.stringify(sim, null, 2) : simulationText(sim));
        return 0;
      });
    }
    case 'export':
      return run(async (client, io) => {
        io.out(JSON.stringify(await callCore(client, 'routes:export', { workspaceId }), null, 2));
        return 0;
      });
    default:
      throw new UsageError(`Unknown routes command "${sub ?? ''}"\n\n${USAGE}`);
  }
}
