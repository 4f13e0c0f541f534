import type { ExportChannelName } from '../../../shared/contract/export-channels';
import { defineFeature } from './feature';

/** Exports are jobs: `exports:start` answers the first status; `jobs:*` follow and cancel it. */
export const exportsFeature = defineFeature<ExportChannelName>(({ exports }) => ({
  handlers: {
    'exports:start': (input) => exports.start(input),
  },
}));
