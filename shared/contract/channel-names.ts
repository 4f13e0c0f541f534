import { EXPORT_CHANNEL_NAMES } from './export-channels';
import { MODEL_CHANNEL_NAMES } from './model-channels';
import { PROVIDER_KEY_CHANNEL_NAMES } from './provider-key-channels';
import { USAGE_CHANNEL_NAMES } from './usage-channels';

/**
 * Every IPC channel, `domain:verb`. Kept free of zod so the preload allowlist can import it
 * without bundling the schemas. `contract.ts` must define exactly these keys.
 */
export const CHANNEL_NAMES = [
  ...MODEL_CHANNEL_NAMES,
  ...PROVIDER_KEY_CHANNEL_NAMES,
  ...USAGE_CHANNEL_NAMES,
  ...EXPORT_CHANNEL_NAMES,
  'app:info',
  'overview:summary',
  'workspaces:list',
  'workspaces:get',
  'workspaces:create',
  'workspaces:update',
  'workspaces:delete',
  'workspaces:setActive',
  'workspaces:getActive',
  'keys:create',
  'keys:list',
  'keys:rotate',
  'keys:revoke',
  'keys:delete',
  'keys:verify',
  'audit:list',
  'audit:get',
  'audit:exportCsv',
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
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && (CHANNEL_NAMES as readonly string[]).includes(value);
}
