import type { ProviderKeyChannelName } from '../../../shared/contract/provider-key-channels';
import { createProviderKeyService } from '../services/provider-key-service';
import { createSecretProtection } from '../services/secret-box';
import { createProviderKeyRepository } from '../store/provider-key-repository';
import type { CoreBase, Feature } from './feature';

/** Wires the provider-key feature: repositories → services → its slice of the handler map. */
export function createProviderKeysFeature(base: CoreBase): Feature<ProviderKeyChannelName> {
  const protection = createSecretProtection(base.dataDir, base.options.capabilities);
  const service = createProviderKeyService(base.ctx, createProviderKeyRepository(base.ctx.db), base.workspaceRepo, protection);
  return {
    handlers: {
      'providerKeys:list': () => service.list(),
      'providerKeys:create': (input) => service.create(input),
      'providerKeys:update': (input) => service.update(input),
      'providerKeys:delete': (input) => service.delete(input.id),
      'providerAccess:get': (input) => service.getAccess(input.workspaceId),
      'providerAccess:save': (input) => service.saveAccess(input),
    },
  };
}
