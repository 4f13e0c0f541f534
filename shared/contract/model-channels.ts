/** The model feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const MODEL_CHANNEL_NAMES = [] as const;
export type ModelChannelName = (typeof MODEL_CHANNEL_NAMES)[number];
