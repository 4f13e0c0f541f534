import type { JobChannelName } from '../../../shared/contract/job-channels';
import { defineFeature } from './feature';

export const jobsFeature = defineFeature<JobChannelName>(({ jobs }) => ({
  handlers: {
    'jobs:list': () => ({ items: jobs.list() }),
    'jobs:status': (input) => jobs.status(input.jobId),
    'jobs:cancel': (input) => jobs.cancel(input.jobId),
  },
}));
