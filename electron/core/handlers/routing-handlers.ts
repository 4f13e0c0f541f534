import type { RoutingChannelName } from '../../../shared/contract/routing-channels';
import { defineFeature } from './feature';

export const routingFeature = defineFeature<RoutingChannelName>(({ routing }) => ({
  handlers: {
    'routes:list': (input) => routing.list(input.workspaceId),
    'routes:save': (input) => routing.save(input),
    'routes:check': (input) => routing.check(input),
    'routes:simulate': (input) => routing.simulate(input),
    'routes:export': (input) => routing.export(input.workspaceId),
  },
}));
