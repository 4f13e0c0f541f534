import type { AppChannelName } from '../../../shared/contract/app-channels';
import { defineFeature } from './feature';

export const appFeature = defineFeature<AppChannelName>(({ app }) => ({
  handlers: {
    'app:info': () => app.info(),
    'overview:summary': () => app.overview(),
  },
}));
