import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import { FAILOVER_ERRORS, ROUTING_STRATEGIES, type RoutingStrategy } from '../../../../shared/domain/routing-rules';
import { InlineFieldError, SectionMessageLine } from '../../components/FormMessages';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { onCoreEvent } from '../../ipc/events';
import { draftFromRoute, newDraftRoute, sameDrafts, toRouteInputs, type DraftRoute } from './route-draft';
import { RouteSimulatePanel } from './RouteSimulatePanel';
import './routing.css';

interface Props {
  workspaceId: string;
  /** Optional: reports unsaved edits so a surrounding panel can guard them. */
  onDirtyChange?: (dirty: boolean) => void;
}

interface Loaded {
  version: number;
  drafts: DraftRoute[];
  /** Granted model ids (null: the default workspace, every model). */
  granted: string[] | null;
}

/**
 * Model routing section of a workspace: aliases → ordered targets with weights, strategy, retries,
 * timeout and failover errors; saves the whole list at once (the core checks granted targets,
 * loops and RPM capacity and answers per field), plus the offline simulate panel.
 */
export function WorkspaceRoutesSection({ workspaceId, onDirtyChange }: Props) {
  const headingId = useId();
  const listId = useId();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [draft, setDraft] = useState<DraftRoute[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: 'error' | 'saved' | 'ok'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const [routes, grants] = await Promise.all([invoke('routes:list', { workspaceId }), invoke('modelGrants:list', { workspaceId })]);
      const drafts = routes.routes.map(draftFromRoute);
      setLoaded({ version: routes.version, drafts, granted: grants.allModels ? null : grants.items.map((g) => g.modelId) });
      setDraft(drafts);
      setErrors({});
    } catch (e) {
      setMessage({ kind: 'error', text: errorMessage(e) });
    }
  }, [workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);
  // Someone else (another window, a sync pull) saved: reload when nothing is being edited here.
  const dirty = loaded !== null && !sameDrafts(draft, loaded.drafts);
  useEffect(
    () =>
      onCoreEvent('changed', (event) => {
        if (!dirty && event.entities.some((e) => (e.entityType === 'workspace_routes' || e.entityType === 'workspace_model_grants') && e.entityId === workspaceId)) void load();
      }),
    [dirty, load, workspaceId],
  );
  useEffect(() => onDirtyChange?.(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange?.(false), [onDirtyChange]);

  const targetOptions = useMemo(() => [...(loaded?.granted ?? []), ...draft.map((d) => d.alias.trim()).filter(Boolean)], [loaded, draft]);
  const inputs = useMemo(() => toRouteInputs(draft), [draft]);

  const update = (i: number, patch: Partial<DraftRoute>) => setDraft((list) => list.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const updateTarget = (i: number, j: number, patch: Partial<DraftRoute['targets'][number]>) =>
    update(i, { targets: draft[i]!.targets.map((t, k) => (k === j ? { ...t, ...patch } : t)) });

  const submit = async (mode: 'check' | 'save') => {
    if (!loaded) return;
    setMessage(null);
    if (Object.keys(inputs.errors).length > 0) {
      setErrors(inputs.errors);
      return;
    }
    setBusy(true);
    try {
      if (mode === 'check') {
        const { issues } = await invoke('routes:check', { workspaceId, routes: inputs.routes });
        setErrors(Object.fromEntries(issues.map((i) => [i.path, i.message])));
        setMessage(issues.length === 0 ? { kind: 'ok', text: 'No problems found' } : { kind: 'error', text: `${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}; see the marked fields` });
        return;
      }
      const saved = await invoke('routes:save', { workspaceId, expectedVersion: loaded.version, routes: inputs.routes });
      const drafts = saved.routes.map(draftFromRoute);
      setLoaded({ ...loaded, version: saved.version, drafts });
      setDraft(drafts);
      setErrors({});
      setMessage({ kind: 'saved', text: 'Routes saved' });
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      setMessage({ kind: 'error', text: Object.keys(byField).length ? `${Object.keys(byField).length === 1 ? 'A problem' : 'Problems'}: see the marked fields` : errorMessage(e) });
    } finally {
      setBusy(false);
    }
  };

  const err = (path: string) => errors[path];
  const invalid = (path: string) => (errors[path] ? true : undefined);
  const ErrorText = ({ path }: { path: string }) => <InlineFieldError error={errors[path]} />;

  return (
    <section className="routes-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Model routing</h3>
      <p className="note">
        Callers use an alias (e.g. <code>chat-default</code>); the gateway sends the request to the targets in order of the strategy and fails over on the errors you pick.
        Targets are models granted to this workspace or other aliases.
      </p>
      {loaded === null ? (
        <p aria-busy="true">Loading routes…</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit('save');
          }}
        >
          <datalist id={listId}>
            {targetOptions.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          {draft.length === 0 ? <p>No routes yet.</p> : null}
          {draft.map((d, i) => {
            const name = d.alias.trim() || `route ${i + 1}`;
            return (
              <fieldset key={d.key} className="route-card">
                <legend>{name}</legend>
                <div className="route-card__row">
                  <label>
                    Alias
                    <input aria-label={`Alias of ${name}`} value={d.alias} disabled={busy} aria-invalid={invalid(`routes.${i}.alias`)} onChange={(e) => update(i, { alias: e.target.value })} />
                    <ErrorText path={`routes.${i}.alias`} />
                  </label>
                  <label>
                    Strategy
                    <select aria-label={`Strategy of ${name}`} value={d.strategy} disabled={busy} onChange={(e) => update(i, { strategy: e.target.value as RoutingStrategy })}>
                      {ROUTING_STRATEGIES.map((s) => (
                        <option key={s.id} value={s.id}>
                          {s.label}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="button" className="link-button" disabled={busy} onClick={() => setDraft((list) => list.filter((_d, j) => j !== i))}>
                    Remove route {name}
                  </button>
                </div>
                <table className="route-targets">
                  <caption>Targets, tried in this order{d.strategy === 'priority' ? '' : ' when tied'}</caption>
                  <thead>
                    <tr>
                      <th scope="col">#</th>
                      <th scope="col">Model or alias</th>
                      <th scope="col">Weight</th>
                      <th scope="col">
                        <span className="visually-hidden">Actions</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.targets.map((t, j) => (
                      <tr key={j}>
                        <td>{j + 1}</td>
                        <td>
                          <input
                            list={listId}
                            aria-label={`Target ${j + 1} of ${name}`}
                            value={t.target}
                            disabled={busy}
                            aria-invalid={invalid(`routes.${i}.targets.${j}.target`)}
                            onChange={(e) => updateTarget(i, j, { target: e.target.value })}
                          />
                          <ErrorText path={`routes.${i}.targets.${j}.target`} />
                        </td>
                        <td>
                          <input
                            inputMode="numeric"
                            className="route-targets__weight"
                            aria-label={`Weight of target ${j + 1} of ${name}`}
                            value={t.weight}
                            disabled={busy}
                            aria-invalid={invalid(`routes.${i}.targets.${j}.weight`)}
                            onChange={(e) => updateTarget(i, j, { weight: e.target.value })}
                          />
                          <ErrorText path={`routes.${i}.targets.${j}.weight`} />
                        </td>
                        <td>
                          <button
                            type="button"
                            className="icon-button"
                            aria-label={`Move target ${j + 1} of ${name} up`}
                            disabled={busy || j === 0}
                            onClick={() => {
                              const next = [...d.targets];
                              [next[j - 1], next[j]] = [next[j]!, next[j - 1]!];
                              update(i, { targets: next });
                            }}
                          >
                            ↑
                          </button>
                          <button type="button" className="icon-button" aria-label={`Remove target ${j + 1} of ${name}`} disabled={busy} onClick={() => update(i, { targets: d.targets.filter((_t, k) => k !== j) })}>
                            ×
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <ErrorText path={`routes.${i}.targets`} />
                <button type="button" className="link-button" disabled={busy} onClick={() => update(i, { targets: [...d.targets, { target: '', weight: '1' }] })}>
                  Add target to {name}
                </button>
                <div className="route-card__row">
                  <label>
                    Retries per target
                    <input inputMode="numeric" aria-label={`Retries of ${name}`} value={d.retries} disabled={busy} aria-invalid={invalid(`routes.${i}.retries`)} onChange={(e) => update(i, { retries: e.target.value })} />
                    <ErrorText path={`routes.${i}.retries`} />
                  </label>
                  <label>
                    Timeout (s)
                    <input inputMode="decimal" aria-label={`Timeout of ${name} (seconds)`} value={d.timeoutSeconds} disabled={busy} aria-invalid={invalid(`routes.${i}.timeoutMs`)} onChange={(e) => update(i, { timeoutSeconds: e.target.value })} />
                    <ErrorText path={`routes.${i}.timeoutMs`} />
                  </label>
                  <label>
                    Expected requests/min
                    <input
                      inputMode="numeric"
                      placeholder="not stated"
                      aria-label={`Expected requests per minute of ${name}`}
                      value={d.expectedRpm}
                      disabled={busy}
                      aria-invalid={invalid(`routes.${i}.expectedRpm`)}
                      onChange={(e) => update(i, { expectedRpm: e.target.value })}
                    />
                    <ErrorText path={`routes.${i}.expectedRpm`} />
                  </label>
                </div>
                <fieldset className="route-card__failover">
                  <legend>Fail over on</legend>
                  {FAILOVER_ERRORS.map((f) => (
                    <label key={f.id}>
                      <input
                        type="checkbox"
                        checked={d.failoverOn.includes(f.id)}
                        disabled={busy}
                        onChange={(e) => update(i, { failoverOn: e.target.checked ? [...d.failoverOn, f.id] : d.failoverOn.filter((x) => x !== f.id) })}
                      />
                      {f.label}
                    </label>
                  ))}
                </fieldset>
                {err(`routes.${i}`) ? <ErrorText path={`routes.${i}`} /> : null}
              </fieldset>
            );
          })}
          <div className="routes-section__actions">
            <button type="button" disabled={busy} onClick={() => setDraft((list) => [...list, newDraftRoute(loaded.granted?.[0])])}>
              Add route
            </button>
            <button type="button" disabled={busy} onClick={() => void submit('check')}>
              Check
            </button>
            <button type="submit" disabled={busy || !dirty}>
              {busy ? 'Saving…' : 'Save routes'}
            </button>
            {dirty ? (
              <button type="button" className="link-button" disabled={busy} onClick={() => {
                setDraft(loaded.drafts);
                setErrors({});
                setMessage(null);
              }}>
                Discard changes
              </button>
            ) : null}
          </div>
          <SectionMessageLine message={message} />
          <RouteSimulatePanel workspaceId={workspaceId} routes={inputs.routes} />
        </form>
      )}
    </section>
  );
}
