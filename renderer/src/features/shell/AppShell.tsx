import { useEffect, useState } from 'react';
import type { StoreHealth } from '../../../../shared/contract/app-schemas';
import { invoke } from '../../ipc/client';
import { TOKEN_MESSAGE, useConnection } from '../../ipc/connection-store';
import { onResync } from '../../ipc/events';
import { useAppStore, type PageId } from '../../stores/app-store';
import { startDataVersionFeed, useDataVersion } from '../../stores/data-versions';
import { AuditPage } from '../audit/AuditPage';
import { KeysPage } from '../keys/KeysPage';
import { MembersPage } from '../members/MembersPage';
import { ModelsPage } from '../models/ModelsPage';
import { ProviderKeysPage } from '../provider-keys/ProviderKeysPage';
import { UsagePage } from '../usage/UsagePage';
import { SettingsPage } from '../settings/SettingsPage';
import { badgeText, syncNavName, usePendingSyncChanges } from '../sync/sync-status';
import { SyncPage } from '../sync/SyncPage';
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
  sync: () => <SyncPage />,
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
  { id: 'sync', label: 'Sync' },
  { id: 'settings', label: 'Settings' },
];

/** The store's health from app:info (read-only mode, failed integrity check); refetched after a reconnect. */
function useStoreHealth(): StoreHealth | null {
  const [health, setHealth] = useState<StoreHealth | null>(null);
  useEffect(() => {
    let live = true;
    const load = () =>
      invoke('app:info', {}).then(
        (info) => live && setHealth(info.storage),
        () => {},
      );
    void load();
    const off = onResync(() => void load());
    return () => {
      live = false;
      off();
    };
  }, []);
  return health;
}

/** Instead of an empty app that looks like lost data: say what is wrong with the link. */
function TokenProblem() {
  return (
    <main className="token-problem" aria-labelledby="token-problem-title">
      <h1 id="token-problem-title">This link cannot open Gatehouse</h1>
      <p role="alert">{TOKEN_MESSAGE}.</p>
      <p>
        The browser host prints a new link, with a new token, every time it starts: <code>Gatehouse web host: http://127.0.0.1:…/#token=…</code>.
        Your data is untouched; open that link in this browser.
      </p>
    </main>
  );
}

export function AppShell() {
  const { page, goTo, refreshWorkspaces } = useAppStore();
  const connection = useConnection((s) => s.state);
  const health = useStoreHealth();
  const pendingSync = usePendingSyncChanges();
  // Core events → per-entity data versions; pages list the versions they show in their fetch effects.
  useEffect(() => startDataVersionFeed(), []);
  const workspaceChanges = useDataVersion('workspace', 'preference', 'api_key', 'member', 'workspace_member');
  useEffect(() => {
    void refreshWorkspaces();
  }, [refreshWorkspaces, workspaceChanges]);

  if (connection === 'unauthorized') return <TokenProblem />;

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="sidebar__brand">Gatehouse</div>
        <ul className="sidebar__nav">
          {NAV.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                aria-current={page === item.id ? 'page' : undefined}
                aria-label={item.id === 'sync' && pendingSync > 0 ? syncNavName(pendingSync) : undefined}
                onClick={() => goTo(item.id)}
              >
                {item.label}
                {item.id === 'sync' && pendingSync > 0 ? (
                  <span className="badge nav-badge" aria-hidden="true">
                    {badgeText(pendingSync)}
                  </span>
                ) : null}
              </button>
            </li>
          ))}
        </ul>
        <div className="sidebar__switcher">
          <WorkspaceSelect label="Switch workspace" compact />
        </div>
      </nav>
      <main className="content">
        {health?.problem ? (
          <div className="banner banner--warning" role="alert" aria-label="Storage problem">
            <strong>{health.writable ? 'Storage problem' : 'Read-only mode'}:</strong> {health.problem}
          </div>
        ) : null}
        {connection === 'unreachable' ? (
          <div className="banner" role="alert" aria-label="Connection problem">
            Gatehouse could not be reached — is the web host still running? Trying again…
          </div>
        ) : null}
        {PAGES[page]()}
      </main>
    </div>
  );
}
