import type { ProviderKey } from '../../../../shared/contract/provider-key-schemas';
import { maskedSecret, protectionSchemeLabel } from '../../../../shared/domain/provider-key-rules';
import { columnHelperFor, type DataColumn } from '../../components/DataTable';
import { formatDateTime } from '../../lib/format';

const helper = columnHelperFor<ProviderKey>();

const SECRET_STATUS_NOTE: Record<ProviderKey['secretStatus'], string | null> = {
  ok: null,
  unreadable: 'cannot be decrypted — replace the secret',
  'unavailable-here': 'readable only in the desktop app',
};

export function providerKeyColumns(actions: (key: ProviderKey) => React.ReactNode): DataColumn<ProviderKey>[] {
  return [
    helper.accessor('vendor', { id: 'vendor', header: 'Vendor' }),
    helper.accessor('label', { id: 'label', header: 'Label' }),
    helper.accessor('last4', { id: 'last4', header: 'Secret', cell: (c) => <code aria-label={`Secret ending in ${c.getValue()}`}>{maskedSecret(c.getValue())}</code> }),
    helper.display({
      id: 'protection',
      header: 'Protection',
      cell: (c) => {
        const key = c.row.original;
        const note = SECRET_STATUS_NOTE[key.secretStatus];
        return (
          <span>
            {protectionSchemeLabel(key.scheme)}
            {note ? <span className="provider-key__problem"> ({note})</span> : null}
          </span>
        );
      },
    }),
    helper.accessor('workspaceOverrides', {
      id: 'workspaceOverrides',
      header: 'Workspace overrides',
      cell: (c) => <span className="num">{c.getValue() === 0 ? 'none' : c.getValue()}</span>,
    }),
    helper.accessor('updatedAt', { id: 'updatedAt', header: 'Updated', cell: (c) => <time dateTime={c.getValue()}>{formatDateTime(c.getValue())}</time> }),
    helper.display({ id: 'actions', header: 'Actions', cell: (c) => actions(c.row.original) }),
  ];
}
