import { useEffect } from 'react';
import { useAppStore, type PageId } from '../../stores/app-store';
import { AuditPage } from '../audit/AuditPage';
import { KeysPage } from '../keys/KeysPage';
import { MembersPage } from '../members/MembersPage';
import { ModelsPage } from '../models/ModelsPage';
import { ProviderKeysPage } from '../provider-keys/ProviderKeysPage';
import { UsagePage } from '../usage/UsagePage';
import { SettingsPage } from '../settings/SettingsPage';
import { OverviewPage } from '../overview/OverviewPage';
import { WorkspaceSelect } from '../workspaces/WorkspaceSelect';
import { WorkspacesPage } from '../workspaces/WorkspacesPage';

const PAGES: Record<PageId, () => React.ReactNode> = {
  overview: () => <OverviewPage />,
  workspaces: () => <WorkspacesPage />,
  keys: () => <KeysPage />,
  models: () => <ModelsPage />,
  providerKeys: () => <ProviderKeysPage />,
  usage: () => <UsagePage />,
  members: () => <MembersPage />,
  audit: () => <AuditPage />,
  settings: () => <SettingsPage />,
};

const NAV: Array<{ id: PageId; label: string }> = [
  { id: 'overview', label: 'Overview' },
  { id: 'workspaces', label: 'Workspaces' },
  { id: 'keys', label: 'API Keys' },
  { id: 'models', label: 'Models' },
  { id: 'providerKeys', label: 'Provider keys' },
  { id: 'usage', label: 'Usage' },
  { id: 'members', label: 'Members' },
  { id: 'audit', label: 'Audit log' },
  { id: 'settings', label: 'Settings' },
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
      <main className="content">{PAGES[page]()}</main>
    </div>
  );
}
