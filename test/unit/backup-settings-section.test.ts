// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import fs from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { BackupsSection } from '../../renderer/src/features/settings/BackupsSection';
import { setBridgeForTests } from '../../renderer/src/ipc/bridge';
import { openDoorCore, type DoorCore } from './backup-harness';

// Settings → Backups against a real core on a temp store (the door saves to / opens a temp file, as the desktop dialogs would).
let root: string;
let h: DoorCore;
afterEach(async () => {
  cleanup();
  setBridgeForTests(undefined);
  await h?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('Settings → Backups', () => {
  it('backs up with a passphrase, then restores it after a confirmation naming what is replaced', async () => {
    root = makeTempDir('gatehouse-backup-ui-');
    const archive = path.join(root, 'ui.ghbackup');
    h = openDoorCore(path.join(root, 'data'), { saveTo: archive, openFrom: archive }, { now: () => new Date() });
    setBridgeForTests({ invoke: (channel, input) => h.call(channel, input), on: (listener) => h.core.on(listener) });
    await h.ok('workspaces:create', { name: 'Before backup' });
    render(createElement(BackupsSection));
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Back up…' }));
    let dialog = screen.getByRole('dialog', { name: 'Back up Gatehouse' });
    expect(dialog.textContent).toContain('anyone with the file can read the provider secrets');
    await user.type(within(dialog).getByLabelText('Passphrase (optional)'), 'ui passphrase 123');
    await user.type(within(dialog).getByLabelText('Passphrase again'), 'ui passphrase 12');
    await user.click(within(dialog).getByRole('button', { name: 'Back up (encrypted)' }));
    expect(within(dialog).getByText('The two passphrases differ')).toBeTruthy();
    await user.type(within(dialog).getByLabelText('Passphrase again'), '3');
    await user.click(within(dialog).getByRole('button', { name: 'Back up (encrypted)' }));
    expect(await within(dialog).findByText(/^Saved an encrypted backup \(.*\) to .*ui\.ghbackup\.$/, {}, { timeout: 15_000 })).toBeTruthy();
    expect(fs.statSync(archive).mode & 0o777).toBe(0o600);
    await user.click(within(dialog).getByRole('button', { name: 'Close' }));

    const after = await h.ok('workspaces:create', { name: 'After backup' });
    await user.click(screen.getByRole('button', { name: 'Restore…' }));
    dialog = screen.getByRole('dialog', { name: 'Restore from a backup' });
    await user.click(within(dialog).getByRole('button', { name: 'Choose backup file…' }));
    expect(await within(dialog).findByText(/ui\.ghbackup .*, encrypted/)).toBeTruthy();
    await user.type(within(dialog).getByLabelText('Passphrase'), 'a wrong passphrase');
    await user.click(within(dialog).getByRole('button', { name: 'Restore…' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Restore from a backup' });
    expect(confirm.textContent).toContain(path.join(root, 'data'));
    expect(confirm.textContent).toContain('gatehouse.sqlite');
    await user.click(within(confirm).getByRole('button', { name: 'Replace my data with this backup' }));
    expect(await within(confirm).findByText(/passphrase is not right.*Nothing was changed/, {}, { timeout: 15_000 })).toBeTruthy();
    expect((await h.ok('workspaces:get', { id: after.id })).name).toBe('After backup');
  }, 60_000);

  it('a right passphrase restores: success names the folder the previous data went to', async () => {
    root = makeTempDir('gatehouse-backup-ui-');
    const archive = path.join(root, 'ui.ghbackup');
    h = openDoorCore(path.join(root, 'data'), { saveTo: archive, openFrom: archive }, { now: () => new Date() });
    await h.ok('workspaces:create', { name: 'Before backup' });
    expect((await h.job('backup:create', { passphrase: 'ui passphrase 123' })).state).toBe('done');
    const after = await h.ok('workspaces:create', { name: 'After backup' });
    setBridgeForTests({ invoke: (channel, input) => h.call(channel, input), on: (listener) => h.core.on(listener) });
    render(createElement(BackupsSection));
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Restore…' }));
    const dialog = screen.getByRole('dialog', { name: 'Restore from a backup' });
    await user.click(within(dialog).getByRole('button', { name: 'Choose backup file…' }));
    await user.type(await within(dialog).findByLabelText('Passphrase'), 'ui passphrase 123');
    await user.click(within(dialog).getByRole('button', { name: 'Restore…' }));
    await user.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Replace my data with this backup' }));
    expect(await screen.findByText(/^Restored the backup made .*kept in .*before-restore-/, {}, { timeout: 15_000 })).toBeTruthy();
    await waitFor(async () => expect((await h.call('workspaces:get', { id: after.id })).ok).toBe(false));
  }, 60_000);
});
