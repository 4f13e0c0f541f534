import type { UsageGroupBy } from '../../../../shared/domain/usage-rules';

export { formatMicros } from '../../../../shared/domain/usage-rules';

const integer = new Intl.NumberFormat('en-US');
export const formatCount = (n: number) => integer.format(n);

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
export const formatCompact = (n: number) => compact.format(n);

export const GROUP_BY_LABELS: Record<UsageGroupBy, string> = { workspace: 'Workspace', model: 'Model', key: 'API key', vendor: 'Vendor' };
