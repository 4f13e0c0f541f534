import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

const PRIMARY = 'sk-proj-E2ePrimarySecret-A1b2';
const BACKUP = 'sk-proj-E2eBackupSecret-C3d4';
const CLAUDE = 'sk-ant-api03-E2eClaudeSecret-E5f6';

const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const keysTable = (page: Page) => page.getByRole('table', { name: 'Provider keys' });

async function addKey(page: Page, vendor: string, label: string, secret: string) {
  await page.getByRole('button', { name: 'Add provider key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add provider key' });
  await dialog.getByLabel('Vendor').selectOption(vendor);
  await dialog.getByLabel('Label').fill(label);
  await dialog.getByLabel('Secret', { exact: true }).fill(secret);
  await dialog.getByRole('button', { name: 'Add key' }).click();
  await expect(dialog).toBeHidden();
  await expect(keysTable(page).getByRole('row').filter({ hasText: label })).toContainText(`••••${secret.slice(-4)}`);
}

function storeBytes(dataDir: string): Buffer {
  return Buffer.concat(
    fs
      .readdirSync(dataDir)
      .filter((f) => f.startsWith('gatehouse.sqlite'))
      .map((f) => fs.readFileSync(path.join(dataDir, f))),
  );
}

test('provider keys: add (only last 4 shown, protection stated), pin and disable per workspace, persisted after restart', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Alpha Team' });
  await openApp(page, host);
  await sidebar(page).getByRole('link', { name: 'Provider keys' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Provider keys' })).toBeVisible();
  await expect(keysTable(page).getByText('No provider keys yet')).toBeVisible();
  // The browser host has no OS keychain: the banner says a key file protects the secrets, and what that means.
  const banner = page.getByRole('region', { name: 'Secret protection' });
  await expect(banner).toContainText('Encrypted with a local key file');
  await expect(banner).toContainText('anyone with a copy of this folder can read the keys');

  // A refused secret: the core's message appears next to the field, and nothing is added.
  await page.getByRole('button', { name: 'Add provider key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add provider key' });
  await dialog.getByLabel('Label').fill('Too short');
  await dialog.getByLabel('Secret', { exact: true }).fill('short');
  await dialog.getByRole('button', { name: 'Add key' }).click();
  await expect(dialog.getByText('Secret must be at least 8 characters')).toBeVisible();
  await expect(dialog.getByLabel('Secret', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await addKey(page, 'OpenAI', 'Primary', PRIMARY);
  await addKey(page, 'OpenAI', 'Backup', BACKUP);
  await addKey(page, 'Anthropic', 'Claude main', CLAUDE);
  await expect(keysTable(page).getByRole('row').filter({ hasText: 'Primary' })).toContainText('Local key file');

  // The full secret is nowhere: not in the page, not in what the renderer receives, not in the SQLite file or its WAL.
  const html = await page.content();
  for (const secret of [PRIMARY, BACKUP, CLAUDE]) expect(html).not.toContain(secret.slice(0, -4));
  const listed = JSON.stringify((await host.invoke('providerKeys:list', {})).body);
  for (const secret of [PRIMARY, BACKUP, CLAUDE]) expect(listed).not.toContain(secret.slice(0, -4));
  const bytes = storeBytes(host.dataDir);
  for (const secret of [PRIMARY, BACKUP, CLAUDE]) expect(bytes.includes(Buffer.from(secret))).toBe(false);
  expect(fs.statSync(path.join(host.dataDir, 'provider-keys.key')).size).toBe(32);

  // Per workspace: pin OpenAI to "Backup" and disable the Anthropic key.
  await sidebar(page).getByRole('link', { name: 'Workspaces' }).click();
  await rowFor(page, 'Alpha Team').click();
  const access = editPanel(page, 'Alpha Team').getByRole('region', { name: 'Provider access' });
  await expect(access.getByRole('group', { name: 'OpenAI' })).toBeVisible();
  await expect(access.getByLabel('Any enabled OpenAI key')).toBeChecked();
  await expect(access.getByRole('button', { name: 'Save Changes' })).toBeDisabled();
  await access.getByLabel('Pin OpenAI key Backup').check();
  await access.getByLabel('Enable Anthropic key Claude main').uncheck();
  await expect(access.getByText('You have unsaved provider access changes')).toBeVisible();
  await expect(access.getByText('not used while another key is pinned')).toBeVisible();
  await access.getByRole('button', { name: 'Save Changes' }).click();
  await expect(access.getByText('Provider access saved')).toBeVisible();
  await expect(access.getByRole('button', { name: 'Save Changes' })).toBeDisabled();

  // A fresh process on the same data dir shows the same settings.
  await host.restart();
  await openApp(page, host);
  await rowFor(page, 'Alpha Team').click();
  const reloaded = editPanel(page, 'Alpha Team').getByRole('region', { name: 'Provider access' });
  await expect(reloaded.getByLabel('Pin OpenAI key Backup')).toBeChecked();
  await expect(reloaded.getByLabel('Enable OpenAI key Primary')).toBeChecked();
  await expect(reloaded.getByLabel('Enable Anthropic key Claude main')).not.toBeChecked();
  await expect(reloaded.getByLabel('Any enabled Anthropic key')).toBeChecked();
  const workspaces = (await host.invoke('workspaces:list', { search: 'Alpha' })).body;
  if (!workspaces.ok) throw new Error(workspaces.error.message);
  const alphaId = (workspaces.data.items as Array<{ id: string }>)[0]!.id;
  expect((await host.invoke('providerAccess:get', { workspaceId: alphaId })).body).toMatchObject({
    ok: true,
    data: { vendors: [{ vendor: 'Anthropic', pinnedKeyId: null, keys: [{ state: 'disabled', usable: false }] }, { vendor: 'OpenAI' }] },
  });

  // Deleting a key asks first, says it clears workspace settings, and removes the row.
  await sidebar(page).getByRole('link', { name: 'Provider keys' }).click();
  const backupRow = keysTable(page).getByRole('row').filter({ hasText: 'Backup' });
  await expect(backupRow).toContainText('1'); // one workspace override (the pin)
  await backupRow.getByRole('button', { name: 'Delete Backup' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete Backup?' });
  await expect(confirm).toContainText('1 workspace(s) pin or disable it');
  await confirm.getByRole('button', { name: 'Delete key' }).click();
  await expect(keysTable(page).getByRole('row').filter({ hasText: 'Backup' })).toHaveCount(0);
  await expect(page.getByText('Its pin/disable settings in 1 workspace(s) were removed.')).toBeVisible();
});

test('provider keys: rename and replace the secret from the table', async ({ page, host }) => {
  await openApp(page, host);
  await sidebar(page).getByRole('link', { name: 'Provider keys' }).click();
  await addKey(page, 'Mistral', 'Le Chat', PRIMARY);
  const row = keysTable(page).getByRole('row').filter({ hasText: 'Le Chat' });

  await row.getByRole('button', { name: 'Replace secret of Le Chat' }).click();
  const replace = page.getByRole('dialog', { name: 'Replace secret of Le Chat' });
  await replace.getByLabel('New secret').fill(BACKUP);
  await replace.getByRole('button', { name: 'Replace secret' }).click();
  await expect(replace).toBeHidden();
  await expect(row).toContainText(`••••${BACKUP.slice(-4)}`);

  await row.getByRole('button', { name: 'Rename Le Chat' }).click();
  const rename = page.getByRole('dialog', { name: 'Rename Le Chat' });
  await rename.getByLabel('Label').fill('Mistral prod');
  await rename.getByRole('button', { name: 'Rename' }).click();
  await expect(keysTable(page).getByRole('row').filter({ hasText: 'Mistral prod' })).toContainText(`••••${BACKUP.slice(-4)}`);
  expect(await page.content()).not.toContain(BACKUP.slice(0, -4));
});
