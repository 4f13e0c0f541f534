import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
beforeEach(() => {
  core = openTestCore();
});
afterEach(() => core.dispose());

function seedAudit(count: number) {
  const insert = core.db.prepare(
    `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json) VALUES (?, ?, ?, 'workspace', ?, ?, ?, ?)`,
  );
  core.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
      insert.run(at, i % 3 === 0 ? 'ana' : 'bo', i % 2 ? 'workspace.update' : 'workspace.create', `ws-seed${i % 50}`, `ws-seed${i % 50}`, JSON.stringify({ name: `n${i}` }), JSON.stringify({ name: `n${i + 1}` }));
    }
  })();
}

describe('audit log', () => {
  it('records every mutation with actor and changed fields before → after', () => {
    const ws = core.ok('workspaces:create', { name: 'Audited' });
    core.ok('workspaces:update', { id: ws.id, changes: { name: 'Audited 2', region: 'eu' } });
    const { items } = core.ok('audit:list', { filter: { workspaceId: ws.id, entityType: 'workspace' } });
    expect(items.map((e) => e.action)).toEqual(['workspace.update', 'workspace.create']);
    expect(items[0]).toMatchObject({ actor: 'test-admin', workspaceName: 'Audited 2' });
    expect(items[0]!.changes).toEqual([
      { field: 'name', before: 'Audited', after: 'Audited 2' },
      { field: 'region', before: 'global', after: 'eu' },
      { field: 'version', before: 1, after: 2 },
    ]);
    const detail = core.ok('audit:get', { id: items[0]!.id });
    expect(detail.before).toMatchObject({ name: 'Audited' });
    expect(detail.after).toMatchObject({ name: 'Audited 2' });
  });

  it('switching the active workspace writes no audit entry (issue #11)', () => {
    const a = core.ok('workspaces:create', { name: 'Switch A' });
    const b = core.ok('workspaces:create', { name: 'Switch B' });
    const count = () => core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get() as number;
    const before = count();
    core.ok('workspaces:setActive', { id: a.id });
    core.ok('workspaces:setActive', { id: b.id });
    core.ok('workspaces:setActive', { id: a.id });
    expect(count()).toBe(before);
  });

  it('keyset pages over 100k entries visit every matching row exactly once, newest first', () => {
    seedAudit(100_000);
    const seen: number[] = [];
    let beforeId: number | undefined;
    for (;;) {
      const page = core.ok('audit:list', { filter: { actor: 'ana', action: 'workspace.update' }, limit: 500, ...(beforeId ? { beforeId } : {}) });
      seen.push(...page.items.map((e) => e.id));
      if (page.nextBeforeId === null) break;
      beforeId = page.nextBeforeId;
    }
    const expected = core.db
      .prepare("SELECT id FROM audit_log WHERE actor = 'ana' AND action = 'workspace.update' ORDER BY id DESC")
      .pluck()
      .all();
    expect(seen).toEqual(expected);
    expect(seen.length).toBeGreaterThan(16_000);
  });

  it('filters by date range (from inclusive, to exclusive) and entity type', () => {
    seedAudit(10);
    const { items } = core.ok('audit:list', { filter: { from: '2026-01-01T00:02:00Z', to: '2026-01-01T00:05:00Z', entityType: 'workspace' } });
    expect(items.map((e) => e.at)).toEqual(['2026-01-01T00:04:00.000Z', '2026-01-01T00:03:00.000Z', '2026-01-01T00:02:00.000Z']);
  });

  it('entries cannot be changed or deleted, by any channel or by SQL', () => {
    core.ok('workspaces:create', { name: 'Immutable' });
    expect(() => core.db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/cannot be changed/);
    expect(() => core.db.prepare('DELETE FROM audit_log').run()).toThrow(/cannot be deleted/);
    const channels = core.dispatcher.channels.filter((c) => c.startsWith('audit:'));
    // Read-only; its CSV export is the audit kind of `exports:start` (export-jobs.test.ts).
    expect(channels.sort()).toEqual(['audit:get', 'audit:list']);
  });
});
