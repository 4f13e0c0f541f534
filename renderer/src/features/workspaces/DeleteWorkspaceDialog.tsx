import { useState } from 'react';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange } from '../../stores/app-store';

interface Props {
  workspace: Workspace | null;
  onClose: () => void;
  onDeleted: () => void;
}

/** Permanent delete: the user types the exact name, and the core checks it again. */
export function DeleteWorkspaceDialog({ workspace, onClose, onDeleted }: Props) {
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (!workspace) return null;
  const close = () => {
    setTyped('');
    setError(null);
    onClose();
  };
  const confirm = async () => {
    setBusy(true);
    try {
      await invoke('workspaces:delete', { id: workspace.id, confirmName: typed });
      await refreshAfterWorkspaceChange();
      setTyped('');
      onDeleted();
    } catch (e) {
      setError(fieldErrors(e).confirmName ?? errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={`Delete ${workspace.name}?`} open alert onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void confirm();
        }}
      >
        <p>
          This permanently deletes the workspace <strong>{workspace.name}</strong> ({workspace.id}) and cannot be undone.
        </p>
        <Field label={`Type "${workspace.name}" to confirm`} error={error ?? undefined}>
          <input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
        </Field>
        <div className="modal__actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy || typed !== workspace.name}>
            Delete workspace
          </button>
        </div>
      </form>
    </Modal>
  );
}
