import type { ChannelName } from '../../../shared/contract/channel-names';
import type { CoreServices } from '../services/core-services';
import type { HandlerMap } from './pipeline';

/**
 * One feature = one domain's slice of the handler map. A handler maps its channel to one
 * service call; it never sees a repository or SQL.
 */
export interface Feature<N extends ChannelName> {
  handlers: Pick<HandlerMap, N>;
}

export type FeatureFactory<N extends ChannelName> = (services: CoreServices) => Feature<N>;

/** Declares a feature with its channel slice checked at compile time. */
export function defineFeature<N extends ChannelName>(factory: FeatureFactory<N>): FeatureFactory<N> {
  return factory;
}
