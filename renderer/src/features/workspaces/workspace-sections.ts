/**
 * The sections of a workspace's editor, each with its own URL: #/workspaces/<id>/<section>.
 * The editor shows them together; the URL says which one to bring into view.
 */
export const WORKSPACE_SECTIONS = [
  { id: 'details', label: 'Details' },
  { id: 'members', label: 'Members' },
  { id: 'models', label: 'Model permission' },
  { id: 'providers', label: 'Provider access' },
  { id: 'budget', label: 'Budget' },
  { id: 'routing', label: 'Routing' },
  { id: 'guardrails', label: 'Guardrails' },
] as const;

export type WorkspaceSectionId = (typeof WORKSPACE_SECTIONS)[number]['id'];

export function isWorkspaceSection(value: string | undefined): value is WorkspaceSectionId {
  return WORKSPACE_SECTIONS.some((s) => s.id === value);
}
