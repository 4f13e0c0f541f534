/**
 * Workspace runtime policy through sync (issue #14): model routes round-trip through plan / apply /
 * pull against the reference gateway on 127.0.0.1, merge alias by alias, conflict on the same
 * alias changed two ways, and the gateway's data plane serves a route alias.
 */
import { describe, expect, it } from 'vitest';
import type { RouteInput } from '../../shared/contract/routing-schemas';
import { DEFAULT_GUARDRAIL_POLICY } from '../../shared/domain/guardrail-rules';
import { routeFixture } from '../../electron/core/testing/route-fixture';
import { ADMIN_B, laptopsClosedAfterEach, opsOf, remoteEdit, startSyncEnv, type Laptop, type SyncEnv } from './sync-harness';

let env: SyncEnv;
const laptop = laptopsClosedAfterEach(() => env);

// Failing over on rate limits and server errors only, as the expected gateway rows below say.
const route = (alias: string, targets: string[], extra: Partial<RouteInput> = {}) => routeFixture(alias, targets, { failoverOn: ['rate-limit', 'server-error'], ...extra });

async function routedWorkspace(a: Laptop) {
  const ws = await a.ok('workspaces:create', { name: 'Search' });
  await a.ok('modelGrants:save', {
    workspaceId: ws.id,
    grants: [
      { modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: null },
      { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null },
    ],
  });
  await a.ok('routes:save', { workspaceId: ws.id, routes: [route('chat-default', ['gpt-4o', 'gpt-4o-mini']), route('fast', ['gpt-4o-mini'], { strategy: 'least-busy' })] });
  return ws;
}

describe('model routes through sync', () => {
  it('push, pull to a second laptop, per-alias merge, same-alias conflict, remote delete of a route; the data plane serves an alias', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await routedWorkspace(a);
    const key = await a.ok('keys:create', { workspaceId: ws.id, name: 'backend' });
    const first = await a.plan();
    expect(opsOf(first)).toContain(`create routing ${ws.id}`);
    expect(first.ops.find((op) => op.type === 'routing')!.label).toBe('model routes of “Search”');
    await a.apply(first);
    expect(env.remoteRow('routing', ws.id)!.data).toEqual({
      routes: {
        'chat-default': {
          strategy: 'priority',
          targets: [
            { target: 'gpt-4o', weight: 1 },
            { target: 'gpt-4o-mini', weight: 1 },
          ],
          retries: 1,
          timeout_ms: 30_000,
          failover_on: ['rate-limit', 'server-error'],
          expected_rpm: null,
        },
        fast: { strategy: 'least-busy', targets: [{ target: 'gpt-4o-mini', weight: 1 }], retries: 1, timeout_ms: 30_000, failover_on: ['rate-limit', 'server-error'], expected_rpm: null },
      },
    });
    expect((await a.plan()).ops).toEqual([]);
    expect((await a.ok('sync:status', {})).pendingChanges).toBe(0);

    // The gateway resolves the alias to its first granted target.
    const answer = await fetch(`${env.gateway.url}/v1/data/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat-default', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { model: string }).model).toBe('gpt-4o');

    // A second laptop pulls the routes with the workspace.
    const b = await laptop({ admin: ADMIN_B, localUserName: 'Bo Laptop' });
    const pulled = await b.plan();
    expect(opsOf(pulled)).toContain(`pull routing ${ws.id}`);
    await b.apply(pulled);
    const onB = await b.ok('routes:list', { workspaceId: ws.id });
    expect(onB.routes).toEqual((await a.ok('routes:list', { workspaceId: ws.id })).routes);
    expect(onB.version).toBe(1);
    const pullAudit = b.core.db.prepare("SELECT actor, action FROM audit_log WHERE entity_type = 'workspace_routes'").all();
    expect(pullAudit).toEqual([{ actor: 'sync: gw', action: 'workspace_routes.pull' }]);
    expect((await b.plan()).ops).toEqual([]);

    // Different aliases edited on each side merge entry by entry.
    const aRoutes = (await a.ok('routes:list', { workspaceId: ws.id })).routes;
    await a.ok('routes:save', { workspaceId: ws.id, routes: [aRoutes[0]!, { ...aRoutes[1]!, retries: 4 }] });
    await a.sync();
    await b.ok('routes:save', { workspaceId: ws.id, routes: [...onB.routes, route('batch', ['gpt-4o-mini'], { strategy: 'weighted' })] });
    const merge = await b.plan();
    expect(merge.conflicts).toEqual([]);
    const op = merge.ops.find((o) => o.type === 'routing')!;
    expect(op).toMatchObject({ kind: 'update', localAction: 'update' });
    expect(op.fields.map((f) => `${f.path}:${f.source}`).sort()).toEqual(['routes.batch:local', 'routes.fast:remote']);
    await b.apply(merge);
    expect(Object.keys(env.remoteRow('routing', ws.id)!.data.routes as object).sort()).toEqual(['batch', 'chat-default', 'fast']);
    expect((await b.ok('routes:list', { workspaceId: ws.id })).routes.find((r) => r.alias === 'fast')!.retries).toBe(4);

    // The same alias changed two ways is a conflict; take-remote keeps the remote's version.
    await a.sync();
    const aNow = (await a.ok('routes:list', { workspaceId: ws.id })).routes;
    await a.ok('routes:save', { workspaceId: ws.id, routes: aNow.map((r) => (r.alias === 'chat-default' ? { ...r, timeoutMs: 10_000 } : r)) });
    await a.sync();
    const bNow = (await b.ok('routes:list', { workspaceId: ws.id })).routes;
    await b.ok('routes:save', { workspaceId: ws.id, routes: bNow.map((r) => (r.alias === 'chat-default' ? { ...r, timeoutMs: 60_000 } : r)) });
    const clash = await b.plan();
    expect(clash.conflicts.map((c) => c.key)).toEqual([`routing:${ws.id}:routes.chat-default`]);
    await b.resolveAll(clash, 'take-remote');
    await b.sync();
    expect((await b.ok('routes:list', { workspaceId: ws.id })).routes.find((r) => r.alias === 'chat-default')!.timeoutMs).toBe(10_000);

    // Someone removes a route on the gateway directly: the next plan pulls the removal.
    const remote = env.remoteRow('routing', ws.id)!.data.routes as Record<string, unknown>;
    const { batch: _gone, ...rest } = remote;
    await remoteEdit(env, 'routing', ws.id, ws.id, { routes: rest });
    const removal = await a.plan();
    expect(removal.ops.find((o) => o.type === 'routing')).toMatchObject({ kind: 'pull', localAction: 'update' });
    await a.apply(removal);
    expect((await a.ok('routes:list', { workspaceId: ws.id })).routes.map((r) => r.alias)).toEqual(['chat-default', 'fast']);
    expect(a.logs).toEqual([]);
    expect(b.logs).toEqual([]);
  });

  it('guardrails: push, pull to a second laptop, per-section merge, back to inheriting; the org defaults stay local', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Support' });
    const policy = {
      ...structuredClone(DEFAULT_GUARDRAIL_POLICY),
      pii: { direction: 'input' as const, actions: { ...DEFAULT_GUARDRAIL_POLICY.pii.actions, email: 'redact' as const, credit_card: 'block' as const } },
      blockedPatterns: { direction: 'both' as const, action: 'redact' as const, patterns: [{ name: 'ticket', pattern: 'TCK-\\d{5}', ignoreCase: true }] },
      maxInputTokens: 8000,
    };
    await a.ok('guardrails:save', { workspaceId: ws.id, policy });
    await a.ok('guardrails:save', { policy: { ...structuredClone(DEFAULT_GUARDRAIL_POLICY), maxOutputTokens: 100 } }); // org defaults: not synced
    const first = await a.plan();
    expect(opsOf(first)).toContain(`create guardrails ${ws.id}`);
    await a.apply(first);
    expect(env.remoteRow('guardrails', ws.id)!.data).toMatchObject({
      inherits: false,
      pii: { direction: 'input', actions: { email: 'redact', credit_card: 'block', phone: 'off' } },
      blocked_patterns: { direction: 'both', action: 'redact', patterns: [{ name: 'ticket', pattern: 'TCK-\\d{5}', ignore_case: true }] },
      max_input_tokens: 8000,
    });
    expect((await a.plan()).ops).toEqual([]);

    const b = await laptop({ admin: ADMIN_B, localUserName: 'Bo Laptop' });
    await b.sync();
    expect(await b.ok('guardrails:get', { workspaceId: ws.id })).toMatchObject({ inherits: false, policy, version: 1 });
    expect((await b.ok('guardrails:get', {})).version).toBe(0); // the org defaults did not travel
    expect((await b.plan()).ops).toEqual([]);

    // Different sections edited on each side merge.
    await a.ok('guardrails:save', { workspaceId: ws.id, policy: { ...policy, maxInputTokens: 4000 } });
    await a.sync();
    await b.ok('guardrails:save', { workspaceId: ws.id, policy: { ...policy, blockedTerms: { direction: 'input', action: 'block', terms: ['Project Falcon'] } } });
    const merge = await b.plan();
    expect(merge.conflicts).toEqual([]);
    expect(merge.ops.find((o) => o.type === 'guardrails')!.fields.map((f) => `${f.path}:${f.source}`).sort()).toEqual(['blocked_terms:local', 'max_input_tokens:remote']);
    await b.apply(merge);
    expect((await b.ok('guardrails:get', { workspaceId: ws.id })).policy).toMatchObject({ maxInputTokens: 4000, blockedTerms: { terms: ['Project Falcon'] } });
    await a.sync();
    expect((await a.ok('guardrails:get', { workspaceId: ws.id })).policy).toMatchObject({ maxInputTokens: 4000, blockedTerms: { terms: ['Project Falcon'] } });

    // Back to inheriting on A reaches B.
    await a.ok('guardrails:save', { workspaceId: ws.id, inherits: true });
    await a.sync();
    expect(env.remoteRow('guardrails', ws.id)!.data).toMatchObject({ inherits: true, pii: null });
    await b.sync();
    expect(await b.ok('guardrails:get', { workspaceId: ws.id })).toMatchObject({ inherits: true, policy: null });
    expect(a.logs).toEqual([]);
    expect(b.logs).toEqual([]);
  });
});
