/** App-wide channels (installation info, the overview). Zod-free: the preload allowlist imports it. */
export const APP_CHANNEL_NAMES = ['app:info', 'overview:summary'] as const;
export type AppChannelName = (typeof APP_CHANNEL_NAMES)[number];
