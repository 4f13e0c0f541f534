import type { UsageChannelName } from '../../../shared/contract/usage-channels';
import { createUsageService } from '../services/usage-service';
import { createUsageRepository } from '../store/usage-repository';
import { createBudgetHandlers } from './budget-handlers';
import type { CoreBase, Feature } from './feature';

/** Wires the usage feature: repositories → services → its slice of the handler map. */
export function createUsageFeature(base: CoreBase): Feature<UsageChannelName> {
  const usageRepo = createUsageRepository(base.ctx.db);
  const usage = createUsageService(base.ctx, usageRepo);
  return {
    handlers: {
      // usage store and reports (C1)
      'usage:import': (input) => usage.importCsv(input.csv),
      'usage:generateSample': (input) => usage.generateSample(input),
      'usage:report': (input) => usage.report(input),
      'usage:facets': () => usage.facets(),
      'usage:summary': () => usage.summary(),
      // budgets (C2): thresholds, mode, month-to-date status
      ...createBudgetHandlers(base),
    },
  };
}
