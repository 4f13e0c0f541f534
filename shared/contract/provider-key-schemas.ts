import type { ChannelDefinition } from './channel-definition';
import type { ProviderKeyChannelName } from './provider-key-channels';

/** Channel → strict input/output schemas for this feature; spread into the contract. */
export const providerKeyContract = {} satisfies { [C in ProviderKeyChannelName]: ChannelDefinition };
