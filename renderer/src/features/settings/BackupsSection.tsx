import { useEffect, useRef, useState } from 'react';
import type { BackupSource } from '../../../../shared/contract/backup-schemas';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { Field } from '../../components/Field';
import { FormError } from '../../components/FormMessages';
import { Modal } from '../../components/Modal';
import { downloadExport } from '../../ipc/bridge';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { canUpload, uploadFile } from '../../ipc/uploads';
import { isFinished, useJob } from '../../ipc/use-job';
import { formatBytes } from '../jobs/job-format';
import { JobProgress } from '../jobs/JobProgress';

const UNENCRYPTED_WARNING =
  'Without a passphrase the backup is not encrypted: it holds the key file, so anyone with the file can read the provider secrets. A passphrase is recommended.';

function jobStatusLine(job: JobStatus, what: string): string {
  if (job.state === 'failed' || job.state === 'cancelled') return job.error?.message ?? `The ${what} did not finish`;
  if (job.state === 'waiting') return 'Waiting for a file to be chosen…';
  if (job.state === 'done') return `The ${what} is done.`;
  const bytes = job.total ? `${formatBytes(job.done)} of ${formatBytes(job.total)}` : '';
  return [job.message, bytes].filter(Boolean).join(' — ') || `${what[0]!.toUpperCase()}${what.slice(1)} running…`;
}

/** "Back up…": optional passphrase (typed twice), progress, cancel; the browser host downloads the file. */
function BackupDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<JobStatus | null>(null);
  const [delivered, setDelivered] = useState(false);
  const { job, error: followError, ask } = useJob(started?.jobId ?? null, started);
  const handedOver = useRef<string | null>(null);
  const running = job !== null && !isFinished(job);

  useEffect(() => {
    if (!job || job.state !== 'done' || job.result?.kind !== 'backup' || handedOver.current === job.jobId) return;
    handedOver.current = job.jobId;
    const result = job.result;
    (result.downloadable ? downloadExport(job.jobId, result.fileName) : Promise.resolve(0)).then(
      () => setDelivered(true),
      (e: unknown) => setError(errorMessage(e)),
    );
  }, [job]);

  const reset = () => {
    setPassphrase('');
    setConfirm('');
    setErrors({});
    setError(null);
    setStarted(null);
    setDelivered(false);
  };
  const close = () => {
    if (running) return;
    reset();
    onClose();
  };
  const start = async () => {
    setError(null);
    if (passphrase !== confirm) return setErrors({ confirm: 'The two passphrases differ' });
    setErrors({});
    try {
      setStarted(await invoke('backup:create', passphrase === '' ? {} : { passphrase }));
      // The passphrase is not kept around once the job has it.
      setPassphrase('');
      setConfirm('');
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      if (!Object.keys(byField).length) setError(errorMessage(e));
    }
  };
  const result = job?.state === 'done' && job.result?.kind === 'backup' ? job.result : null;
  const shownError = error ?? followError;
  return (
    <Modal title="Back up Gatehouse" open={open} onClose={close}>
      {job === null ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <p>One file with a consistent snapshot of everything (workspaces, keys, members, usage, settings) and the key file of the provider secrets. Gatehouse keeps working meanwhile.</p>
          <Field label="Passphrase (optional)" error={errors.passphrase} hint="At least 8 characters. It cannot be recovered: without it the backup cannot be restored.">
            <input type="password" autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
          </Field>
          <Field label="Passphrase again" error={errors.confirm}>
            <input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} disabled={passphrase === ''} />
          </Field>
          {passphrase === '' ? (
            <p className="form-warning" role="note">
              {UNENCRYPTED_WARNING}
            </p>
          ) : null}
          <FormError error={shownError} />
          <div className="modal__actions">
            <button type="button" onClick={close}>
              Close
            </button>
            <button type="submit" className="primary">
              {passphrase === '' ? 'Back up without a passphrase' : 'Back up (encrypted)'}
            </button>
          </div>
        </form>
      ) : (
        <div>
          <JobProgress label="Backup progress" job={job} status={jobStatusLine(job, 'backup')} />
          {result && (delivered || !result.downloadable) ? (
            <p role="status" className="form-status">
              {`Saved ${result.encrypted ? 'an encrypted' : 'an unencrypted'} backup (${formatBytes(result.sizeBytes)})${result.savedTo ? ` to ${result.savedTo}` : ` as ${result.fileName}`}.`}
            </p>
          ) : null}
          <FormError error={shownError} />
          <div className="modal__actions">
            {running ? (
              <button type="button" className="danger" onClick={() => void ask(() => invoke('jobs:cancel', { jobId: job.jobId })).catch((e: unknown) => setError(errorMessage(e)))}>
                Cancel backup
              </button>
            ) : (
              <button type="button" onClick={close}>
                Close
              </button>
            )}
          </div>
        </div>
      )}
    </Modal>
  );
}

type Inspected = ChannelOutput<'backup:inspect'> & { source: BackupSource };

/** "Restore…": choose (or upload) the file, see what it is, passphrase, a confirmation naming what is replaced, progress, success. */
function RestoreDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const uploads = canUpload();
  const [file, setFile] = useState<File | null>(null);
  const [inspected, setInspected] = useState<Inspected | null>(null);
  const [passphrase, setPassphrase] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [started, setStarted] = useState<JobStatus | null>(null);
  const { job, error: followError } = useJob(started?.jobId ?? null, started);
  const running = busy || (job !== null && !isFinished(job));

  const close = () => {
    if (running) return;
    setFile(null);
    setInspected(null);
    setPassphrase('');
    setConfirming(false);
    setErrors({});
    setError(null);
    setStarted(null);
    onClose();
  };
  const fail = (e: unknown) => {
    const byField = fieldErrors(e);
    setErrors(byField);
    setError(Object.keys(byField).length ? null : errorMessage(e));
  };
  const choose = async () => {
    setError(null);
    setErrors({});
    setBusy(true);
    try {
      let source: BackupSource = { source: 'file' };
      if (uploads) {
        if (!file) return setError('Choose a backup file first');
        source = { source: 'upload', uploadId: await uploadFile(file) };
      }
      const answer = await invoke('backup:inspect', { file: source });
      setInspected({ ...answer, source: answer.pickedId ? { source: 'picked', pickedId: answer.pickedId } : source });
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };
  const restore = async () => {
    if (!inspected) return;
    setError(null);
    setErrors({});
    try {
      setStarted(await invoke('backup:restore', { file: inspected.source, confirm: true, ...(inspected.encrypted ? { passphrase } : {}) }));
      setPassphrase('');
    } catch (e) {
      setConfirming(false);
      fail(e);
    }
  };

  const failedField = job?.state === 'failed' ? job.error?.issues?.[0]?.path : undefined;
  const result = job?.state === 'done' && job.result?.kind === 'restore' ? job.result : null;
  const shownError = error ?? followError ?? (job?.state === 'failed' || job?.state === 'cancelled' ? (job.error?.message ?? null) : null);
  const manifest = inspected?.manifest ?? null;
  return (
    <Modal title="Restore from a backup" open={open} onClose={close} alert={confirming}>
      {job ? (
        <div>
          <JobProgress label="Restore progress" job={job} status={jobStatusLine(job, 'restore')} />
          {result ? (
            <p role="status" className="form-status">
              {`Restored the backup made ${result.backupCreatedAt}${result.migratedFrom !== null ? ` (upgraded from schema ${result.migratedFrom})` : ''}. The previous store and key file are kept in ${result.keptAside}. Reload the pages you have open.`}
            </p>
          ) : null}
          <FormError error={shownError && failedField === 'passphrase' ? `${shownError} Nothing was changed.` : shownError} />
          <div className="modal__actions">
            <button type="button" onClick={close} disabled={running}>
              Close
            </button>
          </div>
        </div>
      ) : !inspected ? (
        <div>
          <p>Choose a Gatehouse backup (.ghbackup). It is checked completely before anything is replaced.</p>
          {uploads ? (
            <Field label="Backup file" error={errors.file ?? errors['file.uploadId']}>
              <input type="file" accept=".ghbackup" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            </Field>
          ) : null}
          <FormError error={shownError} />
          <div className="modal__actions">
            <button type="button" onClick={close} disabled={running}>
              Close
            </button>
            <button type="button" className="primary" onClick={() => void choose()} disabled={running}>
              {uploads ? 'Upload and check' : 'Choose backup file…'}
            </button>
          </div>
        </div>
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (confirming) void restore();
            else setConfirming(true);
          }}
        >
          <dl className="facts">
            <div>
              <dt>File</dt>
              <dd>
                {inspected.fileName} ({formatBytes(inspected.sizeBytes)}){inspected.encrypted ? ', encrypted' : ''}
              </dd>
            </div>
            {manifest ? (
              <>
                <div>
                  <dt>Made</dt>
                  <dd>
                    {manifest.createdAt} by Gatehouse {manifest.appVersion} (schema {manifest.schemaVersion})
                  </dd>
                </div>
                <div>
                  <dt>Secrets</dt>
                  <dd>{manifest.secrets.note}</dd>
                </div>
              </>
            ) : null}
          </dl>
          {inspected.encrypted ? (
            <Field label="Passphrase" error={errors.passphrase}>
              <input type="password" autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} />
            </Field>
          ) : null}
          {confirming ? (
            <div className="form-warning" role="note">
              <p>
                This replaces the data in force in <code>{inspected.dataDir}</code>
                {inspected.replaces.length ? (
                  <>
                    {' '}
                    ({inspected.replaces.join(', ')})
                  </>
                ) : null}{' '}
                with the backup. Every workspace, key, member, provider key and usage record made since the backup is replaced. The current files are kept in a
                before-restore folder inside the data folder.
              </p>
            </div>
          ) : null}
          <FormError error={shownError} />
          <div className="modal__actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" className={confirming ? 'danger' : 'primary'} disabled={inspected.encrypted && passphrase === ''}>
              {confirming ? 'Replace my data with this backup' : 'Restore…'}
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** Settings → Backups: "Back up…" and "Restore…". */
export function BackupsSection() {
  const [dialog, setDialog] = useState<'backup' | 'restore' | null>(null);
  return (
    <section className="card" aria-labelledby="backups-heading">
      <h2 id="backups-heading">Backups</h2>
      <p>A backup is one file with everything Gatehouse stores here, including the key file of the provider secrets. Restoring one replaces the data in force (the current data is kept aside).</p>
      <div className="modal__actions">
        <button type="button" onClick={() => setDialog('backup')}>
          Back up…
        </button>
        <button type="button" onClick={() => setDialog('restore')}>
          Restore…
        </button>
      </div>
      <BackupDialog open={dialog === 'backup'} onClose={() => setDialog(null)} />
      <RestoreDialog open={dialog === 'restore'} onClose={() => setDialog(null)} />
    </section>
  );
}
