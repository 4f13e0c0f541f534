/**
 * Field-level three-way merge (git diff3 rules) over canonical resource data.
 *
 * Data is flattened one level: top-level fields are paths (`name`), and the entries of a map field
 * (`grants`, `entries`) are paths of their own (`grants.gpt-4o`), so two sides adding or removing
 * different models merge cleanly while the same entry changed two ways is a conflict. An entry's
 * value is atomic (a grant's rpm and tpm travel together).
 */

import { canonicalJson } from '../../../../shared/domain/canonical-json';

export type Json = unknown;
export type Flat = Map<string, Json>;

/** Map fields per resource type: their entries are merged one by one. */
export const MAP_FIELDS: Record<string, readonly string[]> = {
  model_grants: ['grants'],
  provider_access: ['entries'],
  routing: ['routes'],
};

export { canonicalJson };

export const same = (a: Json, b: Json): boolean => (a === undefined || b === undefined ? a === b : canonicalJson(a) === canonicalJson(b));

export function flatten(type: string, data: Record<string, Json> | null | undefined): Flat {
  const flat: Flat = new Map();
  if (!data) return flat;
  const maps = MAP_FIELDS[type] ?? [];
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    if (maps.includes(key) && value !== null && typeof value === 'object') {
      for (const [entry, entryValue] of Object.entries(value as Record<string, Json>)) flat.set(`${key}.${entry}`, entryValue);
    } else {
      flat.set(key, value);
    }
  }
  return flat;
}

export function unflatten(type: string, flat: Flat): Record<string, Json> {
  const out: Record<string, Json> = {};
  const maps = MAP_FIELDS[type] ?? [];
  for (const map of maps) out[map] = {};
  for (const [path, value] of flat) {
    const dot = path.indexOf('.');
    const head = dot < 0 ? path : path.slice(0, dot);
    if (dot >= 0 && maps.includes(head)) (out[head] as Record<string, Json>)[path.slice(dot + 1)] = value;
    else out[path] = value;
  }
  return JSON.parse(canonicalJson(out)) as Record<string, Json>;
}

export type MergeSource = 'unchanged' | 'local' | 'remote' | 'both' | 'conflict';

export interface MergedPath {
  path: string;
  base: Json;
  local: Json;
  remote: Json;
  /** undefined = absent from the result. For a conflict: the local value until resolved. */
  result: Json;
  source: MergeSource;
}

/** Merges every path of the three sides; `undefined` means absent. */
export function diff3(base: Flat, local: Flat, remote: Flat): MergedPath[] {
  const paths = [...new Set([...base.keys(), ...local.keys(), ...remote.keys()])].sort();
  return paths.map((path) => {
    const b = base.get(path);
    const l = local.get(path);
    const r = remote.get(path);
    if (same(l, r)) return { path, base: b, local: l, remote: r, result: l, source: same(l, b) ? 'unchanged' : 'both' };
    if (same(l, b)) return { path, base: b, local: l, remote: r, result: r, source: 'remote' };
    if (same(r, b)) return { path, base: b, local: l, remote: r, result: l, source: 'local' };
    return { path, base: b, local: l, remote: r, result: l, source: 'conflict' };
  });
}
