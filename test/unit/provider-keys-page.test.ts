// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { fakeOsEncryption } from '../../electron/core/testing/fake-os-encryption';
import { ProviderKeysPage } from '../../renderer/src/features/provider-keys/ProviderKeysPage';
import { setBridgeForTests } from '../../renderer/src/ipc/bridge';

// The page against a real core on a temp SQLite file (the renderer itself may not import the core).
let core: TestCore;
function useCore(options: Parameters<typeof openTestCore>[0] = {}) {
  core = openTestCore(options);
  setBridgeForTests({ invoke: async (channel, input) => core.dispatcher.dispatch(channel, input, { kind: 'cli' }) });
}
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
  core.dispose();
});

const SECRET = 'sk-proj-PageTestSecret-W9x8';

describe('ProviderKeysPage', () => {
  it('key file door: warns in the banner, adds a key showing only the last 4, and keeps no secret in the DOM', async () => {
    useCore();
    render(createElement(ProviderKeysPage));
    const banner = await screen.findByRole('region', { name: 'Secret protection' });
    await waitFor(() => expect(banner.textContent).toContain('Encrypted with a local key file'));
    expect(screen.getByText(/No provider keys yet/)).toBeTruthy();

    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Add provider key' }));
    const dialog = screen.getByRole('dialog', { name: 'Add provider key' });
    await user.selectOptions(within(dialog).getByLabelText('Vendor'), 'Anthropic');
    await user.type(within(dialog).getByLabelText('Label'), 'Claude');
    await user.type(within(dialog).getByLabelText('Secret'), 'has space');
    await user.click(within(dialog).getByRole('button', { name: 'Add key' }));
    expect(await within(dialog).findByText('Secret may contain only visible characters (no spaces)')).toBeTruthy();
    expect(within(dialog).getByLabelText('Secret').getAttribute('aria-invalid')).toBe('true');

    await user.clear(within(dialog).getByLabelText('Secret'));
    await user.type(within(dialog).getByLabelText('Secret'), SECRET);
    await user.click(within(dialog).getByRole('button', { name: 'Add key' }));
    const table = await screen.findByRole('table', { name: 'Provider keys' });
    await waitFor(() => expect(within(table).getByText('••••W9x8')).toBeTruthy());
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET.slice(0, -4));
    expect(core.ok('providerKeys:list', {}).items).toMatchObject([{ vendor: 'Anthropic', label: 'Claude', last4: 'W9x8' }]);
  });

  it('OS keychain door: the banner says so; delete asks first and names the workspaces it affects', async () => {
    useCore({ capabilities: { osEncryption: fakeOsEncryption() } });
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: SECRET });
    const ws = core.ok('workspaces:create', { name: 'Pinned team' });
    core.ok('providerAccess:save', { workspaceId: ws.id, pins: [{ vendor: 'OpenAI', providerKeyId: key.id }], disabledKeyIds: [] });
    render(createElement(ProviderKeysPage));
    const banner = await screen.findByRole('region', { name: 'Secret protection' });
    await waitFor(() => expect(banner.textContent).toContain('Encrypted with the OS keychain'));

    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Delete Prod' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Delete Prod?' });
    expect(confirm.textContent).toContain('1 workspace(s) pin or disable it');
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(core.ok('providerKeys:list', {}).items).toHaveLength(1);
    await user.click(screen.getByRole('button', { name: 'Delete Prod' }));
    await user.click(within(screen.getByRole('alertdialog', { name: 'Delete Prod?' })).getByRole('button', { name: 'Delete key' }));
    await waitFor(() => expect(core.ok('providerKeys:list', {}).items).toHaveLength(0));
    expect(await screen.findByText(/Its pin\/disable settings in 1 workspace\(s\) were removed/)).toBeTruthy();
  });
});
