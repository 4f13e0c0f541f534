import { z } from 'zod';
import type { ChannelDefinition } from './channel-definition';
import type { WorkspaceChannelName } from './workspace-channels';
import { CURRENCIES, DEFAULT_CURRENCY, MAX_BUDGET_MINOR } from '../domain/money';
import {
  ENVIRONMENTS,
  REGIONS,
  WORKSPACE_DESCRIPTION_MAX,
  WORKSPACE_NAME_MAX,
  WORKSPACE_NAME_PATTERN,
  WORKSPACE_SORT_FIELDS,
  WORKSPACE_STATUSES,
} from '../domain/workspace-rules';

const ids = <T extends readonly { id: string }[]>(list: T) =>
  list.map((entry) => entry.id) as unknown as [T[number]['id'], ...T[number]['id'][]];

export const environmentSchema = z.enum(ids(ENVIRONMENTS));
export const regionSchema = z.enum(ids(REGIONS));
export const workspaceStatusSchema = z.enum(ids(WORKSPACE_STATUSES));
export const currencySchema = z.enum(CURRENCIES.map((c) => c.code) as unknown as ['USD', ...string[]]);
export const workspaceIdSchema = z.string().regex(/^ws-[a-z0-9]{4,32}$/, 'Not a workspace ID');

export const workspaceNameSchema = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(WORKSPACE_NAME_MAX, `Name must be at most ${WORKSPACE_NAME_MAX} characters`)
  .regex(WORKSPACE_NAME_PATTERN, 'Name may use letters, digits, spaces and - _ . ( ) and must start with a letter or digit');

const descriptionSchema = z
  .string()
  .trim()
  .max(WORKSPACE_DESCRIPTION_MAX, `Description must be at most ${WORKSPACE_DESCRIPTION_MAX} characters`);
/** The owner is an organisation member (see member-schemas); defaults to the laptop's user. */
const ownerMemberIdSchema = z.string().regex(/^mem-[a-z0-9]{4,32}$/, 'Choose an owner from the members list');
const budgetSchema = z
  .int('Budget must be a whole number of minor units')
  .min(0, 'Budget cannot be negative')
  .max(MAX_BUDGET_MINOR, 'Budget is too large');

export const workspaceSchema = z.strictObject({
  id: workspaceIdSchema,
  name: z.string(),
  description: z.string(),
  environment: environmentSchema,
  region: regionSchema,
  status: workspaceStatusSchema,
  owner: z.string(),
  ownerMemberId: z.string().nullable(),
  monthlyBudgetMinor: z.int(),
  currency: currencySchema,
  isDefault: z.boolean(),
  keyCount: z.int(),
  keyLimit: z.int(),
  memberCount: z.int(),
  version: z.int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Workspace = z.infer<typeof workspaceSchema>;

export const workspaceCreateInput = z.strictObject({
  name: workspaceNameSchema,
  description: descriptionSchema.optional(),
  environment: environmentSchema.default('production'),
  region: regionSchema.default('global'),
  status: workspaceStatusSchema.default('active'),
  ownerMemberId: ownerMemberIdSchema.optional(),
  monthlyBudgetMinor: budgetSchema.default(0),
  currency: currencySchema.default(DEFAULT_CURRENCY),
});

export const workspaceUpdateInput = z.strictObject({
  id: workspaceIdSchema,
  /** Optimistic concurrency: the version the editor loaded; a stale save gets E_CONFLICT. */
  expectedVersion: z.int().min(1).optional(),
  changes: z
    .strictObject({
      name: workspaceNameSchema.optional(),
      description: descriptionSchema.optional(),
      environment: environmentSchema.optional(),
      region: regionSchema.optional(),
      status: workspaceStatusSchema.optional(),
      ownerMemberId: ownerMemberIdSchema.optional(),
      monthlyBudgetMinor: budgetSchema.optional(),
      currency: currencySchema.optional(),
    })
    .refine((changes) => Object.values(changes).some((v) => v !== undefined), 'Nothing to change'),
});

export const workspaceDeleteInput = z.strictObject({
  id: workspaceIdSchema,
  confirmName: z.string().min(1, 'Type the workspace name to confirm'),
});

export const workspaceListInput = z.strictObject({
  search: z.string().trim().max(100).default(''),
  sort: z
    .strictObject({ field: z.enum(WORKSPACE_SORT_FIELDS), direction: z.enum(['asc', 'desc']) })
    .default({ field: 'name', direction: 'asc' }),
  page: z
    .strictObject({ index: z.int().min(0).max(100_000), size: z.int().min(1).max(500) })
    .default({ index: 0, size: 50 }),
});

export const workspaceListOutput = z.strictObject({
  items: z.array(workspaceSchema),
  total: z.int(),
  pageIndex: z.int(),
  pageSize: z.int(),
  limit: z.int(),
});

export const workspaceIdInput = z.strictObject({ id: workspaceIdSchema });

export const workspaceContract = {
  'workspaces:list': { input: workspaceListInput, output: workspaceListOutput },
  'workspaces:get': { input: workspaceIdInput, output: workspaceSchema },
  'workspaces:create': { input: workspaceCreateInput, output: workspaceSchema },
  'workspaces:update': { input: workspaceUpdateInput, output: workspaceSchema },
  'workspaces:delete': {
    input: workspaceDeleteInput,
    output: z.strictObject({ deletedId: z.string(), activeWorkspaceId: z.string() }),
  },
  'workspaces:setActive': { input: workspaceIdInput, output: workspaceSchema },
  'workspaces:getActive': { input: z.strictObject({}), output: workspaceSchema },
} satisfies { [C in WorkspaceChannelName]: ChannelDefinition };
