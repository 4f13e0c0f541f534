// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import fs from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { KEY_FILE_NAME } from '../../electron/core/services/secret-box';
import { makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { ProviderKeysPage } from '../../renderer/src/features/provider-keys/ProviderKeysPage';
import { setBridgeForTests } from '../../renderer/src/ipc/bridge';

// The Provider keys page's way out of a lost key file, against a real core on a temp store.
let dir: string;
let core: TestCore;
function useCore() {
  dir = makeTempDir('gatehouse-forget-page-');
  core = openTestCore({ dataDir: dir });
  setBridgeForTests({ invoke: async (channel, input) => core.dispatcher.dispatch(channel, input, { kind: 'cli' }) });
}
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
  core.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ProviderKeysPage: forget unreadable secrets', () => {
  it('offers nothing while every secret is readable', async () => {
    useCore();
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: 'sk-proj-ForgetPage-0001' });
    render(createElement(ProviderKeysPage));
    await screen.findByRole('button', { name: 'Delete Prod' });
    expect(screen.queryByRole('button', { name: 'Forget unreadable secrets…' })).toBeNull();
  });

  it('with the key file gone: says so, asks first (listing the keys, pointing at the backup), then deletes exactly those', async () => {
    useCore();
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: 'sk-proj-ForgetPage-0001' });
    core.ok('providerKeys:create', { vendor: 'Anthropic', label: 'Claude', secret: 'sk-ant-ForgetPage-0002' });
    fs.rmSync(path.join(dir, KEY_FILE_NAME));
    render(createElement(ProviderKeysPage));
    const user = userEvent.setup();
    const forget = await screen.findByRole('button', { name: 'Forget unreadable secrets…' });
    expect(forget.closest('p')?.textContent).toContain('2 key(s) cannot be decrypted here');

    await user.click(forget);
    const confirm = screen.getByRole('alertdialog', { name: 'Forget 2 unreadable provider key(s)?' });
    expect(confirm.textContent).toContain('If a backup of the data folder has provider-keys.key');
    expect(within(confirm).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Anthropic “Claude” (••••0002)', 'OpenAI “Prod” (••••0001)']);
    await user.click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(core.ok('providerKeys:list', {}).items).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: 'Forget unreadable secrets…' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Forget keys' }));
    await waitFor(() => expect(core.ok('providerKeys:list', {}).items).toEqual([]));
    expect(await screen.findByText('Forgot 2 provider key(s) whose secrets could not be decrypted.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Forget unreadable secrets…' })).toBeNull();
    expect(core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'provider_key.forget_unreadable'").pluck().get()).toBe(2);
  });
});
