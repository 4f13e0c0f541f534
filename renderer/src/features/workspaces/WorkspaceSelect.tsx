import { useId, useState } from 'react';
import { errorMessage } from '../../ipc/client';
import { useAppStore } from '../../stores/app-store';

/** The active-workspace picker; the sidebar switcher and the Workspaces page both use it. */
export function WorkspaceSelect({ label, compact = false }: { label: string; compact?: boolean }) {
  const { allWorkspaces, active, setActiveWorkspace } = useAppStore();
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  return (
    <div className={`workspace-select${compact ? ' workspace-select--compact' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={active?.id ?? ''}
        onChange={(e) => {
          setError(null);
          setActiveWorkspace(e.target.value).catch((err: unknown) => setError(errorMessage(err)));
        }}
      >
        {allWorkspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      {error ? <p role="alert" className="field__error">{error}</p> : null}
    </div>
  );
}
