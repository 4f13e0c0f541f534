import { createMemoryHistory } from '@tanstack/react-router';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../../../shared/contract/app-schemas';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { setBridgeForTests } from '../../ipc/bridge';
import { resetConnectionForTests, useConnection } from '../../ipc/connection-store';
import { installFakeBridge, ok } from '../../ipc/testing/fake-bridge';
import { workspaceFixture } from '../../ipc/testing/workspace-fixture';
import { useAppStore } from '../../stores/app-store';
import { useDataVersions } from '../../stores/data-versions';
import { AppShell } from './AppShell';

const workspace = (id: string, name: string): Workspace => workspaceFixture({ id, name, isDefault: id === 'ws-default00001' });

const info = (storage: AppInfo['storage']): AppInfo => ({
  name: 'Gatehouse',
  version: '0.1.0',
  dataDir: '/data',
  databasePath: '/data/gatehouse.sqlite',
  schemaVersion: 11,
  localUser: 'ana',
  limits: { maxWorkspaces: 20, maxActiveKeysPerWorkspace: 20 },
  storage,
});

/** The core of a workspace list that another process can change. */
function installCore(storage: AppInfo['storage'] = { writable: true, integrity: 'ok', problem: null }) {
  const state = { workspaces: [workspace('ws-default00001', 'Default Workspace')] };
  const core = installFakeBridge({
    'app:info': () => ok(info(storage)),
    'workspaces:list': () => ok({ items: state.workspaces, total: state.workspaces.length, pageIndex: 0, pageSize: 50, limit: 20 }),
    'workspaces:getActive': () => ok(state.workspaces[0]),
    'members:list': () => ok({ items: [] }),
    'budgets:status': () => ({ ok: false, error: { code: 'E_NOT_FOUND', message: 'not in this test' } }),
  });
  return { core, state };
}

beforeEach(() => {
  resetConnectionForTests();
  useAppStore.setState({ list: null, allWorkspaces: [], active: null });
  useDataVersions.setState({ versions: {}, any: 0, resync: 0 });
});
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('AppShell', () => {
  it('a `changed` event for workspaces (e.g. another process) refetches the list; other entity types do not', async () => {
    const { core, state } = installCore();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    const table = await screen.findByRole('table', { name: 'Workspaces' });
    await within(table).findByRole('row', { name: /Default Workspace/ });
    const listCalls = () => core.callsTo('workspaces:list').length;
    const before = listCalls();

    act(() => core.emit({ type: 'changed', origin: 'other-process', entityTypes: ['provider_key'], entities: [], truncated: false }));
    await waitFor(() => expect(useDataVersions.getState().versions.provider_key).toBe(1));
    expect(listCalls()).toBe(before); // not data this page shows

    state.workspaces = [...state.workspaces, workspace('ws-other000001', 'Made Elsewhere')];
    act(() =>
      core.emit({ type: 'changed', origin: 'other-process', entityTypes: ['workspace'], entities: [{ entityType: 'workspace', entityId: 'ws-other000001', workspaceId: 'ws-other000001' }], truncated: false }),
    );
    expect(await within(table).findByRole('row', { name: /Made Elsewhere/ })).toBeTruthy();
    // One refresh (the list and the switcher's full list), for the workspace change only.
    expect(listCalls() - before).toBe(2);
  });

  it('a store opened read-only shows a banner with what is wrong', async () => {
    installCore({ writable: false, integrity: 'failed', problem: 'The data file is damaged (integrity check failed); Gatehouse opened it read-only. Export what you need.' });
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    const banner = await screen.findByRole('alert', { name: 'Storage problem' });
    expect(banner.textContent).toBe('Read-only mode: The data file is damaged (integrity check failed); Gatehouse opened it read-only. Export what you need.');
  });

  it('no banner when the store is healthy', async () => {
    installCore();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    await screen.findByRole('table', { name: 'Workspaces' });
    await waitFor(() => expect(screen.queryByRole('alert', { name: 'Storage problem' })).toBeNull());
  });

  it('a missing or wrong token shows what to do instead of an empty app', async () => {
    installCore();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    await screen.findByRole('table', { name: 'Workspaces' });
    act(() => useConnection.getState().set('unauthorized'));
    expect(screen.getByRole('heading', { level: 1, name: 'This link cannot open Gatehouse' })).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toBe("The link's token is missing or wrong — open the URL the host printed.");
    expect(screen.queryByRole('table', { name: 'Workspaces' })).toBeNull();
    // Final for this page: a later success does not bring back an app that cannot call the core.
    act(() => useConnection.getState().set('open'));
    expect(screen.getByRole('heading', { level: 1, name: 'This link cannot open Gatehouse' })).toBeTruthy();
  });

  it('says so while the browser host cannot be reached', async () => {
    installCore();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    await screen.findByRole('table', { name: 'Workspaces' });
    act(() => useConnection.getState().set('unreachable'));
    expect(screen.getByRole('alert', { name: 'Connection problem' }).textContent).toContain('could not be reached');
    act(() => useConnection.getState().set('open'));
    expect(screen.queryByRole('alert', { name: 'Connection problem' })).toBeNull();
  });

  it('the palette\'s "Create workspace" opens the dialog at #/workspaces/new; Cancel goes back to the list', async () => {
    installCore();
    const history = createMemoryHistory({ initialEntries: ['/audit'] });
    const user = userEvent.setup();
    render(<AppShell history={history} />);
    await screen.findByRole('navigation');
    await user.keyboard('{Control>}k{/Control}');
    await user.type(await screen.findByRole('combobox', { name: 'Command' }), 'create work');
    await user.keyboard('{Enter}');
    const dialog = await screen.findByRole('dialog', { name: 'Create workspace' });
    expect(history.location.pathname).toBe('/workspaces/new');
    await user.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(history.location.pathname).toBe('/workspaces'));
    expect(screen.queryByRole('dialog', { name: 'Create workspace' })).toBeNull();
  });

  it('a link to #/workspaces/new opens the Create workspace dialog', async () => {
    installCore();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces/new'] })} />);
    expect(await screen.findByRole('dialog', { name: 'Create workspace' })).toBeTruthy();
  });
});
