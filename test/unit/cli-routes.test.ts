import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { routeFixture } from '../../electron/core/testing/route-fixture';
import { useCliDataDir } from './cli-harness';

const cli = useCliDataDir('gatehouse-cli-routes-');
const gh = cli.gh;

async function workspaceWithGrants(): Promise<string> {
  const ws = JSON.parse((await gh('workspaces', 'create', '--name', 'Search', '--json')).out) as { id: string };
  const grants = { workspaceId: ws.id, grants: [{ modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: null }, { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null }] };
  expect((await gh('call', 'modelGrants:save', JSON.stringify(grants))).code).toBe(0);
  return ws.id;
}

const routesFile = (routes: unknown) => {
  const file = path.join(cli.dataDir(), 'routes.json');
  fs.writeFileSync(file, JSON.stringify(routes));
  return file;
};
const route = (alias: string, targets: string[]) => routeFixture(alias, targets, { failoverOn: ['rate-limit', 'server-error'] });

describe('gatehouse routes', () => {
  it('save from a file, list as a table and JSON, simulate a failure scenario, export and save the export back', async () => {
    const ws = await workspaceWithGrants();
    expect((await gh('routes', 'list', '--workspace', ws)).out).toBe('No routes in this workspace.');
    const saved = await gh('routes', 'save', '--workspace', ws, '--file', routesFile([route('chat-default', ['gpt-4o', 'gpt-4o-mini'])]));
    expect(saved).toMatchObject({ code: 0, err: '', out: 'Saved 1 routes (version 1): 1 added, 0 changed, 0 removed' });
    const table = await gh('routes', 'list', '--workspace', ws);
    expect(table.out.split('\n')[0]).toMatch(/^ALIAS\s+STRATEGY\s+TARGETS\s+RETRIES\s+TIMEOUT\s+FAIL OVER ON$/);
    expect(table.out).toMatch(/chat-default\s+Priority \/ fallback\s+gpt-4o → gpt-4o-mini\s+1\s+30 s\s+rate-limit, server-error/);
    expect(JSON.parse((await gh('routes', 'list', '--workspace', ws, '--json')).out)).toEqual([route('chat-default', ['gpt-4o', 'gpt-4o-mini'])]);

    const sim = await gh('routes', 'simulate', 'chat-default', '--workspace', ws, '--fail', 'gpt-4o=rate-limited');
    expect(sim.code).toBe(0);
    expect(sim.out.split('\n')[0]).toBe('gpt-4o-mini serves the request after 3 tries');
    expect(sim.out).toContain('gpt-4o: RPM 600, TPM default');
    const simJson = JSON.parse((await gh('routes', 'simulate', 'chat-default', '--workspace', ws, '--fail', 'gpt-4o=down,gpt-4o-mini=down', '--json')).out) as { servedBy: string | null };
    expect(simJson.servedBy).toBeNull();

    const exported = await gh('routes', 'export', '--workspace', ws);
    expect(JSON.parse(exported.out)).toMatchObject({ format: 'gatehouse-routes/1', workspaceId: ws, version: 1, routes: [route('chat-default', ['gpt-4o', 'gpt-4o-mini'])] });
    // An export is a valid input to save: unchanged, nothing written.
    expect((await gh('routes', 'save', '--workspace', ws, '--file', routesFile(JSON.parse(exported.out)))).out).toBe('Saved 1 routes (version 1): 0 added, 0 changed, 0 removed');
  });

  it('check and save print every field problem and exit 1; bad usage exits 2 without opening the store', async () => {
    const ws = await workspaceWithGrants();
    const bad = routesFile([route('chat', ['o3-mini']), route('chat', ['gpt-4o'])]);
    const check = await gh('routes', 'check', '--workspace', ws, '--file', bad);
    expect(check.code).toBe(1);
    expect(check.err).toContain('E_VALIDATION: 2 problems');
    expect(check.err).toContain('routes.0.targets.0.target: o3-mini is not granted to this workspace');
    expect(check.err).toContain('routes.1.alias: Alias chat is already used by route 1');
    const save = await gh('routes', 'save', '--workspace', ws, '--file', bad);
    expect(save.code).toBe(1);
    expect(save.err).toContain('routes.1.alias');
    expect(JSON.parse((await gh('routes', 'list', '--workspace', ws, '--json')).out)).toEqual([]);
    expect((await gh('routes', 'check', '--workspace', ws, '--file', routesFile([route('chat', ['gpt-4o'])]))).out).toBe('OK: 1 routes can be saved');

    expect((await gh('routes', 'list')).code).toBe(2); // no --workspace
    expect((await gh('routes', 'frobnicate', '--workspace', ws)).code).toBe(2);
    expect(await gh('routes', 'simulate', 'chat', '--workspace', ws, '--fail', 'gpt-4o=exploded')).toMatchObject({ code: 2, err: expect.stringContaining('MODEL=OUTCOME') });
    expect(await gh('routes', 'simulate', 'nope', '--workspace', ws)).toMatchObject({ code: 1, err: expect.stringContaining('E_NOT_FOUND') });
  });
});
