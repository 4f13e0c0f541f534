import type { BackupChannelName } from '../../../shared/contract/backup-channels';
import { defineFeature } from './feature';

/**
 * Backups and restores are jobs (`backup:create`, `backup:restore`: the first status; `jobs:*`
 * follow and cancel them). The passphrase is a secret: it goes to the service and nowhere else.
 */
export const backupFeature = defineFeature<BackupChannelName>(({ backup }) => ({
  handlers: {
    'backup:create': (input) => backup.create(input),
    'backup:inspect': (input) => backup.inspect(input),
    'backup:restore': (input) => backup.restore(input),
  },
}));
