import { useCallback, useEffect, useId, useState } from 'react';
import type { GuardrailEvaluationOutput, GuardrailSettings } from '../../../../shared/contract/guardrail-schemas';
import { GUARDRAIL_DIRECTIONS, PII_ACTIONS, PII_TYPES, type GuardrailDirection, type GuardrailPolicy, type PiiAction } from '../../../../shared/domain/guardrail-rules';
import { InlineFieldError, SectionMessageLine } from '../../components/FormMessages';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import './guardrails.css';

interface Props {
  /** Omit for the org-level defaults. */
  workspaceId?: string;
}

const tokensText = (n: number | null) => (n === null ? '' : String(n));

function DirectionSelect({ label, value, onChange, disabled }: { label: string; value: GuardrailDirection; onChange: (d: GuardrailDirection) => void; disabled: boolean }) {
  return (
    <select aria-label={label} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as GuardrailDirection)}>
      {GUARDRAIL_DIRECTIONS.map((d) => (
        <option key={d.id} value={d.id}>
          {d.label}
        </option>
      ))}
    </select>
  );
}

/**
 * Guardrails of a workspace (or the org defaults): PII per type, blocked terms and patterns,
 * token limits, gateway-enforced checks, and the offline test box. Patterns are checked for
 * catastrophic backtracking by the core before they are saved.
 */
export function WorkspaceGuardrailsSection({ workspaceId }: Props) {
  const headingId = useId();
  const [settings, setSettings] = useState<GuardrailSettings | null>(null);
  const [inherits, setInherits] = useState(false);
  const [draft, setDraft] = useState<GuardrailPolicy | null>(null);
  const [terms, setTerms] = useState('');
  const [maxIn, setMaxIn] = useState('');
  const [maxOut, setMaxOut] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'saved'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [testText, setTestText] = useState('');
  const [testDirection, setTestDirection] = useState<GuardrailDirection>('input');
  const [results, setResults] = useState<GuardrailEvaluationOutput[] | null>(null);
  const [testError, setTestError] = useState<string | null>(null);

  const adopt = (s: GuardrailSettings) => {
    setSettings(s);
    setInherits(s.inherits);
    const p = structuredClone(s.effective) as GuardrailPolicy;
    setDraft(p);
    setTerms(p.blockedTerms.terms.join('\n'));
    setMaxIn(tokensText(p.maxInputTokens));
    setMaxOut(tokensText(p.maxOutputTokens));
  };
  const load = useCallback(async () => {
    try {
      adopt(await invoke('guardrails:get', workspaceId ? { workspaceId } : {}));
    } catch (e) {
      setMessage({ kind: 'error', text: errorMessage(e) });
    }
  }, [workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);

  /** The draft as a policy, or the form's own field errors (token limits that are not numbers). */
  const composed = (): { policy: GuardrailPolicy | null; local: Record<string, string> } => {
    if (!draft) return { policy: null, local: {} };
    const local: Record<string, string> = {};
    const tokens = (text: string, path: string) => {
      if (text.trim() === '') return null;
      if (!/^\d+$/.test(text.trim())) local[path] = 'Enter a whole number of tokens, or leave empty for no limit';
      return Number(text.trim());
    };
    const policy: GuardrailPolicy = {
      ...draft,
      blockedTerms: { ...draft.blockedTerms, terms: terms.split('\n').map((t) => t.trim()).filter(Boolean) },
      maxInputTokens: tokens(maxIn, 'policy.maxInputTokens'),
      maxOutputTokens: tokens(maxOut, 'policy.maxOutputTokens'),
    };
    return { policy, local };
  };

  const save = async () => {
    const { policy, local } = composed();
    if (!settings || !policy) return;
    if (Object.keys(local).length) {
      setErrors(local);
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const saved = await invoke('guardrails:save', {
        ...(workspaceId ? { workspaceId } : {}),
        expectedVersion: settings.version,
        inherits,
        ...(inherits ? {} : { policy }),
      });
      adopt(saved);
      setErrors({});
      setMessage({ kind: 'saved', text: 'Guardrails saved' });
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      setMessage({ kind: 'error', text: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const runTest = async () => {
    const { policy, local } = composed();
    if (!policy || Object.keys(local).length) {
      setErrors(local);
      return;
    }
    setTestError(null);
    try {
      const r = await invoke('guardrails:test', { ...(workspaceId ? { workspaceId } : {}), ...(inherits ? {} : { policy }), text: testText, direction: testDirection });
      setResults(r.evaluations);
    } catch (e) {
      setResults(null);
      setTestError(errorMessage(e));
      setErrors(fieldErrors(e));
    }
  };

  const update = (patch: Partial<GuardrailPolicy>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const locked = busy || inherits;
  const ErrorText = ({ path }: { path: string }) => <InlineFieldError error={errors[path]} />;

  return (
    <section className="guardrails-section" aria-labelledby={headingId}>
      <h3 id={headingId}>{workspaceId ? 'Guardrails' : 'Guardrail defaults (organisation)'}</h3>
      {draft === null || settings === null ? (
        <p aria-busy="true">Loading guardrails…</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {workspaceId ? (
            <label className="guardrails-inherit">
              <input type="checkbox" checked={inherits} disabled={busy} onChange={(e) => setInherits(e.target.checked)} /> Use the organisation defaults
            </label>
          ) : null}
          <fieldset className="guardrails-group" disabled={locked}>
            <legend>PII detection</legend>
            <DirectionSelect label="PII checks run on" value={draft.pii.direction} disabled={locked} onChange={(direction) => update({ pii: { ...draft.pii, direction } })} />
            <div className="guardrails-pii">
              {PII_TYPES.map((t) => (
                <label key={t.id}>
                  {t.label}
                  <select
                    aria-label={`Action for ${t.label}`}
                    value={draft.pii.actions[t.id]}
                    onChange={(e) => update({ pii: { ...draft.pii, actions: { ...draft.pii.actions, [t.id]: e.target.value as PiiAction } } })}
                  >
                    {PII_ACTIONS.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.label}
                      </option>
                    ))}
                  </select>
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset className="guardrails-group" disabled={locked}>
            <legend>Blocked terms</legend>
            <DirectionSelect label="Blocked terms apply to" value={draft.blockedTerms.direction} disabled={locked} onChange={(direction) => update({ blockedTerms: { ...draft.blockedTerms, direction } })} />
            <textarea aria-label="Blocked terms, one per line" rows={3} value={terms} onChange={(e) => setTerms(e.target.value)} />
            {Object.keys(errors)
              .filter((k) => k.startsWith('policy.blockedTerms.terms.'))
              .map((k) => (
                <ErrorText key={k} path={k} />
              ))}
          </fieldset>
          <fieldset className="guardrails-group" disabled={locked}>
            <legend>Blocked patterns (regular expressions)</legend>
            <DirectionSelect label="Blocked patterns apply to" value={draft.blockedPatterns.direction} disabled={locked} onChange={(direction) => update({ blockedPatterns: { ...draft.blockedPatterns, direction } })} />
            {draft.blockedPatterns.patterns.map((p, i) => (
              <div className="guardrails-pattern" key={i}>
                <input aria-label={`Name of pattern ${i + 1}`} value={p.name} onChange={(e) => update({ blockedPatterns: { ...draft.blockedPatterns, patterns: draft.blockedPatterns.patterns.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) } })} />
                <input
                  aria-label={`Pattern ${i + 1}`}
                  className="guardrails-pattern__regex"
                  value={p.pattern}
                  aria-invalid={errors[`policy.blockedPatterns.patterns.${i}.pattern`] ? true : undefined}
                  onChange={(e) => update({ blockedPatterns: { ...draft.blockedPatterns, patterns: draft.blockedPatterns.patterns.map((x, j) => (j === i ? { ...x, pattern: e.target.value } : x)) } })}
                />
                <label>
                  <input
                    type="checkbox"
                    checked={p.ignoreCase}
                    onChange={(e) => update({ blockedPatterns: { ...draft.blockedPatterns, patterns: draft.blockedPatterns.patterns.map((x, j) => (j === i ? { ...x, ignoreCase: e.target.checked } : x)) } })}
                  />{' '}
                  Ignore case
                </label>
                <button type="button" className="icon-button" aria-label={`Remove pattern ${i + 1}`} onClick={() => update({ blockedPatterns: { ...draft.blockedPatterns, patterns: draft.blockedPatterns.patterns.filter((_x, j) => j !== i) } })}>
                  ×
                </button>
                <ErrorText path={`policy.blockedPatterns.patterns.${i}.pattern`} />
                <ErrorText path={`policy.blockedPatterns.patterns.${i}.name`} />
              </div>
            ))}
            <button type="button" className="link-button" onClick={() => update({ blockedPatterns: { ...draft.blockedPatterns, patterns: [...draft.blockedPatterns.patterns, { name: `pattern-${draft.blockedPatterns.patterns.length + 1}`, pattern: '', ignoreCase: true }] } })}>
              Add pattern
            </button>
          </fieldset>
          <fieldset className="guardrails-group" disabled={locked}>
            <legend>Limits and gateway checks</legend>
            <label>
              Max input tokens <input inputMode="numeric" placeholder="no limit" value={maxIn} onChange={(e) => setMaxIn(e.target.value)} aria-invalid={errors['policy.maxInputTokens'] ? true : undefined} />
            </label>
            <ErrorText path="policy.maxInputTokens" />
            <label>
              Max output tokens <input inputMode="numeric" placeholder="no limit" value={maxOut} onChange={(e) => setMaxOut(e.target.value)} aria-invalid={errors['policy.maxOutputTokens'] ? true : undefined} />
            </label>
            <ErrorText path="policy.maxOutputTokens" />
            <label>
              <input type="checkbox" checked={draft.moderation.enabled} onChange={(e) => update({ moderation: { ...draft.moderation, enabled: e.target.checked } })} /> Moderation check (enforced by the gateway)
            </label>
            <label>
              <input type="checkbox" checked={draft.promptInjection.enabled} onChange={(e) => update({ promptInjection: { enabled: e.target.checked } })} /> Prompt-injection check (enforced by the gateway, input)
            </label>
          </fieldset>
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save guardrails'}
          </button>
          <SectionMessageLine message={message} />

          <section className="guardrails-test" aria-label="Test box">
            <h4>Test a prompt</h4>
            <p className="note">Offline: runs the policy above on this text; patterns have a time limit. Nothing is sent or stored.</p>
            <textarea aria-label="Text to test" rows={4} value={testText} onChange={(e) => setTestText(e.target.value)} />
            <DirectionSelect label="Test as" value={testDirection} disabled={false} onChange={setTestDirection} />
            <button type="button" onClick={() => void runTest()}>
              Run test
            </button>
            {testError ? (
              <p className="field__error" role="alert">
                {testError}
              </p>
            ) : null}
            {results?.map((r) => (
              <div key={r.direction} className={`guardrails-result guardrails-result--${r.verdict}`} aria-label={`Result for ${r.direction}`} role="group">
                <p>
                  <strong>
                    {r.direction === 'input' ? 'Input' : 'Output'}: {r.verdict === 'allow' ? 'allowed' : r.verdict === 'redact' ? 'redacted' : 'blocked'}
                  </strong>{' '}
                  (about {r.estimatedTokens} tokens)
                </p>
                {r.verdict === 'redact' ? <pre aria-label={`Redacted ${r.direction}`}>{r.redactedText}</pre> : null}
                <ul aria-label={`Matched rules for ${r.direction}`}>
                  {r.findings.map((f, i) => (
                    <li key={i}>
                      {f.label} — {f.action}
                      {f.excerpt ? ` (${f.excerpt})` : ''}
                    </li>
                  ))}
                  {r.gatewayChecks.map((g) => (
                    <li key={g}>{g}</li>
                  ))}
                  {r.timedOut.map((name) => (
                    <li key={name}>Pattern “{name}” did not finish in time</li>
                  ))}
                </ul>
              </div>
            ))}
          </section>
        </form>
      )}
    </section>
  );
}
