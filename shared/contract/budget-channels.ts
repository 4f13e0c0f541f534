/** Budget channels (thresholds, mode, month-to-date status). Zod-free; spread into the usage feature's list. */
export const BUDGET_CHANNEL_NAMES = ['budgets:get', 'budgets:update', 'budgets:status'] as const;
export type BudgetChannelName = (typeof BUDGET_CHANNEL_NAMES)[number];
