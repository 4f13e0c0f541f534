import { useEffect, useMemo, useState } from 'react';
import type { BulkPlan, Model } from '../../../../shared/contract/model-schemas';
import { formatLimit } from '../../../../shared/domain/model-rules';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange, useAppStore } from '../../stores/app-store';
import { parseLimit } from './grant-draft';
import { ModelSelectionDialog } from './ModelSelectionDialog';

const NO_IDS: ReadonlySet<string> = new Set();
const limitsText = (l: { rpmLimit: number | null; tpmLimit: number | null }) => `RPM ${formatLimit(l.rpmLimit)}, TPM ${formatLimit(l.tpmLimit)}`;

/** Pick models and limits once, apply them to several workspaces; a preview shows each workspace's changes first. */
export function BulkGrantDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const workspaces = useAppStore((s) => s.allWorkspaces);
  const [models, setModels] = useState<Model[]>([]);
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const [targets, setTargets] = useState<ReadonlySet<string>>(() => new Set());
  const [pickerOpen, setPickerOpen] = useState(false);
  const [preview, setPreview] = useState<BulkPlan | null>(null);
  const [applied, setApplied] = useState<BulkPlan | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!open) return;
    setModels([]);
    setRpm('');
    setTpm('');
    setTargets(new Set());
    setPreview(null);
    setApplied(null);
    setErrors({});
  }, [open]);
  // Any edit makes the preview stale: it must be shown again before applying.
  useEffect(() => setPreview(null), [models, rpm, tpm, targets]);

  const hasTokenModels = models.some((m) => m.tokenMetered);
  const request = useMemo(() => {
    const rpmLimit = parseLimit(rpm);
    const tpmLimit = parseLimit(tpm);
    const local: Record<string, string> = {};
    if (rpmLimit === 'bad') local.rpm = 'Enter a whole number, or leave empty for the gateway default';
    if (tpmLimit === 'bad') local.tpm = 'Enter a whole number, or leave empty for the gateway default';
    if (Object.keys(local).length) return { ok: false as const, errors: local };
    return {
      ok: true as const,
      input: {
        workspaceIds: workspaces.filter((w) => targets.has(w.id)).map((w) => w.id),
        // TPM only reaches models billed by tokens; image/video models get the RPM alone.
        grants: models.map((m) => ({ modelId: m.id, rpmLimit: rpmLimit as number | null, tpmLimit: m.tokenMetered ? (tpmLimit as number | null) : null })),
      },
    };
  }, [models, rpm, tpm, targets, workspaces]);

  const run = async (channel: 'modelGrants:bulkPreview' | 'modelGrants:bulkApply') => {
    if (!request.ok) return setErrors(request.errors);
    setBusy(true);
    setErrors({});
    try {
      const plan = await invoke(channel, request.input);
      if (channel === 'modelGrants:bulkPreview') setPreview(plan);
      else {
        setApplied(plan);
        await refreshAfterWorkspaceChange();
      }
    } catch (e) {
      const byField = fieldErrors(e);
      const first = Object.keys(byField)[0];
      setErrors({ form: first?.startsWith('grants.') && first.endsWith('rpmLimit') ? `Requests/min: ${errorMessage(e)}` : first?.endsWith('tpmLimit') ? `Tokens/min: ${errorMessage(e)}` : errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const shown = applied ?? preview;
  return (
    <Modal title="Bulk grant models" open={open} onClose={onClose}>
      {applied ? (
        <p className="form-status form-status--saved" role="status">
          Applied: {applied.totals.added} added, {applied.totals.changed} changed across {applied.workspaces.filter((w) => w.status === 'changes').length} workspaces.
        </p>
      ) : null}
      <fieldset className="bulk-grant__models" disabled={applied !== null}>
        <legend>Models</legend>
        <p>
          {models.length ? `${models.length} model${models.length === 1 ? '' : 's'} chosen: ${models.slice(0, 6).map((m) => m.displayName).join(', ')}${models.length > 6 ? ', …' : ''}` : 'No models chosen yet.'}{' '}
          <button type="button" onClick={() => setPickerOpen(true)}>
            Choose models…
          </button>
        </p>
      </fieldset>
      <div className="form-grid">
        <Field label="Requests/min for each model" error={errors.rpm} hint="Empty: the gateway default">
          <input inputMode="numeric" value={rpm} onChange={(e) => setRpm(e.target.value)} disabled={applied !== null} />
        </Field>
        <Field label="Tokens/min for each token-metered model" error={errors.tpm} hint={hasTokenModels || !models.length ? 'Empty: the gateway default' : 'None of the chosen models is billed by tokens'}>
          <input inputMode="numeric" value={tpm} onChange={(e) => setTpm(e.target.value)} disabled={applied !== null || (models.length > 0 && !hasTokenModels)} />
        </Field>
      </div>
      <fieldset className="bulk-grant__workspaces" disabled={applied !== null}>
        <legend>Workspaces</legend>
        {workspaces.map((w) => (
          <label key={w.id} className="inline-label">
            <input
              type="checkbox"
              checked={targets.has(w.id)}
              onChange={(e) =>
                setTargets((prev) => {
                  const next = new Set(prev);
                  if (e.target.checked) next.add(w.id);
                  else next.delete(w.id);
                  return next;
                })
              }
            />
            {w.name}
            {w.isDefault ? ' (default: already calls all models)' : ''}
          </label>
        ))}
      </fieldset>
      {shown ? (
        <section aria-label={applied ? 'Bulk grant result' : 'Bulk grant preview'} className="bulk-grant__preview">
          {shown.workspaces.map((w) => (
            <div key={w.workspaceId} aria-label={`Changes for ${w.workspaceName}`} role="group">
              <h4>
                {w.workspaceName}:{' '}
                {w.status === 'skipped' ? `skipped — ${w.reason}` : w.status === 'unchanged' ? 'nothing to change' : `${w.added.length} to add, ${w.changed.length} to change`}
              </h4>
              <ul>
                {w.added.map((a) => (
                  <li key={a.modelId}>
                    Add {a.displayName} ({limitsText(a.after)})
                  </li>
                ))}
                {w.changed.map((c) => (
                  <li key={c.modelId}>
                    Change {c.displayName}: {limitsText(c.before)} → {limitsText(c.after)}
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </section>
      ) : null}
      <p className="form-error" role={errors.form ? 'alert' : undefined}>
        {errors.form ?? ''}
      </p>
      <div className="modal__actions">
        <button type="button" onClick={onClose}>
          {applied ? 'Close' : 'Cancel'}
        </button>
        {applied ? null : (
          <>
            <button type="button" disabled={busy || !models.length || !targets.size} onClick={() => void run('modelGrants:bulkPreview')}>
              Preview changes
            </button>
            <button type="button" className="primary" disabled={busy || !preview || preview.totals.added + preview.totals.changed === 0} onClick={() => void run('modelGrants:bulkApply')}>
              Apply to {targets.size} workspace{targets.size === 1 ? '' : 's'}
            </button>
          </>
        )}
      </div>
      <ModelSelectionDialog
        open={pickerOpen}
        title="Choose models to grant"
        grantedIds={NO_IDS}
        onClose={() => setPickerOpen(false)}
        onConfirm={(picked) => {
          setModels(picked);
          setPickerOpen(false);
        }}
      />
    </Modal>
  );
}
