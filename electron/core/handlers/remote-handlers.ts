import type { SyncChannelName } from '../../../shared/contract/sync-channels';
import { defineFeature } from './feature';

type RemoteChannelName = Extract<SyncChannelName, `remotes:${string}`>;

/** Remote gateways (local configuration). `remotes:test` answers asynchronously: it waits on the network. */
export const remotesFeature = defineFeature<RemoteChannelName>(({ remotes }) => ({
  handlers: {
    'remotes:list': () => ({ remotes: remotes.list() }),
    'remotes:create': (input) => remotes.create(input),
    'remotes:update': (input) => remotes.update(input),
    'remotes:delete': (input) => remotes.delete(input.id),
    'remotes:test': (input) => remotes.test(input.id),
  },
}));
