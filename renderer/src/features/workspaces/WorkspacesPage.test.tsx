import { createMemoryHistory } from '@tanstack/react-router';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import type { Result } from '../../../../shared/contract/errors';
import { setBridgeForTests } from '../../ipc/bridge';
import { workspaceFixture } from '../../ipc/testing/workspace-fixture';
import { AppShell } from '../shell/AppShell';
import { useAppStore } from '../../stores/app-store';

const base: Workspace = workspaceFixture({ id: 'ws-default00001', name: 'Default Workspace', isDefault: true });

/** A scripted bridge: records calls and answers like the core would for these scenarios. */
function installBridge(createResult: (input: { name: string }) => Result<unknown>) {
  const calls: Array<{ channel: string; input: unknown }> = [];
  let workspaces = [base];
  setBridgeForTests({
    async invoke(channel, input) {
      calls.push({ channel, input });
      switch (channel) {
        case 'workspaces:list':
          return { ok: true, data: { items: workspaces, total: workspaces.length, pageIndex: 0, pageSize: 50, limit: 20 } };
        case 'members:list':
          return { ok: true, data: { items: [] } };
        case 'workspaces:getActive':
          return { ok: true, data: base };
        case 'overview:summary':
          return { ok: true, data: { activeWorkspace: base, totalWorkspaces: workspaces.length, workspaceLimit: 20, monthlyBudgetTotals: [], activeKeys: 0, productionWorkspaces: 1 } };
        case 'workspaces:create': {
          const result = createResult(input as { name: string });
          if (result.ok) workspaces = [...workspaces, result.data as Workspace];
          return result;
        }
        default:
          return { ok: false, error: { code: 'E_NOT_FOUND', message: channel } };
      }
    },
  });
  return calls;
}

beforeEach(() => useAppStore.setState({ list: null, allWorkspaces: [], active: null }));
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('WorkspacesPage', () => {
  it('lists workspaces with their key count and marks the default', async () => {
    installBridge(() => ({ ok: false, error: { code: 'E_INTERNAL', message: 'unused' } }));
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    const table = await screen.findByRole('table', { name: 'Workspaces' });
    const row = await within(table).findByRole('row', { name: /Default Workspace/ });
    expect(within(row).getByText('Default')).toBeTruthy();
    expect(within(row).getByText('0/20')).toBeTruthy();
  });

  it('shows the core’s field error next to the Name field and keeps the dialog open', async () => {
    const calls = installBridge(() => ({
      ok: false,
      error: { code: 'E_VALIDATION', message: 'Name must be at most 30 characters', issues: [{ path: 'name', message: 'Name must be at most 30 characters' }] },
    }));
    const user = userEvent.setup();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    await user.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create workspace' });
    await user.type(within(dialog).getByLabelText('Name'), 'x'.repeat(31));
    await user.click(within(dialog).getByRole('button', { name: 'Create workspace' }));
    const name = within(dialog).getByLabelText('Name');
    await waitFor(() => expect(name.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = name.getAttribute('aria-describedby') ?? '';
    const errorText = describedBy
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent)
      .join(' ');
    expect(errorText).toContain('Name must be at most 30 characters');
    expect(calls.find((c) => c.channel === 'workspaces:create')?.input).toMatchObject({ name: 'x'.repeat(31), monthlyBudgetMinor: 0 });
  });

  it('rejects a mistyped budget in the form before calling the core', async () => {
    const calls = installBridge(() => ({ ok: false, error: { code: 'E_INTERNAL', message: 'unused' } }));
    const user = userEvent.setup();
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    await user.click(await screen.findByRole('button', { name: 'Create workspace' }));
    const dialog = await screen.findByRole('dialog', { name: 'Create workspace' });
    await user.type(within(dialog).getByLabelText('Name'), 'Budgeted');
    const budget = within(dialog).getByLabelText('Monthly budget');
    await user.clear(budget);
    await user.type(budget, '12.345');
    await user.click(within(dialog).getByRole('button', { name: 'Create workspace' }));
    await waitFor(() => expect(budget.getAttribute('aria-invalid')).toBe('true'));
    expect(calls.some((c) => c.channel === 'workspaces:create')).toBe(false);
  });
});
