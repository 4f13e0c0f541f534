import { defineFeature } from './feature';

type SyncOnlyChannel = 'sync:status' | 'sync:plan' | 'sync:getPlan' | 'sync:apply' | 'sync:resolve' | 'sync:pullUsage' | 'sync:runs';

export const syncFeature = defineFeature<SyncOnlyChannel>(({ sync }) => ({
  handlers: {
    'sync:status': () => sync.status(),
    'sync:plan': (input) => sync.plan(input.remoteId),
    'sync:getPlan': (input) => sync.getPlan(input.runId),
    'sync:apply': (input) => sync.apply(input),
    'sync:resolve': (input) => sync.resolve(input),
    'sync:pullUsage': (input) => sync.pullUsage(input.remoteId),
    'sync:runs': (input) => sync.runs(input.remoteId, input.limit),
  },
}));
