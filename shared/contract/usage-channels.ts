/** The usage feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const USAGE_CHANNEL_NAMES = [
  'usage:import',
  'usage:generateSample',
  'usage:report',
  'usage:facets',
  'usage:summary',
] as const;
export type UsageChannelName = (typeof USAGE_CHANNEL_NAMES)[number];
