import { useEffect, useState } from 'react';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange } from '../../stores/app-store';
import { emptyWorkspaceForm, formToInput, WorkspaceFields, type WorkspaceFormValues } from './workspace-form';

interface Props {
  open: boolean;
  /** The member preselected as owner: the active workspace's owner. */
  defaultOwnerId: string;
  onClose: () => void;
  onCreated: (id: string) => void;
}

export function CreateWorkspaceDialog({ open, defaultOwnerId, onClose, onCreated }: Props) {
  const [values, setValues] = useState<WorkspaceFormValues>(() => emptyWorkspaceForm(defaultOwnerId));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  // Start each opening from a fresh form with the current default owner (it loads after first render).
  useEffect(() => {
    if (open) setValues(emptyWorkspaceForm(defaultOwnerId));
  }, [open, defaultOwnerId]);

  const close = () => {
    setValues(emptyWorkspaceForm(defaultOwnerId));
    setErrors({});
    setFormError(null);
    onClose();
  };

  const submit = async () => {
    const converted = formToInput(values);
    if (!converted.ok) {
      setErrors(converted.errors);
      return;
    }
    setSaving(true);
    try {
      const created = await invoke('workspaces:create', converted.input);
      await refreshAfterWorkspaceChange();
      onCreated(created.id);
      close();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      setFormError(Object.keys(byField).length ? null : errorMessage(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal title="Create workspace" open={open} onClose={close}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <WorkspaceFields values={values} errors={errors} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} />
        <p className="form-error" role={formError ? 'alert' : undefined}>
          {formError ?? ''}
        </p>
        <div className="modal__actions">
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Creating…' : 'Create workspace'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
