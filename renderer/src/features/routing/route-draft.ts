import type { RouteInput } from '../../../../shared/contract/routing-schemas';
import { DEFAULT_ROUTE, type FailoverError, type Route, type RoutingStrategy } from '../../../../shared/domain/routing-rules';

/** A route as the section edits it: numbers stay text until Save, so a half-typed value is not lost. */
export interface DraftRoute {
  key: number;
  alias: string;
  strategy: RoutingStrategy;
  targets: { target: string; weight: string }[];
  retries: string;
  timeoutSeconds: string;
  failoverOn: FailoverError[];
  expectedRpm: string;
}

let nextKey = 1;
export const draftFromRoute = (r: Route): DraftRoute => ({
  key: nextKey++,
  alias: r.alias,
  strategy: r.strategy,
  targets: r.targets.map((t) => ({ target: t.target, weight: String(t.weight) })),
  retries: String(r.retries),
  timeoutSeconds: String(r.timeoutMs / 1000),
  failoverOn: [...r.failoverOn],
  expectedRpm: r.expectedRpm === null ? '' : String(r.expectedRpm),
});

export const newDraftRoute = (firstTarget: string | undefined): DraftRoute =>
  draftFromRoute({ ...DEFAULT_ROUTE, alias: '', targets: firstTarget ? [{ target: firstTarget, weight: 1 }] : [] });

const wholeNumber = (text: string): number | null => (/^-?\d+$/.test(text.trim()) ? Number(text.trim()) : null);

/**
 * The draft as route inputs, plus the problems only the form can see (text that is not a number),
 * keyed by the same paths the core uses (`routes.0.retries`).
 */
export function toRouteInputs(draft: readonly DraftRoute[]): { routes: RouteInput[]; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const routes = draft.map((d, i) => {
    const number = (text: string, path: string, what: string) => {
      const value = wholeNumber(text);
      if (value === null) errors[`routes.${i}.${path}`] = `${what} must be a whole number`;
      return value ?? 0;
    };
    const seconds = Number(d.timeoutSeconds.trim());
    if (!/^\d+(\.\d+)?$/.test(d.timeoutSeconds.trim())) errors[`routes.${i}.timeoutMs`] = 'Timeout must be a number of seconds';
    return {
      alias: d.alias.trim(),
      strategy: d.strategy,
      targets: d.targets.map((t, j) => ({ target: t.target.trim(), weight: number(t.weight, `targets.${j}.weight`, 'Weight') })),
      retries: number(d.retries, 'retries', 'Retries'),
      timeoutMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
      failoverOn: d.failoverOn,
      expectedRpm: d.expectedRpm.trim() === '' ? null : number(d.expectedRpm, 'expectedRpm', 'Expected requests/min'),
    };
  });
  return { routes, errors };
}

/** Same content (keys aside): what "unsaved changes" compares. */
export function sameDrafts(a: readonly DraftRoute[], b: readonly DraftRoute[]): boolean {
  const strip = (list: readonly DraftRoute[]) => JSON.stringify(list.map(({ key: _key, ...rest }) => rest));
  return strip(a) === strip(b);
}
