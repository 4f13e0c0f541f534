import { APP_CHANNEL_NAMES } from './app-channels';
import { AUDIT_CHANNEL_NAMES } from './audit-channels';
import { BACKUP_CHANNEL_NAMES } from './backup-channels';
import { BUDGET_CHANNEL_NAMES } from './budget-channels';
import { EXPORT_CHANNEL_NAMES } from './export-channels';
import { JOB_CHANNEL_NAMES } from './job-channels';
import { KEY_CHANNEL_NAMES } from './key-channels';
import { MEMBER_CHANNEL_NAMES } from './member-channels';
import { MODEL_CHANNEL_NAMES } from './model-channels';
import { PROVIDER_KEY_CHANNEL_NAMES } from './provider-key-channels';
import { ROUTING_CHANNEL_NAMES } from './routing-channels';
import { GUARDRAIL_CHANNEL_NAMES } from './guardrail-channels';
import { SYNC_CHANNEL_NAMES } from './sync-channels';
import { USAGE_CHANNEL_NAMES } from './usage-channels';
import { WORKSPACE_CHANNEL_NAMES } from './workspace-channels';

/**
 * Every IPC channel, `domain:verb`: each feature's slice. Kept free of zod so the preload
 * allowlist can import it without bundling the schemas. `contract.ts` must define exactly these keys.
 */
export const CHANNEL_NAMES = [
  ...APP_CHANNEL_NAMES,
  ...WORKSPACE_CHANNEL_NAMES,
  ...KEY_CHANNEL_NAMES,
  ...MEMBER_CHANNEL_NAMES,
  ...AUDIT_CHANNEL_NAMES,
  ...MODEL_CHANNEL_NAMES,
  ...PROVIDER_KEY_CHANNEL_NAMES,
  ...USAGE_CHANNEL_NAMES,
  ...BUDGET_CHANNEL_NAMES,
  ...EXPORT_CHANNEL_NAMES,
  ...JOB_CHANNEL_NAMES,
  ...SYNC_CHANNEL_NAMES,
  ...ROUTING_CHANNEL_NAMES,
  ...GUARDRAIL_CHANNEL_NAMES,
  ...BACKUP_CHANNEL_NAMES,
] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];

export function isChannelName(value: unknown): value is ChannelName {
  return typeof value === 'string' && (CHANNEL_NAMES as readonly string[]).includes(value);
}
