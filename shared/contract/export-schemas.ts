import { z } from 'zod';
import { auditFilterSchema } from './audit-schemas';
import type { ChannelDefinition } from './channel-definition';
import type { ExportChannelName } from './export-channels';
import { jobStatusSchema } from './job-schemas';
import { usageDaySchema, usageReportInput } from './usage-schemas';
import { workspaceIdSchema } from './workspace-schemas';

export const EXPORT_KINDS = ['workspaces', 'keys', 'usage-raw', 'usage-report', 'audit'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

const usageRawRequest = z
  .strictObject({ kind: z.literal('usage-raw'), from: usageDaySchema, to: usageDaySchema })
  .refine((r) => r.from <= r.to, { path: ['to'], message: 'The end date is before the start date' });

export const exportStartInput = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('workspaces') }),
  z.strictObject({ kind: z.literal('keys'), workspaceId: workspaceIdSchema }),
  usageRawRequest,
  /** The grouped report exactly as `usage:report` computes it for the same input. */
  z.strictObject({ kind: z.literal('usage-report'), report: usageReportInput }),
  /** The audit log, filtered exactly as `audit:list` filters it, newest first. */
  z.strictObject({ kind: z.literal('audit'), filter: auditFilterSchema.default({}) }),
]);
export type ExportRequest = z.input<typeof exportStartInput>;

/**
 * Channel → strict input/output schemas for this feature; spread into the contract.
 * `exports:start` answers the job's first status (kind `export`, usually `waiting` while the door
 * chooses where to save); its result is `{kind: 'export', rowsWritten, fileName, savedTo, downloadable}`.
 */
export const exportContract = {
  'exports:start': { input: exportStartInput, output: jobStatusSchema },
} satisfies { [C in ExportChannelName]: ChannelDefinition };
