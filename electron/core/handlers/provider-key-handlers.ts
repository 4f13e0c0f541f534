import type { ProviderKeyChannelName } from '../../../shared/contract/provider-key-channels';
import type { CoreBase, Feature } from './feature';

/** Wires the provider-key feature: repositories → services → its slice of the handler map. */
export function createProviderKeysFeature(base: CoreBase): Feature<ProviderKeyChannelName> {
  void base;
  return { handlers: {} };
}
