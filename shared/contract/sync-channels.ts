/** Remotes and sync channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const SYNC_CHANNEL_NAMES = [
  'remotes:list',
  'remotes:create',
  'remotes:update',
  'remotes:delete',
  'remotes:test',
  'sync:status',
  'sync:plan',
  'sync:getPlan',
  'sync:apply',
  'sync:resolve',
  'sync:pullUsage',
  'sync:runs',
] as const;
export type SyncChannelName = (typeof SYNC_CHANNEL_NAMES)[number];
