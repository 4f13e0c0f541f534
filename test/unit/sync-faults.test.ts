/**
 * Sync through the fault-injecting proxy (design tests T1–T5), and the headline count: 1,000
 * operations at 45 % injected faults → 0 lost, 0 doubled. The laptop's sync adapter sleeps on a
 * recorded, instant clock (see sync-harness), so every wait is asserted exactly and costs nothing.
 */
import { describe, expect, it } from 'vitest';
import { resourcePath as resourcePathOf, WRITE_ONLY_FIELDS, type ResourceType } from '../../shared/gateway-protocol/v1';
import { createSyncLocalRepository } from '../../electron/core/store/sync-local-repository';
import { fault, type FaultAction, type ProxyLogEntry } from '../reference-gateway/faulty-proxy';
import { createApi } from '../reference-gateway/test-kit';
import { ADMIN_A, converge, faultSchedule, laptopsClosedAfterEach, opsOf, seeded, startSyncEnv, type Laptop, type LaptopOptions, type SyncEnv } from './sync-harness';

let env: SyncEnv;
const laptop = laptopsClosedAfterEach(() => env);

/** A laptop with one synced workspace, and a second workspace waiting to be created. */
async function setup(options: LaptopOptions = {}) {
  env = await startSyncEnv();
  const a = await laptop(options);
  const synced = await a.ok('workspaces:create', { name: 'Synced' });
  await converge(a);
  const ws = await a.ok('workspaces:create', { name: 'Search' });
  const path = `/v1/workspaces/${ws.id}`;
  return { a, ws, synced, path, rule: (action: FaultAction | 'dropResponseAfterCommit' | 'timeoutBeforeCommit' | 'duplicateDelivery', nth = 1) => env.proxy.addRule({ method: 'PUT', path: new RegExp(`^${path}$`), nth, action }) };
}

/** The proxy log entries of one path since the setup. */
const requestsTo = (path: string): ProxyLogEntry[] => env.proxy.log.filter((e) => e.path === path && e.method !== 'GET');
/** The journal of the laptop's latest apply for one entity. */
const journalOf = (a: Laptop, localId: string, type: ResourceType = 'workspace') =>
  a.core.db
    .prepare('SELECT state, attempts, last_status AS status, message, idempotency_key AS key FROM sync_ops WHERE local_id = ? AND entity_type = ? ORDER BY rowid DESC LIMIT 1')
    .get(localId, type) as { state: string; attempts: number; status: number; message: string | null; key: string };
const idempotencyRows = (path: string) => env.gateway.db.prepare('SELECT key, status FROM idempotency WHERE path = ?').all(path) as { key: string; status: number }[];
const upserts = (id: string, type: ResourceType = 'workspace') => env.remoteChanges().filter((c) => c.type === type && c.id === id && c.op === 'upsert').map((c) => c.version);

async function applyAll(a: Laptop) {
  const plan = await a.plan();
  return { plan, result: await a.apply(plan) };
}

describe('faults on a write (T1–T5)', () => {
  it('T1: response lost after commit → retried with the same Idempotency-Key, replayed, exactly 1 object', async () => {
    const { a, ws, path, rule } = await setup();
    rule('dropResponseAfterCommit');
    const seen: string[] = [];
    env.proxy.addRule({ method: 'PUT', path: new RegExp(`^${path}$`), nth: 2, action: fault.beforeForward((req) => void seen.push(String(req.headers['idempotency-key']))) });
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'applied', failed: 0, conflict: 0 });
    const requests = requestsTo(path);
    expect(requests.map((e) => [e.outcome, e.forwarded, e.upstreamStatuses])).toEqual([
      ['dropped', true, [201]],
      ['answered', true, [201]],
    ]);
    const journal = journalOf(a, ws.id);
    expect(journal).toMatchObject({ state: 'done', attempts: 2, status: 201, message: expect.stringMatching(/Replayed/) });
    // The retry carried the key the first (committed) request was stored under.
    expect(idempotencyRows(path)).toEqual([{ key: journal.key, status: 201 }]);
    expect(seen).toEqual([`"${journal.key}"`]);
    expect(upserts(ws.id)).toEqual([1]);
    expect(a.sleeps).toEqual([1]); // one backoff: base 1 ms × 2^0, no jitter
    expect((await a.plan()).ops).toEqual([]);
  });

  it('T2: timeout before commit → retried; exactly 1 object', async () => {
    const { a, ws, path, rule } = await setup({ timeoutMs: 300 });
    rule('timeoutBeforeCommit');
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'applied', failed: 0 });
    expect(requestsTo(path).map((e) => [e.outcome, e.forwarded])).toEqual([
      ['abandoned', false],
      ['answered', true],
    ]);
    expect(journalOf(a, ws.id)).toMatchObject({ state: 'done', attempts: 2, status: 201, message: null });
    expect(upserts(ws.id)).toEqual([1]);
    expect(env.remoteRows('workspace').filter((w) => w.id === ws.id)).toHaveLength(1);
  });

  it.each([
    [500, 'before' as const, 201, null],
    [502, 'before' as const, 201, null],
    [500, 'after' as const, 201, /Replayed/],
    [502, 'after' as const, 201, /Replayed/],
  ])('T3: %i %s commit → retried; exactly 1 object', async (code, when, status, message) => {
    const { a, ws, path, rule } = await setup();
    rule(fault.status(code, when));
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'applied', failed: 0 });
    const [first, second] = requestsTo(path);
    expect(first).toMatchObject({ status: code, forwarded: when === 'after' });
    expect(second).toMatchObject({ status, forwarded: true });
    expect(journalOf(a, ws.id)).toMatchObject({ state: 'done', attempts: 2, status, message: message ? expect.stringMatching(message) : null });
    expect(upserts(ws.id)).toEqual([1]);
    expect(idempotencyRows(path)).toHaveLength(1);
  });

  it('T3: the same on an update (If-Match): the version moves by exactly one', async () => {
    const { a, synced } = await setup();
    await converge(a);
    await a.ok('workspaces:update', { id: synced.id, changes: { description: 'changed' } });
    env.proxy.addRule({ method: 'PUT', path: new RegExp(`^/v1/workspaces/${synced.id}$`), nth: 1, action: fault.status(502, 'after') });
    env.proxy.addRule({ method: 'PUT', path: new RegExp(`^/v1/workspaces/${synced.id}$`), nth: 2, action: 'dropResponseAfterCommit' });
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'applied', failed: 0, conflict: 0 });
    expect(journalOf(a, synced.id)).toMatchObject({ state: 'done', attempts: 3, status: 200, message: expect.stringMatching(/Replayed/) });
    expect(upserts(synced.id)).toEqual([1, 2]);
    expect(env.remoteRow('workspace', synced.id)).toMatchObject({ version: 2, data: expect.objectContaining({ description: 'changed' }) });
  });

  it('T4: 429 with Retry-After in seconds and as an HTTP-date, 503 with Retry-After: the exact waits, nothing sent meanwhile', async () => {
    // The adapter's clock is frozen on a whole second, so an HTTP-date (whole seconds) is an exact wait.
    const t0 = new Date('2026-07-01T10:00:00.000Z');
    const { a, ws, path, rule } = await setup({ adapterNow: () => t0 });
    rule(fault.status429('2'), 1);
    rule(fault.status429(new Date(t0.getTime() + 3_000)), 2);
    rule(fault.status(503, 'before', '1'), 3);
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'applied', failed: 0 });
    expect(a.sleeps).toEqual([2_000, 3_000, 1_000]);
    const requests = requestsTo(path);
    expect(requests.map((e) => [e.status, e.forwarded])).toEqual([
      [429, false],
      [429, false],
      [503, false],
      [201, true],
    ]);
    // Each wait happened between two consecutive requests to this path: nothing else was sent meanwhile.
    const writes = env.proxy.log.filter((e) => e.method !== 'GET');
    const at = writes.indexOf(requests[0]!);
    expect(writes.slice(at, at + 4)).toEqual(requests);
    expect(journalOf(a, ws.id)).toMatchObject({ state: 'done', attempts: 4, status: 201 });
  });

  it('T4: a Retry-After beyond the cap fails the operation (retryable, with the wait named); the next plan/apply finishes it', async () => {
    const { a, ws, path, rule } = await setup();
    rule(fault.status429('600'));
    const { result } = await applyAll(a);
    expect(result).toMatchObject({ state: 'failed', failed: 1, done: 0 });
    expect(a.sleeps).toEqual([]); // not waited for
    expect(requestsTo(path)).toHaveLength(1);
    // The outcome is unknown to the laptop (a 429 could come from anything in front of the gateway):
    // the op stays `sent`, to be settled by replaying its key, never by a blind re-send.
    expect(journalOf(a, ws.id)).toMatchObject({ state: 'sent', attempts: 1, status: 429, message: expect.stringMatching(/Outcome unknown.*retry after 600 s|Outcome unknown/) });
    // Dependents of the failed create were not sent.
    const skipped = a.core.db.prepare("SELECT COUNT(*) FROM sync_ops WHERE run_id = ? AND state = 'skipped'").pluck().get(result.runId) as number;
    expect(skipped).toBe(result.skipped);
    expect(skipped).toBeGreaterThan(0);
    expect(env.remoteRows().filter((r) => r.id === ws.id || r.parentId === ws.id)).toEqual([]);
    const again = await applyAll(a);
    // The next plan settled it with the same key; the new plan holds only what was skipped.
    expect(a.core.db.prepare("SELECT state FROM sync_ops WHERE run_id = ? AND entity_type = 'workspace' AND local_id = ?").pluck().get(result.runId, ws.id)).toBe('done');
    expect(opsOf(again.plan)).not.toContain(`create workspace ${ws.id}`);
    expect(idempotencyRows(path)).toEqual([{ key: journalOf(a, ws.id).key, status: 201 }]);
    expect(again.result).toMatchObject({ state: 'applied', failed: 0 });
    expect(upserts(ws.id)).toEqual([1]);
  });

  it('T5: duplicated delivery (two copies with one key at once) → one execution; the version moves by exactly one', async () => {
    const { a, ws, synced, path, rule } = await setup();
    rule('duplicateDelivery');
    const first = await applyAll(a);
    expect(first.result).toMatchObject({ state: 'applied', failed: 0 });
    const [copy] = requestsTo(path);
    expect(copy!.upstreamStatuses).toHaveLength(2);
    // One copy executed (201); the other was refused in flight (409) or replayed (201).
    expect(copy!.upstreamStatuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(copy!.upstreamStatuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(upserts(ws.id)).toEqual([1]);
    expect(idempotencyRows(path)).toHaveLength(1);

    // On an update too: v1 → v2, never v3.
    await a.ok('workspaces:update', { id: synced.id, changes: { description: 'twice?' } });
    env.proxy.addRule({ method: 'PUT', path: new RegExp(`^/v1/workspaces/${synced.id}$`), action: 'duplicateDelivery' });
    const second = await applyAll(a);
    expect(second.result).toMatchObject({ state: 'applied', failed: 0, conflict: 0 });
    expect(upserts(synced.id)).toEqual([1, 2]);
    expect((await a.plan()).ops).toEqual([]);
  });

  it('T5: the same key on another request is refused (422 idempotency-key-reused): permanent, nothing written; a new plan finishes it', async () => {
    const { a, ws, path } = await setup();
    const plan = await a.plan();
    const key = `gh-${plan.runId}-${plan.ops.find((op) => op.localId === ws.id)!.ord}`;
    // Another request of the same admin key (keys are scoped per principal) already used that key.
    const sameAdmin = createApi(env.gateway.url, a.credential);
    expect((await sameAdmin('PUT', '/v1/members/mem-squat01', { ifNoneMatch: '*', idempotencyKey: key, body: { data: { name: 'Squat', email: 'squat@example.com' } } })).status).toBe(201);
    const result = await a.apply(plan);
    expect(result).toMatchObject({ failed: 1 });
    expect(requestsTo(path).map((e) => e.status)).toEqual([422]);
    expect(journalOf(a, ws.id)).toMatchObject({ state: 'failed', attempts: 1, status: 422 });
    expect(env.remoteRow('workspace', ws.id)).toBeNull();
    // A new plan is a new run with new keys.
    await converge(a);
    expect(upserts(ws.id)).toEqual([1]);
  });
});

// ---- The headline count -----------------------------------------------------------------------

/** One round of random admin edits through the domain channels. */
async function randomEdits(a: Laptop, random: () => number, count: number, round: number): Promise<void> {
  const db = a.core.db;
  const pick = <T>(list: readonly T[]): T | undefined => (list.length === 0 ? undefined : list[Math.floor(random() * list.length)]);
  const models = ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-11-20', 'gpt-4o-2024-08-06'];
  for (let i = 0; i < count; i++) {
    const workspaces = db.prepare('SELECT id, name FROM workspaces WHERE is_default = 0').all() as { id: string; name: string }[];
    const members = db.prepare('SELECT id FROM members WHERE is_local_user = 0').pluck().all() as string[];
    const roll = random();
    const ws = pick(workspaces);
    try {
      if (roll < 0.04 || !ws) {
        if (workspaces.length < 24) await a.ok('workspaces:create', { name: `Team ${round}.${i}`, description: `round ${round}` });
      } else if (roll < 0.3) {
        const active = db.prepare('SELECT COUNT(*) FROM api_keys WHERE workspace_id = ? AND revoked_at IS NULL').pluck().get(ws.id) as number;
        if (active < 30) await a.ok('keys:create', { workspaceId: ws.id, name: `key ${round}.${i}`, rpmLimit: 1 + Math.floor(random() * 1000) });
      } else if (roll < 0.4) {
        const key = pick(db.prepare('SELECT id FROM api_keys WHERE revoked_at IS NULL').pluck().all() as string[]);
        if (key) await a.ok('keys:revoke', { id: key });
      } else if (roll < 0.46) {
        const key = pick(db.prepare('SELECT id FROM api_keys WHERE revoked_at IS NOT NULL').pluck().all() as string[]);
        if (key) await a.ok('keys:delete', { id: key });
      } else if (roll < 0.52) {
        const key = pick(db.prepare('SELECT id FROM api_keys WHERE revoked_at IS NULL').pluck().all() as string[]);
        if (key) await a.ok('keys:rotate', { id: key, graceSeconds: random() < 0.5 ? 0 : 3600 });
      } else if (roll < 0.6) {
        await a.ok('workspaces:update', { id: ws.id, changes: random() < 0.5 ? { name: `${ws.name.split(' ~')[0]} ~${round}.${i}` } : { description: `edited ${round}.${i}` } });
      } else if (roll < 0.68) {
        if (members.length < 30) await a.ok('members:create', { name: `Member ${round}.${i}`, email: `m${round}x${i}@example.com` });
        else await a.ok('members:update', { id: pick(members)!, changes: { name: `Renamed ${round}.${i}` } });
      } else if (roll < 0.8) {
        const member = pick(members);
        if (!member) continue;
        const has = db.prepare('SELECT role FROM workspace_members WHERE workspace_id = ? AND member_id = ?').pluck().get(ws.id, member) as string | undefined;
        const role = pick(['admin', 'editor', 'viewer'] as const)!;
        if (!has) await a.ok('workspaceMembers:add', { workspaceId: ws.id, memberId: member, role });
        else if (random() < 0.7) await a.ok('workspaceMembers:setRole', { workspaceId: ws.id, memberId: member, role: has === 'viewer' ? 'editor' : 'viewer' });
        else await a.ok('workspaceMembers:remove', { workspaceId: ws.id, memberId: member });
      } else if (roll < 0.9) {
        const chosen = models.filter(() => random() < 0.5);
        await a.ok('modelGrants:save', { workspaceId: ws.id, grants: chosen.map((modelId) => ({ modelId, rpmLimit: 10 + Math.floor(random() * 500), tpmLimit: null })) });
      } else if (roll < 0.98) {
        await a.ok('budgets:update', { workspaceId: ws.id, thresholds: random() < 0.5 ? [50, 80, 100] : [75, 100], mode: random() < 0.5 ? 'alert' : 'hard' });
      } else {
        await a.ok('workspaces:delete', { id: ws.id, confirmName: ws.name });
      }
    } catch (error) {
      // A random edit the local rules refuse (a limit, an owner, a last admin) is simply not made.
      if (!/E_LIMIT|E_CONFLICT|E_VALIDATION|E_FORBIDDEN/.test(String(error))) throw error;
    }
  }
}

describe('the headline count', () => {
  it('1,000 operations at 45 % injected faults → 0 lost, 0 doubled', { timeout: 120_000 }, async () => {
    env = await startSyncEnv({ limits: { max_workspaces: 30, max_keys_per_workspace: 40, max_name_length: 64 } });
    const a = await laptop({ timeoutMs: 250 });
    const random = seeded(20260701);
    await a.plan(); // reads the remote's limits: they become this laptop's
    const scheduled = faultSchedule(env.proxy, random, 4_000, 0.45);

    let operations = 0;
    let rounds = 0;
    const states = { done: 0, failed: 0, conflict: 0, skipped: 0 };
    while (operations < 1_000) {
      rounds += 1;
      await randomEdits(a, random, rounds === 1 ? 260 : 140, rounds);
      const plan = await a.plan();
      expect(plan.conflicts).toEqual([]);
      const runnable = plan.ops.filter((op) => op.kind !== 'conflict' && op.kind !== 'pull').length;
      if (runnable === 0) continue;
      operations += runnable;
      const result = await a.apply(plan);
      for (const k of Object.keys(states) as (keyof typeof states)[]) states[k] += result[k];
    }
    const faultyLog = env.proxy.log.filter((e) => e.method !== 'GET');
    const injected = faultyLog.filter((e) => e.action !== null);
    const byKind = Object.fromEntries([...new Set(injected.map((e) => e.action!))].map((k) => [k, injected.filter((e) => e.action === k).length]));

    // Faults cleared: one more plan/apply (or a few, for dependents of what failed) settles the rest.
    env.proxy.clearRules();
    const settle = await converge(a, 'keep-local', 4);
    const settleOps = settle.reduce((n, p) => n + p.ops.length, 0);

    // Lost: a local resource not on the remote (or not as it is here).
    const local = createSyncLocalRepository(a.core.db).readAll();
    const remote = env.remoteRows();
    const keyOf = (type: string, id: string, parentId: string | null) => `${type}:${parentId ?? ''}:${id}`;
    const remoteBy = new Map(remote.map((r) => [keyOf(r.type, r.id, r.parentId), r]));
    const readable = (type: ResourceType, data: Record<string, unknown>) =>
      JSON.stringify(Object.fromEntries(Object.entries(data).filter(([f]) => !WRITE_ONLY_FIELDS[type].includes(f) && f !== 'secret_fingerprint').sort(([x], [y]) => (x < y ? -1 : 1))));
    const lost = local.filter((l) => {
      const r = remoteBy.get(keyOf(l.type, l.id, l.parentId));
      if (!r) return true;
      const sorted = (d: Record<string, unknown>) => readable(l.type, JSON.parse(JSON.stringify(d, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v))) as Record<string, unknown>);
      if (sorted(l.data) !== sorted(r.data)) return true;
      if (l.type === 'api_key') {
        if (r.secret['secret_sha256'] !== l.data['secret_sha256']) return true;
        if ((r.secret['previous_secret_sha256'] ?? null) !== (l.data['previous_secret_sha256'] ?? null)) return true;
      }
      return false;
    });
    // Doubled: a remote object this laptop does not have, a change sent again under a new key (it
    // meets its own first copy: 412 / 404), or a resource with more versions than executed writes.
    const localKeys = new Set(local.map((l) => keyOf(l.type, l.id, l.parentId)));
    const extra = remote.filter((r) => !localKeys.has(keyOf(r.type, r.id, r.parentId)));
    const answers = env.gateway.db.prepare('SELECT path, status FROM idempotency WHERE principal = ?').all(ADMIN_A.label) as { path: string; status: number }[];
    const executed = new Map<string, number>();
    for (const row of answers) if (row.status < 300) executed.set(row.path, (executed.get(row.path) ?? 0) + 1);
    const sentAgain = answers.filter((row) => row.status === 412 || row.status === 404).length;
    const changes = env.remoteChanges();
    const overVersioned = remote.filter((r) => {
      const writes = changes.filter((c) => c.type === r.type && c.id === r.id && c.parentId === r.parentId && c.op === 'upsert').length;
      return r.version !== writes || writes > (executed.get(resourcePathOf(r.type, r.id, r.parentId)) ?? 0);
    });
    const doubled = extra.length + sentAgain + overVersioned.length;

    console.log(
      `[sync-faults] ${operations} operations in ${rounds} applies; ${faultyLog.length} write requests, ${injected.length} faults injected ` +
        `(${Math.round((injected.length / faultyLog.length) * 100)} %; scheduled ${scheduled}): ${JSON.stringify(byKind)}; ` +
        `op outcomes under faults ${JSON.stringify(states)}; settled with ${settle.length} more plan(s), ${settleOps} op(s); ` +
        `${local.length} local resources, ${remote.length} remote objects → lost ${lost.length}, doubled ${doubled} ` +
        `(extra ${extra.length}, sent again ${sentAgain}, over-versioned ${overVersioned.length}); ${a.sleeps.length} waits`,
    );
    expect(operations).toBeGreaterThanOrEqual(1_000);
    expect(injected.length / faultyLog.length).toBeGreaterThan(0.4);
    expect(lost).toEqual([]);
    expect(extra).toEqual([]);
    expect(sentAgain).toBe(0);
    expect(overVersioned).toEqual([]);
    expect(settle.at(-1)!.ops).toEqual([]);
    expect((await a.ok('sync:status', {})).pendingChanges).toBe(0);
    expect(a.logs).toEqual([]);
  });
});
