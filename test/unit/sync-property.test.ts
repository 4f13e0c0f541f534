/**
 * T16, the convergence property (fast-check): random local edits on a laptop, random edits made
 * directly on the gateway (HTTP with If-Match, as another admin) and injected faults; then plan,
 * resolve every conflict one way (all keep-local or all take-remote), apply, faults cleared,
 * repeated (bounded) →
 *   - the plan ends empty, and local == remote;
 *   - no duplicate remote objects (ids, workspace names, member emails, one default);
 *   - every true conflict (a field both sides changed to different values; deleted on one side,
 *     changed on the other) appeared in the plan, and nothing else did;
 *   - each conflict ended the way the admin chose.
 * The oracle is independent of the engine: the state both sides agreed at the start of a round
 * (read from the gateway), what each side holds now, and git's diff3 rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SyncPlan } from '../../shared/contract/sync-schemas';
import { WRITE_ONLY_FIELDS, type ResourceType } from '../../shared/gateway-protocol/v1';
import { createSyncLocalRepository } from '../../electron/core/store/sync-local-repository';
import { ADMIN_B, faultSchedule, openLaptop, remoteDelete, remoteEdit, seeded, startSyncEnv, type Laptop, type SyncEnv } from './sync-harness';

const MODELS = ['gpt-4o', 'gpt-4o-mini', 'gpt-4o-2024-08-06'] as const;
const ROLES = ['admin', 'editor', 'viewer'] as const;

type LocalEdit =
  | { kind: 'renameWs'; ws: number }
  | { kind: 'createWs' }
  | { kind: 'deleteWs'; ws: number }
  | { kind: 'createKey'; ws: number }
  | { kind: 'revokeKey'; key: number }
  | { kind: 'deleteKey'; key: number }
  | { kind: 'grant'; ws: number; model: number; rpm: number }
  | { kind: 'ungrant'; ws: number; model: number }
  | { kind: 'role'; ws: number; member: number; role: number };
type RemoteEditCmd =
  | { kind: 'renameWs'; ws: number }
  | { kind: 'keyName'; key: number }
  | { kind: 'keyRpm'; key: number; rpm: number }
  | { kind: 'grant'; ws: number; model: number; rpm: number }
  | { kind: 'ungrant'; ws: number; model: number }
  | { kind: 'role'; ws: number; member: number; role: number }
  | { kind: 'deleteKey'; key: number }
  | { kind: 'deleteWs'; ws: number };
interface Round {
  local: LocalEdit[];
  remote: RemoteEditCmd[];
  choice: 'keep-local' | 'take-remote';
  faultRate: number;
  faultSeed: number;
}

const idx = fc.nat({ max: 50 });
const localEdit: fc.Arbitrary<LocalEdit> = fc.oneof(
  fc.record({ kind: fc.constant('renameWs' as const), ws: idx }),
  fc.record({ kind: fc.constant('createWs' as const) }),
  fc.record({ kind: fc.constant('deleteWs' as const), ws: idx }),
  fc.record({ kind: fc.constant('createKey' as const), ws: idx }),
  fc.record({ kind: fc.constant('revokeKey' as const), key: idx }),
  fc.record({ kind: fc.constant('deleteKey' as const), key: idx }),
  fc.record({ kind: fc.constant('grant' as const), ws: idx, model: idx, rpm: fc.integer({ min: 1, max: 900 }) }),
  fc.record({ kind: fc.constant('ungrant' as const), ws: idx, model: idx }),
  fc.record({ kind: fc.constant('role' as const), ws: idx, member: idx, role: idx }),
);
const remoteEditCmd: fc.Arbitrary<RemoteEditCmd> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('renameWs' as const), ws: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('keyName' as const), key: idx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('keyRpm' as const), key: idx, rpm: fc.integer({ min: 1, max: 900 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('grant' as const), ws: idx, model: idx, rpm: fc.integer({ min: 1, max: 900 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('ungrant' as const), ws: idx, model: idx }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('role' as const), ws: idx, member: idx, role: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteKey' as const), key: idx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteWs' as const), ws: idx }) },
);
const round: fc.Arbitrary<Round> = fc.record({
  local: fc.array(localEdit, { minLength: 1, maxLength: 8 }),
  remote: fc.array(remoteEditCmd, { minLength: 1, maxLength: 6 }),
  choice: fc.constantFrom('keep-local' as const, 'take-remote' as const),
  faultRate: fc.constantFrom(0, 0.3, 0.5),
  faultSeed: fc.integer(),
});

// ---- The oracle's view of a state: entity → flattened readable fields ----------------------------

type Flat = Map<string, string>;
type State = Map<string, { type: ResourceType; id: string; parentId: string | null; fields: Flat }>;
const MAPS: Partial<Record<ResourceType, string>> = { model_grants: 'grants', provider_access: 'entries' };
const entityKey = (type: string, id: string, parentId: string | null) => `${type}:${type === 'workspace_member' ? `${parentId}/${id}` : id}`;

function flat(type: ResourceType, data: Record<string, unknown>): Flat {
  const out: Flat = new Map();
  for (const [field, value] of Object.entries(data)) {
    if (WRITE_ONLY_FIELDS[type].includes(field) || field === 'secret_fingerprint') continue;
    if (MAPS[type] === field) for (const [entry, v] of Object.entries(value as Record<string, unknown>)) out.set(`${field}.${entry}`, JSON.stringify(v));
    else out.set(field, JSON.stringify(value));
  }
  return out;
}
function remoteState(env: SyncEnv): State {
  return new Map(env.remoteRows().map((r) => [entityKey(r.type, r.id, r.parentId), { type: r.type, id: r.id, parentId: r.parentId, fields: flat(r.type, r.data) }]));
}
function localState(l: Laptop): State {
  return new Map(createSyncLocalRepository(l.core.db).readAll().map((r) => [entityKey(r.type, r.id, r.parentId), { type: r.type, id: r.id, parentId: r.parentId, fields: flat(r.type, r.data) }]));
}
const sameFlat = (a: Flat, b: Flat) => a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);

/** The conflicts git's diff3 rules say a plan must show, from base (agreed), local and remote. */
function trueConflicts(base: State, local: State, remote: State): Map<string, { kind: 'field' | 'deleted-locally' | 'deleted-remotely'; path: string }> {
  const out = new Map<string, { kind: 'field' | 'deleted-locally' | 'deleted-remotely'; path: string }>();
  const changedInside = (side: State, ws: string) =>
    [...side.values()].some((e) => e.type !== 'workspace' && e.parentId === ws && (!base.has(entityKey(e.type, e.id, e.parentId)) || !sameFlat(base.get(entityKey(e.type, e.id, e.parentId))!.fields, e.fields)));
  for (const key of new Set([...base.keys(), ...local.keys(), ...remote.keys()])) {
    const l = local.get(key);
    const r = remote.get(key);
    const b = base.get(key) ?? { type: (l ?? r)!.type, id: (l ?? r)!.id, parentId: (l ?? r)!.parentId, fields: new Map() as Flat };
    if (!base.has(key) && !(l && r)) continue; // new on one side only: a create or a pull
    if (l && r) {
      // (Both sides may also have added it, e.g. the first model grant of a workspace: add/add.)
      for (const path of new Set([...b.fields.keys(), ...l.fields.keys(), ...r.fields.keys()])) {
        const [bv, lv, rv] = [b.fields.get(path), l.fields.get(path), r.fields.get(path)];
        if (lv !== bv && rv !== bv && lv !== rv) out.set(`${key}:${path}`, { kind: 'field', path });
      }
    } else if (!l && r) {
      if (!sameFlat(b.fields, r.fields) || (b.type === 'workspace' && changedInside(remote, b.id))) out.set(`${key}:*`, { kind: 'deleted-locally', path: '*' });
    } else if (l && !r) {
      if (!sameFlat(b.fields, l.fields) || (b.type === 'workspace' && changedInside(local, b.id))) out.set(`${key}:*`, { kind: 'deleted-remotely', path: '*' });
    }
  }
  return out;
}

/**
 * What both sides must hold once the round's plan was resolved with `choice` and applied: git's
 * diff3 per field; a one-sided entity is a create/pull when new, follows the delete when unchanged,
 * and the admin's choice when changed (a conflict). A workspace deleted on one side while it or
 * something inside it changed on the other is one conflict: the choice keeps it whole (as that side
 * has it, everything inside included) or removes it with everything inside.
 */
function expectedEnd(base: State, local: State, remote: State, choice: 'keep-local' | 'take-remote', secretUnknown: ReadonlySet<string>): Map<string, Flat> {
  const keepLocal = choice === 'keep-local';
  // A key this laptop pulled (its secret never reached it) cannot be put back on the gateway.
  const restorable = (key: string) => !secretUnknown.has(key);
  const out = new Map<string, Flat>();
  const changedInside = (side: State, ws: string) =>
    [...side.values()].some((e) => e.type !== 'workspace' && e.parentId === ws && (!base.has(entityKey(e.type, e.id, e.parentId)) || !sameFlat(base.get(entityKey(e.type, e.id, e.parentId))!.fields, e.fields)));
  const mergeFields = (b: Flat, l: Flat, r: Flat): Flat => {
    const merged: Flat = new Map();
    for (const path of new Set([...b.keys(), ...l.keys(), ...r.keys()])) {
      const [bv, lv, rv] = [b.get(path), l.get(path), r.get(path)];
      const v = lv === bv ? rv : rv === bv ? lv : lv === rv ? lv : keepLocal ? lv : rv;
      if (v !== undefined) merged.set(path, v);
    }
    return merged;
  };
  /** A one-sided entity: `side` holds it, the other side does not. */
  const oneSided = (key: string, held: Flat, heldLocally: boolean): Flat | null => {
    const b = base.get(key);
    if (!b) return held; // new on that side
    if (sameFlat(b.fields, held)) return null; // unchanged there, deleted on the other side
    if (heldLocally && !restorable(key)) return null;
    return keepLocal === heldLocally ? held : null; // changed there, deleted on the other: the choice
  };
  const keys = new Set([...base.keys(), ...local.keys(), ...remote.keys()]);
  const infoOf = (key: string) => (local.get(key) ?? remote.get(key) ?? base.get(key))!;
  // Workspaces first: kept on both sides, restored whole from one side, or gone.
  const fate = new Map<string, 'both' | 'local' | 'remote' | 'gone'>();
  for (const key of keys) {
    const e = infoOf(key);
    if (e.type !== 'workspace') continue;
    const [l, r, b] = [local.get(key), remote.get(key), base.get(key)];
    if (l && r) {
      fate.set(e.id, 'both');
      out.set(key, mergeFields(b?.fields ?? new Map(), l.fields, r.fields));
    } else if (l || r) {
      const side = (l ?? r)!;
      const conflict = b && (!sameFlat(b.fields, side.fields) || changedInside(l ? local : remote, e.id));
      const kept = !b ? true : conflict ? keepLocal === Boolean(l) : false;
      fate.set(e.id, !kept ? 'gone' : !b ? 'both' : l ? 'local' : 'remote');
      if (kept) out.set(key, side.fields);
    } else fate.set(e.id, 'gone');
  }
  for (const key of keys) {
    const e = infoOf(key);
    if (e.type === 'workspace') continue;
    const [l, r, b] = [local.get(key), remote.get(key), base.get(key)];
    const parent = e.parentId === null ? 'both' : (fate.get(e.parentId) ?? 'both');
    if (parent === 'gone') continue;
    if (parent === 'local' || parent === 'remote') {
      const side = parent === 'local' ? l : r;
      if (side && (parent === 'remote' || !b || restorable(key))) out.set(key, side.fields);
      continue;
    }
    if (l && r) out.set(key, mergeFields(b?.fields ?? new Map(), l.fields, r.fields));
    else if (l || r) {
      const kept = oneSided(key, (l ?? r)!.fields, Boolean(l));
      if (kept) out.set(key, kept);
    }
  }
  return out;
}

// ---- Edits ------------------------------------------------------------------------------------

const pickFrom = <T>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[i % list.length]);

async function applyLocal(a: Laptop, edit: LocalEdit, n: number): Promise<void> {
  const db = a.core.db;
  const workspaces = db.prepare('SELECT id, name FROM workspaces WHERE is_default = 0 ORDER BY rowid').all() as { id: string; name: string }[];
  const keys = db.prepare('SELECT id, revoked_at AS revokedAt FROM api_keys ORDER BY rowid').all() as { id: string; revokedAt: string | null }[];
  const members = db.prepare('SELECT id FROM members WHERE is_local_user = 0 ORDER BY rowid').pluck().all() as string[];
  const ws = 'ws' in edit ? pickFrom(workspaces, edit.ws) : undefined;
  const refuse = (error: unknown) => {
    if (!/E_LIMIT|E_CONFLICT|E_VALIDATION|E_FORBIDDEN|E_NOT_FOUND/.test(String(error))) throw error;
  };
  try {
    switch (edit.kind) {
      case 'renameWs':
        if (ws) await a.ok('workspaces:update', { id: ws.id, changes: { name: `Local ${n}` } });
        return;
      case 'createWs':
        if (workspaces.length < 6) await a.ok('workspaces:create', { name: `New ${n}` });
        return;
      case 'deleteWs':
        if (ws && workspaces.length > 1) await a.ok('workspaces:delete', { id: ws.id, confirmName: ws.name });
        return;
      case 'createKey':
        if (ws) await a.ok('keys:create', { workspaceId: ws.id, name: `key ${n}` });
        return;
      case 'revokeKey': {
        const key = pickFrom(keys.filter((k) => !k.revokedAt), edit.key);
        if (key) await a.ok('keys:revoke', { id: key.id });
        return;
      }
      case 'deleteKey': {
        const key = pickFrom(keys, edit.key);
        if (!key) return;
        if (!key.revokedAt) await a.ok('keys:revoke', { id: key.id });
        await a.ok('keys:delete', { id: key.id });
        return;
      }
      case 'grant':
      case 'ungrant': {
        if (!ws) return;
        const current = (await a.ok('modelGrants:list', { workspaceId: ws.id })).items.map((g) => ({ modelId: g.modelId, rpmLimit: g.rpmLimit, tpmLimit: g.tpmLimit }));
        const model = MODELS[edit.model % MODELS.length]!;
        const others = current.filter((g) => g.modelId !== model);
        const grants = edit.kind === 'grant' ? [...others, { modelId: model, rpmLimit: edit.rpm, tpmLimit: null }] : others;
        await a.ok('modelGrants:save', { workspaceId: ws.id, grants });
        return;
      }
      case 'role': {
        const member = pickFrom(members, edit.member);
        if (!ws || !member) return;
        const role = ROLES[edit.role % ROLES.length]!;
        const has = db.prepare('SELECT 1 FROM workspace_members WHERE workspace_id = ? AND member_id = ?').get(ws.id, member);
        await a.ok(has ? 'workspaceMembers:setRole' : 'workspaceMembers:add', { workspaceId: ws.id, memberId: member, role });
        return;
      }
    }
  } catch (error) {
    refuse(error); // a local rule (the last admin, a limit) refused it: not made
  }
}

async function applyRemote(env: SyncEnv, edit: RemoteEditCmd, n: number): Promise<void> {
  const rows = env.remoteRows();
  const workspaces = rows.filter((r) => r.type === 'workspace' && r.data['is_default'] !== true);
  const keys = rows.filter((r) => r.type === 'api_key');
  const ws = 'ws' in edit ? pickFrom(workspaces, edit.ws) : undefined;
  const key = 'key' in edit ? pickFrom(keys, edit.key) : undefined;
  switch (edit.kind) {
    case 'renameWs':
      if (ws) await remoteEdit(env, 'workspace', ws.id, null, { name: `Remote ${n}` });
      return;
    case 'keyName':
      if (key) await remoteEdit(env, 'api_key', key.id, key.parentId, { name: `remote key ${n}` });
      return;
    case 'keyRpm':
      if (key) await remoteEdit(env, 'api_key', key.id, key.parentId, { rpm_limit: edit.rpm });
      return;
    case 'grant':
    case 'ungrant': {
      if (!ws) return;
      const doc = rows.find((r) => r.type === 'model_grants' && r.id === ws.id);
      const model = MODELS[edit.model % MODELS.length]!;
      const grants = { ...((doc?.data['grants'] as Record<string, unknown>) ?? {}) };
      if (edit.kind === 'grant') grants[model] = { rpm_limit: edit.rpm, tpm_limit: null };
      else delete grants[model];
      if (doc) await remoteEdit(env, 'model_grants', ws.id, ws.id, { grants });
      else if (edit.kind === 'grant') {
        const created = await env.api('PUT', `/v1/workspaces/${ws.id}/model-grants`, { ifNoneMatch: '*', body: { data: { grants } } });
        if (created.status !== 201) throw new Error(`create grants: ${created.status} ${created.text}`);
      }
      return;
    }
    case 'role': {
      const roles = rows.filter((r) => r.type === 'workspace_member' && (!ws || r.parentId === ws.id));
      const target = pickFrom(roles, edit.member);
      if (target) await remoteEdit(env, 'workspace_member', target.id, target.parentId, { role: ROLES[edit.role % ROLES.length] });
      return;
    }
    case 'deleteKey':
      if (key) await remoteDelete(env, 'api_key', key.id, key.parentId);
      return;
    case 'deleteWs':
      if (ws) await remoteDelete(env, 'workspace', ws.id, null);
      return;
  }
}

// ---- The property -----------------------------------------------------------------------------

const conflictKeys = (plan: SyncPlan) => new Set(plan.conflicts.map((c) => c.key));

/** Plan/apply with faults cleared until a plan is empty; no conflict may appear (nothing changed since the resolution). */
async function settle(a: Laptop, rounds = 5): Promise<number> {
  for (let i = 1; i <= rounds; i++) {
    const plan = await a.plan();
    expect(plan.conflicts).toEqual([]);
    if (plan.ops.length === 0) return i;
    await a.apply(plan);
  }
  throw new Error(`no empty plan after ${rounds} plans`);
}

async function scenario(rounds: Round[], stats: { conflicts: number; rounds: number; faults: number }): Promise<void> {
  const env = await startSyncEnv();
  const a = await openLaptop(env, { timeoutMs: 400 });
  let b: Laptop | null = null;
  try {
    // Starting state: two workspaces, three members with roles, keys and grants, all synced.
    const w1 = await a.ok('workspaces:create', { name: 'Alpha' });
    const w2 = await a.ok('workspaces:create', { name: 'Beta' });
    for (const [i, name] of ['Ana', 'Bea', 'Cy'].entries()) {
      const m = await a.ok('members:create', { name, email: `${name.toLowerCase()}@example.com` });
      await a.ok('workspaceMembers:add', { workspaceId: i === 2 ? w2.id : w1.id, memberId: m.id, role: 'editor' });
    }
    for (const ws of [w1, w2]) {
      await a.ok('keys:create', { workspaceId: ws.id, name: 'k1' });
      await a.ok('modelGrants:save', { workspaceId: ws.id, grants: [{ modelId: 'gpt-4o', rpmLimit: 100, tpmLimit: null }] });
    }
    await a.ok('keys:create', { workspaceId: w1.id, name: 'k2' });
    await settle(a);

    let n = 0;
    for (const r of rounds) {
      stats.rounds += 1;
      const base = remoteState(env);
      expect(localState(a)).toEqual(base); // converged at the start of every round
      for (const edit of r.local) await applyLocal(a, edit, ++n);
      for (const edit of r.remote) await applyRemote(env, edit, ++n);
      const local = localState(a);
      const remote = remoteState(env);
      const secretUnknown = new Set(
        createSyncLocalRepository(a.core.db)
          .readAll()
          .filter((k) => k.type === 'api_key' && k.data['secret_sha256'] === null)
          .map((k) => entityKey(k.type, k.id, k.parentId)),
      );
      const expected = trueConflicts(base, local, remote);

      const plan = await a.plan();
      const shown = conflictKeys(plan);
      // Every true conflict appears, and nothing else (one writer here, one over there).
      expect([...expected.keys()].filter((k) => !shown.has(k))).toEqual([]);
      expect([...shown].filter((k) => !expected.has(k))).toEqual([]);
      stats.conflicts += shown.size;

      await a.resolveAll(plan, r.choice);
      const resolved = await a.plan();
      expect(resolved.conflicts).toEqual([]);
      if (r.faultRate > 0) faultSchedule(env.proxy, seeded(r.faultSeed), 200, r.faultRate);
      if (resolved.ops.length > 0) await a.apply(resolved);
      env.proxy.clearRules();
      await settle(a);

      // Converged: local == remote == what diff3 and the admin's choice say (nothing lost, nothing extra).
      const endLocal = localState(a);
      const endRemote = remoteState(env);
      expect(endLocal).toEqual(endRemote);
      expect(new Map([...endRemote].map(([k, v]) => [k, v.fields]))).toEqual(expectedEnd(base, local, remote, r.choice, secretUnknown));
      for (const [key, c] of expected) {
        const entity = key.slice(0, key.length - c.path.length - 1);
        const want = r.choice === 'keep-local' ? local : remote;
        if (c.kind === 'field') {
          expect(endRemote.get(entity)?.fields.get(c.path)).toBe(want.get(entity)?.fields.get(c.path));
        } else {
          // (A key whose secret this laptop never had cannot be put back on the gateway: it goes.)
          expect(endRemote.has(entity)).toBe(want.has(entity) && !(r.choice === 'keep-local' && secretUnknown.has(entity)));
        }
      }
    }

    // A fresh second laptop converges on the same state; no duplicate remote objects anywhere.
    b = await openLaptop(env, { admin: ADMIN_B, localUserName: 'Bo Laptop' });
    await settle(b);
    await settle(a);
    const rows = env.remoteRows();
    const names = rows.filter((r) => r.type === 'workspace').map((r) => String(r.data['name']).toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    const emails = rows.filter((r) => r.type === 'member').map((r) => String(r.data['email']).toLowerCase());
    expect(new Set(emails).size).toBe(emails.length);
    expect(rows.filter((r) => r.type === 'workspace' && r.data['is_default'] === true)).toHaveLength(1);
    // B holds what the remote holds (its own default workspace linked to the remote's default).
    const fieldsOf = (state: State, rename: (key: string) => string = (k) => k) => new Map([...state].map(([k, v]) => [rename(k), v.fields]));
    const [aDefault, bDefault] = [a.defaultWorkspaceId(), b.defaultWorkspaceId()];
    expect(fieldsOf(localState(b), (k) => k.replace(bDefault, aDefault))).toEqual(fieldsOf(remoteState(env)));
    expect(localState(a)).toEqual(remoteState(env));
    expect(a.logs.concat(b.logs)).toEqual([]);
    stats.faults += env.proxy.log.filter((e) => e.action !== null).length;
  } finally {
    b?.dispose();
    a.dispose();
    await env.close();
  }
}

describe('T16: random edits on both sides and faults converge, with every true conflict shown', () => {
  // SYNC_PROPERTY_RUNS=200 for a longer hunt; fast-check prints the shrunk counterexample.
  const runs = Number(process.env.SYNC_PROPERTY_RUNS ?? 25);
  it('random local edits, remote edits and faults → an empty plan, no duplicates, every true conflict shown and resolved as chosen', { timeout: Math.max(120_000, runs * 4_000) }, async () => {
    const stats = { conflicts: 0, rounds: 0, faults: 0 };
    await fc.assert(
      fc.asyncProperty(fc.array(round, { minLength: 1, maxLength: 3 }), (rounds) => scenario(rounds, stats)),
      { numRuns: runs, endOnFailure: true },
    );
    console.log(`[sync-property] ${runs} runs, ${stats.rounds} rounds, ${stats.conflicts} conflicts shown and resolved, ${stats.faults} faults injected`);
    expect(stats.conflicts).toBeGreaterThan(0);
  });
});
