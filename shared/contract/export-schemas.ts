import type { ChannelDefinition } from './channel-definition';
import type { ExportChannelName } from './export-channels';

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const exportContract = {} satisfies { [C in ExportChannelName]: ChannelDefinition };
