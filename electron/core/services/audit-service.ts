import { AppError } from '../../../shared/contract/errors';
import { csvToString, type CsvColumn } from '../csv/csv-writer';
import type { AuditEntrySummary } from '../../../shared/contract/audit-schemas';
import { changedFields } from '../store/snapshot-diff';
import type { AuditFilter, AuditRepository, AuditRow } from '../store/audit-repository';

const parse = (json: string | null): Record<string, unknown> | null => (json ? (JSON.parse(json) as Record<string, unknown>) : null);

function summarize(row: AuditRow): AuditEntrySummary {
  const { beforeJson, afterJson, ...rest } = row;
  return { ...rest, changes: changedFields(parse(beforeJson), parse(afterJson)) };
}

const show = (v: unknown) => (v === null || v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));

const EXPORT_COLUMNS: CsvColumn<AuditRow>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'time_utc', value: (r) => r.at },
  { header: 'actor', value: (r) => r.actor },
  { header: 'action', value: (r) => r.action },
  { header: 'entity_type', value: (r) => r.entityType },
  { header: 'entity_id', value: (r) => r.entityId },
  { header: 'workspace_id', value: (r) => r.workspaceId },
  { header: 'workspace_name', value: (r) => r.workspaceName },
  {
    header: 'changes',
    value: (r) =>
      changedFields(parse(r.beforeJson), parse(r.afterJson))
        .map((c) => `${c.field}: ${show(c.before)} → ${show(c.after)}`)
        .join('; '),
  },
  { header: 'before_json', value: (r) => r.beforeJson },
  { header: 'after_json', value: (r) => r.afterJson },
];

/** Read-only by design: the audit log has no update or delete path (and triggers refuse them). */
export function createAuditService(audit: AuditRepository, now: () => Date) {
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
    exportCsv(filter: AuditFilter) {
      let rowCount = 0;
      const counted = (function* () {
        for (const row of audit.iterate(filter)) {
          rowCount++;
          yield row;
        }
      })();
      const csv = csvToString(EXPORT_COLUMNS, counted);
      const stamp = now().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return { fileName: `gatehouse-audit-${stamp}.csv`, csv, rowCount };
    },
  };
}

