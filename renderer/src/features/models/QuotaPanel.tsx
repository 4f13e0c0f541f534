import { useCallback, useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { LimitWarning } from '../../../../shared/contract/model-schemas';
import { formatLimit } from '../../../../shared/domain/model-rules';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { parseLimit } from './grant-draft';

type Quota = ChannelOutput<'models:listQuotas'>['items'][number];

/** Account-level tokens/min quotas per model, and the offline limit check across every workspace. */
export function QuotaPanel() {
  const [quotas, setQuotas] = useState<Quota[]>([]);
  const [modelId, setModelId] = useState('');
  const [quota, setQuota] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [removing, setRemoving] = useState<Quota | null>(null);
  const [check, setCheck] = useState<{ warnings: LimitWarning[]; truncated: boolean } | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(async () => setQuotas((await invoke('models:listQuotas', {})).items), []);
  useEffect(() => {
    load().catch((e: unknown) => setMessage(errorMessage(e)));
  }, [load]);

  const setOrRemove = async (id: string, tpmQuota: number | null) => {
    setMessage(null);
    try {
      setQuotas((await invoke('models:setQuota', { modelId: id, tpmQuota })).items);
      setErrors({});
      setCheck(null);
      return true;
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(Object.keys(byField).length ? byField : { form: errorMessage(e) });
      return false;
    }
  };

  const submit = async () => {
    const parsed = parseLimit(quota);
    if (parsed === 'bad' || parsed === null) return setErrors({ tpmQuota: 'Enter a whole number of tokens per minute' });
    if (await setOrRemove(modelId.trim().toLowerCase(), parsed)) {
      setModelId('');
      setQuota('');
    }
  };

  return (
    <section className="card quota-panel" aria-labelledby="quota-title">
      <h2 id="quota-title">Account quotas and limit check</h2>
      <p className="page__subtitle">A quota caps the tokens/min your account may use on a model; the check warns when the workspaces’ granted TPMs add up to more.</p>
      {quotas.length ? (
        <table className="data-table" aria-label="Model quotas">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Quota (TPM)</th>
              <th scope="col">Granted across workspaces</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {quotas.map((q) => (
              <tr key={q.modelId}>
                <td>
                  {q.displayName} <code className="model-id">{q.modelId}</code>
                </td>
                <td className="num">{formatLimit(q.tpmQuota)}</td>
                <td className={`num${q.grantedTpm > q.tpmQuota ? ' over-quota' : ''}`}>{formatLimit(q.grantedTpm)}</td>
                <td>
                  <button type="button" className="link-button" aria-label={`Remove quota for ${q.displayName}`} onClick={() => setRemoving(q)}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No quotas yet. Add one below with the model’s ID (shown on each catalog row).</p>
      )}
      <form
        className="quota-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field label="Model ID" error={errors.modelId}>
          <input value={modelId} onChange={(e) => setModelId(e.target.value)} placeholder="e.g. qwen3.7-max" />
        </Field>
        <Field label="Tokens/min quota" error={errors.tpmQuota}>
          <input inputMode="numeric" value={quota} onChange={(e) => setQuota(e.target.value)} />
        </Field>
        <button type="submit" disabled={!modelId.trim() || !quota.trim()}>
          Set quota
        </button>
      </form>
      <p className="form-error" role={errors.form || message ? 'alert' : undefined}>
        {errors.form ?? message ?? ''}
      </p>
      <div className="quota-panel__check">
        <button
          type="button"
          onClick={() =>
            void invoke('models:checkLimits', {})
              .then(setCheck)
              .catch((e: unknown) => setMessage(errorMessage(e)))
          }
        >
          Check limits in all workspaces
        </button>
        {check ? (
          check.warnings.length ? (
            <ul className="limit-warnings" aria-label="Limit check results">
              {check.warnings.map((w, i) => (
                <li key={`${w.code}-${w.workspaceId}-${w.modelId}-${w.keyId}-${i}`} className={`limit-warnings__item limit-warnings__item--${w.severity}`}>
                  <strong>{w.severity === 'error' ? 'Error' : 'Warning'}:</strong> {w.message}
                </li>
              ))}
              {check.truncated ? <li>More problems exist; fix these first and check again.</li> : null}
            </ul>
          ) : (
            <p role="status">No problems found: every limit is consistent.</p>
          )
        ) : null}
      </div>
      <Modal title={`Remove the quota for ${removing?.displayName ?? ''}?`} alert open={removing !== null} onClose={() => setRemoving(null)}>
        <p>Workspaces keep their limits; the check will no longer compare them with a quota.</p>
        <div className="modal__actions">
          <button type="button" onClick={() => setRemoving(null)}>
            Keep quota
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              const target = removing;
              setRemoving(null);
              if (target) void setOrRemove(target.modelId, null);
            }}
          >
            Remove quota
          </button>
        </div>
      </Modal>
    </section>
  );
}
