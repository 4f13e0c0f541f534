import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import catalog from '../catalog/model-catalog.json';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
let alpha: string;
let beta: string;
let defaultWs: string;
const TEXT = 'qwen3.7-max'; // token-metered
const TEXT2 = 'qwen3.7-plus';
const IMAGE = 'qwen-image'; // billed per image

beforeEach(() => {
  core = openTestCore({ now: () => new Date('2026-06-01T12:00:00.000Z') });
  alpha = core.ok('workspaces:create', { name: 'Alpha' }).id;
  beta = core.ok('workspaces:create', { name: 'Beta' }).id;
  defaultWs = core.ok('workspaces:list', {}).items.find((w) => w.isDefault)!.id;
});
afterEach(() => core.dispose());

const auditActions = () => core.db.prepare('SELECT action FROM audit_log ORDER BY id').pluck().all() as string[];
const changes = () =>
  core.db.prepare("SELECT entity_id AS entityId, op, payload_json AS payload, base_version AS baseVersion FROM change_log WHERE entity_type = 'workspace_model_grants' ORDER BY seq").all() as Array<{
    entityId: string;
    op: string;
    payload: string;
    baseVersion: number;
  }>;

describe('catalog', () => {
  it('is seeded from the bundled JSON and lists with search, vendor/type filters, sort and paging in SQL', () => {
    const all = core.ok('models:list', { page: { index: 0, size: 500 } });
    expect(all.total).toBe(catalog.length);
    expect(all.catalogVersion).toBe('2026-11-23');
    expect(new Set(all.items.map((m) => m.id))).toEqual(new Set(catalog.map((m) => m.id)));
    expect(all.items.find((m) => m.id === IMAGE)).toMatchObject({ type: 'image-generation', tokenMetered: false, priceUnit: 'image' });

    const expected = catalog.filter((m) => m.vendor === 'Alibaba' && (m.type === 'text' || m.type === 'image-generation') && m.displayName.toLowerCase().includes('qwen'));
    const filtered = core.ok('models:list', { search: ' QWEN ', vendors: ['Alibaba'], types: ['text', 'image-generation'], page: { index: 0, size: 5 } });
    expect(filtered.total).toBe(expected.length);
    expect(filtered.items).toHaveLength(Math.min(5, expected.length));
    const page2 = core.ok('models:list', { search: 'qwen', vendors: ['Alibaba'], types: ['text', 'image-generation'], page: { index: 1, size: 5 } });
    expect(page2.items.map((m) => m.id)).not.toContain(filtered.items[0]!.id);

    const ids = core.ok('models:matchIds', { search: 'qwen', vendors: ['Alibaba'], types: ['text', 'image-generation'] });
    expect(ids.total).toBe(expected.length);
    expect(new Set(ids.ids)).toEqual(new Set(expected.map((m) => m.id)));
    expect(core.ok('models:getMany', { ids: [IMAGE, 'no-such-model', TEXT] }).items.map((m) => m.id)).toEqual([IMAGE, TEXT]);

    const byContext = core.ok('models:list', { sort: { field: 'contextWindow', direction: 'desc' }, page: { index: 0, size: 3 } }).items;
    const maxContext = Math.max(...catalog.map((m) => m.contextWindow ?? 0));
    expect(byContext[0]!.contextWindow).toBe(maxContext);
    const names = core.ok('models:list', { page: { index: 0, size: 50 } }).items.map((m) => `${m.displayName} ${m.id}`.toLowerCase());
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('facets count vendors and types for the current search', () => {
    const facets = core.ok('models:facets', {});
    expect(facets.vendors).toHaveLength(28);
    expect(facets.total).toBe(catalog.length);
    expect(facets.types.find((t) => t.type === 'image-generation')?.count).toBe(catalog.filter((m) => m.type === 'image-generation').length);
    const searched = core.ok('models:facets', { search: 'qwen' });
    expect(searched.total).toBe(catalog.filter((m) => `${m.displayName} ${m.id}`.toLowerCase().includes('qwen')).length);
  });

  it('rejects unknown types and oversized pages with E_VALIDATION', () => {
    expect(core.call('models:list', { types: ['music' as never] })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(core.call('models:list', { page: { index: 0, size: 501 } })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'page.size' }] } });
  });
});

describe('grant and revoke', () => {
  it('save replaces the section in one transaction with its audit and change-log entry; version guards concurrent saves', () => {
    expect(core.ok('modelGrants:list', { workspaceId: alpha })).toEqual({ workspaceId: alpha, allModels: false, items: [], version: 0 });
    const first = core.ok('modelGrants:save', {
      workspaceId: alpha,
      expectedVersion: 0,
      grants: [
        { modelId: TEXT, rpmLimit: 100, tpmLimit: 50_000 },
        { modelId: IMAGE, rpmLimit: 5, tpmLimit: null },
      ],
    });
    expect(first.summary).toEqual({ added: 2, removed: 0, changed: 0 });
    expect(first.version).toBe(1);
    expect(first.items.map((g) => [g.modelId, g.rpmLimit, g.tpmLimit, g.tokenMetered])).toEqual([
      [IMAGE, 5, null, false],
      [TEXT, 100, 50_000, true],
    ]);

    const second = core.ok('modelGrants:save', {
      workspaceId: alpha,
      expectedVersion: 1,
      grants: [
        { modelId: TEXT, rpmLimit: 200, tpmLimit: null },
        { modelId: TEXT2, rpmLimit: null, tpmLimit: null },
      ],
    });
    expect(second.summary).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(second.version).toBe(2);
    expect(auditActions().filter((a) => a.startsWith('model_grants'))).toEqual(['model_grants.save', 'model_grants.save']);
    const audit = core.db.prepare("SELECT before_json, after_json FROM audit_log WHERE action = 'model_grants.save' ORDER BY id DESC LIMIT 1").get() as { before_json: string; after_json: string };
    // One readable field per touched model (removed, changed, added); an image model has no TPM to show.
    expect(JSON.parse(audit.before_json)).toEqual({ version: 1, [IMAGE]: 'RPM 5', [TEXT]: 'RPM 100, TPM 50,000' });
    expect(JSON.parse(audit.after_json)).toEqual({ version: 2, [TEXT]: 'RPM 200, TPM default', [TEXT2]: 'RPM default, TPM default' });
    const summary = core.ok('audit:list', { filter: { action: 'model_grants.save' } }).items[0]!;
    expect(summary.changes).toEqual(
      expect.arrayContaining([
        { field: IMAGE, before: 'RPM 5', after: null },
        { field: TEXT, before: 'RPM 100, TPM 50,000', after: 'RPM 200, TPM default' },
        { field: TEXT2, before: null, after: 'RPM default, TPM default' },
      ]),
    );
    const log = changes();
    expect(log).toHaveLength(2);
    expect(log[1]).toMatchObject({ entityId: alpha, op: 'update', baseVersion: 1 });
    expect(JSON.parse(log[1]!.payload).grants).toEqual([
      { modelId: TEXT, rpmLimit: 200, tpmLimit: null },
      { modelId: TEXT2, rpmLimit: null, tpmLimit: null },
    ]);

    // A stale editor is refused and nothing is written.
    const before = dumpTables(core);
    expect(core.call('modelGrants:save', { workspaceId: alpha, expectedVersion: 1, grants: [] })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(dumpTables(core)).toEqual(before);

    // Saving what is already stored writes nothing at all.
    core.ok('modelGrants:save', { workspaceId: alpha, grants: second.items.map(({ modelId, rpmLimit, tpmLimit }) => ({ modelId, rpmLimit, tpmLimit })) });
    expect(dumpTables(core)).toEqual(before);

    // Revoking everything.
    expect(core.ok('modelGrants:save', { workspaceId: alpha, expectedVersion: 2, grants: [] }).summary).toEqual({ added: 0, removed: 2, changed: 0 });
    expect(core.ok('modelGrants:list', { workspaceId: alpha }).items).toEqual([]);
  });

  it('deleting a workspace removes its grants', () => {
    core.ok('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: TEXT, rpmLimit: 1, tpmLimit: null }] });
    core.ok('workspaces:delete', { id: alpha, confirmName: 'Alpha' });
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_model_grants').pluck().get()).toBe(0);
  });
});

describe('TPM and limit rules', () => {
  it('a TPM on a model that is not token-metered → E_VALIDATION on that row, store unchanged', () => {
    const before = dumpTables(core);
    const result = core.call('modelGrants:save', {
      workspaceId: alpha,
      grants: [
        { modelId: TEXT, rpmLimit: 10, tpmLimit: 1000 },
        { modelId: IMAGE, rpmLimit: 10, tpmLimit: 1000 },
      ],
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'grants.1.tpmLimit' }] } });
    if (!result.ok) expect(result.error.message).toMatch(/not billed by tokens/);
    expect(dumpTables(core)).toEqual(before);
  });

  it.each([
    [{ rpmLimit: 0, tpmLimit: null }, 'grants.0.rpmLimit'],
    [{ rpmLimit: 1.5, tpmLimit: null }, 'grants.0.rpmLimit'],
    [{ rpmLimit: 1_000_001, tpmLimit: null }, 'grants.0.rpmLimit'],
    [{ rpmLimit: null, tpmLimit: 1_000_000_001 }, 'grants.0.tpmLimit'],
    [{ rpmLimit: null, tpmLimit: -1 }, 'grants.0.tpmLimit'],
  ])('limits are positive integers with upper bounds: %j → E_VALIDATION at %s', (limits, path) => {
    const before = dumpTables(core);
    expect(core.call('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: TEXT, ...limits }] })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path }] } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('unknown models, duplicates and unknown workspaces are refused', () => {
    expect(core.call('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: 'nope-1', rpmLimit: null, tpmLimit: null }] })).toMatchObject({
      ok: false,
      error: { code: 'E_NOT_FOUND', issues: [{ path: 'grants.0.modelId' }] },
    });
    const dup = { modelId: TEXT, rpmLimit: null, tpmLimit: null };
    expect(core.call('modelGrants:save', { workspaceId: alpha, grants: [dup, dup] })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'grants.1.modelId' }] } });
    expect(core.call('modelGrants:list', { workspaceId: 'ws-missing1' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });
});

describe('default workspace', () => {
  it('can call all models: no grant list, and saving one is refused with nothing written', () => {
    expect(core.ok('modelGrants:list', { workspaceId: defaultWs })).toEqual({ workspaceId: defaultWs, allModels: true, items: [], version: 0 });
    const before = dumpTables(core);
    const result = core.call('modelGrants:save', { workspaceId: defaultWs, grants: [{ modelId: TEXT, rpmLimit: 1, tpmLimit: null }] });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    if (!result.ok) expect(result.error.message).toMatch(/can call all models/);
    expect(dumpTables(core)).toEqual(before);
  });
});

describe('bulk grant', () => {
  it('apply does exactly what the preview said, per workspace; the default workspace is skipped', () => {
    core.ok('modelGrants:save', { workspaceId: beta, grants: [{ modelId: TEXT, rpmLimit: 50, tpmLimit: null }, { modelId: TEXT2, rpmLimit: 7, tpmLimit: null }] });
    const input = {
      workspaceIds: [alpha, beta, defaultWs],
      grants: [
        { modelId: TEXT, rpmLimit: 100, tpmLimit: 20_000 },
        { modelId: IMAGE, rpmLimit: 3, tpmLimit: null },
        { modelId: TEXT2, rpmLimit: 7, tpmLimit: null },
      ],
    };
    const before = dumpTables(core);
    const preview = core.ok('modelGrants:bulkPreview', input);
    expect(dumpTables(core)).toEqual(before); // preview writes nothing
    expect(preview.workspaces.map((w) => [w.workspaceName, w.status, w.added.length, w.changed.length, w.unchangedCount])).toEqual([
      ['Alpha', 'changes', 3, 0, 0],
      ['Beta', 'changes', 1, 1, 1],
      ['Default Workspace', 'skipped', 0, 0, 0],
    ]);
    expect(preview.workspaces[1]!.changed[0]).toEqual({ modelId: TEXT, displayName: 'Qwen3.7-Max', before: { rpmLimit: 50, tpmLimit: null }, after: { rpmLimit: 100, tpmLimit: 20_000 } });
    expect(preview.totals).toEqual({ added: 4, changed: 1, skippedWorkspaces: 1 });

    const applied = core.ok('modelGrants:bulkApply', input);
    expect(applied).toEqual(preview);
    // Each changed workspace now holds exactly the previewed limits; the default has no rows.
    for (const ws of [alpha, beta]) {
      const items = core.ok('modelGrants:list', { workspaceId: ws }).items;
      for (const g of input.grants) expect(items.find((i) => i.modelId === g.modelId)).toMatchObject(g);
    }
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_model_grants WHERE workspace_id = ?').pluck().get(defaultWs)).toBe(0);
    expect(auditActions().filter((a) => a === 'model_grants.bulk_grant')).toHaveLength(2);
    // Applying again is a no-op the preview predicts.
    const again = core.ok('modelGrants:bulkPreview', input);
    expect(again.workspaces.map((w) => w.status)).toEqual(['unchanged', 'unchanged', 'skipped']);
    const stable = dumpTables(core);
    expect(core.ok('modelGrants:bulkApply', input)).toEqual(again);
    expect(dumpTables(core)).toEqual(stable);
  });

  it('a bad grant or a missing workspace fails the whole bulk apply with nothing written', () => {
    const before = dumpTables(core);
    expect(core.call('modelGrants:bulkApply', { workspaceIds: [alpha, beta], grants: [{ modelId: IMAGE, rpmLimit: 1, tpmLimit: 5 }] })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'grants.0.tpmLimit' }] },
    });
    expect(core.call('modelGrants:bulkApply', { workspaceIds: [alpha, 'ws-gone1'], grants: [{ modelId: TEXT, rpmLimit: 1, tpmLimit: null }] })).toMatchObject({
      ok: false,
      error: { code: 'E_NOT_FOUND', issues: [{ path: 'workspaceIds.1' }] },
    });
    expect(dumpTables(core)).toEqual(before);
  });
});

describe('limit checker', () => {
  it('warns about a key limit above its workspace model limit, per key and model', () => {
    core.ok('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: TEXT, rpmLimit: 100, tpmLimit: 10_000 }, { modelId: TEXT2, rpmLimit: null, tpmLimit: null }] });
    const key = core.ok('keys:create', { workspaceId: alpha, name: 'backend', rpmLimit: 600, tpmLimit: 5_000 }).key;
    core.ok('keys:create', { workspaceId: beta, name: 'other', rpmLimit: 600 });
    const { warnings } = core.ok('models:checkLimits', { workspaceId: alpha });
    expect(warnings).toEqual([
      {
        code: 'key_rpm_above_model',
        severity: 'warning',
        workspaceId: alpha,
        modelId: TEXT,
        keyId: key.id,
        message: 'In “Alpha”: key “backend” allows 600 requests/min but Qwen3.7-Max is granted only 100; the lower limit applies',
      },
    ]);
    // A revoked key no longer counts.
    core.ok('keys:revoke', { id: key.id });
    expect(core.ok('models:checkLimits', {}).warnings).toEqual([]);
  });

  it('checks a draft: RPM 0 and TPM on a non-token model are errors before anything is saved', () => {
    const { warnings } = core.ok('models:checkLimits', {
      workspaceId: alpha,
      draft: [
        { modelId: TEXT, rpmLimit: 0, tpmLimit: null },
        { modelId: IMAGE, rpmLimit: 5, tpmLimit: 100 },
      ],
    });
    expect(warnings.map((w) => [w.code, w.severity, w.modelId])).toEqual([
      ['rpm_zero', 'error', TEXT],
      ['tpm_not_token_metered', 'error', IMAGE],
    ]);
    expect(core.ok('models:checkLimits', { workspaceId: alpha }).warnings).toEqual([]); // nothing stored
    expect(core.call('models:checkLimits', { draft: [] })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'workspaceId' }] } });
  });

  it('flags a stored TPM once a catalog update says the model is no longer token-metered', () => {
    core.ok('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: TEXT, rpmLimit: null, tpmLimit: 1000 }] });
    core.db.prepare('UPDATE models SET token_metered = 0 WHERE id = ?').run(TEXT); // what a catalog sync could do
    expect(core.ok('models:checkLimits', {}).warnings).toMatchObject([{ code: 'tpm_not_token_metered', severity: 'error', workspaceId: alpha, modelId: TEXT }]);
  });

  it('warns when the workspaces’ TPMs for a model add up above the account quota', () => {
    core.ok('modelGrants:save', { workspaceId: alpha, grants: [{ modelId: TEXT, rpmLimit: null, tpmLimit: 60_000 }] });
    core.ok('modelGrants:save', { workspaceId: beta, grants: [{ modelId: TEXT, rpmLimit: null, tpmLimit: 50_000 }] });
    expect(core.ok('models:checkLimits', {}).warnings).toEqual([]); // no quota configured
    expect(core.ok('models:setQuota', { modelId: TEXT, tpmQuota: 100_000 }).items).toEqual([{ modelId: TEXT, displayName: 'Qwen3.7-Max', tpmQuota: 100_000, grantedTpm: 110_000 }]);
    expect(core.ok('models:checkLimits', {}).warnings).toMatchObject([{ code: 'quota_exceeded', severity: 'warning', workspaceId: null, modelId: TEXT }]);
    expect(core.ok('models:checkLimits', { workspaceId: beta }).warnings).toMatchObject([{ code: 'quota_exceeded', workspaceId: beta }]);
    // A draft that lowers alpha's TPM clears it.
    expect(core.ok('models:checkLimits', { workspaceId: alpha, draft: [{ modelId: TEXT, rpmLimit: null, tpmLimit: 40_000 }] }).warnings).toEqual([]);
    expect(core.call('models:setQuota', { modelId: IMAGE, tpmQuota: 5 })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'tpmQuota' }] } });
    expect(core.ok('models:setQuota', { modelId: TEXT, tpmQuota: null }).items).toEqual([]);
    expect(auditActions().filter((a) => a === 'model_quota.set')).toHaveLength(2);
  });
});
