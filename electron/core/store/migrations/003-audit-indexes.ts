import type { Migration } from './index';

/** Indexes for the Audit page's filters, each ending in id so keyset pages stay index-only. */
export const migration003AuditIndexes: Migration = {
  version: 3,
  name: '003-audit-indexes',
  up(db) {
    db.exec(`
      CREATE INDEX audit_log_actor ON audit_log (actor, id);
      CREATE INDEX audit_log_action ON audit_log (action, id);
      CREATE INDEX audit_log_at ON audit_log (at);
    `);
  },
};
