import type { ModelChannelName } from '../../../shared/contract/model-channels';
import type { CoreBase, Feature } from './feature';

/** Wires the model feature: repositories → services → its slice of the handler map. */
export function createModelsFeature(base: CoreBase): Feature<ModelChannelName> {
  void base;
  return { handlers: {} };
}
