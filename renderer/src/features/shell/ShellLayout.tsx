import { Link, Outlet } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import type { StoreHealth } from '../../../../shared/contract/app-schemas';
import { invoke } from '../../ipc/client';
import { TOKEN_MESSAGE, useConnection } from '../../ipc/connection-store';
import { onResync } from '../../ipc/events';
import { useAppStore } from '../../stores/app-store';
import { startDataVersionFeed, useDataVersion } from '../../stores/data-versions';
import { badgeText, syncNavName, usePendingSyncChanges } from '../sync/sync-status';
import { WorkspaceSelect } from '../workspaces/WorkspaceSelect';
import { CommandPalette } from './CommandPalette';
import { NAV } from './nav';
import { ThemeToggle } from './ThemeToggle';


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

/** The frame around every page: skip link, sidebar navigation (links: every page has a URL), banners, the page. */
export function ShellLayout() {
  const refreshWorkspaces = useAppStore((s) => s.refreshWorkspaces);
  const mainRef = useRef<HTMLElement>(null);
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
      {/* A button, not href="#main": the fragment holds the route. */}
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <nav className="sidebar" aria-label="Main">
        <div className="sidebar__brand">Gatehouse</div>
        <ul className="sidebar__nav">
          {NAV.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-label={item.to === '/sync' && pendingSync > 0 ? syncNavName(pendingSync) : undefined}>
                {item.label}
                {item.to === '/sync' && pendingSync > 0 ? (
                  // The count is drawn by CSS (::before), so the link's visible text is just its label and
                  // stays part of its spoken name (axe: label-content-name-mismatch).
                  <span className="badge nav-badge" data-count={badgeText(pendingSync)} aria-hidden="true" />
                ) : null}
              </Link>
            </li>
          ))}
        </ul>
        <div className="sidebar__switcher">
          <WorkspaceSelect label="Switch workspace" compact />
        </div>
        <ThemeToggle />
      </nav>
      <main className="content" id="main-content" tabIndex={-1} ref={mainRef}>
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
        <Outlet />
        <CommandPalette />
      </main>
    </div>
  );
}
