/** The export feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const EXPORT_CHANNEL_NAMES = ['exports:start', 'exports:status', 'exports:cancel'] as const;
export type ExportChannelName = (typeof EXPORT_CHANNEL_NAMES)[number];
