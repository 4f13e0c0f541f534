/** The model feature's channels, `domain:verb`. Zod-free: the preload allowlist imports it. */
export const MODEL_CHANNEL_NAMES = [
  'models:list',
  'models:facets',
  'models:matchIds',
  'models:getMany',
  'models:checkLimits',
  'models:setQuota',
  'models:listQuotas',
  'modelGrants:list',
  'modelGrants:save',
  'modelGrants:bulkPreview',
  'modelGrants:bulkApply',
] as const;
export type ModelChannelName = (typeof MODEL_CHANNEL_NAMES)[number];
