import { useEffect } from 'react';
import { useAppStore, type PageId } from '../../stores/app-store';
import { AuditPage } from '../audit/AuditPage';
import { KeysPage } from '../keys/KeysPage';
import { OverviewPage } from '../overview/OverviewPage';
import { WorkspaceSelect } from '../workspaces/WorkspaceSelect';
import { WorkspacesPage } from '../workspaces/WorkspacesPage';

const NAV: Array<{ id: PageId; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'workspaces', label: 'Workspaces' },
  { id: 'keys', label: 'API Keys' },
  { id: 'audit', label: 'Audit log' },
];

export function AppShell() {
  const { page, goTo, refreshWorkspaces } = useAppStore();
  useEffect(() => {
    void refreshWorkspaces();
  }, [refreshWorkspaces]);

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="sidebar__brand">Gatehouse</div>
        <ul className="sidebar__nav">
          {NAV.map((item) => (
            <li key={item.id}>
              <button type="button" aria-current={page === item.id ? 'page' : undefined} onClick={() => goTo(item.id)}>
                {item.label}
              </button>
            </li>
          ))}
        </ul>
        <div className="sidebar__switcher">
          <WorkspaceSelect label="Switch workspace" compact />
        </div>
      </nav>
      <main className="content">{page === 'overview' ? <OverviewPage /> : page === 'keys' ? <KeysPage /> : page === 'audit' ? <AuditPage /> : <WorkspacesPage />}</main>
    </div>
  );
}
