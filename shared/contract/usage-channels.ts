import { BUDGET_CHANNEL_NAMES } from './budget-channels';

/** The usage feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const USAGE_CHANNEL_NAMES = [
  // usage store and reports (C1)
  'usage:import',
  'usage:generateSample',
  'usage:report',
  'usage:facets',
  'usage:summary',
  // budgets (C2)
  ...BUDGET_CHANNEL_NAMES,
] as const;
export type UsageChannelName = (typeof USAGE_CHANNEL_NAMES)[number];
