import { z } from 'zod';
import type { ChannelDefinition } from './channel-definition';
import type { MemberChannelName } from './member-channels';
import { workspaceIdSchema } from './workspace-schemas';

export const ROLES = [
  { id: 'admin', label: 'Admin' },
  { id: 'editor', label: 'Editor' },
  { id: 'viewer', label: 'Viewer' },
] as const;
export const roleSchema = z.enum(['admin', 'editor', 'viewer']);
export type Role = z.infer<typeof roleSchema>;

export const memberIdSchema = z.string().regex(/^mem-[a-z0-9]{4,32}$/, 'Not a member ID');
const memberName = z.string().trim().min(1, 'Name is required').max(80, 'Name must be at most 80 characters');
const memberEmail = z.string().trim().max(254, 'Email is too long').pipe(z.email('Enter a valid email address'));

export const memberSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  isLocalUser: z.boolean(),
  workspaceCount: z.int(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Member = z.infer<typeof memberSchema>;

export const memberListInput = z.strictObject({ search: z.string().trim().max(100).default('') });
export const memberCreateInput = z.strictObject({ name: memberName, email: memberEmail });
export const memberUpdateInput = z.strictObject({
  id: memberIdSchema,
  changes: z
    .strictObject({ name: memberName.optional(), email: memberEmail.optional() })
    .refine((c) => c.name !== undefined || c.email !== undefined, 'Nothing to change'),
});
export const memberIdInput = z.strictObject({ id: memberIdSchema });

export const workspaceMemberSchema = z.strictObject({
  workspaceId: z.string(),
  memberId: z.string(),
  name: z.string(),
  email: z.string(),
  role: roleSchema,
  isLocalUser: z.boolean(),
});
export type WorkspaceMember = z.infer<typeof workspaceMemberSchema>;
export const workspaceMembersInput = z.strictObject({ workspaceId: workspaceIdSchema });
export const workspaceMemberChangeInput = z.strictObject({ workspaceId: workspaceIdSchema, memberId: memberIdSchema, role: roleSchema });
export const workspaceMemberRemoveInput = z.strictObject({ workspaceId: workspaceIdSchema, memberId: memberIdSchema });

export const memberContract = {
  'members:list': { input: memberListInput, output: z.strictObject({ items: z.array(memberSchema) }) },
  'members:create': { input: memberCreateInput, output: memberSchema },
  'members:update': { input: memberUpdateInput, output: memberSchema },
  'members:delete': { input: memberIdInput, output: z.strictObject({ deletedId: z.string() }) },
  'members:getLocalUser': { input: z.strictObject({}), output: memberSchema },
  'workspaceMembers:list': { input: workspaceMembersInput, output: z.strictObject({ items: z.array(workspaceMemberSchema) }) },
  'workspaceMembers:add': { input: workspaceMemberChangeInput, output: workspaceMemberSchema },
  'workspaceMembers:setRole': { input: workspaceMemberChangeInput, output: workspaceMemberSchema },
  'workspaceMembers:remove': { input: workspaceMemberRemoveInput, output: z.strictObject({ workspaceId: z.string(), memberId: z.string() }) },
} satisfies { [C in MemberChannelName]: ChannelDefinition };
