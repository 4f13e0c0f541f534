import { z } from 'zod';
import type { AppChannelName } from './app-channels';
import type { ChannelDefinition } from './channel-definition';

const empty = z.strictObject({});

export const storeHealthSchema = z.strictObject({
  /** False when the store opened read-only (read-only file or folder, failed integrity check). */
  writable: z.boolean(),
  integrity: z.enum(['ok', 'failed']),
  /** What is wrong and what to do, for the banner; null when all is well. */
  problem: z.string().nullable(),
});
export type StoreHealth = z.infer<typeof storeHealthSchema>;

export const appInfoOutput = z.strictObject({
  name: z.string(),
  version: z.string(),
  dataDir: z.string(),
  databasePath: z.string(),
  schemaVersion: z.int(),
  localUser: z.string(),
  limits: z.strictObject({ maxWorkspaces: z.int(), maxActiveKeysPerWorkspace: z.int() }),
  storage: storeHealthSchema,
});
export type AppInfo = z.infer<typeof appInfoOutput>;

const moneyTotal = z.strictObject({ currency: z.string(), amountMinor: z.int() });

export const overviewSummaryOutput = z.strictObject({
  activeWorkspace: z.strictObject({ id: z.string(), name: z.string(), environment: z.string() }),
  totalWorkspaces: z.int(),
  workspaceLimit: z.int(),
  monthlyBudgetTotals: z.array(moneyTotal),
  activeKeys: z.int(),
  productionWorkspaces: z.int(),
});
export type OverviewSummary = z.infer<typeof overviewSummaryOutput>;

export const appContract = {
  'app:info': { input: empty, output: appInfoOutput },
  'overview:summary': { input: empty, output: overviewSummaryOutput },
} satisfies { [C in AppChannelName]: ChannelDefinition };
