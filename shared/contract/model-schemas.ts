import { z } from 'zod';
import { MAX_BULK_WORKSPACES, MAX_GRANTS_PER_WORKSPACE, MODEL_PAGE_SIZE_MAX, MODEL_SORT_FIELDS, MODEL_TYPES, PRICE_UNITS } from '../domain/model-rules';
import type { ChannelDefinition } from './channel-definition';
import { MAX_RPM, MAX_TPM } from './key-schemas';
import type { ModelChannelName } from './model-channels';
import { workspaceIdSchema } from './workspace-schemas';

const typeIds = MODEL_TYPES.map((t) => t.id) as unknown as [(typeof MODEL_TYPES)[number]['id'], ...(typeof MODEL_TYPES)[number]['id'][]];
export const modelTypeSchema = z.enum(typeIds);
/** Catalog IDs are vendor API IDs, lowercased (e.g. `qwen3.7-max`, `vendor/model`). */
export const modelIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._:/@+-]{0,127}$/, 'Not a model ID');

const limit = (max: number, what: string) =>
  z.int(`${what} must be a whole number`).min(1, `${what} must be at least 1`).max(max, `${what} must be at most ${max.toLocaleString('en-US')}`);
/** Empty (null) means "inherit the gateway default". */
export const rpmLimitSchema = limit(MAX_RPM, 'Requests/min').nullable();
export const tpmLimitSchema = limit(MAX_TPM, 'Tokens/min').nullable();

export const modelSchema = z.strictObject({
  id: z.string(),
  displayName: z.string(),
  vendor: z.string(),
  type: modelTypeSchema,
  tokenMetered: z.boolean(),
  contextWindow: z.int().nullable(),
  inputPricePerMTokUsd: z.number().nullable(),
  outputPricePerMTokUsd: z.number().nullable(),
  unitPriceUsd: z.number().nullable(),
  priceUnit: z.enum(PRICE_UNITS).nullable(),
});
export type Model = z.infer<typeof modelSchema>;

const modelFilter = {
  search: z.string().trim().max(100).default(''),
  vendors: z.array(z.string().max(64)).max(100).default([]),
  types: z.array(modelTypeSchema).max(MODEL_TYPES.length).default([]),
};

export const modelListInput = z.strictObject({
  ...modelFilter,
  sort: z.strictObject({ field: z.enum(MODEL_SORT_FIELDS), direction: z.enum(['asc', 'desc']) }).default({ field: 'displayName', direction: 'asc' }),
  page: z.strictObject({ index: z.int().min(0).max(100_000), size: z.int().min(1).max(MODEL_PAGE_SIZE_MAX) }).default({ index: 0, size: 25 }),
});
export const modelListOutput = z.strictObject({
  items: z.array(modelSchema),
  total: z.int(),
  pageIndex: z.int(),
  pageSize: z.int(),
  catalogVersion: z.string(),
});

export const modelFacetsInput = z.strictObject({ search: modelFilter.search });
export const modelFacetsOutput = z.strictObject({
  vendors: z.array(z.strictObject({ vendor: z.string(), count: z.int() })),
  types: z.array(z.strictObject({ type: modelTypeSchema, count: z.int() })),
  total: z.int(),
});

export const modelMatchIdsInput = z.strictObject(modelFilter);
export const modelMatchIdsOutput = z.strictObject({ ids: z.array(z.string()), total: z.int() });

/** Details for selected IDs (e.g. after "Select All Results"); unknown IDs are simply absent. */
export const modelGetManyInput = z.strictObject({ ids: z.array(modelIdSchema).max(MAX_GRANTS_PER_WORKSPACE) });
export const modelGetManyOutput = z.strictObject({ items: z.array(modelSchema) });

/** One granted model with its limits, as the section edits it. */
export const grantInputSchema = z.strictObject({ modelId: modelIdSchema, rpmLimit: rpmLimitSchema, tpmLimit: tpmLimitSchema });
export type GrantInput = z.infer<typeof grantInputSchema>;

export const grantSchema = z.strictObject({
  modelId: z.string(),
  displayName: z.string(),
  vendor: z.string(),
  type: modelTypeSchema,
  tokenMetered: z.boolean(),
  rpmLimit: z.int().nullable(),
  tpmLimit: z.int().nullable(),
});
export type Grant = z.infer<typeof grantSchema>;

export const grantListInput = z.strictObject({ workspaceId: workspaceIdSchema });
export const grantListOutput = z.strictObject({
  workspaceId: z.string(),
  /** The default workspace can call every model and has no grant list. */
  allModels: z.boolean(),
  items: z.array(grantSchema),
  version: z.int(),
});

const grantList = z.array(grantInputSchema).max(MAX_GRANTS_PER_WORKSPACE, `At most ${MAX_GRANTS_PER_WORKSPACE.toLocaleString('en-US')} models per workspace`);

export const grantSaveInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  /** The version the editor loaded; a newer one in the store means someone else saved first. */
  expectedVersion: z.int().min(0).optional(),
  grants: grantList,
});
export const grantSaveOutput = grantListOutput.extend({
  summary: z.strictObject({ added: z.int(), removed: z.int(), changed: z.int() }),
});

export const bulkGrantInput = z.strictObject({
  workspaceIds: z.array(workspaceIdSchema).min(1, 'Pick at least one workspace').max(MAX_BULK_WORKSPACES),
  grants: grantList.min(1, 'Pick at least one model'),
});
const limitsSchema = z.strictObject({ rpmLimit: z.int().nullable(), tpmLimit: z.int().nullable() });
export const bulkPlanSchema = z.strictObject({
  workspaces: z.array(
    z.strictObject({
      workspaceId: z.string(),
      workspaceName: z.string(),
      status: z.enum(['changes', 'unchanged', 'skipped']),
      reason: z.string().nullable(),
      added: z.array(z.strictObject({ modelId: z.string(), displayName: z.string(), after: limitsSchema })),
      changed: z.array(z.strictObject({ modelId: z.string(), displayName: z.string(), before: limitsSchema, after: limitsSchema })),
      unchangedCount: z.int(),
    }),
  ),
  totals: z.strictObject({ added: z.int(), changed: z.int(), skippedWorkspaces: z.int() }),
});
export type BulkPlan = z.infer<typeof bulkPlanSchema>;

/** A draft grant as the section holds it before Save: looser bounds so the checker can warn about RPM 0 etc. */
const draftGrantSchema = z.strictObject({
  modelId: modelIdSchema,
  rpmLimit: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
  tpmLimit: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullable(),
});
export const LIMIT_WARNING_CODES = ['tpm_not_token_metered', 'rpm_zero', 'key_rpm_above_model', 'key_tpm_above_model', 'quota_exceeded'] as const;
export const checkLimitsInput = z.strictObject({
  /** Omit to check every workspace. */
  workspaceId: workspaceIdSchema.optional(),
  /** Unsaved grants of `workspaceId` to check instead of the stored ones. */
  draft: z.array(draftGrantSchema).max(MAX_GRANTS_PER_WORKSPACE).optional(),
});
export const limitWarningSchema = z.strictObject({
  code: z.enum(LIMIT_WARNING_CODES),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
  workspaceId: z.string().nullable(),
  modelId: z.string().nullable(),
  keyId: z.string().nullable(),
});
export type LimitWarning = z.infer<typeof limitWarningSchema>;
export const checkLimitsOutput = z.strictObject({ warnings: z.array(limitWarningSchema), truncated: z.boolean() });

export const setQuotaInput = z.strictObject({ modelId: modelIdSchema, tpmQuota: tpmLimitSchema });
export const quotaSchema = z.strictObject({ modelId: z.string(), displayName: z.string(), tpmQuota: z.int(), grantedTpm: z.int() });
export const listQuotasOutput = z.strictObject({ items: z.array(quotaSchema) });

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const modelContract = {
  'models:list': { input: modelListInput, output: modelListOutput },
  'models:facets': { input: modelFacetsInput, output: modelFacetsOutput },
  'models:matchIds': { input: modelMatchIdsInput, output: modelMatchIdsOutput },
  'models:getMany': { input: modelGetManyInput, output: modelGetManyOutput },
  'models:checkLimits': { input: checkLimitsInput, output: checkLimitsOutput },
  'models:setQuota': { input: setQuotaInput, output: listQuotasOutput },
  'models:listQuotas': { input: z.strictObject({}), output: listQuotasOutput },
  'modelGrants:list': { input: grantListInput, output: grantListOutput },
  'modelGrants:save': { input: grantSaveInput, output: grantSaveOutput },
  'modelGrants:bulkPreview': { input: bulkGrantInput, output: bulkPlanSchema },
  'modelGrants:bulkApply': { input: bulkGrantInput, output: bulkPlanSchema },
} satisfies { [C in ModelChannelName]: ChannelDefinition };
