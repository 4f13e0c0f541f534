import { useEffect, useRef, useState } from 'react';
import type { ExportRequest } from '../../../../shared/contract/export-schemas';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { Modal } from '../../components/Modal';
import { downloadExport } from '../../ipc/bridge';
import { errorMessage, invoke } from '../../ipc/client';
import { isFinished, useJob } from '../../ipc/use-job';
import { countOf, doneOfTotal } from '../jobs/job-format';
import { JobProgress } from '../jobs/JobProgress';
import './exports.css';

interface ExportButtonProps {
  /** Button text, e.g. "Export CSV". */
  label?: string;
  /** What to export; read when the button is pressed (so it can follow the page's filters). */
  request: ExportRequest | (() => ExportRequest);
  disabled?: boolean;
  /** What one row of the file is, singular and plural (default "row", "rows"). */
  nouns?: readonly [string, string];
  /** Called once the file is saved or downloaded. */
  onExported?: (job: JobStatus) => void;
}

type Delivery = 'none' | 'downloading' | 'delivered';

/**
 * Starts a CSV export job and follows it by events: rows written of rows expected, rate and
 * time left, and a Cancel that leaves no file behind. Desktop: the core asks for the file in a
 * save dialog. Browser host: the finished file is downloaded through the browser.
 */
export function ExportButton({ label = 'Export CSV', request, disabled = false, nouns = ['row', 'rows'], onExported }: ExportButtonProps) {
  const [started, setStarted] = useState<JobStatus | null>(null);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [delivery, setDelivery] = useState<Delivery>('none');
  const { job, error: followError, ask } = useJob(started?.jobId ?? null, started);
  const delivered = useRef<string | null>(null);
  const onExportedRef = useRef(onExported);
  onExportedRef.current = onExported;

  const running = starting || (job !== null && !isFinished(job));

  // Done: hand the file over (browser host) once per job, then tell the page.
  useEffect(() => {
    if (!job || job.state !== 'done' || job.result?.kind !== 'export' || delivered.current === job.jobId) return;
    delivered.current = job.jobId;
    const result = job.result;
    const finished = job;
    const deliver = async () => {
      if (result.downloadable) {
        setDelivery('downloading');
        await downloadExport(finished.jobId, result.fileName);
      }
      setDelivery('delivered');
      onExportedRef.current?.(finished);
    };
    deliver().catch((e: unknown) => setError(errorMessage(e)));
  }, [job]);

  const start = async () => {
    setError(null);
    setStarted(null);
    setDelivery('none');
    setStarting(true);
    setOpen(true);
    try {
      setStarted(await invoke('exports:start', typeof request === 'function' ? request() : request));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (!job) return;
    try {
      await ask(() => invoke('jobs:cancel', { jobId: job.jobId }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const close = () => {
    if (running) return; // Cancel first; Escape must not orphan a running export
    setOpen(false);
  };

  const cancelling = job !== null && !isFinished(job) && job.message === 'Cancelling…';
  const shownError = error ?? followError;
  return (
    <>
      <button type="button" onClick={() => void start()} disabled={disabled || running}>
        {label}
      </button>
      <Modal title={job?.label ?? label} open={open} onClose={close}>
        <div className="export-dialog">
          {shownError ? (
            <p className="form-error" role="alert">
              {shownError}
            </p>
          ) : null}
          {job === null && !shownError ? <p aria-busy="true">Preparing the export…</p> : null}
          {job ? <JobProgress label="Export progress" job={job} status={describe(job, nouns, delivery)} /> : null}
          <div className="modal__actions">
            {job && !isFinished(job) ? (
              <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling}>
                {cancelling ? 'Cancelling…' : 'Cancel export'}
              </button>
            ) : (
              <button type="button" onClick={close} disabled={running}>
                Close
              </button>
            )}
          </div>
        </div>
      </Modal>
    </>
  );
}

function describe(job: JobStatus, nouns: readonly [string, string], delivery: Delivery): string {
  switch (job.state) {
    case 'waiting':
      return job.message ?? 'Choose where to save the file…';
    case 'running':
      return job.message === 'Cancelling…' ? `Cancelling… ${doneOfTotal(job, nouns)} written` : `${doneOfTotal(job, nouns)} written`;
    case 'done': {
      const result = job.result?.kind === 'export' ? job.result : null;
      const written = countOf(result?.rowsWritten ?? job.done, nouns);
      if (result?.savedTo) return `Exported ${written} to ${result.savedTo}`;
      return delivery === 'delivered' ? `Exported ${written}; the download is in your browser’s downloads` : `Exported ${written}; downloading…`;
    }
    case 'cancelled':
      return `${job.error?.message ?? 'Export cancelled; no file was written'}.`.replace(/\.\.$/, '.');
    case 'failed':
      return job.error?.message ?? job.message ?? 'The export failed';
  }
}
