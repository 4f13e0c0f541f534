import type { ProviderKeyChannelName } from '../../../shared/contract/provider-key-channels';
import { defineFeature } from './feature';

export const providerKeysFeature = defineFeature<ProviderKeyChannelName>(({ providerKeys }) => ({
  handlers: {
    'providerKeys:list': () => providerKeys.list(),
    'providerKeys:create': (input) => providerKeys.create(input),
    'providerKeys:update': (input) => providerKeys.update(input),
    'providerKeys:delete': (input) => providerKeys.delete(input.id),
    'providerKeys:forgetUnreadable': (input) => providerKeys.forgetUnreadable(input.ids),
    'providerAccess:get': (input) => providerKeys.getAccess(input.workspaceId),
    'providerAccess:save': (input) => providerKeys.saveAccess(input),
  },
}));
