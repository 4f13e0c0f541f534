import type { ApiKey } from '../../../../shared/contract/key-schemas';
import { formatMoney } from '../../../../shared/domain/money';
import { columnHelperFor, type DataColumn } from '../../components/DataTable';
import { formatCount, formatDateTime } from '../../lib/format';

const helper = columnHelperFor<ApiKey>();
const date = (iso: string | null) => (iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : '—');
const num = (n: number | null) => (n === null ? 'default' : formatCount(n));

export function keyColumns(actions: (key: ApiKey) => React.ReactNode, currency: string): DataColumn<ApiKey>[] {
  return [
    helper.accessor('name', { id: 'name', header: 'Name' }),
    helper.accessor('maskedKey', { id: 'maskedKey', header: 'Key', cell: (c) => <code>{c.getValue()}</code> }),
    helper.accessor('status', {
      id: 'status',
      header: 'Status',
      cell: (c) => {
        const until = c.row.original.previousValidUntil;
        // After a rotation with a grace window the old secret still works; say until when.
        const graceActive = until !== null && new Date(until).getTime() > Date.now();
        return (
          <>
            <span className={`status status--${c.getValue()}`}>{c.getValue()}</span>
            {graceActive ? <span className="note"> Old secret valid until {date(until)}</span> : null}
          </>
        );
      },
    }),
    helper.accessor('createdAt', { id: 'createdAt', header: 'Created', cell: (c) => date(c.getValue()) }),
    helper.accessor('expiresAt', { id: 'expiresAt', header: 'Expires', cell: (c) => (c.getValue() ? date(c.getValue()) : 'never') }),
    helper.accessor('lastUsedAt', { id: 'lastUsedAt', header: 'Last used', cell: (c) => (c.getValue() ? date(c.getValue()) : 'not yet synced') }),
    helper.display({
      id: 'limits',
      header: 'Limits (RPM / TPM / budget)',
      cell: (c) => {
        const k = c.row.original;
        return (
          <span className="num">
            {num(k.rpmLimit)} / {num(k.tpmLimit)} / {k.monthlyBudgetMinor === null ? 'workspace' : formatMoney(k.monthlyBudgetMinor, currency)}
          </span>
        );
      },
    }),
    helper.display({ id: 'actions', header: 'Actions', cell: (c) => actions(c.row.original) }),
  ];
}
