import { z } from 'zod';
import { jobStatusSchema } from './job-schemas';

/** At most this many entities are listed in one `changed` event; beyond it `truncated` is set. */
export const MAX_CHANGED_ENTITIES = 200;

export const changedEntitySchema = z.strictObject({
  /** The audit log's entity type: `workspace`, `api_key`, `member`, `usage`, … */
  entityType: z.string(),
  entityId: z.string(),
  workspaceId: z.string().nullable(),
});
export type ChangedEntity = z.infer<typeof changedEntitySchema>;

export const coreEventSchema = z.discriminatedUnion('type', [
  /** A job started, progressed or finished. */
  z.strictObject({ type: z.literal('job'), job: jobStatusSchema }),
  /**
   * Committed changes. `origin` is `this-core` for writes through this core and `other-process`
   * for writes another Gatehouse process made to the same store (seen via PRAGMA data_version).
   */
  z.strictObject({
    type: z.literal('changed'),
    origin: z.enum(['this-core', 'other-process']),
    entityTypes: z.array(z.string()),
    entities: z.array(changedEntitySchema),
    truncated: z.boolean(),
  }),
]);
export type CoreEvent = z.infer<typeof coreEventSchema>;
export type JobEvent = Extract<CoreEvent, { type: 'job' }>;
export type ChangedEvent = Extract<CoreEvent, { type: 'changed' }>;
