import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange } from '../../stores/app-store';
import { WorkspaceMembersSection } from '../members/WorkspaceMembersSection';
import { ModelPermissionSection } from '../models/ModelPermissionSection';
import { ProviderAccessSection } from '../provider-keys/ProviderAccessSection';
import { WorkspaceGuardrailsSection } from '../guardrails/WorkspaceGuardrailsSection';
import { WorkspaceRoutesSection } from '../routing/WorkspaceRoutesSection';
import { BudgetSection } from '../usage/BudgetSection';
import { WORKSPACE_SECTIONS, type WorkspaceSectionId } from './workspace-sections';
import { formFromWorkspace, formToInput, WorkspaceFields, type WorkspaceFormValues } from './workspace-form';
import { formatDateTime } from '../../lib/format';

interface Props {
  workspace: Workspace;
  /** The section the URL names; brought into view and focused when it changes. */
  section: WorkspaceSectionId | null;
  onSectionChange: (section: WorkspaceSectionId) => void;
  onDirtyChange: (dirty: boolean) => void;
  onRequestClose: () => void;
  onRequestDelete: (ws: Workspace) => void;
}

function sameForm(a: WorkspaceFormValues, b: WorkspaceFormValues): boolean {
  return (Object.keys(a) as (keyof WorkspaceFormValues)[]).every((k) => a[k] === b[k]);
}

export function WorkspaceEditPanel({ workspace, section, onSectionChange, onDirtyChange, onRequestClose, onRequestDelete }: Props) {
  const [values, setValues] = useState(() => formFromWorkspace(workspace));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'error' | 'saved'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const [copied, setCopied] = useState(false);
  const original = formFromWorkspace(workspace);
  const formDirty = !sameForm(values, original);
  // Sections with their own Save (model permission, provider access, budget alerts) report edits here.
  const [dirtySections, setDirtySections] = useState<Record<string, boolean>>({});
  const sectionDirty = useCallback(
    (section: string) => (value: boolean) => setDirtySections((prev) => (prev[section] === value ? prev : { ...prev, [section]: value })),
    [],
  );
  const onSectionDirty = useMemo(
    () => ({ models: sectionDirty('models'), providers: sectionDirty('providers'), budget: sectionDirty('budget'), routing: sectionDirty('routing') }),
    [sectionDirty],
  );
  const dirty = formDirty || Object.values(dirtySections).some(Boolean);

  // A different workspace (or a newer version of this one) resets the form.
  useEffect(() => {
    setValues(formFromWorkspace(workspace));
    setErrors({});
  }, [workspace.id, workspace.version]);
  useEffect(() => setDirtySections({}), [workspace.id]);

  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);

  useEffect(() => {
    if (!dirty) return;
    const guard = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [dirty]);

  const sectionRefs = useRef<Partial<Record<WorkspaceSectionId, HTMLDivElement | null>>>({});
  useEffect(() => {
    if (!section) return;
    const target = sectionRefs.current[section];
    target?.scrollIntoView?.({ block: 'start' });
    target?.focus({ preventScroll: true });
  }, [section]);
  const sectionBox = (id: WorkspaceSectionId) => ({
    ref: (el: HTMLDivElement | null) => {
      sectionRefs.current[id] = el;
    },
    id: `workspace-section-${id}`,
    tabIndex: -1,
    className: 'edit-panel__section',
  });

  const save = async () => {
    const converted = formToInput(values);
    if (!converted.ok) {
      setErrors(converted.errors);
      return;
    }
    const before = formToInput(original);
    const changes: Record<string, unknown> = {};
    if (before.ok) {
      for (const [key, value] of Object.entries(converted.input)) {
        if ((before.input as Record<string, unknown>)[key] !== value) changes[key] = value;
      }
    }
    setSaving(true);
    setStatus(null);
    try {
      await invoke('workspaces:update', { id: workspace.id, expectedVersion: workspace.version, changes });
      setErrors({});
      setStatus({ kind: 'saved', text: 'Changes saved' });
      await refreshAfterWorkspaceChange();
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      setStatus(Object.keys(byField).length ? null : { kind: 'error', text: errorMessage(error) });
    } finally {
      setSaving(false);
    }
  };

  const copyId = async () => {
    try {
      await navigator.clipboard.writeText(workspace.id);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setStatus({ kind: 'error', text: 'Copying is not allowed here; select the ID and copy it by hand.' });
    }
  };

  return (
    <section className="edit-panel" aria-labelledby="edit-panel-title">
      <header className="edit-panel__header">
        <h2 id="edit-panel-title">{workspace.name}</h2>
        <button type="button" className="icon-button" aria-label="Close editor" onClick={onRequestClose}>
          ×
        </button>
      </header>
      <nav className="section-nav" aria-label="Workspace sections">
        <ul>
          {WORKSPACE_SECTIONS.map((s) => (
            <li key={s.id}>
              <a
                href={`#/workspaces/${encodeURIComponent(workspace.id)}/${s.id}`}
                aria-current={section === s.id ? 'location' : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  onSectionChange(s.id);
                }}
              >
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div {...sectionBox('details')}>
      <form
        aria-label="Workspace details"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <h3>Basic info</h3>
        <dl className="facts">
          <div>
            <dt>Workspace ID</dt>
            <dd>
              <code>{workspace.id}</code>{' '}
              <button type="button" className="link-button" onClick={() => void copyId()} aria-label="Copy workspace ID">
                {copied ? 'Copied' : 'Copy'}
              </button>
            </dd>
          </div>
          <div>
            <dt>API keys</dt>
            <dd>
              {workspace.keyCount}/{workspace.keyLimit}
            </dd>
          </div>
          <div>
            <dt>Members</dt>
            <dd>{workspace.memberCount}</dd>
          </div>
          <div>
            <dt>Default</dt>
            <dd>{workspace.isDefault ? 'Yes — cannot be deleted; its keys may call all models' : 'No'}</dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <time dateTime={workspace.updatedAt}>{formatDateTime(workspace.updatedAt)}</time> (version {workspace.version})
            </dd>
          </div>
        </dl>
        <WorkspaceFields values={values} errors={errors} onChange={(patch) => setValues((v) => ({ ...v, ...patch }))} disabled={saving} />
        <p className={`form-status form-status--${status?.kind ?? 'none'}`} role="status">
          {status?.text ?? (formDirty ? 'You have unsaved changes' : '')}
        </p>
        <div className="edit-panel__actions">
          {!workspace.isDefault ? (
            <button type="button" className="danger-outline" onClick={() => onRequestDelete(workspace)}>
              Delete workspace…
            </button>
          ) : null}
          <span className="spacer" />
          <button
            type="button"
            disabled={!formDirty || saving}
            onClick={() => {
              setValues(original);
              setErrors({});
              setStatus(null);
            }}
          >
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!formDirty || saving}>
            {saving ? 'Saving…' : 'Save Changes'}
          </button>
        </div>
      </form>
      </div>
      <div {...sectionBox('members')}>
        <WorkspaceMembersSection workspaceId={workspace.id} />
      </div>
      <div {...sectionBox('models')}>
        <ModelPermissionSection workspace={workspace} onDirtyChange={onSectionDirty.models} />
      </div>
      <div {...sectionBox('providers')}>
        <ProviderAccessSection workspace={workspace} onDirtyChange={onSectionDirty.providers} />
      </div>
      <div {...sectionBox('budget')}>
        <BudgetSection workspace={workspace} onDirtyChange={onSectionDirty.budget} />
      </div>
      <div {...sectionBox('routing')}>
        <WorkspaceRoutesSection workspaceId={workspace.id} onDirtyChange={onSectionDirty.routing} />
      </div>
      <div {...sectionBox('guardrails')}>
        <WorkspaceGuardrailsSection workspaceId={workspace.id} />
      </div>
    </section>
  );
}
