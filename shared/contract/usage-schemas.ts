import type { ChannelDefinition } from './channel-definition';
import type { UsageChannelName } from './usage-channels';

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const usageContract = {} satisfies { [C in UsageChannelName]: ChannelDefinition };
