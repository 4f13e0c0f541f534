import type { ExportChannelName } from '../../../shared/contract/export-channels';
import type { CoreBase, Feature } from './feature';

/** Wires the export feature: repositories → services → its slice of the handler map. */
export function createExportsFeature(base: CoreBase): Feature<ExportChannelName> {
  void base;
  return { handlers: {} };
}
