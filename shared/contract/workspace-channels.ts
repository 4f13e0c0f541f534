/** The workspace feature's channels. Zod-free: the preload allowlist imports it. */
export const WORKSPACE_CHANNEL_NAMES = [
  'workspaces:list',
  'workspaces:get',
  'workspaces:create',
  'workspaces:update',
  'workspaces:delete',
  'workspaces:setActive',
  'workspaces:getActive',
] as const;
export type WorkspaceChannelName = (typeof WORKSPACE_CHANNEL_NAMES)[number];
