import type { UsageChannelName } from '../../../shared/contract/usage-channels';
import { defineFeature } from './feature';

export const usageFeature = defineFeature<UsageChannelName>(({ usage }) => ({
  handlers: {
    'usage:import': (input) => usage.startImport(input),
    'usage:generateSample': (input) => usage.generateSample(input),
    'usage:report': (input) => usage.report(input),
    'usage:facets': () => usage.facets(),
    'usage:summary': () => usage.summary(),
  },
}));
