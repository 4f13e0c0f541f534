import type { UsageChannelName } from '../../../shared/contract/usage-channels';
import type { CoreBase, Feature } from './feature';

/** Wires the usage feature: repositories → services → its slice of the handler map. */
export function createUsageFeature(base: CoreBase): Feature<UsageChannelName> {
  void base;
  return { handlers: {} };
}
