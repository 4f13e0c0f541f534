import { useState } from 'react';
import type { FieldIssue } from '../../../../shared/contract/errors';
import { AppError } from '../../../../shared/contract/errors';
import { USAGE_CSV_COLUMNS } from '../../../../shared/domain/usage-rules';
import { Modal } from '../../components/Modal';
import { errorMessage, invoke } from '../../ipc/client';

interface ImportUsageDialogProps {
  open: boolean;
  onClose: () => void;
  onImported: (message: string) => void;
}

/** Picks a CSV, sends it to `usage:import`, and lists every bad row by line number. */
export function ImportUsageDialog({ open, onClose, onImported }: ImportUsageDialogProps) {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<FieldIssue[]>([]);

  const close = () => {
    setFile(null);
    setError(null);
    setIssues([]);
    onClose();
  };

  const submit = async () => {
    if (!file) return setError('Choose a CSV file first');
    setBusy(true);
    setError(null);
    setIssues([]);
    try {
      const result = await invoke('usage:import', { csv: await file.text() });
      onImported(`Imported ${result.inserted.toLocaleString('en-US')} of ${result.rows.toLocaleString('en-US')} rows (${result.duplicates.toLocaleString('en-US')} already present)`);
      close();
    } catch (e) {
      setError(errorMessage(e));
      if (e instanceof AppError && e.issues) setIssues(e.issues.filter((i) => i.message !== e.message));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Import usage CSV" open={open} onClose={close}>
      <p className="usage-import__help">
        A header row with the columns <code>{USAGE_CSV_COLUMNS.join(', ')}</code>. Times are ISO-8601 with a zone; cost is in
        micro-units of the currency. Rows whose <code>id</code> is already stored are skipped. If any row is invalid, nothing is imported.
      </p>
      <div className="field">
        <label htmlFor="usage-import-file">CSV file</label>
        <input
          id="usage-import-file"
          type="file"
          accept=".csv,text/csv"
          aria-invalid={error ? true : undefined}
          aria-describedby="usage-import-error"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setError(null);
            setIssues([]);
          }}
        />
        <p id="usage-import-error" className="field__error" role={error ? 'alert' : undefined}>
          {error ?? ''}
        </p>
      </div>
      {issues.length ? (
        <ul className="usage-import__issues" aria-label="Problems in the file">
          {issues.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
      <div className="modal__actions">
        <button type="button" onClick={close} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="primary" onClick={() => void submit()} disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </div>
    </Modal>
  );
}
