import type { BudgetChannelName } from '../../../shared/contract/budget-channels';
import { createBudgetService } from '../services/budget-service';
import { createBudgetRepository } from '../store/budget-repository';
import type { CoreBase } from './feature';
import type { HandlerMap } from './pipeline';

/** The budget channels; spread into the usage feature (budgets read the usage rollup). */
export function createBudgetHandlers(base: CoreBase): Pick<HandlerMap, BudgetChannelName> {
  const budgets = createBudgetService(base.ctx, createBudgetRepository(base.ctx.db), base.workspaceRepo);
  return {
    'budgets:get': (input) => budgets.get(input.workspaceId),
    'budgets:update': (input) => budgets.update(input),
    'budgets:status': (input) => budgets.status(input.workspaceIds),
  };
}
