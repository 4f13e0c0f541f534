/**
 * The export feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it.
 * An export is a job: follow it with `jobs:status|cancel|list` and the `job` events.
 */
export const EXPORT_CHANNEL_NAMES = ['exports:start'] as const;
export type ExportChannelName = (typeof EXPORT_CHANNEL_NAMES)[number];
