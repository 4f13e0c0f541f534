import type { ExportChannelName } from '../../../shared/contract/export-channels';
import { defineFeature } from './feature';

export const exportsFeature = defineFeature<ExportChannelName>(({ exports }) => ({
  handlers: {
    'exports:start': (input) => exports.start(input),
    'exports:status': (input) => exports.status(input.jobId),
    'exports:cancel': (input) => exports.cancel(input.jobId),
  },
}));
