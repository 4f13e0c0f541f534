import type { RouteInput } from '../../../shared/contract/routing-schemas';
import { DEFAULT_ROUTE } from '../../../shared/domain/routing-rules';

/** A route as `routes:save` takes it, for tests: DEFAULT_ROUTE's settings, each target weighted 1, `extra` on top. */
export function routeFixture(alias: string, targets: string[], extra: Partial<RouteInput> = {}): RouteInput {
  return { alias, ...DEFAULT_ROUTE, targets: targets.map((target) => ({ target, weight: 1 })), ...extra };
}
