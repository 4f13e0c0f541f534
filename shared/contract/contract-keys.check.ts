import type { ChannelName } from './channel-names';
import type { Contract } from './contract';

// Compile-time proof that the contract has no channel beyond CHANNEL_NAMES (satisfies covers the other direction).
type Extra = Exclude<keyof Contract, ChannelName>;
export const contractHasNoExtraChannels: [Extra] extends [never] ? true : never = true;
