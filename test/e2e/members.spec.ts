import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

test('add a person, give them a role in a workspace, and keep at least one Admin', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Search' });
  await openApp(page, host);
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: 'Members' }).click();
  await page.getByRole('button', { name: 'Add person' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add person' });
  await dialog.getByLabel('Full name').fill('Bo Diallo');
  await dialog.getByLabel('Email').fill('not-an-email');
  await dialog.getByRole('button', { name: 'Add person' }).click();
  await expect(dialog.getByText('Enter a valid email address')).toBeVisible();
  await dialog.getByLabel('Email').fill('bo@example.com');
  await dialog.getByRole('button', { name: 'Add person' }).click();
  await expect(page.getByRole('table', { name: 'Members' }).getByRole('row').filter({ hasText: 'bo@example.com' })).toBeVisible();

  await nav.getByRole('link', { name: 'Workspaces' }).click();
  await rowFor(page, 'Search').click();
  const panel = editPanel(page, 'Search');
  await panel.getByLabel('Person to add').selectOption({ label: 'Bo Diallo (bo@example.com)' });
  await panel.getByLabel('Role for new member').selectOption({ label: 'Editor' });
  await panel.getByRole('button', { name: 'Add member' }).click();
  await expect(panel.getByLabel('Role for Bo Diallo')).toHaveValue('editor');
  await expect(rowFor(page, 'Search')).toContainText('2');

  // The only Admin cannot be demoted.
  const me = panel.getByRole('combobox', { name: /^Role for / }).first();
  await me.selectOption('viewer');
  await expect(panel.getByRole('alert')).toContainText('at least one Admin');
  await expect(me).toHaveValue('admin');

  // Make Bo Admin, then demoting yourself works.
  await panel.getByLabel('Role for Bo Diallo').selectOption('admin');
  await expect(panel.getByLabel('Role for Bo Diallo')).toHaveValue('admin');
  await page.reload();
  await rowFor(page, 'Search').click();
  await expect(editPanel(page, 'Search').getByLabel('Role for Bo Diallo')).toHaveValue('admin');
});
