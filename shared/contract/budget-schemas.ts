import { z } from 'zod';
import { BUDGET_MODES, MAX_THRESHOLDS, THRESHOLD_MAX, THRESHOLD_MIN } from '../domain/budget-math';
import type { BudgetChannelName } from './budget-channels';
import type { ChannelDefinition } from './channel-definition';
import { workspaceIdSchema } from './workspace-schemas';

export const budgetModeSchema = z.enum(BUDGET_MODES);

export const thresholdsSchema = z
  .array(
    z
      .int('A threshold must be a whole percent')
      .min(THRESHOLD_MIN, `A threshold must be at least ${THRESHOLD_MIN} %`)
      .max(THRESHOLD_MAX, `A threshold must be at most ${THRESHOLD_MAX} %`),
  )
  .min(1, 'Keep at least one threshold')
  .max(MAX_THRESHOLDS, `At most ${MAX_THRESHOLDS} thresholds`)
  .refine((list) => new Set(list).size === list.length, 'Thresholds must be different');

/** A workspace's budget settings; the amount and currency live on the workspace itself. */
export const budgetSettingsSchema = z.strictObject({
  workspaceId: z.string(),
  monthlyBudgetMinor: z.int(),
  currency: z.string(),
  thresholds: z.array(z.int()),
  mode: budgetModeSchema,
  /** 0 while the workspace still uses the defaults (no row stored yet). */
  version: z.int(),
  isDefault: z.boolean(),
});
export type BudgetSettings = z.infer<typeof budgetSettingsSchema>;

export const budgetGetInput = z.strictObject({ workspaceId: workspaceIdSchema });
export const budgetUpdateInput = z.strictObject({
  workspaceId: workspaceIdSchema,
  /** Optimistic concurrency: the version the editor loaded (0 = defaults); a stale save gets E_CONFLICT. */
  expectedVersion: z.int().min(0).optional(),
  thresholds: thresholdsSchema,
  mode: budgetModeSchema,
});

const otherCurrencySpend = z.strictObject({ currency: z.string(), costMicros: z.int() });

export const workspaceBudgetStatusSchema = z.strictObject({
  workspaceId: z.string(),
  workspaceName: z.string(),
  currency: z.string(),
  monthlyBudgetMinor: z.int(),
  thresholds: z.array(z.int()),
  mode: budgetModeSchema,
  /** This month's spend in the budget currency, minor units (micro-unit costs rounded half up). */
  spentMinor: z.int(),
  /** Null without a budget (0). */
  percentUsed: z.number().nullable(),
  forecastMinor: z.int().nullable(),
  crossed: z.array(z.int()),
  forecastCrosses: z.array(z.int()),
  /** Spend recorded in other currencies: shown apart, never added to the budget currency. */
  otherCurrencies: z.array(otherCurrencySpend),
});
export type WorkspaceBudgetStatus = z.infer<typeof workspaceBudgetStatusSchema>;

export const orgBudgetRollupSchema = z.strictObject({
  currency: z.string(),
  workspaces: z.int(),
  budgetMinor: z.int(),
  spentMinor: z.int(),
  percentUsed: z.number().nullable(),
  forecastMinor: z.int().nullable(),
});

export const budgetStatusInput = z.strictObject({ workspaceIds: z.array(workspaceIdSchema).max(500).optional() });
export const budgetStatusOutput = z.strictObject({
  month: z.string(),
  firstDay: z.string(),
  lastDay: z.string(),
  daysInMonth: z.int(),
  elapsedFraction: z.number(),
  workspaces: z.array(workspaceBudgetStatusSchema),
  /** One roll-up per budget currency across all workspaces. */
  org: z.array(orgBudgetRollupSchema),
});
export type BudgetStatus = z.infer<typeof budgetStatusOutput>;

export const budgetContract = {
  'budgets:get': { input: budgetGetInput, output: budgetSettingsSchema },
  'budgets:update': { input: budgetUpdateInput, output: budgetSettingsSchema },
  'budgets:status': { input: budgetStatusInput, output: budgetStatusOutput },
} satisfies { [C in BudgetChannelName]: ChannelDefinition };
