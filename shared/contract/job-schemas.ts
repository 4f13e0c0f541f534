import { z } from 'zod';
import type { ChannelDefinition } from './channel-definition';
import { ERROR_CODES } from './errors';
import type { JobChannelName } from './job-channels';

/** Every kind of long work runs on the one job runner. */
export const JOB_KINDS = ['export', 'usage-import', 'usage-generate', 'sync-plan', 'sync-apply', 'sync-usage', 'backup', 'restore'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** `waiting`: started but not yet working (e.g. the user is choosing a file). */
export const JOB_STATES = ['waiting', 'running', 'done', 'cancelled', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINISHED_JOB_STATES: readonly JobState[] = ['done', 'cancelled', 'failed'];

export const jobIdSchema = z.string().regex(/^job-[a-f0-9]{16}$/, 'Not a job ID');

export const errorPayloadSchema = z.strictObject({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});

/** What a finished job produced; one shape per kind. */
export const jobResultSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('export'),
    rowsWritten: z.int(),
    fileName: z.string(),
    /** Desktop and CLI: where the file was written. Null in the browser host. */
    savedTo: z.string().nullable(),
    /** Browser host: the finished file waits, once, at GET /api/exports/<jobId>. */
    downloadable: z.boolean(),
  }),
  z.strictObject({ kind: z.literal('usage-import'), rows: z.int(), inserted: z.int(), duplicates: z.int() }),
  z.strictObject({
    kind: z.literal('usage-generate'),
    inserted: z.int(),
    duplicates: z.int(),
    from: z.string(),
    to: z.string(),
    seed: z.int(),
  }),
  /** The stored plan (read it with sync:getPlan) and its counts. */
  z.strictObject({
    kind: z.literal('sync-plan'),
    runId: z.string(),
    planHash: z.string(),
    create: z.int(),
    update: z.int(),
    delete: z.int(),
    pull: z.int(),
    conflict: z.int(),
  }),
  z.strictObject({
    kind: z.literal('sync-apply'),
    runId: z.string(),
    state: z.string(),
    done: z.int(),
    failed: z.int(),
    conflict: z.int(),
    skipped: z.int(),
  }),
  z.strictObject({ kind: z.literal('sync-usage'), records: z.int(), inserted: z.int(), duplicates: z.int(), pages: z.int() }),
  /** A backup archive: where it went (null in the browser host: a download at GET /api/exports/<jobId>). */
  z.strictObject({
    kind: z.literal('backup'),
    fileName: z.string(),
    savedTo: z.string().nullable(),
    downloadable: z.boolean(),
    sizeBytes: z.int().min(0),
    encrypted: z.boolean(),
    schemaVersion: z.int().min(0),
  }),
  /** A restore: the store in force was replaced; the previous one waits in `keptAside` (a folder in the data dir). */
  z.strictObject({
    kind: z.literal('restore'),
    keptAside: z.string(),
    schemaVersion: z.int().min(0),
    migratedFrom: z.int().min(0).nullable(),
    backupCreatedAt: z.string(),
  }),
]);
export type JobResult = z.infer<typeof jobResultSchema>;

export const jobStatusSchema = z.strictObject({
  jobId: jobIdSchema,
  kind: z.enum(JOB_KINDS),
  /** What the job does, for people: "Export usage records 2026-01-01 – 2026-01-31". */
  label: z.string(),
  state: z.enum(JOB_STATES),
  /** Work done so far and expected (null while unknown), counted in `unit`. */
  done: z.int().min(0),
  total: z.int().min(0).nullable(),
  unit: z.enum(['rows', 'records', 'bytes', 'operations']),
  /** Units per second over the running time; null until measurable. */
  ratePerSecond: z.number().min(0).nullable(),
  /** Seconds left at the current rate; null when the total or rate is unknown. */
  etaSeconds: z.number().min(0).nullable(),
  /** What the job is doing now ("Checking rows", "Writing records") or why it ended. */
  message: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Set when the job failed or was cancelled. */
  error: errorPayloadSchema.nullable(),
  /** Set when the job is done. */
  result: jobResultSchema.nullable(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobIdInput = z.strictObject({ jobId: jobIdSchema });

export const jobContract = {
  'jobs:list': { input: z.strictObject({}), output: z.strictObject({ items: z.array(jobStatusSchema) }) },
  'jobs:status': { input: jobIdInput, output: jobStatusSchema },
  'jobs:cancel': { input: jobIdInput, output: jobStatusSchema },
} satisfies { [C in JobChannelName]: ChannelDefinition };
