import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createWorkspaceViaApi, editPanel, openApp, searchBox } from './ui';
import { expect, test } from './web-host';

// Keyboard-only journeys: no mouse clicks below, only Tab, arrows, Enter and Escape
// (locator.focus() only where a journey starts from a known control).

const focusedTag = (page: Page) => page.evaluate(() => document.activeElement?.tagName ?? '');
const focusedText = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.innerText?.trim() ?? '');

/** Presses Tab until `done()` holds (at most `max` times). */
async function tabUntil(page: Page, done: () => Promise<boolean>, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await done()) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached the control');
}

test('skip link; workspace rows: Tab reaches the table, arrows move, Enter opens the editor', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Alpha' });
  await createWorkspaceViaApi(host, { name: 'Beta' });
  await openApp(page, host);

  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Skip to content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  await searchBox(page).focus();
  await tabUntil(page, async () => (await focusedTag(page)) === 'TR');
  expect(await focusedText(page)).toContain('Alpha'); // sorted by name: Alpha, Beta, Default Workspace
  await page.keyboard.press('ArrowDown');
  expect(await focusedText(page)).toContain('Beta');
  await page.keyboard.press('End');
  expect(await focusedText(page)).toContain('Default Workspace');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(editPanel(page, 'Beta')).toBeVisible();
  expect(new URL(page.url()).hash).toMatch(/^#\/workspaces\/ws-/);
  // The selected row keeps the table's one tab stop.
  await expect(page.getByRole('table', { name: 'Workspaces' }).locator('tr[tabindex="0"]')).toContainText('Beta');
});

test('dialogs: focus returns to the opener; Escape closes one nesting level at a time', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Grantee' });
  await openApp(page, host);

  const create = page.getByRole('button', { name: 'Create workspace', exact: true });
  await create.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Create workspace' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog', { name: 'Create workspace' })).toHaveCount(0);
  await expect(create).toBeFocused();

  await page.goto(`${host.origin}/#/models`);
  const bulkButton = page.getByRole('button', { name: 'Bulk grant…' });
  await bulkButton.focus();
  await page.keyboard.press('Enter');
  const bulk = page.getByRole('dialog', { name: 'Bulk grant models' });
  await expect(bulk).toBeVisible();
  const choose = bulk.getByRole('button', { name: 'Choose models…' });
  await tabUntil(page, async () => choose.evaluate((el) => el === document.activeElement));
  await page.keyboard.press('Enter');
  const picker = page.getByRole('dialog', { name: 'Choose models to grant' });
  await expect(picker).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(bulk).toBeVisible(); // the outer dialog and its form survive
  await expect(choose).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(bulk).toHaveCount(0);
  await expect(bulkButton).toBeFocused();
});

test('API keys: the show-once secret asks before Escape closes it; Create key opens with a fresh form', async ({ page, host }) => {
  await openApp(page, host);
  await page.goto(`${host.origin}/#/keys`);
  const createKey = page.getByRole('button', { name: 'Create key' });
  await createKey.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Create API key' });
  await expect(dialog.getByLabel('Key name')).toBeFocused(); // showModal focuses the first field
  await page.keyboard.type('x'.repeat(80)); // too long: the core refuses it next to the field
  await page.keyboard.press('Enter');
  await expect(dialog.getByLabel('Key name')).toHaveAttribute('aria-invalid', 'true');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(createKey).toBeFocused();

  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Key name')).toHaveValue('');
  await expect(dialog.getByLabel('Key name')).not.toHaveAttribute('aria-invalid', 'true');
  await dialog.getByLabel('Key name').focus();
  await page.keyboard.type('keyboard-key');
  await page.keyboard.press('Enter');

  const secret = page.getByRole('dialog', { name: 'Secret for keyboard-key' });
  await expect(secret).toBeVisible();
  await page.keyboard.press('Escape');
  const confirm = page.getByRole('alertdialog', { name: 'Close without the secret?' });
  await expect(confirm).toBeVisible();
  await expect(secret).toBeVisible();
  await confirm.getByRole('button', { name: 'Back to the secret' }).focus();
  await page.keyboard.press('Enter');
  await expect(confirm).toHaveCount(0);
  await expect(secret.getByLabel('API key secret')).toHaveValue(/^gh_live_/);

  await page.keyboard.press('Escape');
  await expect(confirm).toBeVisible();
  await page.keyboard.press('Escape'); // Escape in the question only closes the question
  await expect(confirm).toHaveCount(0);
  await expect(secret).toBeVisible();
  await page.keyboard.press('Escape');
  await confirm.getByRole('button', { name: 'Close without saving' }).focus();
  await page.keyboard.press('Enter');
  await expect(secret).toHaveCount(0);
  await expect(page.getByRole('table', { name: 'API keys' })).toContainText('keyboard-key');
});

test('command palette (Ctrl+K) goes to pages and opens workspaces; `?` shows the shortcuts', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Palette Target' });
  await openApp(page, host);

  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette.getByRole('combobox', { name: 'Command' })).toBeFocused();
  expect((await new AxeBuilder({ page }).include('dialog[open]').analyze()).violations.map((v) => v.id)).toEqual([]);
  await page.keyboard.type('audit');
  await expect(palette.getByRole('option')).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(palette).toHaveCount(0);
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();

  await page.keyboard.press('Control+K');
  await page.keyboard.type('palette target');
  await expect(palette.getByRole('option', { selected: true })).toHaveText(/Open workspace\s+Palette Target/);
  await page.keyboard.press('ArrowDown');
  await expect(palette.getByRole('option', { selected: true })).toHaveText(/Switch workspace\s+Palette Target/);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(editPanel(page, 'Palette Target')).toBeVisible();

  await page.getByRole('main').focus(); // out of any field
  await page.keyboard.press('?');
  const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(sheet).toContainText('Command palette');
  await page.keyboard.press('Escape');
  await expect(sheet).toHaveCount(0);
  // `?` typed into a field is just a character.
  await searchBox(page).focus();
  await page.keyboard.type('?');
  await expect(sheet).toHaveCount(0);
  await expect(searchBox(page)).toHaveValue('?');
});
