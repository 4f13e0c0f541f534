/** The provider-key feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const PROVIDER_KEY_CHANNEL_NAMES = [
  'providerKeys:list',
  'providerKeys:create',
  'providerKeys:update',
  'providerKeys:delete',
  'providerKeys:forgetUnreadable',
  'providerAccess:get',
  'providerAccess:save',
] as const;
export type ProviderKeyChannelName = (typeof PROVIDER_KEY_CHANNEL_NAMES)[number];
