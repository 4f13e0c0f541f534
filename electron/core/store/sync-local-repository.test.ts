import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/contract/errors';
import { MAX_RPM, MAX_TPM } from '../../../shared/contract/key-schemas';
import { RESOURCE_ORDER, RESOURCE_TYPES, readableData, resourceDataSchemas, type ResourceType } from '../../../shared/gateway-protocol/v1';
import { generateKeySecret, hashKeySecret } from '../services/key-secret';
import { createServiceContext, type CoreServiceContext } from '../services/service-context';
import { createLocalState, type LocalState } from '../services/sync/local-state';
import { openTestCoreFromTemplate, type TestCore } from '../testing/temp-core';
import { routeFixture } from '../testing/route-fixture';
import { DEFAULT_GUARDRAIL_POLICY } from '../../../shared/domain/guardrail-rules';
import { canonicalJson, createSyncLocalRepository, LOCAL_ONLY_FIELDS, placeholderSecretHash, type PulledChange, type SyncLocalRepository } from './sync-local-repository';

const OPENAI_SECRET = 'sk-proj-OpenAISecretValue-9f3K';
const META = { at: '2026-06-01T12:00:00.000Z', actor: 'sync: Office' };

let core: TestCore;
let repo: SyncLocalRepository;
let ctx: CoreServiceContext;
let local: LocalState;
let localUserId: string;
let seq = 0;
beforeEach(() => {
  core = openTestCoreFromTemplate({ externalChangePollMs: 0 });
  repo = createSyncLocalRepository(core.db);
  ctx = createServiceContext({ db: core.db, now: () => new Date(META.at) });
  local = createLocalState(ctx, repo);
  localUserId = core.ok('members:list', { search: '' }).items.find((m) => m.isLocalUser)!.id;
});
afterEach(() => core.dispose());

/** A fresh id of the protocol's shape for `prefix` (ws, mem, key, pk). */
const newId = (prefix: string) => `${prefix}-t${String(++seq).padStart(6, '0')}`;
/** Applies pulled changes in one transaction (as the engine does, through the service). */
const pull = (...changes: PulledChange[]) => ctx.write(() => changes.map((change) => local.applyPulled(change, 'Office')));
const pullError = (change: PulledChange): AppError => {
  try {
    pull(change);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the pull to fail');
};
const count = (sql: string, ...params: unknown[]) => core.db.prepare(sql).pluck().get(...params) as number;
const models = () => {
  const rows = core.db.prepare('SELECT id, token_metered AS metered FROM models ORDER BY id').all() as Array<{ id: string; metered: number }>;
  return { metered: rows.filter((m) => m.metered === 1).slice(0, 5).map((m) => m.id), unmetered: rows.filter((m) => m.metered === 0).slice(0, 2).map((m) => m.id) };
};
/** The readable part of canonical data (what a remote returns). */
const readable = (type: ResourceType, data: Record<string, unknown>) => {
  const shown = { ...data };
  for (const field of [...LOCAL_ONLY_FIELDS[type], 'secret_sha256', 'previous_secret_sha256', 'secret']) delete shown[field];
  return shown;
};
const HEX64 = /[a-f0-9]{64}/;

/** A workspace with one of everything, made through the real channels. */
const find0 = (all: ReturnType<typeof repo.readAll>, type: ResourceType, id: string) => all.find((r) => r.type === type && r.id === id);

function seedThroughServices() {
  const ana = core.ok('members:create', { name: 'Ana', email: 'ana@example.com' });
  const bo = core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
  const ws = core.ok('workspaces:create', { name: 'Search', monthlyBudgetMinor: 50_000, currency: 'EUR', ownerMemberId: ana.id, environment: 'staging' });
  core.ok('workspaceMembers:add', { workspaceId: ws.id, memberId: bo.id, role: 'viewer' });
  const { metered, unmetered } = models();
  core.ok('modelGrants:save', {
    workspaceId: ws.id,
    grants: [
      { modelId: metered[1]!, rpmLimit: 100, tpmLimit: 5000 },
      { modelId: unmetered[0]!, rpmLimit: 10, tpmLimit: null },
      { modelId: metered[0]!, rpmLimit: null, tpmLimit: null },
    ],
  });
  core.ok('budgets:update', { workspaceId: ws.id, thresholds: [90, 50], mode: 'hard' });
  const pk = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
  core.ok('providerAccess:save', { workspaceId: ws.id, disabledKeyIds: [], pins: [{ vendor: 'OpenAI', providerKeyId: pk.id }] });
  const created = core.ok('keys:create', { workspaceId: ws.id, name: 'backend', rpmLimit: 600 });
  const rotated = core.ok('keys:rotate', { id: created.key.id, graceSeconds: 3600 });
  return { ana, bo, ws, pk, key: rotated.key, secret: rotated.secret, firstSecret: created.secret, metered, unmetered };
}

describe('readAll', () => {
  it('covers every resource type in canonical protocol form, in RESOURCE_ORDER then id', async () => {
    const s = seedThroughServices();
    // The workspace policy documents (issue #14) exist once a route or a workspace guardrail policy is saved.
    core.ok('routes:save', { workspaceId: s.ws.id, routes: [routeFixture('chat-default', [s.metered[1]!])] });
    const saved = await core.dispatcher.dispatchAsync('guardrails:save', { workspaceId: s.ws.id, policy: structuredClone(DEFAULT_GUARDRAIL_POLICY) }, { kind: 'cli' });
    expect(saved.ok).toBe(true);
    const all = repo.readAll();
    expect(new Set(all.map((r) => r.type))).toEqual(new Set(RESOURCE_TYPES));
    expect(find0(all, 'routing', s.ws.id)).toMatchObject({ parentId: s.ws.id, workspaceName: 'Search' });
    expect(find0(all, 'guardrails', s.ws.id)).toMatchObject({ parentId: s.ws.id, workspaceName: 'Search' });
    const sorted = [...all].sort((a, b) => RESOURCE_ORDER[a.type] - RESOURCE_ORDER[b.type] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    expect(all.map((r) => `${r.type}:${r.parentId}:${r.id}`)).toEqual(sorted.map((r) => `${r.type}:${r.parentId}:${r.id}`));
    const find = (type: ResourceType, id: string, parentId: string | null = null) => all.find((r) => r.type === type && r.id === id && (parentId === null || r.parentId === parentId));

    expect(find('workspace', s.ws.id)).toEqual({
      type: 'workspace',
      id: s.ws.id,
      parentId: null,
      data: { name: 'Search', description: '', environment: 'staging', region: 'global', status: 'active', is_default: false, owner_member_id: s.ana.id },
      label: 'workspace “Search”',
      workspaceName: 'Search',
      pristine: true,
    });
    expect(find('member', s.ana.id)).toMatchObject({ data: { name: 'Ana', email: 'ana@example.com' }, label: 'member ana@example.com', parentId: null, pristine: true });
    expect(find('workspace_member', s.bo.id, s.ws.id)).toMatchObject({ parentId: s.ws.id, data: { role: 'viewer' }, workspaceName: 'Search' });
    expect(find('workspace_member', s.ana.id, s.ws.id)?.data).toEqual({ role: 'admin' });
    const grants = find('model_grants', s.ws.id)!;
    expect(grants.parentId).toBe(s.ws.id);
    expect(grants.data).toEqual({
      grants: { [s.metered[0]!]: { rpm_limit: null, tpm_limit: null }, [s.metered[1]!]: { rpm_limit: 100, tpm_limit: 5000 }, [s.unmetered[0]!]: { rpm_limit: 10, tpm_limit: null } },
    });
    expect(Object.keys(grants.data.grants as object)).toEqual(Object.keys(grants.data.grants as object).sort());
    expect(find('budget', s.ws.id)?.data).toEqual({ monthly_limit_minor: 50_000, currency: 'EUR', thresholds: [50, 90], mode: 'hard' });
    expect(find('provider_access', s.ws.id)?.data).toEqual({ entries: { [s.pk.id]: 'pinned' } });

    const ciphertext = core.db.prepare('SELECT ciphertext FROM provider_keys WHERE id = ?').pluck().get(s.pk.id) as Buffer;
    expect(find('provider_key', s.pk.id)).toMatchObject({
      data: { vendor: 'OpenAI', label: 'Prod', last4: OPENAI_SECRET.slice(-4), secret_fingerprint: createHash('sha256').update(ciphertext).digest('hex') },
      label: 'provider key “Prod” (OpenAI)',
    });
    const key = find('api_key', s.key.id)!;
    expect(key).toMatchObject({ parentId: s.ws.id, label: 'API key “backend”', workspaceName: 'Search', pristine: false });
    expect(key.data).toMatchObject({
      name: 'backend',
      status: 'active',
      rpm_limit: 600,
      tpm_limit: null,
      last4: s.secret.slice(-4),
      secret_sha256: hashKeySecret(s.secret),
      previous_secret_sha256: hashKeySecret(s.firstSecret),
      rotated_at: s.key.rotatedAt,
      previous_valid_until: s.key.previousValidUntil,
    });

    // Every workspace (the default too) has a budget and a provider-access document.
    const workspaces = all.filter((r) => r.type === 'workspace');
    expect(workspaces).toHaveLength(2);
    for (const w of workspaces) {
      expect(find('budget', w.id)).toBeTruthy();
      expect(find('provider_access', w.id)).toBeTruthy();
    }
    const defaults = find('budget', workspaces.find((w) => w.data.is_default === true)!.id)!;
    expect(defaults).toMatchObject({ data: { monthly_limit_minor: 0, currency: 'USD', thresholds: [50, 80, 100], mode: 'alert' }, pristine: true });

    // Canonical = the protocol's schema (write-only hashes are sent, local-only fields are not).
    for (const r of all) {
      const wire: Record<string, unknown> = { ...r.data };
      for (const field of LOCAL_ONLY_FIELDS[r.type]) delete wire[field];
      expect(() => resourceDataSchemas[r.type].parse(wire), `${r.type} ${r.id}`).not.toThrow();
      expect(JSON.stringify(r.data)).not.toContain(OPENAI_SECRET);
      expect(JSON.stringify(r.data)).not.toContain(s.secret);
    }
    // read() agrees with readAll for every resource.
    for (const r of all) expect(repo.read(r.type, r.id, r.parentId)).toEqual(r);
  });

  it('pristine turns false once a row is edited locally', () => {
    const s = seedThroughServices();
    core.ok('workspaces:update', { id: s.ws.id, changes: { description: 'edited' } });
    core.ok('members:update', { id: s.bo.id, changes: { name: 'Bob' } });
    core.ok('workspaceMembers:setRole', { workspaceId: s.ws.id, memberId: s.bo.id, role: 'editor' });
    expect(repo.read('workspace', s.ws.id)?.pristine).toBe(false);
    expect(repo.read('member', s.bo.id)?.pristine).toBe(false);
    expect(repo.read('member', s.ana.id)?.pristine).toBe(true);
    expect(repo.read('workspace_member', s.bo.id, s.ws.id)?.pristine).toBe(false);
    expect(repo.read('model_grants', s.ws.id)?.pristine).toBe(true); // saved once: version 1
    expect(repo.read('budget', s.ws.id)?.pristine).toBe(true); // a description edit is not a budget edit
    core.ok('workspaces:update', { id: s.ws.id, changes: { monthlyBudgetMinor: 1 } });
    expect(repo.read('budget', s.ws.id)?.pristine).toBe(false);
    expect(repo.read('provider_access', s.ws.id)?.pristine).toBe(false); // saved: an update in the change log
  });

  it('a workspace_member read needs its workspace', () => {
    expect(() => repo.read('workspace_member', localUserId)).toThrow(/parentId/);
  });
});

// ---- Round trips: readAll after applyPulled(x) gives x's data -------------------------------

const text = (min: number, max: number) => fc.string({ unit: 'binary', minLength: min, maxLength: max }).filter((s) => s.length >= min && s.length <= max);
const iso = fc.date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2100-01-01T00:00:00.000Z'), noInvalidDate: true }).map((d) => d.toISOString());
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
const positive = fc.integer({ min: 1, max: 0x7fffffff });

/** Creates (first value), updates (the rest) and finally deletes one resource, checking read() after each step. */
function roundTrip(type: ResourceType, id: string, parentId: string | null, values: Array<Record<string, unknown>>, expected: (data: Record<string, unknown>) => Record<string, unknown>, del = true) {
  for (const [i, data] of values.entries()) {
    expect(readableData(type).safeParse(data).success, 'generated data is valid for the protocol').toBe(true);
    const [result] = pull({ type, id, parentId, data });
    const stored = repo.read(type, id, parentId);
    expect(stored?.data).toEqual(expected(data));
    expect(repo.readAll().find((r) => r.type === type && r.id === id && r.parentId === stored!.parentId)?.data).toEqual(expected(data));
    if (i === 0 && type !== 'model_grants' && type !== 'budget' && type !== 'provider_access' && type !== 'provider_key') expect(result!.before).toBeNull();
    expect(JSON.stringify(result)).not.toMatch(HEX64);
  }
  if (del) {
    pull({ type, id, parentId, data: null });
    expect(repo.read(type, id, parentId)).toBeNull();
  }
}

describe('applyPulled round trips (property)', () => {
  it('member', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ name: text(1, 200), email: fc.stringMatching(/^[a-z0-9.]{1,30}@[a-z]{1,12}\.test$/) }), { minLength: 1, maxLength: 3 }), (values) => {
        const id = newId('mem');
        const tagged = values.map((v) => ({ ...v, email: `${id}.${v.email}` })); // unique per run: no clash with earlier runs
        roundTrip('member', id, null, tagged, (d) => d);
      }),
      { numRuns: 40 },
    );
  });

  it('workspace', () => {
    const ana = core.ok('members:create', { name: 'Ana', email: 'ana@example.com' }).id;
    const workspace = fc.record({
      name: text(1, 180),
      description: text(0, 2000),
      environment: fc.constantFrom('production', 'staging', 'sandbox'),
      region: text(1, 40),
      status: fc.constantFrom('active', 'review'),
      is_default: fc.constant(false),
      owner_member_id: fc.constantFrom(null, localUserId, ana),
    });
    fc.assert(
      fc.property(fc.array(workspace, { minLength: 1, maxLength: 3 }), (values) => {
        const id = newId('ws');
        // " #<n>" at the end keeps names unique across runs whatever the case folding does before it.
        const tagged = values.map((v) => ({ ...v, name: `${v.name} #${seq}` }));
        roundTrip('workspace', id, null, tagged, (d) => d);
      }),
      { numRuns: 40 },
    );
  });

  it('workspace_member', () => {
    const ws = core.ok('workspaces:create', { name: 'Roles' }).id;
    fc.assert(
      fc.property(fc.array(fc.record({ role: fc.constantFrom('admin', 'editor', 'viewer') }), { minLength: 1, maxLength: 3 }), (values) => {
        const member = newId('mem');
        pull({ type: 'member', id: member, parentId: null, data: { name: 'Someone', email: `${member}@example.test` } });
        roundTrip('workspace_member', member, ws, values, (d) => d);
      }),
      { numRuns: 30 },
    );
  });

  it('model_grants', () => {
    const { metered, unmetered } = models();
    const limits = (tokens: boolean) =>
      fc.record({ rpm_limit: nullable(fc.integer({ min: 1, max: MAX_RPM })), tpm_limit: tokens ? nullable(fc.integer({ min: 1, max: MAX_TPM })) : fc.constant(null) });
    const grants = fc
      .tuple(fc.subarray(metered), fc.subarray(unmetered))
      .chain(([m, u]) => fc.tuple(...m.map(() => limits(true)), ...u.map(() => limits(false))).map((l) => Object.fromEntries([...m, ...u].map((id, i) => [id, l[i]!]))));
    fc.assert(
      fc.property(fc.array(grants.map((g) => ({ grants: g })), { minLength: 1, maxLength: 3 }), (values) => {
        const ws = newId('ws');
        pull({ type: 'workspace', id: ws, parentId: null, data: { name: ws, description: '', environment: 'production', region: 'eu', status: 'active', is_default: false, owner_member_id: null } });
        roundTrip('model_grants', ws, ws, values, (d) => ({ grants: Object.fromEntries(Object.entries(d.grants as object).sort(([a], [b]) => (a < b ? -1 : 1))) }));
      }),
      { numRuns: 30 },
    );
  });

  it('budget (thresholds stored sorted and unique)', () => {
    const ws = core.ok('workspaces:create', { name: 'Budgets' }).id;
    const budget = fc.record({
      monthly_limit_minor: fc.maxSafeNat(),
      currency: fc.stringMatching(/^[A-Z]{3}$/),
      thresholds: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 6 }),
      mode: fc.constantFrom('alert', 'hard'),
    });
    fc.assert(
      fc.property(fc.array(budget, { minLength: 1, maxLength: 3 }), (values) => {
        roundTrip('budget', ws, ws, values, (d) => ({ ...d, thresholds: [...new Set(d.thresholds as number[])].sort((a, b) => a - b) }), false);
      }),
      { numRuns: 40 },
    );
  });

  it('provider_access', () => {
    const ws = core.ok('workspaces:create', { name: 'Access' }).id;
    const keys = ['OpenAI', 'Anthropic', 'Alibaba'].map((vendor) => core.ok('providerKeys:create', { vendor, label: 'main', secret: `${vendor}-secret-1234` }).id);
    const entries = fc.tuple(...keys.map(() => fc.constantFrom(null, 'disabled', 'pinned'))).map((modes) => ({
      entries: Object.fromEntries(keys.flatMap((k, i) => (modes[i] ? [[k, modes[i]]] : []))),
    }));
    fc.assert(
      fc.property(fc.array(entries, { minLength: 1, maxLength: 3 }), (values) => {
        roundTrip('provider_access', ws, ws, values, (d) => ({ entries: Object.fromEntries(Object.entries(d.entries as object).sort(([a], [b]) => (a < b ? -1 : 1))) }), false);
      }),
      { numRuns: 30 },
    );
  });

  it('api_key (a pulled key reports no secret hash)', () => {
    const ws = core.ok('workspaces:create', { name: 'Keys' }).id;
    const key = fc
      .record({
        name: text(1, 200),
        secret_prefix: text(1, 40),
        last4: text(0, 4),
        expires_at: nullable(iso),
        revoked_at: nullable(iso),
        rotated_at: nullable(iso),
        previous_valid_until: nullable(iso),
        rpm_limit: nullable(positive),
        tpm_limit: nullable(positive),
        monthly_budget_minor: nullable(fc.maxSafeNat()),
      })
      .map((k) => ({ ...k, status: k.revoked_at === null ? 'active' : 'revoked' }));
    fc.assert(
      fc.property(fc.array(key, { minLength: 1, maxLength: 3 }), (values) => {
        const id = newId('key');
        roundTrip('api_key', id, ws, values, (d) => ({ ...d, secret_sha256: null, previous_secret_sha256: null }));
      }),
      { numRuns: 40 },
    );
  });

  it('provider_key: a remote rename is pulled; the secret fingerprint stays', () => {
    const pk = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
    const fingerprint = repo.read('provider_key', pk.id)!.data.secret_fingerprint;
    fc.assert(
      fc.property(fc.array(text(1, 200), { minLength: 1, maxLength: 3 }), (labels) => {
        const values = labels.map((label) => ({ vendor: 'OpenAI', label, last4: pk.last4 }));
        roundTrip('provider_key', pk.id, null, values, (d) => ({ ...d, secret_fingerprint: fingerprint }), false);
      }),
      { numRuns: 30 },
    );
  });
});

describe('applyPulled rules', () => {
  const workspaceData = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    description: '',
    environment: 'production',
    region: 'global',
    status: 'active',
    is_default: false,
    owner_member_id: null,
    ...extra,
  });
  const keyData = (extra: Record<string, unknown> = {}) => ({
    name: 'remote key',
    secret_prefix: 'gh_live_',
    last4: 'ab12',
    status: 'active',
    expires_at: null,
    revoked_at: null,
    rotated_at: null,
    previous_valid_until: null,
    rpm_limit: null,
    tpm_limit: null,
    monthly_budget_minor: null,
    ...extra,
  });

  it('throws outside a transaction; the service wrapper too', () => {
    const change: PulledChange = { type: 'member', id: newId('mem'), parentId: null, data: { name: 'X', email: 'x@example.test' } };
    expect(() => repo.applyPulled(change, META)).toThrow(/transaction/);
    expect(() => local.applyPulled(change, 'Office')).toThrow(/ctx\.write/);
    expect(repo.read('member', change.id)).toBeNull();
  });

  it('a pulled workspace starts at version 1 and each update bumps version and updated_at', () => {
    const id = newId('ws');
    pull({ type: 'workspace', id, parentId: null, data: workspaceData('Remote one') });
    const row = () => core.db.prepare('SELECT version, name_key AS nameKey, created_at AS createdAt, updated_at AS updatedAt FROM workspaces WHERE id = ?').get(id);
    expect(row()).toEqual({ version: 1, nameKey: 'remote one', createdAt: META.at, updatedAt: META.at });
    expect(repo.read('workspace', id)?.pristine).toBe(true);
    ctx = createServiceContext({ db: core.db, now: () => new Date('2026-06-02T00:00:00.000Z') });
    local = createLocalState(ctx, repo);
    pull({ type: 'workspace', id, parentId: null, data: workspaceData('Remote One renamed') });
    expect(row()).toEqual({ version: 2, nameKey: 'remote one renamed', createdAt: META.at, updatedAt: '2026-06-02T00:00:00.000Z' });
    // The same data again writes nothing.
    const [again] = pull({ type: 'workspace', id, parentId: null, data: workspaceData('Remote One renamed') });
    expect(again!.changed).toBe(false);
    expect(row()).toMatchObject({ version: 2 });
  });

  it('a name clash is E_CONFLICT naming both workspaces; an email clash names both members', () => {
    const mine = core.ok('workspaces:create', { name: 'Search' });
    const id = newId('ws');
    const error = pullError({ type: 'workspace', id, parentId: null, data: workspaceData('SEARCH') });
    expect(error.code).toBe('E_CONFLICT');
    expect(error.message).toContain(id);
    expect(error.message).toContain(mine.id);
    expect(repo.read('workspace', id)).toBeNull();

    const ana = core.ok('members:create', { name: 'Ana', email: 'ana@example.com' });
    const mem = newId('mem');
    const clash = pullError({ type: 'member', id: mem, parentId: null, data: { name: 'Ana R', email: 'ANA@example.com' } });
    expect(clash.code).toBe('E_CONFLICT');
    expect(clash.message).toContain(mem);
    expect(clash.message).toContain(ana.id);
  });

  it('refuses what the store cannot hold: an unknown environment, a second default, the default going away', () => {
    expect(pullError({ type: 'workspace', id: newId('ws'), parentId: null, data: workspaceData('Odd', { environment: 'qa' }) }).code).toBe('E_REMOTE');
    expect(pullError({ type: 'workspace', id: newId('ws'), parentId: null, data: workspaceData('Other default', { is_default: true }) }).code).toBe('E_CONFLICT');
    const defaultId = repo.readAll().find((r) => r.type === 'workspace' && r.data.is_default === true)!.id;
    expect(pullError({ type: 'workspace', id: defaultId, parentId: null, data: null }).code).toBe('E_FORBIDDEN');
    expect(pullError({ type: 'member', id: localUserId, parentId: null, data: null }).code).toBe('E_FORBIDDEN');
    expect(pullError({ type: 'workspace', id: newId('ws'), parentId: null, data: { name: '' } }).code).toBe('E_REMOTE');
  });

  it('a pulled grant for a model missing from the catalog (or one the store cannot hold) is skipped and reported', () => {
    const ws = core.ok('workspaces:create', { name: 'Grants' }).id;
    const { metered, unmetered } = models();
    const [result] = pull({
      type: 'model_grants',
      id: ws,
      parentId: ws,
      data: {
        grants: {
          [metered[0]!]: { rpm_limit: 5, tpm_limit: null },
          'not-a-model': { rpm_limit: 1, tpm_limit: null },
          [unmetered[0]!]: { rpm_limit: null, tpm_limit: 100 },
          [metered[1]!]: { rpm_limit: MAX_RPM + 1, tpm_limit: null },
        },
      },
    });
    expect(result!.skipped.sort()).toEqual(['not-a-model', unmetered[0]!, metered[1]!].sort());
    expect(repo.read('model_grants', ws)?.data).toEqual({ grants: { [metered[0]!]: { rpm_limit: 5, tpm_limit: null } } });
    expect(core.ok('modelGrants:list', { workspaceId: ws })).toMatchObject({ version: 1, items: [{ modelId: metered[0]!, rpmLimit: 5 }] });
  });

  it('provider keys cannot be pulled: E_REMOTE, the secret is write-only', () => {
    const id = newId('pk');
    const error = pullError({ type: 'provider_key', id, parentId: null, data: { vendor: 'OpenAI', label: 'Theirs', last4: 'zzzz' } });
    expect(error.code).toBe('E_REMOTE');
    expect(error.message).toMatch(/exists only on the remote; its secret is write-only/);
    const pk = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Mine', secret: OPENAI_SECRET });
    expect(pullError({ type: 'provider_key', id: pk.id, parentId: null, data: { vendor: 'OpenAI', label: 'Mine', last4: 'new!' } }).code).toBe('E_REMOTE');
    // A secret sent along is never stored or echoed.
    const [renamed] = pull({ type: 'provider_key', id: pk.id, parentId: null, data: { vendor: 'OpenAI', label: 'Renamed', last4: pk.last4, secret: 'sk-should-be-ignored-123' } });
    expect(JSON.stringify(renamed)).not.toContain('sk-should-be-ignored');
    expect(core.ok('providerKeys:list', {}).items.find((k) => k.id === pk.id)).toMatchObject({ label: 'Renamed', secretStatus: 'ok' });
  });

  it('provider access: an unknown key is skipped; two pins of one vendor are refused', () => {
    const ws = core.ok('workspaces:create', { name: 'Pins' }).id;
    const a = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'a', secret: 'openai-secret-aaaa' }).id;
    const b = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'b', secret: 'openai-secret-bbbb' }).id;
    const ghost = newId('pk');
    const [result] = pull({ type: 'provider_access', id: ws, parentId: ws, data: { entries: { [a]: 'pinned', [ghost]: 'disabled' } } });
    expect(result!.skipped).toEqual([ghost]);
    // The pin moves from a to b in one pull.
    pull({ type: 'provider_access', id: ws, parentId: ws, data: { entries: { [a]: 'disabled', [b]: 'pinned' } } });
    expect(repo.read('provider_access', ws)?.data).toEqual({ entries: { [a]: 'disabled', [b]: 'pinned' } });
    expect(pullError({ type: 'provider_access', id: ws, parentId: ws, data: { entries: { [a]: 'pinned', [b]: 'pinned' } } }).code).toBe('E_REMOTE');
  });

  it('a child of a workspace that is not here is E_NOT_FOUND; an inconsistent key status is E_REMOTE', () => {
    const missing = newId('ws');
    expect(pullError({ type: 'api_key', id: newId('key'), parentId: missing, data: keyData() }).code).toBe('E_NOT_FOUND');
    expect(pullError({ type: 'budget', id: missing, parentId: missing, data: { monthly_limit_minor: 1, currency: 'USD', thresholds: [50], mode: 'alert' } }).code).toBe('E_NOT_FOUND');
    const ws = core.ok('workspaces:create', { name: 'K' }).id;
    expect(pullError({ type: 'api_key', id: newId('key'), parentId: ws, data: keyData({ status: 'revoked' }) }).code).toBe('E_REMOTE');
    expect(pullError({ type: 'api_key', id: newId('key'), parentId: null, data: keyData() }).code).toBe('E_REMOTE');
  });

  it('pulled timestamps are stored in the canonical UTC form', () => {
    const ws = core.ok('workspaces:create', { name: 'Times' }).id;
    const id = newId('key');
    pull({ type: 'api_key', id, parentId: ws, data: keyData({ expires_at: '2030-05-01T12:00:00+02:00' }) });
    expect(repo.read('api_key', id)?.data.expires_at).toBe('2030-05-01T10:00:00.000Z');
  });
});

describe('api key secrets', () => {
  it('a pulled key stores a placeholder hash that never verifies and reports no hash', () => {
    const ws = core.ok('workspaces:create', { name: 'Pulled keys' }).id;
    const id = newId('key');
    const secret = generateKeySecret();
    pull({
      type: 'api_key',
      id,
      parentId: ws,
      data: {
        name: 'theirs',
        secret_prefix: 'gh_live_',
        last4: secret.slice(-4),
        status: 'active',
        expires_at: null,
        revoked_at: null,
        rotated_at: null,
        previous_valid_until: null,
        rpm_limit: null,
        tpm_limit: null,
        monthly_budget_minor: null,
        // A remote never returns it; if one did, it is not trusted as this laptop's hash.
        secret_sha256: hashKeySecret(secret),
      },
    });
    const stored = core.db.prepare('SELECT secret_hash FROM api_keys WHERE id = ?').pluck().get(id);
    expect(stored).toBe(placeholderSecretHash(id));
    expect(repo.read('api_key', id)?.data).toMatchObject({ secret_sha256: null, previous_secret_sha256: null });
    expect(core.call('keys:verify', { secret })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    // Listing and rotating a pulled key work like any other key.
    expect(core.ok('keys:list', { workspaceId: ws }).items.map((k) => k.id)).toEqual([id]);
    const rotated = core.ok('keys:rotate', { id, graceSeconds: 3600 });
    expect(core.ok('keys:verify', { secret: rotated.secret }).keyId).toBe(id);
    expect(repo.read('api_key', id)?.data).toMatchObject({ secret_sha256: hashKeySecret(rotated.secret), previous_secret_sha256: null });
  });

  it('a pulled update keeps the local hash unless the secret changed remotely (last4, prefix, rotation)', () => {
    const ws = core.ok('workspaces:create', { name: 'Local keys' }).id;
    const { key, secret } = core.ok('keys:create', { workspaceId: ws, name: 'mine' });
    const current = () => repo.read('api_key', key.id)!.data;
    pull({ type: 'api_key', id: key.id, parentId: ws, data: { ...readable('api_key', current()), name: 'renamed remotely', rpm_limit: 7 } });
    expect(core.ok('keys:verify', { secret })).toMatchObject({ keyId: key.id, keyName: 'renamed remotely' });
    expect(current().secret_sha256).toBe(hashKeySecret(secret));
    pull({ type: 'api_key', id: key.id, parentId: ws, data: { ...readable('api_key', current()), last4: 'zzzz', rotated_at: '2026-06-01T11:00:00.000Z' } });
    expect(core.call('keys:verify', { secret })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(current().secret_sha256).toBeNull();
  });

  it('no snapshot, audit entry or change-log entry of a pull holds a secret or a hash', () => {
    const s = seedThroughServices();
    const changeLogBefore = count('SELECT COUNT(*) FROM change_log');
    const auditBefore = count('SELECT MAX(id) FROM audit_log');
    const results = pull(
      { type: 'api_key', id: s.key.id, parentId: s.ws.id, data: { ...readable('api_key', repo.read('api_key', s.key.id)!.data), name: 'x' } },
      { type: 'api_key', id: newId('key'), parentId: s.ws.id, data: { ...readable('api_key', repo.read('api_key', s.key.id)!.data), name: 'y' } },
      { type: 'provider_key', id: s.pk.id, parentId: null, data: { vendor: 'OpenAI', label: 'Renamed', last4: s.pk.last4 } },
      { type: 'workspace', id: s.ws.id, parentId: null, data: null },
    );
    const audit = core.db.prepare('SELECT before_json, after_json, actor, action FROM audit_log WHERE id > ?').all(auditBefore) as Array<Record<string, string | null>>;
    expect(audit.map((a) => [a.actor, a.action])).toEqual([
      ['sync: Office', 'api_key.pull'],
      ['sync: Office', 'api_key.pull'],
      ['sync: Office', 'provider_key.pull'],
      ['sync: Office', 'workspace.pull'],
    ]);
    const text = JSON.stringify([results, audit]);
    for (const secret of [s.secret, s.firstSecret, OPENAI_SECRET]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(HEX64);
    expect(text).not.toContain('remote:');
    expect(count('SELECT COUNT(*) FROM change_log')).toBe(changeLogBefore);
  });
});

describe('deletes', () => {
  it('a pulled workspace delete cascades like workspaces:delete: keys, roles, grants, budget, access; usage stays', () => {
    const s = seedThroughServices();
    core.ok('workspaces:setActive', { id: s.ws.id });
    core.db
      .prepare(
        `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
         VALUES ('u1', '2026-06-01T00:00:00.000Z', ?, ?, 'm', 1, 1, 1, 0, 5, 'USD')`,
      )
      .run(s.ws.id, s.key.id);
    const [result] = pull({ type: 'workspace', id: s.ws.id, parentId: null, data: null });
    expect(result).toMatchObject({ entityType: 'workspace', entityId: s.ws.id, workspaceId: s.ws.id, after: null, changed: true });
    // Roles: the creator (this laptop's user), Ana (the owner), Bo.
    expect(result!.before).toMatchObject({ id: s.ws.id, name: 'Search', removed: { apiKeys: 1, workspaceMembers: 3, modelGrants: 3, providerAccess: 1 } });
    for (const table of ['api_keys', 'workspace_members', 'workspace_model_grants', 'workspace_model_permissions', 'workspace_budgets', 'workspace_provider_access']) {
      expect(count(`SELECT COUNT(*) FROM ${table} WHERE workspace_id = ?`, s.ws.id), table).toBe(0);
    }
    expect(repo.readAll().filter((r) => r.id === s.ws.id || r.parentId === s.ws.id)).toEqual([]);
    expect(count('SELECT COUNT(*) FROM usage_records WHERE workspace_id = ?', s.ws.id)).toBe(1);
    expect(core.ok('workspaces:getActive', {}).isDefault).toBe(true);
    // Members and provider keys are org-level: they stay.
    expect(repo.read('member', s.ana.id)).not.toBeNull();
    expect(repo.read('provider_key', s.pk.id)).not.toBeNull();
    // Deleting again (or a child of the deleted workspace) is a no-op.
    expect(pull({ type: 'workspace', id: s.ws.id, parentId: null, data: null })[0]!.changed).toBe(false);
    expect(pull({ type: 'budget', id: s.ws.id, parentId: s.ws.id, data: null })[0]!.changed).toBe(false);
  });

  it('a pulled member delete removes their roles; an owner is refused', () => {
    const s = seedThroughServices();
    pull({ type: 'member', id: s.bo.id, parentId: null, data: null });
    expect(count('SELECT COUNT(*) FROM workspace_members WHERE member_id = ?', s.bo.id)).toBe(0);
    expect(repo.read('workspace_member', s.bo.id, s.ws.id)).toBeNull();
    const error = pullError({ type: 'member', id: s.ana.id, parentId: null, data: null });
    expect(error.code).toBe('E_CONFLICT');
    expect(error.message).toContain('Search');
  });

  it('a pulled provider key delete takes its pins with it', () => {
    const s = seedThroughServices();
    pull({ type: 'provider_key', id: s.pk.id, parentId: null, data: null });
    expect(repo.read('provider_key', s.pk.id)).toBeNull();
    expect(repo.read('provider_access', s.ws.id)?.data).toEqual({ entries: {} });
  });

  it('a pulled budget delete resets it to no amount and the default thresholds', () => {
    const s = seedThroughServices();
    pull({ type: 'budget', id: s.ws.id, parentId: s.ws.id, data: null });
    expect(repo.read('budget', s.ws.id)?.data).toEqual({ monthly_limit_minor: 0, currency: 'EUR', thresholds: [50, 80, 100], mode: 'alert' });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });
});
