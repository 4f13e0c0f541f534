import type { KeyChannelName } from '../../../shared/contract/key-channels';
import { defineFeature } from './feature';

export const keysFeature = defineFeature<KeyChannelName>(({ keys }) => ({
  handlers: {
    'keys:create': (input) => keys.create(input),
    'keys:list': (input) => keys.list(input),
    'keys:rotate': (input) => keys.rotate(input),
    'keys:revoke': (input) => keys.revoke(input.id),
    'keys:delete': (input) => keys.delete(input.id),
    'keys:verify': (input) => keys.verify(input.secret),
  },
}));
