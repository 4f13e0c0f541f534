import { randomBytes } from 'node:crypto';
import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { Role } from '../../../shared/contract/member-schemas';
import type { MemberRepository, MemberRow, WorkspaceMemberRow } from '../store/member-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';

const newMemberId = () => `mem-${randomBytes(8).toString('hex')}`;

/** A syntactically valid placeholder for the laptop's user until they set a real address in Settings. */
export function placeholderEmail(userName: string): string {
  const local = userName.toLowerCase().replace(/[^a-z0-9._-]+/g, '.').replace(/^\.+|\.+$/g, '') || 'admin';
  return `${local}@gatehouse.local`;
}

const memberSnapshot = ({ id, name, email, isLocalUser, version }: MemberRow) => ({ id, name, email, isLocalUser, version });

export function createMemberService(ctx: ServiceContext, members: MemberRepository, workspaces: WorkspaceRepository) {
  const at = () => ctx.now().toISOString();

  const requireMember = (id: string) => {
    const m = members.get(id);
    if (!m) throw new AppError('E_NOT_FOUND', `Member ${id} does not exist`);
    return m;
  };
  const requireWorkspace = (id: string) => {
    const w = workspaces.get(id);
    if (!w) throw new AppError('E_NOT_FOUND', `Workspace ${id} does not exist`);
    return w;
  };
  const assertEmailFree = (email: string, exceptId?: string) => {
    const holder = members.idForEmail(email);
    if (holder && holder !== exceptId) throw AppError.field('E_CONFLICT', 'email', 'Someone with this email is already a member');
  };
  const logMembership = (action: string, before: WorkspaceMemberRow | null, after: WorkspaceMemberRow | null, time: string) => {
    const subject = (after ?? before)!;
    const snap = (r: WorkspaceMemberRow | null) => r && { workspaceId: r.workspaceId, memberId: r.memberId, name: r.name, role: r.role };
    ctx.record({
      at: time,
      actor: ctx.actor(),
      action,
      entityType: 'workspace_member',
      entityId: `${subject.workspaceId}/${subject.memberId}`,
      workspaceId: subject.workspaceId,
      before: snap(before),
      after: snap(after),
      change: { op: !before ? 'create' : !after ? 'delete' : 'update', payload: snap(after) ?? { workspaceId: subject.workspaceId, memberId: subject.memberId }, baseVersion: null },
    });
  };
  const addMembership = (workspaceId: string, memberId: string, role: Role, time: string) => {
    members.addToWorkspace({ workspaceId, memberId, role, at: time });
    const row = members.workspaceMember(workspaceId, memberId)!;
    logMembership('workspace_member.add', null, row, time);
    return row;
  };

  return {
    /**
     * First run and upgrades: the laptop's user is a member and every workspace has an Admin;
     * idempotent. Plain reads decide first, so a set-up store is not written (nor write-locked);
     * the write re-checks under the lock. Each write is audited with the local user as actor.
     */
    ensureLocalUserAndAdmins(userName: string): void {
      const missing = () => !members.getLocal() || members.workspacesWithoutAdmin().length > 0;
      if (!missing()) return;
      ctx.write(() => {
        const time = at();
        let local = members.getLocal();
        if (!local) {
          const id = newMemberId();
          members.insert({ id, name: userName, email: placeholderEmail(userName), isLocalUser: true, at: time });
          local = members.get(id)!;
          const snap = memberSnapshot(local);
          ctx.record({ at: time, actor: ctx.actor(), action: 'member.create', entityType: 'member', entityId: id, workspaceId: null, before: null, after: snap, change: { op: 'create', payload: snap, baseVersion: null } });
          // First run creates the default workspace before this user exists (older stores were
          // backfilled by migration 010). Like that backfill, this sets the owner without a version
          // bump, and it is not a user's edit (workspace.update) but its own action.
          for (const ws of workspaces.unowned()) {
            workspaces.setOwnerIfUnowned(ws.id, local.id);
            ctx.record({
              at: time,
              actor: ctx.actor(),
              action: 'workspace.assignOwner',
              entityType: 'workspace',
              entityId: ws.id,
              workspaceId: ws.id,
              before: { owner: ws.owner, ownerMemberId: null },
              after: { owner: local.name, ownerMemberId: local.id },
              change: { op: 'update', payload: { ownerMemberId: local.id, version: ws.version }, baseVersion: ws.version },
            });
          }
        }
        for (const workspaceId of members.workspacesWithoutAdmin()) {
          const before = members.workspaceMember(workspaceId, local.id);
          if (!before) {
            addMembership(workspaceId, local.id, 'admin', time);
            continue;
          }
          members.setRole({ workspaceId, memberId: local.id, role: 'admin', at: time });
          logMembership('workspace_member.setRole', before, members.workspaceMember(workspaceId, local.id)!, time);
        }
      });
    },
    /** Owner check for the workspace service; no ID means the laptop's user (if set up yet). */
    resolveOwner(memberId: string | undefined): { id: string; name: string } | null {
      if (memberId === undefined) {
        const local = members.getLocal();
        return local ? { id: local.id, name: local.name } : null;
      }
      const member = members.get(memberId);
      if (!member) throw AppError.field('E_VALIDATION', 'ownerMemberId', 'The owner must be a member; add them on the Members page first');
      return { id: member.id, name: member.name };
    },
    /** Inside the workspace-create transaction: the creator and the owner become Admins. */
    onWorkspaceCreated(workspaceId: string, time: string, ownerMemberId: string | null): void {
      const local = members.getLocal();
      for (const id of new Set([local?.id, ownerMemberId])) {
        if (id && !members.workspaceMember(workspaceId, id)) addMembership(workspaceId, id, 'admin', time);
      }
    },
    /** A new owner who is not yet in the workspace joins it as Admin. */
    onOwnerChanged(workspaceId: string, ownerMemberId: string, time: string): void {
      if (!members.workspaceMember(workspaceId, ownerMemberId)) addMembership(workspaceId, ownerMemberId, 'admin', time);
    },
    localUser(): MemberRow {
      const local = members.getLocal();
      if (!local) throw new AppError('E_INTERNAL', 'The local user is missing');
      return local;
    },
    list: (search: string) => ({ items: members.list(search) }),
    create(input: ParsedInput<'members:create'>) {
      return ctx.write(() => {
        assertEmailFree(input.email);
        const id = newMemberId();
        const time = at();
        members.insert({ id, name: input.name, email: input.email, isLocalUser: false, at: time });
        const created = members.get(id)!;
        ctx.record({ at: time, actor: ctx.actor(), action: 'member.create', entityType: 'member', entityId: id, workspaceId: null, before: null, after: memberSnapshot(created), change: { op: 'create', payload: memberSnapshot(created), baseVersion: null } });
        return created;
      });
    },
    update(input: ParsedInput<'members:update'>) {
      return ctx.write(() => {
        const before = requireMember(input.id);
        const name = input.changes.name ?? before.name;
        const email = input.changes.email ?? before.email;
        assertEmailFree(email, before.id);
        if (name === before.name && email === before.email) return before;
        const time = at();
        members.update({ id: before.id, name, email, at: time });
        const after = members.get(before.id)!;
        ctx.record({ at: time, actor: ctx.actor(), action: 'member.update', entityType: 'member', entityId: before.id, workspaceId: null, before: memberSnapshot(before), after: memberSnapshot(after), change: { op: 'update', payload: { name, email, version: after.version }, baseVersion: before.version } });
        return after;
      });
    },
    delete(id: string) {
      return ctx.write(() => {
        const member = requireMember(id);
        if (member.isLocalUser) throw new AppError('E_FORBIDDEN', 'The local user of this laptop cannot be removed');
        const owned = workspaces.namesOwnedBy(id);
        if (owned.length) throw new AppError('E_CONFLICT', `${member.name} owns ${owned.join(', ')}. Choose another owner first.`);
        const soleAdmin = members.soleAdminOf(id);
        if (soleAdmin.length) {
          throw new AppError('E_CONFLICT', `${member.name} is the only Admin of ${soleAdmin.join(', ')}. Make someone else Admin first.`);
        }
        members.delete(id);
        ctx.record({ at: at(), actor: ctx.actor(), action: 'member.delete', entityType: 'member', entityId: id, workspaceId: null, before: memberSnapshot(member), after: null, change: { op: 'delete', payload: { id }, baseVersion: member.version } });
        return { deletedId: id };
      });
    },
    workspaceMembers(workspaceId: string) {
      requireWorkspace(workspaceId);
      return { items: members.workspaceMembers(workspaceId) };
    },
    add(input: ParsedInput<'workspaceMembers:add'>) {
      return ctx.write(() => {
        requireWorkspace(input.workspaceId);
        requireMember(input.memberId);
        if (members.workspaceMember(input.workspaceId, input.memberId)) {
          throw AppError.field('E_CONFLICT', 'memberId', 'This person is already a member of the workspace; change their role instead');
        }
        return addMembership(input.workspaceId, input.memberId, input.role, at());
      });
    },
    setRole(input: ParsedInput<'workspaceMembers:setRole'>) {
      return ctx.write(() => {
        const before = members.workspaceMember(input.workspaceId, input.memberId);
        if (!before) throw new AppError('E_NOT_FOUND', 'This person is not a member of the workspace');
        if (before.role === input.role) return before;
        if (before.role === 'admin' && members.adminCount(input.workspaceId) === 1) {
          throw AppError.field('E_CONFLICT', 'role', 'A workspace needs at least one Admin. Make someone else Admin first.');
        }
        const time = at();
        members.setRole({ ...input, at: time });
        const after = members.workspaceMember(input.workspaceId, input.memberId)!;
        logMembership('workspace_member.setRole', before, after, time);
        return after;
      });
    },
    remove(input: ParsedInput<'workspaceMembers:remove'>) {
      return ctx.write(() => {
        const before = members.workspaceMember(input.workspaceId, input.memberId);
        if (!before) throw new AppError('E_NOT_FOUND', 'This person is not a member of the workspace');
        if (before.role === 'admin' && members.adminCount(input.workspaceId) === 1) {
          throw new AppError('E_CONFLICT', 'A workspace needs at least one Admin. Make someone else Admin before removing this one.');
        }
        members.removeFromWorkspace(input.workspaceId, input.memberId);
        logMembership('workspace_member.remove', before, null, at());
        return { workspaceId: input.workspaceId, memberId: input.memberId };
      });
    },
  };
}
