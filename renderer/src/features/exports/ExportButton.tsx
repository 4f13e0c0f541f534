import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExportRequest, ExportStatus } from '../../../../shared/contract/export-schemas';
import { Modal } from '../../components/Modal';
import { downloadExport } from '../../ipc/bridge';
import { errorMessage, invoke } from '../../ipc/client';
import './exports.css';

const POLL_MS = 150;

interface ExportButtonProps {
  /** Button text, e.g. "Export CSV". */
  label?: string;
  /** What to export; read when the button is pressed (so it can follow the page's filters). */
  request: ExportRequest | (() => ExportRequest);
  disabled?: boolean;
  /** Called once the file is saved or downloaded. */
  onExported?: (status: ExportStatus) => void;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Starts a CSV export and shows its progress (rows written of rows expected) with a Cancel that
 * leaves no file behind. Desktop: the core asks for the file in a save dialog. Browser host: the
 * finished file is downloaded through the browser.
 */
export function ExportButton({ label = 'Export CSV', request, disabled = false, onExported }: ExportButtonProps) {
  const [status, setStatus] = useState<ExportStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [downloaded, setDownloaded] = useState(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const running = status !== null && (status.state === 'running' || status.state === 'choosing');

  // Poll while the job runs; on completion fetch the download (browser host).
  useEffect(() => {
    if (!status || !running) return;
    const timer = setTimeout(() => {
      invoke('exports:status', { jobId: status.jobId })
        .then(async (next) => {
          if (!alive.current) return;
          setStatus(next);
          if (next.state === 'done') {
            if (next.downloadable) await downloadExport(next.jobId, next.fileName);
            if (!alive.current) return;
            setDownloaded(true);
            onExported?.(next);
          }
        })
        .catch((e: unknown) => alive.current && setError(errorMessage(e)));
    }, POLL_MS);
    return () => clearTimeout(timer);
  }, [status, running, onExported]);

  const start = useCallback(async () => {
    setError(null);
    setStatus(null);
    setDownloaded(false);
    setCancelling(false);
    setOpen(true);
    try {
      const started = await invoke('exports:start', typeof request === 'function' ? request() : request);
      if (alive.current) setStatus(started);
    } catch (e) {
      if (alive.current) setError(errorMessage(e));
    }
  }, [request]);

  const cancel = async () => {
    if (!status) return;
    setCancelling(true);
    try {
      setStatus(await invoke('exports:cancel', { jobId: status.jobId }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const close = () => {
    if (running) return; // Cancel first; Escape must not orphan a running export
    setOpen(false);
  };

  const total = status?.totalRows ?? null;
  const written = status?.rowsWritten ?? 0;
  return (
    <>
      <button type="button" onClick={() => void start()} disabled={disabled || running}>
        {label}
      </button>
      <Modal title={status ? `Export ${status.fileName}` : 'Export CSV'} open={open} onClose={close}>
        <div className="export-dialog">
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : null}
          {status === null && !error ? <p aria-busy="true">Preparing the export…</p> : null}
          {status ? (
            <>
              <progress
                className="export-dialog__bar"
                aria-label="Export progress"
                max={Math.max(1, total ?? 1)}
                value={status.state === 'done' ? Math.max(1, total ?? 1) : Math.min(written, total ?? written)}
              />
              <p className="export-dialog__status" role="status" aria-live="polite">
                {describe(status, cancelling, downloaded)}
              </p>
            </>
          ) : null}
          <div className="modal__actions">
            {running ? (
              <button type="button" className="danger" onClick={() => void cancel()} disabled={cancelling}>
                {cancelling ? 'Cancelling…' : 'Cancel export'}
              </button>
            ) : (
              <button type="button" onClick={close}>
                Close
              </button>
            )}
          </div>
        </div>
      </Modal>
    </>
  );
}

function describe(status: ExportStatus, cancelling: boolean, downloaded: boolean): string {
  const total = status.totalRows === null ? '' : ` of ${count(status.totalRows)}`;
  switch (status.state) {
    case 'choosing':
      return cancelling ? 'Cancelling…' : 'Choose where to save the file…';
    case 'running':
      return cancelling ? `Cancelling… ${count(status.rowsWritten)}${total} rows written` : `${count(status.rowsWritten)}${total} rows written`;
    case 'done':
      if (status.savedTo) return `Exported ${count(status.rowsWritten)} rows to ${status.savedTo}`;
      return downloaded ? `Exported ${count(status.rowsWritten)} rows; the download is in your browser’s downloads` : `Exported ${count(status.rowsWritten)} rows; downloading…`;
    case 'cancelled':
      return `${status.message ?? 'Export cancelled'}.`.replace(/\.\.$/, '.');
    case 'failed':
      return status.message ?? 'The export failed';
  }
}
