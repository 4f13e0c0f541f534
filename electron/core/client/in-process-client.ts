import { createCore, type Core, type CoreOptions } from '../core';
import { FORBIDDEN, type CoreClient } from './core-client';

/** The core in the caller's own thread: tests and short CLI commands. */
export function createInProcessClient(options: CoreOptions): CoreClient & { core: Core } {
  const core = createCore({ ...options, isTrustedSender: () => true });
  return {
    core,
    invoke(channel, input, sender) {
      if (!options.isTrustedSender(sender)) return Promise.resolve(FORBIDDEN);
      return core.dispatcher.dispatchAsync(channel, input, sender);
    },
    on: (listener) => core.on(listener),
    close: () => core.close(),
  };
}
