import type { AuditEntrySummary } from '../../../shared/contract/audit-schemas';

/**
 * Fields whose value differs between two entity snapshots (all fields for create/delete).
 * Used for audit summaries and for the change-log payload of an update.
 */
export function changedFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null) {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const out: AuditEntrySummary['changes'] = [];
  for (const field of keys) {
    const b = before?.[field] ?? null;
    const a = after?.[field] ?? null;
    if (JSON.stringify(b) !== JSON.stringify(a)) out.push({ field, before: b, after: a });
  }
  return out;
}
