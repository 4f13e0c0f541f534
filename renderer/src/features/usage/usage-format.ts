import type { UsageGroupBy } from '../../../../shared/domain/usage-rules';

export { formatMicros } from '../../../../shared/domain/usage-rules';

export { formatCompact, formatCount } from '../../lib/format';

export const GROUP_BY_LABELS: Record<UsageGroupBy, string> = { workspace: 'Workspace', model: 'Model', key: 'API key', vendor: 'Vendor' };
