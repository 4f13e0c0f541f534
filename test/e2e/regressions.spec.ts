import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

/** Regression tests for defects the e2e suite found (both fixed). */

test('the create dialog pre-fills Owner with the active workspace owner on its first opening', async ({ page, host }) => {
  // Was: the form state was initialised once, at mount, before the active workspace had loaded,
  // so the first opening showed no owner.
  await openApp(page, host);
  const active = await host.invoke('workspaces:getActive', {});
  const owner = active.body.ok ? (active.body.data.ownerMemberId as string) : '';
  expect(owner).toMatch(/^mem-/);

  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await expect(dialog.getByLabel('Owner', { exact: true })).toHaveValue(owner, { timeout: 2_000 });
});

test('creating a workspace while the editor has unsaved changes asks before discarding them', async ({ page, host }) => {
  // Was: onCreated bypassed the select() guard, so the open editor's unsaved edits were dropped silently.
  await createWorkspaceViaApi(host, { name: 'First WS' });
  await openApp(page, host);
  await rowFor(page, 'First WS').click();
  await editPanel(page, 'First WS').getByLabel('Description', { exact: true }).fill('unsaved description');

  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await dialog.getByLabel('Name', { exact: true }).fill('New One');
  await dialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(rowFor(page, 'New One')).toHaveCount(1);

  // Either the guard asks, or the edits are still there; silently losing them is the bug.
  const guard = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  const stillEditing = editPanel(page, 'First WS').getByLabel('Description', { exact: true });
  await expect(guard.or(stillEditing).first()).toBeVisible({ timeout: 2_000 });
});
