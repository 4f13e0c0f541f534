import type { Migration } from './index';

/** Model catalog (seeded from catalog/model-catalog.json), workspace model grants, account quotas. */
export const migration006ModelCatalog: Migration = {
  version: 6,
  name: '006-model-catalog',
  up(db) {
    void db; // TODO(owner of this migration): create the tables.
  },
};
