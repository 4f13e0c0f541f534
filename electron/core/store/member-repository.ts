import type { Role } from '../../../shared/contract/member-schemas';
import type { Db } from './database';

export interface MemberRow {
  id: string;
  name: string;
  email: string;
  isLocalUser: boolean;
  workspaceCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}
export interface WorkspaceMemberRow {
  workspaceId: string;
  memberId: string;
  name: string;
  email: string;
  role: Role;
  isLocalUser: boolean;
}

const MEMBER_COLUMNS = `m.id, m.name, m.email, m.is_local_user AS isLocalUser, m.version, m.created_at AS createdAt, m.updated_at AS updatedAt,
  (SELECT COUNT(*) FROM workspace_members wm WHERE wm.member_id = m.id) AS workspaceCount`;
const toMember = (r: MemberRow & { isLocalUser: unknown }): MemberRow => ({ ...r, isLocalUser: Number(r.isLocalUser) === 1 });
const toWsMember = (r: WorkspaceMemberRow & { isLocalUser: unknown }): WorkspaceMemberRow => ({ ...r, isLocalUser: Number(r.isLocalUser) === 1 });

export const emailKey = (email: string) => email.trim().toLowerCase();

export function createMemberRepository(db: Db) {
  const byId = db.prepare(`SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.id = ?`);
  const local = db.prepare(`SELECT ${MEMBER_COLUMNS} FROM members m WHERE m.is_local_user = 1`);
  const idForEmail = db.prepare('SELECT id FROM members WHERE email_key = ?').pluck();
  const list = db.prepare(
    `SELECT ${MEMBER_COLUMNS} FROM members m
      WHERE @q = '' OR instr(lower(m.name), @q) > 0 OR instr(m.email_key, @q) > 0
      ORDER BY m.is_local_user DESC, lower(m.name), m.id`,
  );
  const insert = db.prepare(
    `INSERT INTO members (id, name, email, email_key, is_local_user, version, created_at, updated_at)
     VALUES (@id, @name, @email, @emailKey, @isLocalUser, 1, @at, @at)`,
  );
  const update = db.prepare(
    'UPDATE members SET name = @name, email = @email, email_key = @emailKey, version = version + 1, updated_at = @at WHERE id = @id',
  );
  const remove = db.prepare('DELETE FROM members WHERE id = ?');
  const wsMembers = db.prepare(
    `SELECT wm.workspace_id AS workspaceId, wm.member_id AS memberId, m.name, m.email, wm.role, m.is_local_user AS isLocalUser
       FROM workspace_members wm JOIN members m ON m.id = wm.member_id
      WHERE wm.workspace_id = ? ORDER BY CASE wm.role WHEN 'admin' THEN 0 WHEN 'editor' THEN 1 ELSE 2 END, lower(m.name)`,
  );
  const wsMember = db.prepare(
    `SELECT wm.workspace_id AS workspaceId, wm.member_id AS memberId, m.name, m.email, wm.role, m.is_local_user AS isLocalUser
       FROM workspace_members wm JOIN members m ON m.id = wm.member_id WHERE wm.workspace_id = ? AND wm.member_id = ?`,
  );
  const addMember = db.prepare(
    'INSERT INTO workspace_members (workspace_id, member_id, role, created_at, updated_at) VALUES (@workspaceId, @memberId, @role, @at, @at)',
  );
  const setRole = db.prepare('UPDATE workspace_members SET role = @role, updated_at = @at WHERE workspace_id = @workspaceId AND member_id = @memberId');
  const removeMember = db.prepare('DELETE FROM workspace_members WHERE workspace_id = ? AND member_id = ?');
  const adminCount = db.prepare("SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ? AND role = 'admin'").pluck();
  /** Workspaces where this member is the only admin. Read model: joins workspaces for their names. */
  const soleAdminOf = db.prepare(
    `SELECT w.name FROM workspace_members wm JOIN workspaces w ON w.id = wm.workspace_id
      WHERE wm.member_id = ? AND wm.role = 'admin'
        AND (SELECT COUNT(*) FROM workspace_members x WHERE x.workspace_id = wm.workspace_id AND x.role = 'admin') = 1`,
  ).pluck();
  // Read model: workspaces joined with their admins, for the first-run "every workspace has an Admin" check.
  const workspacesWithoutAdmin = db.prepare(
    "SELECT id FROM workspaces w WHERE NOT EXISTS (SELECT 1 FROM workspace_members wm WHERE wm.workspace_id = w.id AND wm.role = 'admin')",
  ).pluck();

  return {
    get: (id: string) => {
      const r = byId.get(id) as (MemberRow & { isLocalUser: unknown }) | undefined;
      return r && toMember(r);
    },
    getLocal: () => {
      const r = local.get() as (MemberRow & { isLocalUser: unknown }) | undefined;
      return r && toMember(r);
    },
    idForEmail: (email: string) => idForEmail.get(emailKey(email)) as string | undefined,
    list: (search: string) => (list.all({ q: search.toLowerCase() }) as Array<MemberRow & { isLocalUser: unknown }>).map(toMember),
    insert: (m: { id: string; name: string; email: string; isLocalUser: boolean; at: string }) =>
      void insert.run({ ...m, emailKey: emailKey(m.email), isLocalUser: m.isLocalUser ? 1 : 0 }),
    update: (m: { id: string; name: string; email: string; at: string }) => void update.run({ ...m, emailKey: emailKey(m.email) }),
    delete: (id: string) => void remove.run(id),
    workspaceMembers: (workspaceId: string) => (wsMembers.all(workspaceId) as Array<WorkspaceMemberRow & { isLocalUser: unknown }>).map(toWsMember),
    workspaceMember: (workspaceId: string, memberId: string) => {
      const r = wsMember.get(workspaceId, memberId) as (WorkspaceMemberRow & { isLocalUser: unknown }) | undefined;
      return r && toWsMember(r);
    },
    addToWorkspace: (p: { workspaceId: string; memberId: string; role: Role; at: string }) => void addMember.run(p),
    setRole: (p: { workspaceId: string; memberId: string; role: Role; at: string }) => void setRole.run(p),
    removeFromWorkspace: (workspaceId: string, memberId: string) => void removeMember.run(workspaceId, memberId),
    adminCount: (workspaceId: string) => adminCount.get(workspaceId) as number,
    soleAdminOf: (memberId: string) => soleAdminOf.all(memberId) as string[],
    workspacesWithoutAdmin: () => workspacesWithoutAdmin.all() as string[],
  };
}
export type MemberRepository = ReturnType<typeof createMemberRepository>;
