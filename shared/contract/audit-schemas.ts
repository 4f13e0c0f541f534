import { z } from 'zod';
import type { AuditChannelName } from './audit-channels';
import type { ChannelDefinition } from './channel-definition';
import { strictTimestampSchema } from './timestamp-schema';

export const AUDIT_ENTITY_TYPES = ['workspace', 'api_key', 'preference'] as const;

export const auditFilterSchema = z.strictObject({
  workspaceId: z.string().max(64).optional(),
  actor: z.string().max(120).optional(),
  action: z.string().max(64).optional(),
  entityType: z.string().max(64).optional(),
  /** Inclusive lower and exclusive upper bound, ISO-8601 UTC. */
  from: strictTimestampSchema('From').optional(),
  to: strictTimestampSchema('To').optional(),
});

export const auditEntrySummarySchema = z.strictObject({
  id: z.int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  workspaceId: z.string().nullable(),
  workspaceName: z.string().nullable(),
  /** Changed fields with before → after, for the table's summary column. */
  changes: z.array(z.strictObject({ field: z.string(), before: z.unknown(), after: z.unknown() })),
});
export type AuditEntrySummary = z.infer<typeof auditEntrySummarySchema>;

export const auditListInput = z.strictObject({
  filter: auditFilterSchema.default({}),
  /** Keyset cursor: the last id of the previous page (entries are newest first). */
  beforeId: z.int().min(1).optional(),
  limit: z.int().min(1).max(500).default(100),
});
export const auditListOutput = z.strictObject({
  items: z.array(auditEntrySummarySchema),
  nextBeforeId: z.int().nullable(),
  facets: z.strictObject({ actors: z.array(z.string()), actions: z.array(z.string()), entityTypes: z.array(z.string()) }),
});

export const auditGetOutput = auditEntrySummarySchema.extend({ before: z.unknown(), after: z.unknown() });

export const auditContract = {
  'audit:list': { input: auditListInput, output: auditListOutput },
  'audit:get': { input: z.strictObject({ id: z.int().min(1) }), output: auditGetOutput },
} satisfies { [C in AuditChannelName]: ChannelDefinition };
