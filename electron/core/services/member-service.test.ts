import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
beforeEach(() => {
  core = openTestCore();
});
afterEach(() => core.dispose());

describe('members and roles', () => {
  it('the local user is a member, Admin of every workspace they create, and the audit actor', () => {
    const local = core.ok('members:getLocalUser', {});
    expect(local).toMatchObject({ name: 'test-admin', email: 'test-admin@gatehouse.local', isLocalUser: true });
    const def = core.ok('workspaces:getActive', {});
    expect(core.ok('workspaceMembers:list', { workspaceId: def.id }).items).toEqual([
      expect.objectContaining({ memberId: local.id, role: 'admin' }),
    ]);
    const ws = core.ok('workspaces:create', { name: 'Team' });
    expect(ws.memberCount).toBe(1);
    core.ok('members:update', { id: local.id, changes: { name: 'Ana Admin', email: 'ana@example.com' } });
    core.ok('workspaces:update', { id: ws.id, changes: { description: 'x' } });
    expect(core.db.prepare("SELECT actor FROM audit_log WHERE action = 'workspace.update'").pluck().get()).toBe('Ana Admin');
  });

  it('emails are validated and unique case-insensitively', () => {
    expect(core.call('members:create', { name: 'Bo', email: 'not-an-email' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'email' }] } });
    core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
    const before = dumpTables(core);
    expect(core.call('members:create', { name: 'Bo 2', email: ' BO@Example.com ' })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', issues: [{ path: 'email' }] } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('add, change role and remove, keeping at least one Admin', () => {
    const ws = core.ok('workspaces:create', { name: 'Team' });
    const local = core.ok('members:getLocalUser', {});
    const bo = core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
    core.ok('workspaceMembers:add', { workspaceId: ws.id, memberId: bo.id, role: 'viewer' });
    expect(core.call('workspaceMembers:add', { workspaceId: ws.id, memberId: bo.id, role: 'editor' })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    const before = dumpTables(core);
    expect(core.call('workspaceMembers:setRole', { workspaceId: ws.id, memberId: local.id, role: 'editor' })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.call('workspaceMembers:remove', { workspaceId: ws.id, memberId: local.id })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(dumpTables(core)).toEqual(before);
    core.ok('workspaceMembers:setRole', { workspaceId: ws.id, memberId: bo.id, role: 'admin' });
    core.ok('workspaceMembers:setRole', { workspaceId: ws.id, memberId: local.id, role: 'viewer' });
    expect(core.call('members:delete', { id: bo.id })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    core.ok('workspaceMembers:remove', { workspaceId: ws.id, memberId: local.id });
    expect(core.ok('workspaceMembers:list', { workspaceId: ws.id }).items.map((m) => [m.name, m.role])).toEqual([['Bo', 'admin']]);
    const actions = core.db.prepare("SELECT action FROM audit_log WHERE entity_type = 'workspace_member' AND workspace_id = ? ORDER BY id").pluck().all(ws.id);
    expect(actions).toEqual(['workspace_member.add', 'workspace_member.add', 'workspace_member.setRole', 'workspace_member.setRole', 'workspace_member.remove']);
  });

  it('the local user cannot be deleted; other members can once nobody depends on them', () => {
    const local = core.ok('members:getLocalUser', {});
    expect(core.call('members:delete', { id: local.id })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    const bo = core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
    const ws = core.ok('workspaces:create', { name: 'Team' });
    core.ok('workspaceMembers:add', { workspaceId: ws.id, memberId: bo.id, role: 'editor' });
    expect(core.ok('members:delete', { id: bo.id })).toEqual({ deletedId: bo.id });
    expect(core.ok('workspaceMembers:list', { workspaceId: ws.id }).items).toHaveLength(1);
  });
});

describe('workspace owner is a member', () => {
  it('defaults to the laptop user, can be changed to another member (who joins as Admin), follows renames, and blocks deleting the owner', () => {
    const local = core.ok('members:getLocalUser', {});
    const ws = core.ok('workspaces:create', { name: 'Owned' });
    expect(ws).toMatchObject({ owner: 'test-admin', ownerMemberId: local.id });
    expect(core.ok('workspaces:getActive', {}).ownerMemberId).toBe(local.id); // the default workspace too

    expect(core.call('workspaces:update', { id: ws.id, changes: { ownerMemberId: 'mem-doesnotexist' } })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'ownerMemberId' }] },
    });
    const bo = core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
    const changed = core.ok('workspaces:update', { id: ws.id, changes: { ownerMemberId: bo.id } });
    expect(changed).toMatchObject({ owner: 'Bo', ownerMemberId: bo.id, memberCount: 2 });
    expect(core.ok('workspaceMembers:list', { workspaceId: ws.id }).items.find((m) => m.memberId === bo.id)?.role).toBe('admin');

    core.ok('members:update', { id: bo.id, changes: { name: 'Bo Diallo' } });
    expect(core.ok('workspaces:get', { id: ws.id }).owner).toBe('Bo Diallo');

    const before = dumpTables(core);
    const refused = core.call('members:delete', { id: bo.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    if (!refused.ok) expect(refused.error.message).toContain('owns Owned');
    expect(dumpTables(core)).toEqual(before);
  });

  it('creating with another owner makes both the creator and the owner Admins', () => {
    const bo = core.ok('members:create', { name: 'Bo', email: 'bo@example.com' });
    const ws = core.ok('workspaces:create', { name: 'Bo owns', ownerMemberId: bo.id });
    expect(ws.owner).toBe('Bo');
    expect(core.ok('workspaceMembers:list', { workspaceId: ws.id }).items.map((m) => [m.name, m.role]).sort()).toEqual([
      ['Bo', 'admin'],
      ['test-admin', 'admin'],
    ]);
  });
});
