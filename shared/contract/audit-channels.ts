/** The audit log's channels (read-only; its CSV export is an `exports:start` job). Zod-free. */
export const AUDIT_CHANNEL_NAMES = ['audit:list', 'audit:get'] as const;
export type AuditChannelName = (typeof AUDIT_CHANNEL_NAMES)[number];
