import { z } from 'zod';
import type { ChannelDefinition } from './channel-definition';
import type { ExportChannelName } from './export-channels';
import { usageDaySchema, usageReportInput } from './usage-schemas';
import { workspaceIdSchema } from './workspace-schemas';

export const EXPORT_KINDS = ['workspaces', 'keys', 'usage-raw', 'usage-report'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
export const EXPORT_STATES = ['choosing', 'running', 'done', 'cancelled', 'failed'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];

export const exportJobIdSchema = z.string().regex(/^exp-[a-f0-9]{16}$/, 'Not an export job ID');

const usageRawRequest = z
  .strictObject({ kind: z.literal('usage-raw'), from: usageDaySchema, to: usageDaySchema })
  .refine((r) => r.from <= r.to, { path: ['to'], message: 'The end date is before the start date' });

export const exportStartInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('workspaces') }),
  z.strictObject({ kind: z.literal('keys'), workspaceId: workspaceIdSchema }),
  usageRawRequest,
  /** The grouped report exactly as `usage:report` computes it for the same input. */
  z.strictObject({ kind: z.literal('usage-report'), report: usageReportInput }),
]);
export type ExportRequest = z.input<typeof exportStartInput>;

export const exportStatusSchema = z.strictObject({
  jobId: z.string(),
  kind: z.enum(EXPORT_KINDS),
  state: z.enum(EXPORT_STATES),
  rowsWritten: z.int(),
  /** Rows expected when the export started; null while unknown. */
  totalRows: z.int().nullable(),
  fileName: z.string(),
  /** Desktop: where the user saved the file. Null elsewhere. */
  savedTo: z.string().nullable(),
  /** Browser host: the finished file waits, once, at GET /api/exports/<jobId>. */
  downloadable: z.boolean(),
  /** Why it failed or was cancelled. */
  message: z.string().nullable(),
});
export type ExportStatus = z.infer<typeof exportStatusSchema>;

export const exportJobInput = z.strictObject({ jobId: exportJobIdSchema });

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const exportContract = {
  'exports:start': { input: exportStartInput, output: exportStatusSchema },
  'exports:status': { input: exportJobInput, output: exportStatusSchema },
  'exports:cancel': { input: exportJobInput, output: exportStatusSchema },
} satisfies { [C in ExportChannelName]: ChannelDefinition };
