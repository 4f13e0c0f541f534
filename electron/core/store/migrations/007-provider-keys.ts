import type { Migration } from './index';

/** Provider keys (encrypted secrets) and per-workspace provider access. */
export const migration007ProviderKeys: Migration = {
  version: 7,
  name: '007-provider-keys',
  up(db) {
    void db; // TODO(owner of this migration): create the tables.
  },
};
