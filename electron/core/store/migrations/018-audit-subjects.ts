import type { Migration } from './index';

/** Reserved for issue work in progress (filled in by its owner before it ships). */
export const migration018AuditSubjects: Migration = {
  version: 18,
  name: '018-audit-subjects',
  up() {},
};
