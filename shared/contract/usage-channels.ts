/** The usage feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const USAGE_CHANNEL_NAMES = [] as const;
export type UsageChannelName = (typeof USAGE_CHANNEL_NAMES)[number];
