import { AppError } from '../../../shared/contract/errors';
import type { AuditEntrySummary } from '../../../shared/contract/audit-schemas';
import { changedFields } from '../store/snapshot-diff';
import type { AuditFilter, AuditRepository, AuditRow } from '../store/audit-repository';

const parse = (json: string | null): Record<string, unknown> | null => (json ? (JSON.parse(json) as Record<string, unknown>) : null);

function summarize(row: AuditRow): AuditEntrySummary {
  const { beforeJson, afterJson, ...rest } = row;
  return { ...rest, changes: changedFields(parse(beforeJson), parse(afterJson)) };
}

/**
 * Read-only by design: the audit log has no update or delete path (and triggers refuse them).
 * Its CSV export is an export job (`exports:start {kind: 'audit', filter}`, export-sources.ts).
 */
export function createAuditService(audit: AuditRepository) {
  return {
    list(filter: AuditFilter, beforeId: number | undefined, limit: number) {
      const rows = audit.page(filter, beforeId ?? null, limit + 1);
      const items = rows.slice(0, limit).map(summarize);
      return { items, nextBeforeId: rows.length > limit ? items[items.length - 1]!.id : null, facets: audit.facets() };
    },
    get(id: number) {
      const row = audit.get(id);
      if (!row) throw new AppError('E_NOT_FOUND', `Audit entry ${id} does not exist`);
      return { ...summarize(row), before: parse(row.beforeJson), after: parse(row.afterJson) };
    },
  };
}
