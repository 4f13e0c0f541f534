/** The members feature's channels (organisation members and their workspace roles). Zod-free. */
export const MEMBER_CHANNEL_NAMES = [
  'members:list',
  'members:create',
  'members:update',
  'members:delete',
  'members:getLocalUser',
  'workspaceMembers:list',
  'workspaceMembers:add',
  'workspaceMembers:setRole',
  'workspaceMembers:remove',
] as const;
export type MemberChannelName = (typeof MEMBER_CHANNEL_NAMES)[number];
