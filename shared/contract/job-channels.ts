/** The job runner's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const JOB_CHANNEL_NAMES = ['jobs:list', 'jobs:status', 'jobs:cancel'] as const;
export type JobChannelName = (typeof JOB_CHANNEL_NAMES)[number];
