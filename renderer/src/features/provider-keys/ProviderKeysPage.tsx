import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { ProviderKey } from '../../../../shared/contract/provider-key-schemas';
import { PROVIDER_KEY_LABEL_MAX, PROVIDER_SECRET_MAX, PROVIDER_SECRET_MIN } from '../../../../shared/domain/provider-key-rules';
import { DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { providerKeyColumns } from './provider-key-columns';
import './provider-keys.css';
import { useDataVersion } from '../../stores/data-versions';

const NO_KEYS: ProviderKey[] = [];
const SECRET_HINT = `${PROVIDER_SECRET_MIN}–${PROVIDER_SECRET_MAX} characters, no spaces. Only the last 4 are ever shown again.`;

type Dialog =
  | { kind: 'add' }
  | { kind: 'rename'; key: ProviderKey }
  | { kind: 'replace'; key: ProviderKey }
  | { kind: 'delete'; key: ProviderKey }
  // The way out of a lost key file with no backup: exactly the keys listed are deleted.
  | { kind: 'forget'; keys: ProviderKey[] };

interface FormValues {
  vendor: string;
  label: string;
  secret: string;
}
const EMPTY_FORM: FormValues = { vendor: '', label: '', secret: '' };

/** Upstream provider credentials, encrypted at rest. The plaintext only ever travels renderer → core. */
export function ProviderKeysPage() {
  const [data, setData] = useState<ChannelOutput<'providerKeys:list'> | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [form, setForm] = useState<FormValues>(EMPTY_FORM);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    try {
      setData(await invoke('providerKeys:list', {}));
      setLoadError(null);
    } catch (e) {
      setLoadError(errorMessage(e));
    }
  }, []);
  const changes = useDataVersion('provider_key');
  useEffect(() => void load(), [load, changes]);

  const open = (next: Dialog) => {
    setErrors({});
    setForm(next.kind === 'rename' ? { ...EMPTY_FORM, label: next.key.label } : { ...EMPTY_FORM, vendor: data?.vendors[0] ?? '' });
    setDialog(next);
  };
  // The typed secret is dropped from memory as soon as the dialog closes, saved or not.
  const close = () => {
    setDialog(null);
    setForm(EMPTY_FORM);
    setErrors({});
  };

  const submit = async () => {
    if (!dialog) return;
    setBusy(true);
    try {
      if (dialog.kind === 'add') {
        const created = await invoke('providerKeys:create', { vendor: form.vendor, label: form.label, secret: form.secret });
        setNotice(`Added ${created.vendor} key “${created.label}” (••••${created.last4}).`);
      } else if (dialog.kind === 'rename') {
        const renamed = await invoke('providerKeys:update', { id: dialog.key.id, expectedVersion: dialog.key.version, label: form.label });
        setNotice(`Renamed to “${renamed.label}”.`);
      } else if (dialog.kind === 'replace') {
        const replaced = await invoke('providerKeys:update', { id: dialog.key.id, expectedVersion: dialog.key.version, secret: form.secret });
        setNotice(`Replaced the secret of “${replaced.label}” (now ••••${replaced.last4}).`);
      } else if (dialog.kind === 'forget') {
        const forgot = await invoke('providerKeys:forgetUnreadable', { ids: dialog.keys.map((k) => k.id) });
        setNotice(
          `Forgot ${forgot.forgotten.length} provider key(s) whose secrets could not be decrypted.` +
            (forgot.remoteCredentialsToReenter ? ` Enter the admin key of ${forgot.remoteCredentialsToReenter} remote(s) again.` : ''),
        );
      } else {
        const deleted = await invoke('providerKeys:delete', { id: dialog.key.id });
        setNotice(
          `Deleted “${dialog.key.label}”.${deleted.clearedWorkspaceOverrides ? ` Its pin/disable settings in ${deleted.clearedWorkspaceOverrides} workspace(s) were removed.` : ''}`,
        );
      }
      close();
      await load();
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(Object.keys(byField).length ? byField : { form: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const columns = useMemo(
    () =>
      providerKeyColumns((key) => (
        <span className="row-actions">
          <button type="button" onClick={() => open({ kind: 'rename', key })} aria-label={`Rename ${key.label}`}>
            Rename
          </button>
          <button type="button" onClick={() => open({ kind: 'replace', key })} aria-label={`Replace secret of ${key.label}`}>
            Replace secret
          </button>
          <button type="button" className="danger-outline" onClick={() => open({ kind: 'delete', key })} aria-label={`Delete ${key.label}`}>
            Delete
          </button>
        </span>
      )),
    [data],
  );

  const protection = data?.protection;
  const atLimit = data ? data.items.length >= data.limit : false;
  const unreadable = data?.items.filter((k) => k.secretStatus === 'unreadable') ?? NO_KEYS;
  const title =
    dialog?.kind === 'add'
      ? 'Add provider key'
      : dialog?.kind === 'rename'
        ? `Rename ${dialog.key.label}`
        : dialog?.kind === 'replace'
          ? `Replace secret of ${dialog.key.label}`
          : dialog?.kind === 'forget'
            ? `Forget ${dialog.keys.length} unreadable provider key(s)?`
            : dialog
              ? `Delete ${dialog.key.label}?`
              : '';

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <h1 id="page-title">Provider keys</h1>
          <p className="page__subtitle">Credentials the gateway uses upstream, for every workspace unless a workspace pins or disables them.</p>
        </div>
        <div className="page__header-tools">
          <button type="button" className="primary" disabled={!data || atLimit} onClick={() => open({ kind: 'add' })}>
            Add provider key
          </button>
        </div>
      </header>
      {/* Reserved height: the banner appears without pushing the table down. */}
      <section aria-label="Secret protection" className={`protection-banner protection-banner--${protection ? (protection.strong ? 'strong' : 'weak') : 'loading'}`}>
        {protection ? (
          <>
            <strong>{protection.strong ? 'Encrypted with the OS keychain.' : 'Encrypted with a local key file.'}</strong> {protection.description}
          </>
        ) : (
          'Checking how secrets are protected…'
        )}
      </section>
      {unreadable.length ? (
        <p className="note">
          {unreadable.length} key(s) cannot be decrypted here: the key file <code>provider-keys.key</code> is missing or was replaced. Restore it from a backup of
          the data folder if you can.{' '}
          <button type="button" className="danger-outline" onClick={() => open({ kind: 'forget', keys: unreadable })}>
            Forget unreadable secrets…
          </button>
        </p>
      ) : null}
      {atLimit ? <p className="note">You have the maximum of {data?.limit} provider keys. Delete one to add another.</p> : null}
      {loadError ? (
        <p role="alert" className="form-error">
          {loadError}
        </p>
      ) : null}
      <p role="status" className="form-status form-status--saved">
        {notice}
      </p>
      <DataTable
        label="Provider keys"
        columns={columns}
        rows={data?.items ?? NO_KEYS}
        getRowId={(k) => k.id}
        empty="No provider keys yet. Use “Add provider key” to store the first credential; every workspace can use it unless you pin or disable it there."
      />

      <Modal title={title} open={dialog !== null} alert={dialog?.kind === 'delete' || dialog?.kind === 'forget'} onClose={close}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          {dialog?.kind === 'forget' ? (
            <>
              <p>
                If a backup of the data folder has <code>provider-keys.key</code>, close Gatehouse, copy it back next to <code>gatehouse.sqlite</code> and
                reopen instead: these secrets are then readable again. Forgetting removes these keys and their workspace pins and disables permanently (the
                audit log keeps a record); add them again with their secrets afterwards.
              </p>
              <ul>
                {dialog.keys.map((k) => (
                  <li key={k.id}>
                    {k.vendor} “{k.label}” (••••{k.last4})
                  </li>
                ))}
              </ul>
            </>
          ) : dialog?.kind === 'delete' ? (
            <p>
              The {dialog.key.vendor} key “{dialog.key.label}” (••••{dialog.key.last4}) and its encrypted secret are removed permanently.
              {dialog.key.workspaceOverrides
                ? ` ${dialog.key.workspaceOverrides} workspace(s) pin or disable it; those settings are removed too.`
                : ' No workspace pins or disables it.'}{' '}
              The audit log keeps a record.
            </p>
          ) : (
            <div className="form-grid">
              {dialog?.kind === 'add' ? (
                <Field label="Vendor" error={errors.vendor} hint="Vendors of the model catalog">
                  <select value={form.vendor} onChange={(e) => setForm({ ...form, vendor: e.target.value })}>
                    {data?.vendors.map((v) => (
                      <option key={v} value={v}>
                        {v}
                      </option>
                    ))}
                  </select>
                </Field>
              ) : null}
              {dialog?.kind === 'add' || dialog?.kind === 'rename' ? (
                <Field label="Label" error={errors.label} hint={`1–${PROVIDER_KEY_LABEL_MAX} characters, unique per vendor`}>
                  <input value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} autoComplete="off" />
                </Field>
              ) : null}
              {dialog?.kind === 'add' || dialog?.kind === 'replace' ? (
                <div className="form-grid__wide">
                  <Field label={dialog.kind === 'add' ? 'Secret' : 'New secret'} error={errors.secret} hint={SECRET_HINT}>
                    <input type="password" value={form.secret} onChange={(e) => setForm({ ...form, secret: e.target.value })} autoComplete="off" spellCheck={false} />
                  </Field>
                </div>
              ) : null}
            </div>
          )}
          <p className="form-error" role={errors.form ? 'alert' : undefined}>
            {errors.form ?? ''}
          </p>
          <div className="modal__actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className={dialog?.kind === 'delete' || dialog?.kind === 'forget' ? 'danger' : 'primary'} disabled={busy}>
              {dialog?.kind === 'add'
                ? 'Add key'
                : dialog?.kind === 'rename'
                  ? 'Rename'
                  : dialog?.kind === 'replace'
                    ? 'Replace secret'
                    : dialog?.kind === 'forget'
                      ? 'Forget keys'
                      : 'Delete key'}
            </button>
          </div>
        </form>
      </Modal>
    </div>
  );
}
