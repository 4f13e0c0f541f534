import { useId, useState } from 'react';
import type { RouteInput, RouteSimulation } from '../../../../shared/contract/routing-schemas';
import { SIMULATED_OUTCOMES, type SimulatedOutcome } from '../../../../shared/domain/routing-rules';
import { errorMessage, invoke } from '../../ipc/client';
import { formatCount } from '../../lib/format';

interface Props {
  workspaceId: string;
  /** The routes as the section shows them (a draft may be unsaved: it is simulated as drafted). */
  routes: RouteInput[];
}

const limitText = (n: number | null) => (n === null ? 'default' : formatCount(n));

/** Offline "what happens if": pick a route and what each model does, see who serves and in which order. */
export function RouteSimulatePanel({ workspaceId, routes }: Props) {
  const headingId = useId();
  const [alias, setAlias] = useState('');
  const [outcomes, setOutcomes] = useState<Record<string, SimulatedOutcome>>({});
  const [result, setResult] = useState<RouteSimulation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const chosen = routes.find((r) => r.alias === alias) ?? routes[0];
  const byAlias = new Map(routes.map((r) => [r.alias, r]));
  // Every model the route can reach, nested aliases expanded (what the scenario can make fail).
  const models: string[] = [];
  const walk = (r: RouteInput | undefined, seen: Set<string>) => {
    if (!r || seen.has(r.alias)) return;
    seen.add(r.alias);
    for (const t of r.targets) {
      if (byAlias.has(t.target)) walk(byAlias.get(t.target), seen);
      else if (t.target && !models.includes(t.target)) models.push(t.target);
    }
  };
  walk(chosen, new Set());

  const run = async () => {
    if (!chosen) return;
    setRunning(true);
    setError(null);
    try {
      const scenario = { outcomes: Object.fromEntries(Object.entries(outcomes).filter(([m, o]) => models.includes(m) && o !== 'ok')) };
      setResult(await invoke('routes:simulate', { workspaceId, alias: chosen.alias, routes, scenario }));
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  if (routes.length === 0) return null;
  return (
    <section className="route-simulate" aria-labelledby={headingId}>
      <h4 id={headingId}>Simulate a request</h4>
      <p className="note">Offline: nothing is sent. Choose what each model does and see which one serves.</p>
      <label>
        Route{' '}
        <select aria-label="Route to simulate" value={chosen?.alias ?? ''} onChange={(e) => setAlias(e.target.value)}>
          {routes.map((r) => (
            <option key={r.alias} value={r.alias}>
              {r.alias || '(no alias yet)'}
            </option>
          ))}
        </select>
      </label>
      <ul className="route-simulate__scenario">
        {models.map((m) => (
          <li key={m}>
            <label>
              {m}{' '}
              <select aria-label={`Outcome for ${m}`} value={outcomes[m] ?? 'ok'} onChange={(e) => setOutcomes((o) => ({ ...o, [m]: e.target.value as SimulatedOutcome }))}>
                {SIMULATED_OUTCOMES.map((o) => (
                  <option key={o.id} value={o.id}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          </li>
        ))}
      </ul>
      <button type="button" onClick={() => void run()} disabled={running || !chosen}>
        {running ? 'Simulating…' : 'Simulate'}
      </button>
      {error ? (
        <p className="field__error" role="alert">
          {error}
        </p>
      ) : null}
      {result ? (
        <div className="route-simulate__result" aria-live="polite">
          <p>
            <strong>{result.summary}</strong>
          </p>
          <ol aria-label="Attempts">
            {result.attempts.map((a) => (
              <li key={a.step}>
                {a.modelId}
                {a.via.length > 1 ? ` (via ${a.via.join(' › ')})` : ''} — {SIMULATED_OUTCOMES.find((o) => o.id === a.outcome)?.label ?? a.outcome}
                {a.retry > 0 ? `, retry ${a.retry}` : ''}: {a.note}
              </li>
            ))}
          </ol>
          {result.shares.length > 0 ? <p>Weighted shares: {result.shares.map((s) => `${s.target} ${s.percent}%`).join(', ')}</p> : null}
          <table className="route-simulate__limits">
            <caption>Rate limits that apply</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Requests/min</th>
                <th scope="col">Tokens/min</th>
              </tr>
            </thead>
            <tbody>
              {result.limits.map((l) => (
                <tr key={l.modelId}>
                  <td>{l.modelId}</td>
                  <td>{limitText(l.rpmLimit)}</td>
                  <td>{limitText(l.tpmLimit)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
