import type { Migration } from './index';

/** Budget alert thresholds and mode per workspace. */
export const migration009Budgets: Migration = {
  version: 9,
  name: '009-budgets',
  up(db) {
    void db; // TODO(owner of this migration): create the tables.
  },
};
