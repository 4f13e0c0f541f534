import type { Migration } from './index';

/** Reserved for issue work in progress (filled in by its owner before it ships). */
export const migration017UsageCompact: Migration = {
  version: 17,
  name: '017-usage-compact',
  up() {},
};
