import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

/** Regression tests for defects the e2e suite found (both fixed). */

test('the create dialog pre-fills Owner with the active workspace owner on its first opening', async ({ page, host }) => {
  // Bug: CreateWorkspaceDialog's form state is initialised once, at mount, from `defaultOwner`
  // (renderer/src/features/workspaces/CreateWorkspaceDialog.tsx, useState(() => emptyWorkspaceForm(defaultOwner))).
  // The dialog mounts before the active workspace has loaded, so the first opening shows an empty
  // Owner and submitting it fails with "Owner is required"; only after Cancel does it show the owner.
  await openApp(page, host);
  const active = await host.invoke('workspaces:getActive', {});
  const owner = active.body.ok ? (active.body.data.owner as string) : '';
  expect(owner).not.toBe('');

  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await expect(dialog.getByLabel('Owner', { exact: true })).toHaveValue(owner, { timeout: 2_000 });
});

test('creating a workspace while the editor has unsaved changes asks before discarding them', async ({ page, host }) => {
  // Bug: WorkspacesPage passes onCreated={(id) => setEditingId(id)} to CreateWorkspaceDialog,
  // bypassing the `select()` guard, so the open editor's unsaved edits are dropped silently.
  await createWorkspaceViaApi(host, { name: 'First WS', owner: 'owner-one' });
  await openApp(page, host);
  await rowFor(page, 'First WS').click();
  await editPanel(page, 'First WS').getByLabel('Owner', { exact: true }).fill('unsaved-owner');

  await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Create workspace' });
  await dialog.getByLabel('Name', { exact: true }).fill('New One');
  await dialog.getByLabel('Owner', { exact: true }).fill('owner-new');
  await dialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(rowFor(page, 'New One')).toHaveCount(1);

  // Either the guard asks, or the edits are still there; silently losing them is the bug.
  const guard = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  const stillEditing = editPanel(page, 'First WS').getByLabel('Owner', { exact: true });
  await expect(guard.or(stillEditing).first()).toBeVisible({ timeout: 2_000 });
});
