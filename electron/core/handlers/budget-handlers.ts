import type { BudgetChannelName } from '../../../shared/contract/budget-channels';
import { defineFeature } from './feature';

export const budgetsFeature = defineFeature<BudgetChannelName>(({ budgets }) => ({
  handlers: {
    'budgets:get': (input) => budgets.get(input.workspaceId),
    'budgets:update': (input) => budgets.update(input),
    'budgets:status': (input) => budgets.status(input.workspaceIds),
  },
}));
