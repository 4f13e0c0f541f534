import { useState } from 'react';
import { AppError } from '../../../../shared/contract/errors';
import { REMOTE_CA_MAX, REMOTE_KINDS, REMOTE_NAME_MAX, type Remote } from '../../../../shared/contract/sync-schemas';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { OptionSelect } from '../../components/OptionSelect';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';

type RemoteKind = (typeof REMOTE_KINDS)[number];
const KIND_OPTIONS: Array<{ id: RemoteKind; label: string }> = [{ id: 'gatehouse-v1', label: 'gatehouse-v1' }];

/** The fields the form shows; a core issue for any other path is shown above the buttons. */
const FORM_FIELDS = ['name', 'baseUrl', 'kind', 'credential', 'caCertificate'] as const;

interface RemoteDialogProps {
  /** null: add a remote; a remote: edit it. Only rendered while open. */
  remote: Remote | null;
  onClose: () => void;
  onSaved: (remote: Remote, message: string) => void;
}

interface FormValues {
  name: string;
  baseUrl: string;
  kind: RemoteKind;
  credential: string;
  caFile: File | null;
  removeCa: boolean;
}

const initialForm = (remote: Remote | null): FormValues => ({
  name: remote?.name ?? '',
  baseUrl: remote?.baseUrl ?? '',
  kind: remote?.kind ?? 'gatehouse-v1',
  credential: '',
  caFile: null,
  removeCa: false,
});

/** The CA file's text: the renderer reads the file, the core never sees a path. */
async function readCa(file: File): Promise<string> {
  if (file.size > REMOTE_CA_MAX) throw AppError.field('E_VALIDATION', 'caCertificate', 'The CA file is too large (at most 256 KiB)');
  return file.text();
}

/**
 * Add or edit a remote gateway. The admin key is write-only: never shown, typed into a password
 * field, and dropped from memory when the dialog closes. Editing with the key left blank keeps
 * the stored one. The core's field errors appear next to their fields.
 */
export function RemoteDialog({ remote: opened, onClose, onSaved }: RemoteDialogProps) {
  // The remote as it was when the dialog opened: a refetch meanwhile must neither reset what is
  // typed nor move `expectedVersion` past someone else's edit.
  const [remote] = useState(opened);
  const editing = remote !== null;
  const [form, setForm] = useState<FormValues>(() => initialForm(remote));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  // The typed key lives only in this component's state: closing unmounts it.
  const close = () => {
    if (!busy) onClose();
  };

  const submit = async () => {
    setBusy(true);
    setErrors({});
    try {
      const caCertificate = form.caFile ? await readCa(form.caFile) : undefined;
      let saved: Remote;
      if (remote) {
        saved = await invoke('remotes:update', {
          id: remote.id,
          expectedVersion: remote.version,
          name: form.name,
          baseUrl: form.baseUrl,
          ...(form.credential ? { credential: form.credential } : {}),
          ...(caCertificate !== undefined ? { caCertificate } : form.removeCa ? { caCertificate: null } : {}),
        });
      } else {
        saved = await invoke('remotes:create', {
          name: form.name,
          kind: form.kind,
          baseUrl: form.baseUrl,
          credential: form.credential,
          ...(caCertificate !== undefined ? { caCertificate } : {}),
        });
      }
      onSaved(saved, editing ? `Saved remote “${saved.name}”.` : `Added remote “${saved.name}”. Test the connection, then review the changes.`);
    } catch (e) {
      const byField = fieldErrors(e);
      const shown: Record<string, string> = {};
      for (const field of FORM_FIELDS) if (byField[field]) shown[field] = byField[field];
      // Errors without a field of this form (a stale version, an unreachable core) go above the buttons.
      if (Object.keys(shown).length === 0 || Object.keys(byField).some((path) => !(FORM_FIELDS as readonly string[]).includes(path))) shown.form = errorMessage(e);
      setErrors(shown);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={remote ? `Edit remote “${remote.name}”` : 'Add remote'} open onClose={close}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="form-grid">
          <Field label="Name" error={errors.name} hint={`How Gatehouse and the CLI call it; up to ${REMOTE_NAME_MAX} characters`}>
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} autoComplete="off" />
          </Field>
          <Field label="Kind" error={errors.kind} hint={editing ? 'The kind of a remote cannot change' : 'The admin protocol it speaks: Gatehouse protocol v1'}>
            <OptionSelect options={KIND_OPTIONS} value={form.kind} onValueChange={(kind) => setForm({ ...form, kind })} disabled={editing} />
          </Field>
          <div className="form-grid__wide">
            <Field label="URL" error={errors.baseUrl} hint="https://…; plain http:// only to this computer (127.0.0.1, localhost)">
              <input
                type="url"
                value={form.baseUrl}
                onChange={(e) => setForm({ ...form, baseUrl: e.target.value })}
                autoComplete="off"
                spellCheck={false}
                placeholder="https://gateway.example.com"
              />
            </Field>
          </div>
          <div className="form-grid__wide">
            <Field
              label="Admin key"
              error={errors.credential}
              hint={editing ? 'Leave blank to keep the stored key. It is stored encrypted and never shown again.' : 'Stored encrypted; never shown again, logged or synced.'}
            >
              <input
                type="password"
                value={form.credential}
                onChange={(e) => setForm({ ...form, credential: e.target.value })}
                autoComplete="off"
                spellCheck={false}
              />
            </Field>
          </div>
          <div className="form-grid__wide">
            <Field
              label="Extra CA certificate (optional)"
              error={errors.caCertificate}
              hint={
                remote?.hasCustomCa
                  ? 'A certificate is stored. Choose a PEM file to replace it.'
                  : 'A PEM file, for a gateway whose certificate your system does not trust. Certificate checks stay on.'
              }
            >
              <input
                type="file"
                accept=".pem,.crt,.cer,application/x-pem-file"
                disabled={form.removeCa}
                onChange={(e) => setForm({ ...form, caFile: e.target.files?.[0] ?? null })}
              />
            </Field>
            {remote?.hasCustomCa ? (
              <label className="sync-checkbox">
                <input type="checkbox" checked={form.removeCa} onChange={(e) => setForm({ ...form, removeCa: e.target.checked, caFile: null })} />
                Remove the stored CA certificate
              </label>
            ) : null}
          </div>
        </div>
        <p className="form-error" role={errors.form ? 'alert' : undefined}>
          {errors.form ?? ''}
        </p>
        <div className="modal__actions">
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save remote' : 'Add remote'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

interface RemoveRemoteDialogProps {
  remote: Remote;
  onClose: () => void;
  onRemoved: (message: string) => void;
}

/** Confirms removing a remote: destructive for Gatehouse's sync state, harmless for the gateway. */
export function RemoveRemoteDialog({ remote, onClose, onRemoved }: RemoveRemoteDialogProps) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await invoke('remotes:delete', { id: remote.id });
      onRemoved(`Removed remote “${remote.name}”.`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Remove remote “${remote.name}”?`} open alert onClose={() => !busy && onClose()}>
      <p>
        Gatehouse forgets {remote.baseUrl}: its stored admin key, what links your workspaces, keys and members to it, the cached remote state and its
        sync history. Nothing on the gateway is deleted, and your local data stays. Adding it again later starts with a full read, like a first sync.
      </p>
      <p className="form-error" role={error ? 'alert' : undefined}>
        {error ?? ''}
      </p>
      <div className="modal__actions">
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Removing…' : 'Remove remote'}
        </button>
      </div>
    </Modal>
  );
}
