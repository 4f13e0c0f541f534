/** Workspace rules shared by the core (enforcement) and the renderer (hints, form limits). */
export const WORKSPACE_NAME_MAX = 30;
export const WORKSPACE_DESCRIPTION_MAX = 500;
/** Letters and digits of any script, spaces and a few separators; no control characters. */
export const WORKSPACE_NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.\-()]*$/u;

export const ENVIRONMENTS = [
  { id: 'production', label: 'Production' },
  { id: 'staging', label: 'Staging' },
  { id: 'sandbox', label: 'Sandbox' },
] as const;
export type Environment = (typeof ENVIRONMENTS)[number]['id'];

/** Data-driven: add a region here and every door, filter and form picks it up. */
export const REGIONS = [
  { id: 'global', label: 'Global' },
  { id: 'us', label: 'US' },
  { id: 'eu', label: 'EU' },
  { id: 'rw', label: 'Rwanda' },
] as const;
export type Region = (typeof REGIONS)[number]['id'];

export const WORKSPACE_STATUSES = [
  { id: 'active', label: 'Active' },
  { id: 'review', label: 'Review' },
] as const;
export type WorkspaceStatus = (typeof WORKSPACE_STATUSES)[number]['id'];

export const WORKSPACE_SORT_FIELDS = [
  'name',
  'id',
  'environment',
  'region',
  'status',
  'owner',
  'monthlyBudgetMinor',
  'keyCount',
  'createdAt',
  'updatedAt',
] as const;
export type WorkspaceSortField = (typeof WORKSPACE_SORT_FIELDS)[number];

/** Case-insensitive, Unicode-aware key used for the uniqueness rule. */
export function workspaceNameKey(name: string): string {
  return name.trim().normalize('NFKC').toLowerCase();
}

export function labelOf<T extends { id: string; label: string }>(list: readonly T[], id: string): string {
  return list.find((entry) => entry.id === id)?.label ?? id;
}
