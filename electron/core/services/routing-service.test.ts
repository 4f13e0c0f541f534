import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { routeFixture } from '../testing/route-fixture';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
let ws: string;
let defaultWs: string;

const route = routeFixture;

beforeEach(() => {
  core = openTestCore({ now: () => new Date('2026-06-01T12:00:00.000Z') });
  ws = core.ok('workspaces:create', { name: 'Search' }).id;
  defaultWs = core.ok('workspaces:list', {}).items.find((w) => w.isDefault)!.id;
  core.ok('modelGrants:save', {
    workspaceId: ws,
    grants: [
      { modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: null },
      { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null },
    ],
  });
});
afterEach(() => core.dispose());

const routeChanges = () =>
  core.db.prepare("SELECT entity_id AS entityId, op, payload_json AS payload, base_version AS baseVersion FROM change_log WHERE entity_type = 'workspace_routes' ORDER BY seq").all() as Array<{
    entityId: string;
    op: string;
    payload: string;
    baseVersion: number | null;
  }>;
const routeAudits = () =>
  core.db.prepare("SELECT action, before_json AS before, after_json AS after FROM audit_log WHERE entity_type = 'workspace_routes' ORDER BY id").all() as Array<{
    action: string;
    before: string;
    after: string;
  }>;

describe('routes:save', () => {
  it('saves the whole list in one transaction with one audit and one change-log entry; unchanged saves write nothing', () => {
    expect(core.ok('routes:list', { workspaceId: ws })).toEqual({ workspaceId: ws, routes: [], version: 0 });
    const saved = core.ok('routes:save', { workspaceId: ws, expectedVersion: 0, routes: [route('chat-default', ['gpt-4o', 'gpt-4o-mini']), route('fast', ['gpt-4o-mini'])] });
    expect(saved.version).toBe(1);
    expect(saved.summary).toEqual({ added: 2, removed: 0, changed: 0 });
    expect(saved.routes.map((r) => r.alias)).toEqual(['chat-default', 'fast']);
    expect(routeChanges()).toHaveLength(1);
    expect(routeChanges()[0]).toMatchObject({ entityId: ws, op: 'create', baseVersion: null });
    expect(JSON.parse(routeChanges()[0]!.payload).routes).toHaveLength(2);
    expect(routeAudits()[0]!.after).toContain('priority: gpt-4o → gpt-4o-mini');

    const again = core.ok('routes:save', { workspaceId: ws, expectedVersion: 1, routes: saved.routes });
    expect(again.summary).toEqual({ added: 0, removed: 0, changed: 0 });
    expect(again.version).toBe(1);
    expect(routeChanges()).toHaveLength(1);

    const edited = core.ok('routes:save', { workspaceId: ws, expectedVersion: 1, routes: [route('chat-default', ['gpt-4o-mini', 'gpt-4o'], { retries: 3 })] });
    expect(edited.summary).toEqual({ added: 0, removed: 1, changed: 1 });
    expect(routeChanges().at(-1)).toMatchObject({ op: 'update', baseVersion: 1 });
    expect(routeAudits().at(-1)!.before).toContain('fast');
  });

  it('refuses invalid routes with field issues and leaves the store exactly as it was', () => {
    const before = dumpTables(core);
    const result = core.call('routes:save', {
      workspaceId: ws,
      routes: [route('chat', ['gpt-4o', 'o3-mini', 'no-such-model']), route('chat', ['gpt-4o']), route('gpt-4o', ['gpt-4o-mini']), route('loop-a', ['loop-b']), route('loop-b', ['loop-a'])],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('E_VALIDATION');
    const issues = Object.fromEntries(result.error.issues!.map((i) => [i.path, i.message]));
    expect(issues['routes.0.targets.1.target']).toMatch(/o3-mini is not granted/);
    expect(issues['routes.0.targets.2.target']).toMatch(/neither a model in the catalog/);
    expect(issues['routes.1.alias']).toMatch(/already used/);
    expect(issues['routes.2.alias']).toMatch(/is a model ID/);
    expect(issues['routes.3.targets.0.target']).toBe('Fallback loop: loop-a → loop-b → loop-a');
    expect(dumpTables(core)).toEqual(before);
    // routes:check reports the same issues for a draft and writes nothing.
    const checked = core.ok('routes:check', { workspaceId: ws, routes: [route('chat', ['gpt-4o'], { expectedRpm: 700 })] });
    expect(checked.issues).toEqual([{ path: 'routes.0.expectedRpm', message: expect.stringMatching(/Every target is over its RPM limit at 700/) }]);
    expect(dumpTables(core)).toEqual(before);
  });

  it('a stale expectedVersion is E_CONFLICT; unknown workspace E_NOT_FOUND; the default workspace may target every model', () => {
    core.ok('routes:save', { workspaceId: ws, routes: [route('chat', ['gpt-4o'])] });
    expect(core.call('routes:save', { workspaceId: ws, expectedVersion: 0, routes: [] })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.call('routes:list', { workspaceId: 'ws-missing1' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.ok('routes:save', { workspaceId: defaultWs, routes: [route('any', ['o3-mini'])] }).routes).toHaveLength(1);
  });

  it('removing a model grant a route uses is refused with the route name; deleting the workspace removes its routes', () => {
    core.ok('routes:save', { workspaceId: ws, routes: [route('chat-default', ['gpt-4o', 'gpt-4o-mini'])] });
    const before = dumpTables(core);
    const refused = core.call('modelGrants:save', { workspaceId: ws, grants: [{ modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null }] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', message: expect.stringContaining('route chat-default') } });
    expect(dumpTables(core)).toEqual(before);
    core.ok('routes:save', { workspaceId: ws, routes: [route('chat-default', ['gpt-4o-mini'])] });
    expect(core.ok('modelGrants:save', { workspaceId: ws, grants: [{ modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null }] }).summary.removed).toBe(1);
    core.ok('workspaces:delete', { id: ws, confirmName: 'Search' });
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_routes').pluck().get()).toBe(0);
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_routing').pluck().get()).toBe(0);
  });
});

describe('routes:simulate and routes:export', () => {
  it('simulates a stored route and a draft offline, with the granted limits', () => {
    core.ok('routes:save', { workspaceId: ws, routes: [route('chat', ['gpt-4o', 'gpt-4o-mini'], { retries: 0 })] });
    const sim = core.ok('routes:simulate', { workspaceId: ws, alias: 'chat', scenario: { outcomes: { 'gpt-4o': 'rate-limited' } } });
    expect(sim.servedBy).toBe('gpt-4o-mini');
    expect(sim.attempts.map((a) => a.next)).toEqual(['failover', 'served']);
    expect(sim.limits).toEqual([
      { modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: null },
      { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null },
    ]);
    const draft = core.ok('routes:simulate', { workspaceId: ws, alias: 'x', routes: [route('x', ['gpt-4o-mini'])], scenario: { outcomes: { 'gpt-4o-mini': 'down' } } });
    expect(draft.servedBy).toBeNull();
    expect(core.call('routes:simulate', { workspaceId: ws, alias: 'nope', scenario: { outcomes: {} } })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.call('routes:simulate', { workspaceId: ws, alias: 'x', routes: [route('x', ['o3-mini'])], scenario: { outcomes: {} } })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION' },
    });
  });

  it('exports the configuration as JSON', () => {
    core.ok('routes:save', { workspaceId: ws, routes: [route('chat', ['gpt-4o'])] });
    expect(core.ok('routes:export', { workspaceId: ws })).toEqual({
      format: 'gatehouse-routes/1',
      exportedAt: '2026-06-01T12:00:00.000Z',
      workspaceId: ws,
      workspaceName: 'Search',
      version: 1,
      routes: [route('chat', ['gpt-4o'])],
    });
  });
});
