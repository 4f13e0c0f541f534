import type { Migration } from './index';

/** Reserved for issue work in progress (filled in by its owner before it ships). */
export const migration016Webhooks: Migration = {
  version: 16,
  name: '016-webhooks',
  up() {},
};
