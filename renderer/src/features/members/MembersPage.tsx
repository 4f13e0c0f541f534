import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Member } from '../../../../shared/contract/member-schemas';
import { columnHelperFor, DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { useDataVersion } from '../../stores/data-versions';

const helper = columnHelperFor<Member>();

export function MembersPage() {
  const [items, setItems] = useState<Member[]>([]);
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState(false);
  const [form, setForm] = useState({ name: '', email: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [removing, setRemoving] = useState<Member | null>(null);
  const [removeError, setRemoveError] = useState<string | null>(null);

  const load = useCallback(async () => setItems((await invoke('members:list', { search })).items), [search]);
  const changes = useDataVersion('member', 'workspace_member', 'workspace');
  useEffect(() => {
    void load();
  }, [load, changes]);

  const add = async () => {
    try {
      await invoke('members:create', form);
      setAdding(false);
      setForm({ name: '', email: '' });
      setErrors({});
      await load();
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(Object.keys(byField).length ? byField : { form: errorMessage(e) });
    }
  };

  const columns = useMemo(
    () => [
      helper.accessor('name', { header: 'Name', cell: (c) => `${c.getValue()}${c.row.original.isLocalUser ? ' (you)' : ''}` }),
      helper.accessor('email', { header: 'Email' }),
      helper.accessor('workspaceCount', { header: 'Workspaces' }),
      helper.display({
        id: 'actions',
        header: 'Actions',
        cell: (c) =>
          c.row.original.isLocalUser ? (
            <span className="hint">Edit yourself in Settings</span>
          ) : (
            <button type="button" className="danger-outline" aria-label={`Remove ${c.row.original.name}`} onClick={() => setRemoving(c.row.original)}>
              Remove
            </button>
          ),
      }),
    ],
    [],
  );

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <h1>Members</h1>
          <p className="page__subtitle">People of your organisation. Give them roles per workspace in each workspace’s Members section.</p>
        </div>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add person
        </button>
      </header>
      <div className="toolbar">
        <input type="search" aria-label="Search members" placeholder="Search by name or email" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      <DataTable label="Members" columns={columns} rows={items} getRowId={(m) => m.id} empty="No one matches. Use “Add person” to invite someone." />
      <Modal title="Add person" open={adding} onClose={() => setAdding(false)}>
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void add();
          }}
        >
          <Field label="Full name" error={errors.name}>
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </Field>
          <Field label="Email" error={errors.email}>
            <input type="email" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          </Field>
          <p className="form-error" role={errors.form ? 'alert' : undefined}>
            {errors.form ?? ''}
          </p>
          <div className="modal__actions">
            <button type="button" onClick={() => setAdding(false)}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Add person
            </button>
          </div>
        </form>
      </Modal>
      <Modal title={removing ? `Remove ${removing.name}?` : ''} open={removing !== null} alert onClose={() => setRemoving(null)}>
        <p>They lose access to every workspace they belong to. Their past actions stay in the audit log.</p>
        <p className="form-error" role={removeError ? 'alert' : undefined}>
          {removeError ?? ''}
        </p>
        <div className="modal__actions">
          <button type="button" onClick={() => setRemoving(null)}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              if (!removing) return;
              invoke('members:delete', { id: removing.id }).then(
                () => {
                  setRemoving(null);
                  setRemoveError(null);
                  void load();
                },
                (e: unknown) => setRemoveError(errorMessage(e)),
              );
            }}
          >
            Remove person
          </button>
        </div>
      </Modal>
    </div>
  );
}
