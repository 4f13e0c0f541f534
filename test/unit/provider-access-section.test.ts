// @vitest-environment happy-dom
import { createElement } from 'react';
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { setBridgeForTests } from '../../renderer/src/ipc/bridge';
import { ProviderAccessSection } from '../../renderer/src/features/provider-keys/ProviderAccessSection';

// The section talks to a real core (this is why it lives here: the renderer may not import the core) on a temp SQLite file, so what it saves is what the core stores.
let core: TestCore;
beforeEach(() => {
  core = openTestCore();
  setBridgeForTests({ invoke: async (channel, input) => core.dispatcher.dispatch(channel, input, { kind: 'cli' }) });
});
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
  core.dispose();
});

function renderSection() {
  const workspace = core.ok('workspaces:create', { name: 'Section Team' });
  const onDirtyChange = vi.fn();
  render(createElement(ProviderAccessSection, { workspace, onDirtyChange }));
  return { workspace, onDirtyChange, section: () => screen.getByRole('region', { name: 'Provider access' }) };
}

describe('ProviderAccessSection', () => {
  it('with no provider keys, says where to add them and is never dirty', async () => {
    const { onDirtyChange, section } = renderSection();
    expect(await within(section()).findByText(/No provider keys yet/)).toBeTruthy();
    expect(within(section()).queryByRole('button', { name: /Save Changes/ })).toBeNull();
    expect(onDirtyChange).not.toHaveBeenCalledWith(true);
  });

  it('pin and disable report dirty; disabling the pinned key un-pins it; Cancel reverts; Save persists in the core', async () => {
    const a = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: 'sk-aaaaaaaa-1111' });
    const b = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: 'sk-bbbbbbbb-2222' });
    const { workspace, onDirtyChange, section } = renderSection();
    const user = userEvent.setup();
    const pinB = await within(section()).findByLabelText('Pin OpenAI key B');
    const save = within(section()).getByRole('button', { name: 'Save Changes to provider access' });
    expect((save as HTMLButtonElement).disabled).toBe(true);
    expect(within(section()).getByText('••••2222')).toBeTruthy();

    await user.click(pinB);
    await waitFor(() => expect(onDirtyChange).toHaveBeenLastCalledWith(true));
    expect(within(section()).getByText('not used while another key is pinned')).toBeTruthy();
    // Unticking the pinned key cannot leave it pinned: the vendor falls back to "any enabled key".
    await user.click(within(section()).getByLabelText('Enable OpenAI key B'));
    expect((within(section()).getByLabelText('Any enabled OpenAI key') as HTMLInputElement).checked).toBe(true);
    await user.click(within(section()).getByRole('button', { name: 'Cancel provider access changes' }));
    await waitFor(() => expect(onDirtyChange).toHaveBeenLastCalledWith(false));
    expect((within(section()).getByLabelText('Enable OpenAI key B') as HTMLInputElement).checked).toBe(true);

    await user.click(within(section()).getByLabelText('Pin OpenAI key B'));
    await user.click(within(section()).getByLabelText('Enable OpenAI key A'));
    await user.click(save);
    expect(await within(section()).findByText('Provider access saved')).toBeTruthy();
    await waitFor(() => expect(onDirtyChange).toHaveBeenLastCalledWith(false));
    const stored = core.ok('providerAccess:get', { workspaceId: workspace.id });
    expect(stored.vendors[0]).toMatchObject({ pinnedKeyId: b.id, keys: [{ id: a.id, state: 'disabled' }, { id: b.id, state: 'pinned' }] });
  });

  it('shows the core’s refusal and keeps the edits', async () => {
    const a = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: 'sk-aaaaaaaa-1111' });
    const { onDirtyChange, section } = renderSection();
    const user = userEvent.setup();
    await user.click(await within(section()).findByLabelText('Pin OpenAI key A'));
    core.ok('providerKeys:delete', { id: a.id }); // deleted elsewhere (another window, the CLI)
    await user.click(within(section()).getByRole('button', { name: 'Save Changes to provider access' }));
    expect(await within(section()).findByText(`Provider key ${a.id} does not exist`)).toBeTruthy();
    expect(onDirtyChange).toHaveBeenLastCalledWith(true);
  });
});
