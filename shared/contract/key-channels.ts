/** The API-key feature's channels. Zod-free: the preload allowlist imports it. */
export const KEY_CHANNEL_NAMES = ['keys:create', 'keys:list', 'keys:rotate', 'keys:revoke', 'keys:delete', 'keys:verify'] as const;
export type KeyChannelName = (typeof KEY_CHANNEL_NAMES)[number];
