import { z } from 'zod';
import {
  USAGE_BUCKETS,
  USAGE_GROUP_BYS,
  USAGE_SAMPLE_MAX_DAYS,
  USAGE_SAMPLE_MAX_ROWS,
} from '../domain/usage-rules';
import type { ChannelDefinition } from './channel-definition';
import { jobStatusSchema } from './job-schemas';
import type { UsageChannelName } from './usage-channels';

const empty = z.strictObject({});

/** A calendar day 'YYYY-MM-DD' (UTC) that exists. */
export const usageDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2026-01-31')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'Not a calendar date');

const idList = z.array(z.string().min(1).max(200)).max(500).default([]);

/** The largest usage CSV one import takes (the browser host caps its uploads the same). */
export const USAGE_IMPORT_MAX_BYTES = 2 * 1024 ** 3;

/**
 * `usage:import` names where the CSV is, never a path: `file` = the door chooses it (desktop: the
 * open dialog; CLI: its FILE argument), `upload` = a file the browser host received at upload.
 * The answer is the import job's first status (kind 'usage-import'); its result has the counts.
 */
export const usageImportInput = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('file') }),
  z.strictObject({
    source: z.literal('upload'),
    uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'Not an upload ID'),
  }),
]);
export const usageImportOutput = jobStatusSchema;

export const usageGenerateInput = z.strictObject({
  days: z.int('Days must be a whole number').min(1, 'Days must be at least 1').max(USAGE_SAMPLE_MAX_DAYS, `Days must be at most ${USAGE_SAMPLE_MAX_DAYS}`),
  rows: z.int('Rows must be a whole number').min(1, 'Rows must be at least 1').max(USAGE_SAMPLE_MAX_ROWS, `Rows must be at most ${USAGE_SAMPLE_MAX_ROWS.toLocaleString('en-US')}`),
  /** Same seed, same store state and same clock day → the same records (so re-running inserts 0). */
  seed: z.int().min(0).max(2 ** 31 - 1).optional(),
});

export const usageReportInput = z
  .strictObject({
    from: usageDaySchema,
    to: usageDaySchema,
    groupBy: z.enum(USAGE_GROUP_BYS).default('workspace'),
    bucket: z.enum(USAGE_BUCKETS).default('day'),
    workspaceIds: idList,
    modelIds: idList,
    keyIds: idList,
  })
  .refine((r) => r.from <= r.to, { path: ['to'], message: 'The end date is before the start date' });

const usageAmounts = {
  records: z.int(),
  requests: z.int(),
  inputTokens: z.int(),
  outputTokens: z.int(),
  cachedTokens: z.int(),
  costMicros: z.int(),
  currency: z.string(),
};
export const usageReportRowSchema = z.strictObject({
  /** 'YYYY-MM-DD' for day and week (the Monday), 'YYYY-MM' for month. */
  bucket: z.string(),
  /** Workspace / model / key ID, or vendor name; '' for usage without a key. */
  groupId: z.string(),
  groupLabel: z.string(),
  ...usageAmounts,
});
export type UsageReportRow = z.infer<typeof usageReportRowSchema>;
export const usageReportOutput = z.strictObject({
  rows: z.array(usageReportRowSchema),
  /** One total per currency (money in different currencies is never added up). */
  totals: z.array(z.strictObject(usageAmounts)),
  /** Every bucket label in the range, empty ones included, in order (the chart's x axis). */
  buckets: z.array(z.string()),
});
export type UsageReport = z.infer<typeof usageReportOutput>;

const facet = z.strictObject({ id: z.string(), label: z.string() });
export const usageFacetsOutput = z.strictObject({
  workspaces: z.array(facet),
  models: z.array(facet),
  keys: z.array(facet.extend({ workspaceId: z.string() })),
});

export const usageSummaryOutput = z.strictObject({
  records: z.int(),
  firstDay: z.string().nullable(),
  lastDay: z.string().nullable(),
});

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const usageContract = {
  'usage:import': { input: usageImportInput, output: usageImportOutput },
  /** A chunked job (kind `usage-generate`); its result is `{inserted, duplicates, from, to, seed}`. */
  'usage:generateSample': { input: usageGenerateInput, output: jobStatusSchema },
  'usage:report': { input: usageReportInput, output: usageReportOutput },
  'usage:facets': { input: empty, output: usageFacetsOutput },
  'usage:summary': { input: empty, output: usageSummaryOutput },
} satisfies { [C in UsageChannelName]: ChannelDefinition };
