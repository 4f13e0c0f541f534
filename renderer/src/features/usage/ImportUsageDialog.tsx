import { useEffect, useRef, useState } from 'react';
import { AppError, type FieldIssue } from '../../../../shared/contract/errors';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { USAGE_CSV_COLUMNS } from '../../../../shared/domain/usage-rules';
import { Modal } from '../../components/Modal';
import { errorMessage, invoke } from '../../ipc/client';
import { canUpload, uploadFile } from '../../ipc/uploads';
import { isFinished, useJob } from '../../ipc/use-job';
import { count, doneOfTotal, formatBytes } from '../jobs/job-format';
import { JobProgress } from '../jobs/JobProgress';

interface ImportUsageDialogProps {
  open: boolean;
  onClose: () => void;
  onImported: (message: string) => void;
}

type Upload = { sent: number; total: number };

/**
 * Imports a usage CSV as a job. Desktop: the core opens the file dialog (`usage:import {source:
 * 'file'}`). Browser host: the chosen file is streamed to the host first (upload progress), then
 * imported by its upload ID. The job is followed by events (checking rows… writing… done with
 * counts); a file with bad rows imports nothing and lists them by line number; Cancel works at
 * every step.
 */
export function ImportUsageDialog({ open, onClose, onImported }: ImportUsageDialogProps) {
  const uploads = canUpload();
  const [file, setFile] = useState<File | null>(null);
  const [upload, setUpload] = useState<Upload | null>(null);
  const [starting, setStarting] = useState(false);
  const [started, setStarted] = useState<JobStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const abort = useRef<AbortController | null>(null);
  const { job, error: followError, ask } = useJob(started?.jobId ?? null, started);
  const reported = useRef<string | null>(null);
  const onImportedRef = useRef(onImported);
  onImportedRef.current = onImported;

  const busy = upload !== null || starting || (job !== null && !isFinished(job));

  const reset = () => {
    setUpload(null);
    setStarted(null);
    setError(null);
    setIssues([]);
  };
  const close = () => {
    if (busy) return; // Cancel first: Escape must not orphan a running import
    reset();
    setFile(null);
    onClose();
  };

  // The job ended: report success and close, or show why nothing was imported.
  useEffect(() => {
    if (!job || !isFinished(job) || reported.current === job.jobId) return;
    reported.current = job.jobId;
    if (job.state === 'done' && job.result?.kind === 'usage-import') {
      const r = job.result;
      onImportedRef.current(`Imported ${count(r.inserted)} of ${count(r.rows)} rows (${count(r.duplicates)} already present)`);
      setStarted(null);
      setFile(null);
      onClose();
      return;
    }
    const payload = job.error;
    setError(payload?.message ?? 'The import failed; nothing was imported');
    setIssues((payload?.issues ?? []).filter((i) => i.message !== payload?.message));
  }, [job, onClose]);

  const run = async () => {
    if (uploads && !file) return setError('Choose a CSV file first');
    reset();
    const controller = new AbortController();
    abort.current = controller;
    try {
      let input: { source: 'file' } | { source: 'upload'; uploadId: string } = { source: 'file' };
      if (uploads && file) {
        setUpload({ sent: 0, total: file.size });
        const uploadId = await uploadFile(file, { signal: controller.signal, onProgress: (sent, total) => setUpload({ sent, total }) });
        setUpload(null);
        input = { source: 'upload', uploadId };
      }
      setStarting(true);
      setStarted(await invoke('usage:import', input));
    } catch (e) {
      setUpload(null);
      if (e instanceof AppError && e.code === 'E_CANCELLED') setError(e.message);
      else {
        setError(errorMessage(e));
        if (e instanceof AppError && e.issues) setIssues(e.issues.filter((i) => i.message !== e.message));
      }
    } finally {
      setStarting(false);
      abort.current = null;
    }
  };

  const cancel = async () => {
    if (abort.current && !job) {
      abort.current.abort();
      return;
    }
    if (!job) return;
    try {
      await ask(() => invoke('jobs:cancel', { jobId: job.jobId }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const cancelling = job !== null && !isFinished(job) && job.message === 'Cancelling…';
  const shownError = error ?? followError;
  const progress = upload ? (
    <JobProgress
      label="Upload progress"
      job={null}
      bar={upload.total > 0 ? { value: upload.sent, max: upload.total } : null}
      status={`Uploading ${formatBytes(upload.sent)} of ${formatBytes(upload.total)}…`}
    />
  ) : job && !isFinished(job) ? (
    <JobProgress label="Import progress" job={job} status={describe(job)} />
  ) : starting ? (
    <JobProgress label="Import progress" job={null} status="Starting the import…" />
  ) : null;

  return (
    <Modal title="Import usage CSV" open={open} onClose={close}>
      <p className="usage-import__help">
        A header row with the columns <code>{USAGE_CSV_COLUMNS.join(', ')}</code>. Times are ISO-8601 with a zone; cost is in
        micro-units of the currency. Rows whose <code>id</code> is already stored are skipped. If any row is invalid, nothing is imported.
      </p>
      <div className="field">
        {uploads ? (
          <>
            <label htmlFor="usage-import-file">CSV file</label>
            <input
              id="usage-import-file"
              type="file"
              accept=".csv,text/csv"
              disabled={busy}
              aria-invalid={shownError ? true : undefined}
              aria-describedby="usage-import-error"
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                reset();
              }}
            />
          </>
        ) : null}
        <p id="usage-import-error" className="field__error" role={shownError ? 'alert' : undefined}>
          {shownError ?? ''}
        </p>
      </div>
      {progress}
      {issues.length ? (
        <ul className="usage-import__issues" aria-label="Problems in the file">
          {issues.map((issue, i) => (
            <li key={i}>{issue.message}</li>
          ))}
        </ul>
      ) : null}
      <div className="modal__actions">
        {busy ? (
          <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling || starting}>
            {cancelling ? 'Cancelling…' : 'Cancel import'}
          </button>
        ) : (
          <>
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="button" className="primary" onClick={() => void run()}>
              {uploads ? 'Import' : 'Choose file and import…'}
            </button>
          </>
        )}
      </div>
    </Modal>
  );
}

function describe(job: JobStatus): string {
  if (job.state === 'waiting') return job.message ?? 'Choose the CSV file to import…';
  const doing = job.message ?? 'Importing';
  if (doing === 'Cancelling…') return `Cancelling… ${doneOfTotal(job)}`;
  return `${doing.replace(/…$/, '')}… ${doneOfTotal(job)}`;
}
