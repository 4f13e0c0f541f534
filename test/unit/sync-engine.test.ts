/**
 * Sync end to end (issue #10): laptops (real cores on SQLite files) against the reference gateway
 * on 127.0.0.1, through the fault proxy (no faults here: it counts the writes). Design tests T7–T10
 * and the "Two admins, one gateway" scenarios.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SyncPlan } from '../../shared/contract/sync-schemas';
import { ADMIN_B, converge, laptopsClosedAfterEach, opsOf, remoteDelete, remoteEdit, startSyncEnv, writesSince, type Laptop, type SyncEnv } from './sync-harness';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const PROVIDER_SECRET = 'sk-proj-SyncEngineTest-ProviderSecret-0001';

let env: SyncEnv;
const laptop = laptopsClosedAfterEach(() => env);
const laptopB = () => laptop({ admin: ADMIN_B, localUserName: 'Bo Laptop' });

/** A workspace with a bit of everything: member + role, grants, budget, provider key + pin, two keys. */
async function populate(a: Laptop, name = 'Search') {
  const member = await a.ok('members:create', { name: 'Ana Admin', email: 'ana@example.com' });
  const ws = await a.ok('workspaces:create', { name, description: 'Search team', environment: 'staging', monthlyBudgetMinor: 25_000, currency: 'USD' });
  await a.ok('workspaceMembers:add', { workspaceId: ws.id, memberId: member.id, role: 'editor' });
  await a.ok('modelGrants:save', {
    workspaceId: ws.id,
    grants: [
      { modelId: 'gpt-4o', rpmLimit: 600, tpmLimit: 100_000 },
      { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null },
    ],
  });
  await a.ok('budgets:update', { workspaceId: ws.id, thresholds: [50, 90, 100], mode: 'hard' });
  const provider = await a.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Production', secret: PROVIDER_SECRET });
  await a.ok('providerAccess:save', { workspaceId: ws.id, disabledKeyIds: [], pins: [{ vendor: provider.vendor, providerKeyId: provider.id }] });
  const backend = await a.ok('keys:create', { workspaceId: ws.id, name: 'backend', rpmLimit: 120 });
  const batch = await a.ok('keys:create', { workspaceId: ws.id, name: 'batch' });
  return { member, ws, provider, backend, batch };
}

const conflictOf = (plan: SyncPlan, key: string) => plan.conflicts.find((c) => c.key === key);

describe('first sync and convergence (I6, T10)', () => {
  it('pushes everything, key secrets as hashes only, the provider secret write-only; an offline key works on the gateway', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const { member, ws, provider, backend, batch } = await populate(a);
    expect((await a.ok('sync:status', {})).pendingChanges).toBeGreaterThan(0);

    const plan = await a.plan();
    expect(plan.remoteRead).toBe('full');
    expect(plan.conflicts).toEqual([]);
    expect(new Set(plan.ops.map((op) => op.kind))).toEqual(new Set(['create']));
    const types = plan.ops.map((op) => op.type);
    // Dependency order: members and workspaces before roles, grants and keys.
    expect(types.indexOf('member')).toBeLessThan(types.indexOf('workspace'));
    expect(types.lastIndexOf('workspace')).toBeLessThan(types.indexOf('workspace_member'));
    expect(types.indexOf('api_key')).toBe(types.length - 2);
    // The plan never shows a secret or a hash: write-only fields are only "changed".
    expect(JSON.stringify(plan)).not.toContain(sha256(backend.secret));
    expect(JSON.stringify(plan)).not.toContain(PROVIDER_SECRET);

    const result = await a.apply(plan);
    expect(result).toMatchObject({ state: 'applied', failed: 0, conflict: 0, skipped: 0, done: plan.ops.length });

    const remoteWs = env.remoteRow('workspace', ws.id)!;
    expect(remoteWs.data).toMatchObject({ name: 'Search', description: 'Search team', environment: 'staging', is_default: false });
    expect(env.remoteRow('member', member.id)!.data).toEqual({ name: 'Ana Admin', email: 'ana@example.com' });
    expect(env.remoteRow('workspace_member', member.id, ws.id)!.data).toEqual({ role: 'editor' });
    expect(env.remoteRow('model_grants', ws.id)!.data).toEqual({
      grants: { 'gpt-4o': { rpm_limit: 600, tpm_limit: 100_000 }, 'gpt-4o-mini': { rpm_limit: null, tpm_limit: null } },
    });
    expect(env.remoteRow('budget', ws.id)!.data).toEqual({ monthly_limit_minor: 25_000, currency: 'USD', thresholds: [50, 90, 100], mode: 'hard' });
    expect(env.remoteRow('provider_access', ws.id)!.data).toEqual({ entries: { [provider.id]: 'pinned' } });
    // Keys: the hash travels (write-only), never the secret.
    const remoteKey = env.remoteRow('api_key', backend.key.id)!;
    expect(remoteKey.data).toMatchObject({ name: 'backend', status: 'active', rpm_limit: 120, last4: backend.secret.slice(-4) });
    expect(remoteKey.data).not.toHaveProperty('secret_sha256');
    expect(remoteKey.secret).toEqual({ secret_sha256: sha256(backend.secret) });
    // The provider secret was delivered write-only: stored by the gateway, never in its readable data.
    const remoteProvider = env.remoteRow('provider_key', provider.id)!;
    expect(remoteProvider.data).toEqual({ vendor: 'OpenAI', label: 'Production', last4: PROVIDER_SECRET.slice(-4) });
    expect(remoteProvider.secret).toEqual({ secret: PROVIDER_SECRET });
    expect(env.remoteRows('workspace').filter((w) => w.data['is_default'] === true)).toHaveLength(1);

    // A key created offline works on the gateway's data plane (it verifies by hash).
    const call = (secret: string, model: string) =>
      fetch(`${env.gateway.url}/v1/data/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      }).then((r) => r.status);
    expect(await call(backend.secret, 'gpt-4o')).toBe(200);
    expect(await call(batch.secret, 'gpt-4o-mini')).toBe(200);
    expect(await call(backend.secret, 'claude-3-opus')).toBe(403);
    expect(await call(`${backend.secret.slice(0, -1)}${backend.secret.endsWith('x') ? 'y' : 'x'}`, 'gpt-4o')).toBe(401);

    // The sidebar badge: nothing left to sync.
    expect((await a.ok('sync:status', {})).pendingChanges).toBe(0);

    // I6: the next plan is empty and applying it sends no write; the used plan cannot run again.
    const mark = env.proxy.forwardedWrites();
    const again = await a.plan();
    expect(again.remoteRead).toBe('changes');
    expect(again.ops).toEqual([]);
    expect(await a.apply(again)).toMatchObject({ state: 'applied', done: 0 });
    const reused = await a.fails('sync:apply', { runId: plan.runId, planHash: plan.planHash });
    expect(reused).toMatchObject({ code: 'E_CONFLICT' });
    expect(writesSince(env, mark)).toBe(0);
    // A rotation then syncs only the key (with the new hash and the previous one in its grace window).
    const rotated = await a.ok('keys:rotate', { id: backend.key.id, graceSeconds: 3600 });
    const rotation = await a.plan();
    expect(opsOf(rotation)).toEqual([`update api_key ${backend.key.id}`]);
    await a.apply(rotation);
    expect(env.remoteRow('api_key', backend.key.id)!.secret).toEqual({ secret_sha256: sha256(rotated.secret), previous_secret_sha256: sha256(backend.secret) });
    expect(await call(rotated.secret, 'gpt-4o')).toBe(200);
    expect(await call(backend.secret, 'gpt-4o')).toBe(200); // still in its grace window
    expect((await a.plan()).ops).toEqual([]);
    expect(a.logs).toEqual([]);
  });
});

describe('two admins, one gateway', () => {
  it("a fresh laptop's first plan pulls what the remote has; its default links to the remote's default; both converge", async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const { member, ws, backend } = await populate(a);
    await a.sync();
    const b = await laptopB();
    const bDefault = b.defaultWorkspaceId();
    expect(bDefault).not.toBe(a.defaultWorkspaceId());

    const plan = await b.plan();
    expect(plan.conflicts).toEqual([]);
    const pulls = plan.ops.filter((op) => op.kind === 'pull').map((op) => `${op.type} ${op.localId}`);
    expect(pulls).toEqual(expect.arrayContaining([`member ${member.id}`, `workspace ${ws.id}`, `api_key ${backend.key.id}`, `model_grants ${ws.id}`, `budget ${ws.id}`]));
    // The default workspace is one workspace: B's local default is linked to the remote's (A's) default.
    const defaultOp = plan.ops.find((op) => op.type === 'workspace' && op.localId === bDefault);
    expect(defaultOp).toMatchObject({ remoteId: a.defaultWorkspaceId() });
    expect(plan.ops.some((op) => op.kind === 'create' && op.type === 'workspace')).toBe(false);
    // Provider keys exist only with their secret: the remote's cannot be copied, and the plan says so.
    expect(plan.warnings.map((w) => w.code)).toContain('provider-key-remote-only');

    const result = await b.apply(plan);
    expect(result).toMatchObject({ state: 'applied', failed: 0, conflict: 0 });
    expect(env.remoteRows('workspace').filter((w) => w.data['is_default'] === true).map((w) => w.id)).toEqual([a.defaultWorkspaceId()]);
    // B now has A's workspace, member and keys, with the same ids.
    expect((await b.ok('workspaces:get', { id: ws.id })).name).toBe('Search');
    const bKeys = await b.ok('keys:list', { workspaceId: ws.id });
    expect(bKeys.items.map((k) => k.id).sort()).toEqual(env.remoteRows('api_key').map((k) => k.id).sort());
    // B never learns A's secret: it cannot verify it, only the gateway (and A) can.
    expect(await b.fails('keys:verify', { secret: backend.secret })).toMatchObject({ code: 'E_NOT_FOUND' });

    // Both converge on one set of workspaces, keys and members.
    await converge(b);
    await converge(a);
    await converge(b);
    const ids = async (l: Laptop) => ({
      // Each laptop keeps its own default workspace id (linked to the remote's default).
      workspaces: (await l.ok('workspaces:list', {})).items.map((w) => (w.isDefault ? `default ${w.name}` : `${w.id} ${w.name}`)).sort(),
      members: (await l.ok('members:list', {})).items.map((m) => m.id).sort(),
      keys: (await l.ok('keys:list', { workspaceId: ws.id })).items.map((k) => `${k.id} ${k.status}`).sort(),
    });
    expect(await ids(a)).toEqual(await ids(b));
    expect((await ids(a)).workspaces).toEqual(env.remoteRows('workspace').map((w) => (w.data['is_default'] ? `default ${String(w.data['name'])}` : `${w.id} ${String(w.data['name'])}`)).sort());
    expect((await ids(a)).members).toEqual(env.remoteRows('member').map((m) => m.id).sort());
    expect((await a.plan()).ops).toEqual([]);
    expect((await b.plan()).ops).toEqual([]);
  });

  it('pulled changes are audited as "sync: <remote>" and write no change-log entry (no echo)', async () => {
    env = await startSyncEnv();
    const a = await laptop({ remoteName: 'prod gateway' });
    const { ws } = await populate(a);
    await a.sync();
    const b = await laptop({ admin: ADMIN_B, localUserName: 'Bo Laptop', remoteName: 'shared' });
    const changeLog = () => b.core.db.prepare('SELECT COUNT(*) FROM change_log').pluck().get() as number;
    const before = changeLog();
    const plan = await b.plan();
    const pullIds = new Set(plan.ops.filter((op) => op.kind === 'pull').map((op) => op.localId));
    await b.apply(plan);
    const pushed = plan.ops.filter((op) => op.kind !== 'pull').length;
    // Only B's own creates were in the change log already; the pulls added nothing to it.
    expect(changeLog()).toBe(before);
    const audit = b.core.db.prepare("SELECT actor, action, entity_id AS entityId FROM audit_log WHERE actor LIKE 'sync:%'").all() as { actor: string; action: string; entityId: string }[];
    expect(audit.length).toBeGreaterThan(0);
    expect(new Set(audit.map((e) => e.actor))).toEqual(new Set(['sync: shared']));
    expect(audit.map((e) => e.entityId)).toEqual(expect.arrayContaining([ws.id]));
    expect(audit.every((e) => e.action.endsWith('.pull') || pullIds.has(e.entityId) || e.action === 'usage.pull')).toBe(true);
    expect((await b.ok('sync:status', {})).pendingChanges).toBe(0);
    // No echo: B's next plan is empty, and A sees only what B itself created (its local user and role).
    expect((await b.plan()).ops).toEqual([]);
    const back = await a.plan();
    expect(back.ops.every((op) => op.kind === 'pull')).toBe(true);
    expect(back.ops.length).toBeLessThanOrEqual(pushed + 1);
    expect(back.ops.some((op) => op.localId === ws.id)).toBe(false);
  });

  it('two workspaces created offline with one name are a same-name conflict, never a failure mid-apply; keep mine', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const aWs = await a.ok('workspaces:create', { name: 'Platform', description: 'from A' });
    await a.sync();
    const b = await laptopB();
    const bWs = await b.ok('workspaces:create', { name: 'platform', description: 'from B', region: 'eu' });
    const bKey = await b.ok('keys:create', { workspaceId: bWs.id, name: 'ci' });
    const plan = await b.plan();
    const conflict = conflictOf(plan, `workspace:${bWs.id}:*`);
    expect(conflict).toMatchObject({ reason: 'same-name', local: bWs.id, remote: aWs.id });
    expect(plan.warnings.map((w) => w.code)).toContain('held-by-name-conflict');
    // Apply does the rest and never fails halfway: the held workspace (and its key) wait.
    const result = await b.apply(plan);
    expect(result).toMatchObject({ failed: 0, skipped: 0, conflict: 1 });
    expect(env.remoteRow('workspace', bWs.id)).toBeNull();
    expect(env.remoteRows('workspace').filter((w) => w.data['name'] === 'Platform')).toHaveLength(1);

    // Keep mine: one workspace (the remote's id) with B's settings; B's key goes into it.
    await b.ok('sync:resolve', { remoteId: b.remote.id, key: conflict!.key, choice: 'keep-local' });
    const resolved = await b.plan();
    expect(resolved.conflicts).toEqual([]);
    const update = resolved.ops.find((op) => op.type === 'workspace' && op.localId === bWs.id);
    expect(update).toMatchObject({ kind: 'update', remoteId: aWs.id });
    await b.apply(resolved);
    expect(env.remoteRow('workspace', aWs.id)!.data).toMatchObject({ name: 'platform', description: 'from B', region: 'eu' });
    expect(env.remoteRow('api_key', bKey.key.id)).toMatchObject({ parentId: aWs.id });
    expect(env.remoteRow('workspace', bWs.id)).toBeNull();
    await converge(b);
    // A pulls B's settings into its workspace, and B's key.
    await converge(a);
    expect((await a.ok('workspaces:get', { id: aWs.id })).description).toBe('from B');
    expect((await a.ok('keys:list', { workspaceId: aWs.id })).items.map((k) => k.id)).toEqual([bKey.key.id]);
  });

  it('same-name conflict, take theirs: B keeps its local workspace id, linked, with the remote settings', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const aWs = await a.ok('workspaces:create', { name: 'Platform', description: 'from A' });
    await a.sync();
    const b = await laptopB();
    const bWs = await b.ok('workspaces:create', { name: 'Platform', description: 'from B' });
    const plan = await b.plan();
    const key = `workspace:${bWs.id}:*`;
    expect(conflictOf(plan, key)).toMatchObject({ reason: 'same-name' });
    await b.ok('sync:resolve', { remoteId: b.remote.id, key, choice: 'take-remote' });
    const resolved = await b.plan();
    expect(resolved.conflicts).toEqual([]);
    await b.apply(resolved);
    expect((await b.ok('workspaces:get', { id: bWs.id })).description).toBe('from A');
    expect(env.remoteRow('workspace', aWs.id)!.data['description']).toBe('from A');
    expect(env.remoteRows('workspace').filter((w) => String(w.data['name']).toLowerCase() === 'platform')).toHaveLength(1);
    await converge(b);
    // A later edit on B goes to the one remote workspace.
    await b.ok('workspaces:update', { id: bWs.id, changes: { description: 'edited on B' } });
    await converge(b);
    expect(env.remoteRow('workspace', aWs.id)!.data['description']).toBe('edited on B');
    await converge(a);
    expect((await a.ok('workspaces:get', { id: aWs.id })).description).toBe('edited on B');
  });

  it('B renames and applies; A renames differently: a conflict with both values, no overwrite, resolved either way', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search' });
    await a.sync();
    const b = await laptopB();
    await converge(b);
    await converge(a);

    await b.ok('workspaces:update', { id: ws.id, changes: { name: 'Search (B)' } });
    await b.sync();
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Search (B)');
    await a.ok('workspaces:update', { id: ws.id, changes: { name: 'Search (A)' } });
    const plan = await a.plan();
    const key = `workspace:${ws.id}:name`;
    expect(conflictOf(plan, key)).toMatchObject({ reason: 'field', base: 'Search', local: 'Search (A)', remote: 'Search (B)' });
    expect(plan.ops.find((op) => op.localId === ws.id && op.type === 'workspace')).toMatchObject({ kind: 'conflict' });
    // Apply does not overwrite B's name.
    const mark = env.proxy.forwardedWrites();
    await a.apply(plan);
    expect(writesSince(env, mark)).toBe(0);
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Search (B)');
    expect((await a.ok('sync:status', {})).pendingChanges).toBeGreaterThan(0);

    // Keep mine: the remote gets A's name.
    const again = await a.plan();
    expect(conflictOf(again, key)).toBeDefined();
    await a.ok('sync:resolve', { remoteId: a.remote.id, key, choice: 'keep-local' });
    const resolved = await a.plan();
    expect(resolved.conflicts).toEqual([]);
    expect(resolved.ops.find((op) => op.localId === ws.id && op.type === 'workspace')).toMatchObject({ kind: 'update' });
    await a.apply(resolved);
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Search (A)');
    expect((await a.plan()).ops).toEqual([]);
    expect((await a.ok('sync:status', {})).pendingChanges).toBe(0);

    // Take theirs: B renames again, A renames again, A takes B's name.
    await converge(b);
    await b.ok('workspaces:update', { id: ws.id, changes: { name: 'Search (B2)' } });
    await b.sync();
    await a.ok('workspaces:update', { id: ws.id, changes: { name: 'Search (A2)' } });
    const second = await a.plan();
    expect(conflictOf(second, key)).toMatchObject({ local: 'Search (A2)', remote: 'Search (B2)', base: 'Search (A)' });
    await a.ok('sync:resolve', { remoteId: a.remote.id, key, choice: 'take-remote' });
    const taken = await a.plan();
    expect(taken.conflicts).toEqual([]);
    await a.apply(taken);
    expect((await a.ok('workspaces:get', { id: ws.id })).name).toBe('Search (B2)');
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Search (B2)');
    expect((await a.plan()).ops).toEqual([]);
    // The resolutions are audited.
    const resolutions = a.core.db.prepare("SELECT after_json FROM audit_log WHERE action = 'sync.resolve' ORDER BY rowid").pluck().all() as string[];
    expect(resolutions.map((r) => (JSON.parse(r) as { choice: string }).choice)).toEqual(['keep-local', 'take-remote']);
  });
});

describe('plans that went stale, remote edits in between, deletes (T7, T8, T9)', () => {
  it('T8: a local edit after the plan makes apply refuse, naming the change; nothing is sent', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search' });
    await a.sync();
    await a.ok('workspaces:update', { id: ws.id, changes: { description: 'planned' } });
    const plan = await a.plan();
    expect(opsOf(plan)).toEqual([`update workspace ${ws.id}`]);
    const key = await a.ok('keys:create', { workspaceId: ws.id, name: 'late' });
    const mark = env.proxy.forwardedWrites();
    const error = await a.fails('sync:apply', { runId: plan.runId, planHash: plan.planHash });
    expect(error.code).toBe('E_CONFLICT');
    expect(error.message).toMatch(/stale/);
    expect(error.message).toContain(`api key ${key.key.id} (create)`);
    expect(writesSince(env, mark)).toBe(0);
    expect(env.remoteRow('workspace', ws.id)!.data['description']).toBe('');
    // A plan with another hash is refused too, before anything else.
    expect(await a.fails('sync:apply', { runId: plan.runId, planHash: 'f'.repeat(64) })).toMatchObject({ code: 'E_CONFLICT' });
    // Re-planned, it goes through.
    await converge(a);
    expect(env.remoteRow('workspace', ws.id)!.data['description']).toBe('planned');
    expect(env.remoteRow('api_key', key.key.id)).not.toBeNull();
  });

  it('T7: a remote edit of the same field between plan and apply is a conflict (412), never an overwrite; the next plan shows it', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search' });
    await a.sync();
    await a.ok('workspaces:update', { id: ws.id, changes: { name: 'Search (A)' } });
    const plan = await a.plan();
    expect(plan.ops[0]).toMatchObject({ kind: 'update', expectEtag: '"v1"' });
    await remoteEdit(env, 'workspace', ws.id, null, { name: 'Search (console)' });
    const logStart = env.proxy.log.length;
    const result = await a.apply(plan);
    expect(result).toMatchObject({ state: 'failed', conflict: 1, done: 0 });
    const put = env.proxy.log.slice(logStart).filter((e) => e.method === 'PUT' && e.path === `/v1/workspaces/${ws.id}`);
    expect(put.map((e) => e.status)).toEqual([412]);
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Search (console)');
    const journal = a.core.db.prepare('SELECT state, last_status AS status FROM sync_ops WHERE run_id = ?').all(plan.runId);
    expect(journal).toEqual([{ state: 'conflict', status: 412 }]);
    const next = await a.plan();
    expect(conflictOf(next, `workspace:${ws.id}:name`)).toMatchObject({ base: 'Search', local: 'Search (A)', remote: 'Search (console)' });
  });

  it('T7: a remote edit of another field between plan and apply: no clobber, the next plan merges cleanly', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search', region: 'global' });
    await a.sync();
    await a.ok('workspaces:update', { id: ws.id, changes: { description: 'from A' } });
    const plan = await a.plan();
    await remoteEdit(env, 'workspace', ws.id, null, { region: 'eu' });
    expect(await a.apply(plan)).toMatchObject({ conflict: 1 });
    expect(env.remoteRow('workspace', ws.id)!.data).toMatchObject({ description: '', region: 'eu' });
    const merged = await a.plan();
    expect(merged.conflicts).toEqual([]);
    const op = merged.ops.find((o) => o.localId === ws.id)!;
    expect(op).toMatchObject({ kind: 'update', localAction: 'update' });
    expect(Object.fromEntries(op.fields.map((f) => [f.path, f.source]))).toEqual({ description: 'local', region: 'remote' });
    await a.apply(merged);
    expect(env.remoteRow('workspace', ws.id)!.data).toMatchObject({ description: 'from A', region: 'eu' });
    expect((await a.ok('workspaces:get', { id: ws.id })).region).toBe('eu');
    expect((await a.plan()).ops).toEqual([]);
  });

  it('T7: a remote delete between plan and apply is a conflict, "deleted remotely vs edited here"', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const member = await a.ok('members:create', { name: 'Ana', email: 'ana@example.com' });
    await a.sync();
    await a.ok('members:update', { id: member.id, changes: { name: 'Ana Admin' } });
    const plan = await a.plan();
    await remoteDelete(env, 'member', member.id, null);
    expect(await a.apply(plan)).toMatchObject({ conflict: 1, done: 0 });
    expect(env.remoteRow('member', member.id)).toBeNull();
    const next = await a.plan();
    expect(conflictOf(next, `member:${member.id}:*`)).toMatchObject({ reason: 'deleted-remotely', remote: null });
    // Keep mine puts it back; the member is on the remote again.
    await a.ok('sync:resolve', { remoteId: a.remote.id, key: `member:${member.id}:*`, choice: 'keep-local' });
    await converge(a);
    expect(env.remoteRow('member', member.id)!.data).toEqual({ name: 'Ana Admin', email: 'ana@example.com' });
  });

  it('T9: deleted here, edited there (and the reverse) are conflicts; resolved both ways', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search' });
    const keep = await a.ok('members:create', { name: 'Kim', email: 'kim@example.com' });
    const drop = await a.ok('members:create', { name: 'Dan', email: 'dan@example.com' });
    const k1 = await a.ok('keys:create', { workspaceId: ws.id, name: 'one' });
    const k2 = await a.ok('keys:create', { workspaceId: ws.id, name: 'two' });
    await a.sync();

    // Deleted here, edited on the remote.
    for (const k of [k1, k2]) {
      await a.ok('keys:revoke', { id: k.key.id });
      await a.ok('keys:delete', { id: k.key.id });
    }
    await remoteEdit(env, 'api_key', k1.key.id, ws.id, { name: 'one (renamed remotely)' });
    await remoteEdit(env, 'api_key', k2.key.id, ws.id, { rpm_limit: 99 });
    // Edited here, deleted on the remote.
    await a.ok('members:update', { id: keep.id, changes: { name: 'Kim K' } });
    await a.ok('members:update', { id: drop.id, changes: { name: 'Dan D' } });
    await remoteDelete(env, 'member', keep.id, null);
    await remoteDelete(env, 'member', drop.id, null);

    const plan = await a.plan();
    expect(conflictOf(plan, `api_key:${k1.key.id}:*`)).toMatchObject({ reason: 'deleted-locally', local: null });
    expect(conflictOf(plan, `api_key:${k2.key.id}:*`)).toMatchObject({ reason: 'deleted-locally' });
    expect(conflictOf(plan, `member:${keep.id}:*`)).toMatchObject({ reason: 'deleted-remotely', remote: null });
    expect(conflictOf(plan, `member:${drop.id}:*`)).toMatchObject({ reason: 'deleted-remotely' });
    const mark = env.proxy.forwardedWrites();
    await a.apply(plan);
    expect(writesSince(env, mark)).toBe(0);

    const choose = (key: string, choice: 'keep-local' | 'take-remote') => a.ok('sync:resolve', { remoteId: a.remote.id, key, choice });
    await choose(`api_key:${k1.key.id}:*`, 'keep-local'); // delete it there too
    await choose(`api_key:${k2.key.id}:*`, 'take-remote'); // bring it back here
    await choose(`member:${keep.id}:*`, 'keep-local'); // put it back there
    await choose(`member:${drop.id}:*`, 'take-remote'); // delete it here too
    const resolved = await a.plan();
    expect(resolved.conflicts).toEqual([]);
    expect(new Set(opsOf(resolved))).toEqual(
      new Set([`delete api_key ${k1.key.id}`, `pull api_key ${k2.key.id}`, `create member ${keep.id}`, `pull member ${drop.id}`]),
    );
    await a.apply(resolved);
    expect(env.remoteRow('api_key', k1.key.id)).toBeNull();
    expect((await a.ok('keys:list', { workspaceId: ws.id })).items.map((k) => [k.id, k.rpmLimit])).toEqual([[k2.key.id, 99]]);
    expect(env.remoteRow('member', keep.id)!.data['name']).toBe('Kim K');
    expect((await a.ok('members:list', {})).items.map((m) => m.id)).not.toContain(drop.id);
    expect((await a.plan()).ops).toEqual([]);
  });

  it('T9: a workspace delete shows the cascade warning and takes its keys on the remote too', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Old' });
    await a.ok('keys:create', { workspaceId: ws.id, name: 'one' });
    await a.ok('keys:create', { workspaceId: ws.id, name: 'two' });
    await a.sync();
    await a.ok('workspaces:delete', { id: ws.id, confirmName: 'Old' });
    const plan = await a.plan();
    const del = plan.ops.find((op) => op.type === 'workspace' && op.localId === ws.id)!;
    expect(del.kind).toBe('delete');
    expect(del.warnings).toEqual([expect.objectContaining({ code: 'cascade-deletes-keys', message: expect.stringMatching(/2 API key/) })]);
    // Deletes run children first (reverse dependency order), the workspace last, after all of them.
    const deletes = plan.ops.filter((op) => op.kind === 'delete');
    expect(deletes.at(-1)).toBe(del);
    expect(deletes.filter((op) => op.type === 'api_key')).toHaveLength(2);
    expect(del.dependsOn).toEqual(deletes.slice(0, -1).map((op) => op.ord));
    await a.apply(plan);
    expect(env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id)).toEqual([]);
    expect((await a.plan()).ops).toEqual([]);
  });

  it('T9: a workspace deleted here while the remote added a key in it: a conflict, nothing inside deleted meanwhile; take theirs restores it whole', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const { ws, member } = await populate(a, 'Old');
    await a.sync();
    const b = await laptopB();
    await converge(b);
    const bKey = await b.ok('keys:create', { workspaceId: ws.id, name: 'made on B' });
    await b.sync();
    const remoteBefore = env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id);
    await a.ok('workspaces:delete', { id: ws.id, confirmName: 'Old' });
    const plan = await a.plan();
    expect(conflictOf(plan, `workspace:${ws.id}:*`)).toMatchObject({ reason: 'deleted-locally', local: null });
    // Held back: neither the workspace nor anything inside it is deleted on the remote.
    expect(plan.ops.filter((op) => op.workspaceId === ws.id).map((op) => op.kind)).toEqual(['conflict']);
    const mark = env.proxy.forwardedWrites();
    await a.apply(plan);
    expect(writesSince(env, mark)).toBe(0);
    expect(env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id)).toEqual(remoteBefore);

    // Take theirs: the workspace comes back here with everything inside it, B's key included.
    await a.ok('sync:resolve', { remoteId: a.remote.id, key: `workspace:${ws.id}:*`, choice: 'take-remote' });
    const restore = await a.plan();
    expect(restore.conflicts).toEqual([]);
    expect(restore.ops.filter((op) => op.workspaceId === ws.id).every((op) => op.kind === 'pull' && op.localAction === 'create')).toBe(true);
    await a.apply(restore);
    expect(env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id)).toEqual(remoteBefore);
    expect((await a.ok('workspaces:get', { id: ws.id })).name).toBe('Old');
    expect((await a.ok('keys:list', { workspaceId: ws.id })).items.map((k) => k.name).sort()).toEqual(['backend', 'batch', 'made on B']);
    expect(await a.ok('budgets:get', { workspaceId: ws.id })).toMatchObject({ thresholds: [50, 90, 100], mode: 'hard' });
    expect((await a.ok('workspaceMembers:list', { workspaceId: ws.id })).items.find((m) => m.memberId === member.id)?.role).toBe('editor');
    await converge(a);
    expect(env.remoteRow('api_key', bKey.key.id)).not.toBeNull();
  });

  it('T9: the same conflict, keep mine: the workspace is deleted on the remote with its keys (the warning says so)', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Old' });
    await a.sync();
    const b = await laptopB();
    await converge(b);
    await b.ok('keys:create', { workspaceId: ws.id, name: 'made on B' });
    await b.sync();
    await a.ok('workspaces:delete', { id: ws.id, confirmName: 'Old' });
    await a.ok('sync:resolve', { remoteId: a.remote.id, key: `workspace:${(await a.plan()).conflicts[0]!.localId}:*`, choice: 'keep-local' });
    const plan = await a.plan();
    expect(plan.conflicts).toEqual([]);
    const del = plan.ops.find((op) => op.type === 'workspace' && op.localId === ws.id)!;
    expect(del).toMatchObject({ kind: 'delete', warnings: [expect.objectContaining({ code: 'cascade-deletes-keys' })] });
    await a.apply(plan);
    expect(env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id)).toEqual([]);
    expect((await a.plan()).ops).toEqual([]);
    await converge(b);
    expect((await b.ok('workspaces:list', {})).items.map((w) => w.id)).not.toContain(ws.id);
  });

  it('T9: a workspace deleted on the remote while a key in it changed here: a conflict, nothing deleted here meanwhile; keep mine restores it whole', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const { ws, backend, member } = await populate(a, 'Kept');
    await a.sync();
    await a.ok('keys:revoke', { id: backend.key.id });
    await remoteDelete(env, 'workspace', ws.id, null);
    const plan = await a.plan();
    expect(conflictOf(plan, `workspace:${ws.id}:*`)).toMatchObject({ reason: 'deleted-remotely', remote: null });
    expect(plan.ops.filter((op) => op.workspaceId === ws.id && op.kind === 'pull')).toEqual([]);
    await a.apply(plan);
    // Nothing inside it was deleted here while the admin decides.
    expect(await a.ok('budgets:get', { workspaceId: ws.id })).toMatchObject({ thresholds: [50, 90, 100], mode: 'hard' });
    expect((await a.ok('workspaceMembers:list', { workspaceId: ws.id })).items.map((m) => m.memberId)).toContain(member.id);

    await a.ok('sync:resolve', { remoteId: a.remote.id, key: `workspace:${ws.id}:*`, choice: 'keep-local' });
    const restore = await a.plan();
    expect(restore.conflicts).toEqual([]);
    expect(restore.ops.filter((op) => op.workspaceId === ws.id).every((op) => op.kind === 'create')).toBe(true);
    await a.apply(restore);
    expect(env.remoteRow('workspace', ws.id)!.data['name']).toBe('Kept');
    expect(env.remoteRow('budget', ws.id)!.data).toMatchObject({ thresholds: [50, 90, 100], mode: 'hard' });
    expect(env.remoteRow('workspace_member', member.id, ws.id)!.data).toEqual({ role: 'editor' });
    expect(env.remoteRow('api_key', backend.key.id)).toMatchObject({ data: expect.objectContaining({ status: 'revoked' }), secret: { secret_sha256: sha256(backend.secret) } });
    // …and nothing was lost here on the way: the keys (with their secrets) and the budget stay.
    const here = async () => ({
      keys: (await a.ok('keys:list', { workspaceId: ws.id })).items.map((k) => `${k.name} ${k.status}`).sort(),
      budget: await a.ok('budgets:get', { workspaceId: ws.id }),
    });
    const before = await here();
    expect(before.keys).toEqual(['backend revoked', 'batch active']);
    expect(before.budget).toMatchObject({ thresholds: [50, 90, 100], mode: 'hard' });
    expect((await a.ok('keys:verify', { secret: backend.secret })).keyId).toBe(backend.key.id);
    expect((await converge(a)).at(-1)!.ops).toEqual([]);
    expect(await here()).toEqual(before);
    expect(env.remoteRows().filter((r) => r.parentId === ws.id).map((r) => r.type).sort()).toEqual(['api_key', 'api_key', 'budget', 'model_grants', 'provider_access', 'workspace_member', 'workspace_member']);
  });
});

describe('keys whose secret this laptop never had', () => {
  it('"keep mine" for a pulled key deleted on the remote cannot put it back (no hash to send): the plan says so and the remote delete stands', async () => {
    env = await startSyncEnv();
    const a = await laptop();
    const ws = await a.ok('workspaces:create', { name: 'Search' });
    const key = await a.ok('keys:create', { workspaceId: ws.id, name: 'made on A' });
    await a.sync();
    const b = await laptopB();
    await converge(b);
    await b.ok('keys:revoke', { id: key.key.id });
    await remoteDelete(env, 'api_key', key.key.id, ws.id);
    const plan = await b.plan();
    const conflictKey = `api_key:${key.key.id}:*`;
    expect(conflictOf(plan, conflictKey)).toMatchObject({ reason: 'deleted-remotely' });
    await b.ok('sync:resolve', { remoteId: b.remote.id, key: conflictKey, choice: 'keep-local' });
    const resolved = await b.plan();
    const op = resolved.ops.find((o) => o.localId === key.key.id)!;
    expect(op).toMatchObject({ kind: 'pull', localAction: 'delete', warnings: [expect.objectContaining({ code: 'secret-unknown' })] });
    const mark = env.proxy.forwardedWrites();
    expect(await b.apply(resolved)).toMatchObject({ state: 'applied', failed: 0 });
    expect(writesSince(env, mark)).toBe(0);
    expect((await b.ok('keys:list', { workspaceId: ws.id })).items).toEqual([]);
    expect((await b.plan()).ops).toEqual([]);
  });
});

describe("the remote's limits", () => {
  it("become this laptop's limits once a plan read them (create beyond → E_LIMIT)", async () => {
    env = await startSyncEnv({ limits: { max_workspaces: 3, max_keys_per_workspace: 2, max_name_length: 20 } });
    const a = await laptop();
    await a.ok('workspaces:create', { name: 'One' });
    await a.plan();
    expect((await a.ok('remotes:list', {})).remotes[0]!.limits).toEqual({ maxWorkspaces: 3, maxKeysPerWorkspace: 2, maxNameLength: 20 });
    // The default workspace counts: two exist, one more fits.
    const two = await a.ok('workspaces:create', { name: 'Two' });
    expect(await a.fails('workspaces:create', { name: 'Three' })).toMatchObject({ code: 'E_LIMIT', message: expect.stringContaining('gw') });
    expect(await a.fails('workspaces:update', { id: two.id, changes: { name: 'A name of 21 letters.' } })).toMatchObject({ code: 'E_VALIDATION' });
    await a.ok('keys:create', { workspaceId: two.id, name: 'k1' });
    await a.ok('keys:create', { workspaceId: two.id, name: 'k2' });
    expect(await a.fails('keys:create', { workspaceId: two.id, name: 'k3' })).toMatchObject({ code: 'E_LIMIT' });
    // And what fits locally fits remotely: the sync goes through.
    expect(await converge(a)).toHaveLength(2);
    expect(env.remoteRows('workspace')).toHaveLength(3);
  });
});
