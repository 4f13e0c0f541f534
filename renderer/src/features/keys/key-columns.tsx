import type { ApiKey } from '../../../../shared/contract/key-schemas';
import { formatMoney } from '../../../../shared/domain/money';
import { columnHelperFor, type DataColumn } from '../../components/DataTable';

const helper = columnHelperFor<ApiKey>();
const date = (iso: string | null) => (iso ? <time dateTime={iso}>{new Date(iso).toLocaleString()}</time> : '—');
const num = (n: number | null) => (n === null ? 'default' : n.toLocaleString('en-US'));

export function keyColumns(actions: (key: ApiKey) => React.ReactNode, currency: string): DataColumn<ApiKey>[] {
  return [
    helper.accessor('name', { id: 'name', header: 'Name' }),
    helper.accessor('maskedKey', { id: 'maskedKey', header: 'Key', cell: (c) => <code>{c.getValue()}</code> }),
    helper.accessor('status', { id: 'status', header: 'Status', cell: (c) => <span className={`status status--${c.getValue()}`}>{c.getValue()}</span> }),
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
