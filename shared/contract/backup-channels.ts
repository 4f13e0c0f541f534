/**
 * The backup feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it.
 * `backup:create` and `backup:restore` are jobs (kinds `backup`, `restore`): follow them with
 * `jobs:status|cancel|list` and the `job` events.
 */
export const BACKUP_CHANNEL_NAMES = ['backup:create', 'backup:inspect', 'backup:restore'] as const;
export type BackupChannelName = (typeof BACKUP_CHANNEL_NAMES)[number];
