import type { Migration } from './index';

/** Usage records and their rollups. */
export const migration008Usage: Migration = {
  version: 8,
  name: '008-usage',
  up(db) {
    void db; // TODO(owner of this migration): create the tables.
  },
};
