import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
beforeEach(() => {
  core = openTestCore();
});
afterEach(() => core.dispose());

const auditCount = () => core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
const changeCount = () => core.db.prepare('SELECT COUNT(*) FROM change_log').pluck().get() as number;

describe('first run', () => {
  it('creates one default workspace that is active and owned by the local user', () => {
    const list = core.ok('workspaces:list', {});
    expect(list.total).toBe(1);
    const [ws] = list.items;
    expect(ws).toMatchObject({ name: 'Default Workspace', isDefault: true, owner: 'test-admin', version: 1, keyCount: 0, keyLimit: 20 });
    expect(core.ok('workspaces:getActive', {}).id).toBe(ws!.id);
  });
});

describe('create', () => {
  it('trims the name, applies defaults and writes audit + change log in the same transaction', () => {
    const ws = core.ok('workspaces:create', { name: '  Search Team  ', monthlyBudgetMinor: 150000 });
    expect(ws).toMatchObject({ name: 'Search Team', environment: 'production', region: 'global', status: 'active', currency: 'USD', isDefault: false });
    expect(ws.id).toMatch(/^ws-[a-z0-9]{12}$/);
    const audit = core.db.prepare("SELECT * FROM audit_log WHERE action = 'workspace.create' AND entity_id = ?").get(ws.id) as Record<string, string>;
    expect(audit.actor).toBe('test-admin');
    expect(JSON.parse(audit.after_json!)).toMatchObject({ name: 'Search Team', monthlyBudgetMinor: 150000 });
    const change = core.db.prepare('SELECT * FROM change_log WHERE entity_id = ?').get(ws.id) as Record<string, unknown>;
    expect(change).toMatchObject({ op: 'create', base_version: null, entity_type: 'workspace' });
  });

  it.each([
    ['', 'E_VALIDATION'],
    ['   ', 'E_VALIDATION'],
    ['x'.repeat(31), 'E_VALIDATION'],
    ['-leading-dash', 'E_VALIDATION'],
    ['bad\u0000name', 'E_VALIDATION'],
  ])('rejects name %j with %s and changes nothing', (name, code) => {
    const before = dumpTables(core);
    const result = core.call('workspaces:create', { name });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.issues?.[0]?.path).toBe('name');
    }
    expect(dumpTables(core)).toEqual(before);
  });

  it('accepts exactly 30 characters and Unicode names', () => {
    expect(core.ok('workspaces:create', { name: 'x'.repeat(30) }).name).toHaveLength(30);
    expect(core.ok('workspaces:create', { name: 'Équipe Kigali' }).name).toBe('Équipe Kigali');
  });

  it('rejects a duplicate name case-insensitively (Unicode too) with E_CONFLICT on the name field', () => {
    core.ok('workspaces:create', { name: 'Équipe' });
    const before = dumpTables(core);
    const result = core.call('workspaces:create', { name: 'éQUIPE' });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', issues: [{ path: 'name' }] } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('allows 20 workspaces including the default, and the 21st gets E_LIMIT naming the limit', () => {
    for (let i = 1; i <= 19; i++) core.ok('workspaces:create', { name: `team ${i}` });
    const before = dumpTables(core);
    const result = core.call('workspaces:create', { name: 'one too many' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('E_LIMIT');
      expect(result.error.message).toContain('20');
    }
    expect(dumpTables(core)).toEqual(before);
  });

  it('reads the limit from the settings row', () => {
    core.db.prepare('UPDATE settings SET max_workspaces = 2').run();
    core.ok('workspaces:create', { name: 'second' });
    expect(core.call('workspaces:create', { name: 'third' })).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
  });
});

describe('update', () => {
  it('renames without changing the ID, bumps version, logs before/after and a base version', () => {
    const ws = core.ok('workspaces:create', { name: 'alpha' });
    const renamed = core.ok('workspaces:update', { id: ws.id, expectedVersion: 1, changes: { name: 'beta', region: 'eu' } });
    expect(renamed).toMatchObject({ id: ws.id, name: 'beta', region: 'eu', version: 2 });
    const audit = core.db.prepare("SELECT before_json, after_json FROM audit_log WHERE action = 'workspace.update'").get() as Record<string, string>;
    expect(JSON.parse(audit.before_json!)).toMatchObject({ name: 'alpha', region: 'global' });
    expect(JSON.parse(audit.after_json!)).toMatchObject({ name: 'beta', region: 'eu' });
    const change = core.db.prepare("SELECT payload_json, base_version FROM change_log WHERE op = 'update'").get() as Record<string, unknown>;
    expect(change.base_version).toBe(1);
    expect(JSON.parse(change.payload_json as string)).toEqual({ name: 'beta', region: 'eu', version: 2 });
  });

  it('allows changing only the case of its own name', () => {
    const ws = core.ok('workspaces:create', { name: 'alpha' });
    expect(core.ok('workspaces:update', { id: ws.id, changes: { name: 'Alpha' } }).name).toBe('Alpha');
  });

  it('refuses a stale expectedVersion with E_CONFLICT and changes nothing', () => {
    const ws = core.ok('workspaces:create', { name: 'alpha' });
    core.ok('workspaces:update', { id: ws.id, changes: { description: 'changed elsewhere' } });
    const before = dumpTables(core);
    expect(core.call('workspaces:update', { id: ws.id, expectedVersion: 1, changes: { name: 'gamma' } })).toMatchObject({
      ok: false,
      error: { code: 'E_CONFLICT' },
    });
    expect(dumpTables(core)).toEqual(before);
  });

  it('a no-op update writes no audit or change entry', () => {
    const ws = core.ok('workspaces:create', { name: 'alpha' });
    const [a, c] = [auditCount(), changeCount()];
    expect(core.ok('workspaces:update', { id: ws.id, changes: { name: 'alpha' } }).version).toBe(1);
    expect([auditCount(), changeCount()]).toEqual([a, c]);
  });

  it('unknown workspace → E_NOT_FOUND', () => {
    expect(core.call('workspaces:update', { id: 'ws-doesnotexist', changes: { name: 'x' } })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });
});

describe('delete and active workspace', () => {
  it('requires the exact name, and the default workspace cannot be deleted', () => {
    const ws = core.ok('workspaces:create', { name: 'Alpha' });
    const before = dumpTables(core);
    expect(core.call('workspaces:delete', { id: ws.id, confirmName: 'alpha' })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'confirmName' }] },
    });
    const def = core.ok('workspaces:getActive', {});
    expect(core.call('workspaces:delete', { id: def.id, confirmName: def.name })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('deleting the active workspace makes the default active, and logs a delete change', () => {
    const def = core.ok('workspaces:getActive', {});
    const ws = core.ok('workspaces:create', { name: 'Alpha' });
    core.ok('workspaces:setActive', { id: ws.id });
    expect(core.ok('workspaces:getActive', {}).id).toBe(ws.id);
    expect(core.ok('workspaces:delete', { id: ws.id, confirmName: 'Alpha' })).toEqual({ deletedId: ws.id, activeWorkspaceId: def.id });
    expect(core.ok('workspaces:getActive', {}).id).toBe(def.id);
    expect(core.call('workspaces:get', { id: ws.id })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    const change = core.db.prepare("SELECT base_version FROM change_log WHERE op = 'delete'").get() as { base_version: number };
    expect(change.base_version).toBe(1);
  });

  it('setActive is neither audited nor a sync change, but this core still announces it', () => {
    const ws = core.ok('workspaces:create', { name: 'Alpha' });
    const changes = changeCount();
    const audits = core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck();
    const before = audits.get();
    const heard: string[][] = [];
    const stop = core.on((event) => {
      if (event.type === 'changed') heard.push(event.entityTypes);
    });
    core.ok('workspaces:setActive', { id: ws.id });
    stop();
    expect(changeCount()).toBe(changes);
    expect(audits.get()).toBe(before);
    expect(heard).toEqual([['preference']]);
    expect(core.ok('workspaces:getActive', {}).id).toBe(ws.id);
  });
});

describe('list', () => {
  it('searches by name or ID substring, sorts in SQL and pages', () => {
    const names = ['Zeta', 'alpha', 'Beta', 'gamma'];
    const created = names.map((name, i) => core.ok('workspaces:create', { name, monthlyBudgetMinor: i * 100 }));
    expect(core.ok('workspaces:list', { search: 'ALP' }).items.map((w) => w.name)).toEqual(['alpha']);
    const byId = core.ok('workspaces:list', { search: created[3]!.id.slice(3, 10) });
    expect(byId.items.map((w) => w.id)).toEqual([created[3]!.id]);
    expect(core.ok('workspaces:list', { search: '%' }).total).toBe(0);
    const sorted = core.ok('workspaces:list', { sort: { field: 'name', direction: 'asc' } }).items.map((w) => w.name);
    expect(sorted).toEqual(['alpha', 'Beta', 'Default Workspace', 'gamma', 'Zeta']);
    const byBudget = core.ok('workspaces:list', { sort: { field: 'monthlyBudgetMinor', direction: 'desc' }, page: { index: 0, size: 2 } });
    expect(byBudget.items.map((w) => w.name)).toEqual(['gamma', 'Beta']);
    expect(byBudget.total).toBe(5);
    const page2 = core.ok('workspaces:list', { sort: { field: 'monthlyBudgetMinor', direction: 'desc' }, page: { index: 1, size: 2 } });
    expect(page2.items.map((w) => w.name)).toEqual(['alpha', 'Default Workspace']);
  });
});

describe('overview', () => {
  it('sums budgets per currency and counts production workspaces', () => {
    core.ok('workspaces:create', { name: 'a', monthlyBudgetMinor: 1000, environment: 'staging' });
    core.ok('workspaces:create', { name: 'b', monthlyBudgetMinor: 2500 });
    core.ok('workspaces:create', { name: 'c', monthlyBudgetMinor: 700, currency: 'EUR' });
    const summary = core.ok('overview:summary', {});
    expect(summary).toMatchObject({ totalWorkspaces: 4, workspaceLimit: 20, activeKeys: 0, productionWorkspaces: 3 });
    expect(summary.monthlyBudgetTotals).toEqual([
      { currency: 'EUR', amountMinor: 700 },
      { currency: 'USD', amountMinor: 3500 },
    ]);
  });
});

describe('persistence', () => {
  it('the active workspace and data survive reopening the store', async () => {
    const dataDir = core.dataDir;
    const ws = core.ok('workspaces:create', { name: 'Persisted' });
    core.ok('workspaces:setActive', { id: ws.id });
    await core.close();
    core = openTestCore({ dataDir });
    expect(core.ok('workspaces:getActive', {}).name).toBe('Persisted');
    expect(core.ok('workspaces:list', {}).total).toBe(2);
  });
});
