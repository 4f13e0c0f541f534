import type { AuditChannelName } from '../../../shared/contract/audit-channels';
import { defineFeature } from './feature';

export const auditFeature = defineFeature<AuditChannelName>(({ audit }) => ({
  handlers: {
    'audit:list': (input) => audit.list(input.filter, input.beforeId, input.limit),
    'audit:get': (input) => audit.get(input.id),
  },
}));
