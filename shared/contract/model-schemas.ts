import type { ChannelDefinition } from './channel-definition';
import type { ModelChannelName } from './model-channels';

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const modelContract = {} satisfies { [C in ModelChannelName]: ChannelDefinition };
