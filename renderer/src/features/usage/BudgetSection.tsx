import { useCallback, useEffect, useState } from 'react';
import type { BudgetSettings } from '../../../../shared/contract/budget-schemas';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { MAX_THRESHOLDS, type BudgetMode } from '../../../../shared/domain/budget-math';
import { formatMoney } from '../../../../shared/domain/money';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { ThresholdBadges, SpendBar } from '../budgets/BudgetBadges';
import { useBudgetStatus } from '../budgets/budget-status-context';
import '../budgets/budgets.css';

interface Props {
  workspace: Workspace;
  /** Reports unsaved edits so the panel's unsaved-changes guard covers this section too. */
  onDirtyChange: (dirty: boolean) => void;
}

interface Draft {
  thresholds: string[];
  mode: BudgetMode;
}

const draftOf = (s: BudgetSettings): Draft => ({ thresholds: s.thresholds.map(String), mode: s.mode });
const sameDraft = (a: Draft, b: Draft) => a.mode === b.mode && a.thresholds.length === b.thresholds.length && a.thresholds.every((t, i) => t.trim() === b.thresholds[i]);

/** Budget alerts section of the workspace edit panel: thresholds (percent of the monthly budget) and mode. */
export function BudgetSection({ workspace, onDirtyChange }: Props) {
  const [settings, setSettings] = useState<BudgetSettings | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'saved'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const { byWorkspace, refresh } = useBudgetStatus();
  const status = byWorkspace.get(workspace.id);

  const load = useCallback(async () => {
    try {
      const loaded = await invoke('budgets:get', { workspaceId: workspace.id });
      setSettings(loaded);
      setDraft(draftOf(loaded));
    } catch (e) {
      setMessage({ kind: 'error', text: errorMessage(e) });
    }
  }, [workspace.id]);
  useEffect(() => {
    void load();
  }, [load]);

  const dirty = settings !== null && draft !== null && !sameDraft(draft, draftOf(settings));
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  const save = async () => {
    if (!draft || !settings) return;
    const local: Record<string, string> = {};
    const thresholds = draft.thresholds.map((text, i) => {
      const value = Number(text.trim());
      if (!/^\d+$/.test(text.trim())) local[`thresholds.${i}`] = 'Enter a whole percent, e.g. 80';
      return value;
    });
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    setSaving(true);
    setMessage(null);
    try {
      const saved = await invoke('budgets:update', { workspaceId: workspace.id, expectedVersion: settings.version, thresholds, mode: draft.mode });
      setSettings(saved);
      setDraft(draftOf(saved));
      setErrors({});
      setMessage({ kind: 'saved', text: 'Budget alerts saved' });
      refresh();
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      setMessage(Object.keys(byField).length ? null : { kind: 'error', text: errorMessage(e) });
    } finally {
      setSaving(false);
    }
  };

  const update = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const hasBudget = workspace.monthlyBudgetMinor > 0;

  return (
    <section className="budget-section" aria-labelledby={`budget-${workspace.id}`}>
      <h3 id={`budget-${workspace.id}`}>Budget alerts</h3>
      {hasBudget ? (
        status ? (
          <div className="budget-summary">
            <SpendBar status={status} label={`${workspace.name} spend this month`} />
            <p className="budget-list__figures">
              Spent this month: {formatMoney(status.spentMinor, status.currency)} of {formatMoney(status.monthlyBudgetMinor, status.currency)} (
              {status.percentUsed?.toFixed(1)}%) · Month-end forecast: {status.forecastMinor === null ? '—' : formatMoney(status.forecastMinor, status.currency)}
            </p>
            <ThresholdBadges status={status} />
          </div>
        ) : null
      ) : (
        <p className="note">This workspace has no monthly budget. Set one in Basic info above; the thresholds below apply once it has one.</p>
      )}
      {draft === null ? (
        <p aria-busy="true">Loading budget settings…</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset className="budget-mode">
            <legend>Alert thresholds (% of the monthly budget)</legend>
            <div className="threshold-list">
              {draft.thresholds.map((text, i) => (
                <span className="threshold-item" key={i}>
                  <input
                    inputMode="numeric"
                    aria-label={`Threshold ${i + 1} (%)`}
                    value={text}
                    disabled={saving}
                    aria-invalid={errors[`thresholds.${i}`] ? true : undefined}
                    aria-describedby={errors[`thresholds.${i}`] ? `threshold-error-${i}` : undefined}
                    onChange={(e) => update({ thresholds: draft.thresholds.map((t, j) => (j === i ? e.target.value : t)) })}
                  />
                  %
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={`Remove threshold ${i + 1}`}
                    disabled={saving || draft.thresholds.length <= 1}
                    onClick={() => update({ thresholds: draft.thresholds.filter((_t, j) => j !== i) })}
                  >
                    ×
                  </button>
                  {errors[`thresholds.${i}`] ? (
                    <span id={`threshold-error-${i}`} className="field__error" role="alert">
                      {errors[`thresholds.${i}`]}
                    </span>
                  ) : null}
                </span>
              ))}
              <button
                type="button"
                disabled={saving || draft.thresholds.length >= MAX_THRESHOLDS}
                onClick={() => update({ thresholds: [...draft.thresholds, ''] })}
              >
                Add threshold
              </button>
            </div>
            {errors.thresholds ? (
              <p className="field__error" role="alert">
                {errors.thresholds}
              </p>
            ) : null}
          </fieldset>
          <fieldset className="budget-mode">
            <legend>When the budget is used up</legend>
            <label>
              <input type="radio" name={`budget-mode-${workspace.id}`} checked={draft.mode === 'alert'} disabled={saving} onChange={() => update({ mode: 'alert' })} /> Alert only
            </label>
            <label>
              <input type="radio" name={`budget-mode-${workspace.id}`} checked={draft.mode === 'hard'} disabled={saving} onChange={() => update({ mode: 'hard' })} /> Hard limit
              (the gateway refuses requests)
            </label>
          </fieldset>
          <p className={`form-status form-status--${message?.kind ?? 'none'}`} role="status">
            {message?.text ?? (dirty ? 'You have unsaved budget alert changes' : '')}
          </p>
          <div className="edit-panel__actions">
            <span className="spacer" />
            <button
              type="button"
              disabled={!dirty || saving}
              onClick={() => {
                if (settings) setDraft(draftOf(settings));
                setErrors({});
                setMessage(null);
              }}
            >
              Cancel
            </button>
            <button type="submit" className="primary" disabled={!dirty || saving}>
              {saving ? 'Saving…' : 'Save budget alerts'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
