import { createMemberViaApi, createWorkspaceViaApi, createWorkspaceViaDialog, currentWorkspaceSelect, dataRows, editPanel, idInRow, openApp, rowFor, searchBox, sidebarSwitcher, submitCreateDialog } from './ui';
import { expect, test } from './web-host';

test('create a workspace in the dialog, then rename it in the edit panel; its ID stays the same', async ({ page, host }) => {
  const aliceId = await createMemberViaApi(host, 'alice');
  await openApp(page, host);
  await expect(page.getByText('1 of 20 workspaces, including the default workspace')).toBeVisible();

  const id = await createWorkspaceViaDialog(page, {
    name: 'Payments Team',
    owner: 'alice',
    environment: 'Staging',
    region: 'EU',
    budget: '1,500.50',
    currency: 'EUR',
    description: 'Card and wallet payments',
  });
  const row = rowFor(page, 'Payments Team');
  await expect(row).toContainText('Staging');
  await expect(row).toContainText('EU');
  await expect(row).toContainText('alice');
  await expect(row).toContainText('EUR 1,500.50');
  await expect(page.getByText('2 of 20 workspaces, including the default workspace')).toBeVisible();

  await row.click();
  const panel = editPanel(page, 'Payments Team');
  await expect(panel).toBeVisible();
  await expect(panel.getByText(id, { exact: true })).toBeVisible();
  await expect(panel.getByLabel('Owner', { exact: true })).toHaveValue(aliceId);
  await expect(panel.getByLabel('Monthly budget', { exact: true })).toHaveValue('1500.50');
  await expect(panel.getByRole('form', { name: 'Workspace details' }).getByRole('button', { name: 'Save Changes' })).toBeDisabled();

  await panel.getByLabel('Name', { exact: true }).fill('Billing Team');
  await expect(panel.getByRole('form', { name: 'Workspace details' }).getByRole('status')).toHaveText('You have unsaved changes');
  await panel.getByRole('form', { name: 'Workspace details' }).getByRole('button', { name: 'Save Changes' }).click();

  const renamed = editPanel(page, 'Billing Team');
  await expect(renamed).toBeVisible();
  await expect(renamed.getByRole('form', { name: 'Workspace details' }).getByRole('status')).toHaveText('Changes saved');
  await expect(renamed.getByText('(version 2)')).toBeVisible();
  await expect(rowFor(page, 'Billing Team')).toHaveCount(1);
  await expect(rowFor(page, 'Payments Team')).toHaveCount(0);
  expect(await idInRow(rowFor(page, 'Billing Team'))).toBe(id);
  await expect(sidebarSwitcher(page).getByRole('option', { name: 'Billing Team' })).toHaveCount(1);

  // The rename was stored, not just shown.
  await page.reload();
  await expect(rowFor(page, 'Billing Team')).toHaveCount(1);
  expect(await idInRow(rowFor(page, 'Billing Team'))).toBe(id);
});

test('search by name or by ID narrows the table; no match shows the empty state', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Search Alpha' });
  await createWorkspaceViaApi(host, { name: 'Search Beta' });
  await createWorkspaceViaApi(host, { name: 'Gamma Ops' });
  await openApp(page, host);
  await expect(dataRows(page)).toHaveCount(4);

  await searchBox(page).fill('search');
  await expect(dataRows(page)).toHaveCount(2);
  await expect(rowFor(page, 'Search Alpha')).toHaveCount(1);
  await expect(rowFor(page, 'Search Beta')).toHaveCount(1);
  await expect(page.getByText('2 matches')).toBeVisible();

  await searchBox(page).fill('ALPHA');
  await expect(dataRows(page)).toHaveCount(1);
  await expect(rowFor(page, 'Search Alpha')).toHaveCount(1);
  await expect(page.getByText('1 match', { exact: true })).toBeVisible();

  await searchBox(page).fill('');
  await expect(dataRows(page)).toHaveCount(4);
  const gammaId = await idInRow(rowFor(page, 'Gamma Ops'));

  await searchBox(page).fill(gammaId);
  await expect(dataRows(page)).toHaveCount(1);
  await expect(rowFor(page, 'Gamma Ops')).toHaveCount(1);

  // Part of the ID (the random suffix) finds it too.
  await searchBox(page).fill(gammaId.slice(3));
  await expect(dataRows(page)).toHaveCount(1);
  await expect(rowFor(page, 'Gamma Ops')).toHaveCount(1);

  await searchBox(page).fill('no-such-workspace');
  await expect(page.getByText('No workspace name or ID contains “no-such-workspace”. Clear the search to see all workspaces.')).toBeVisible();
  await expect(page.getByText('0 matches')).toBeVisible();
  await expect(rowFor(page, 'Gamma Ops')).toHaveCount(0);

  await searchBox(page).fill('');
  await expect(dataRows(page)).toHaveCount(4);
});

test('the sidebar switcher and the "Current Workspace" select stay in sync, and Overview shows the active workspace', async ({ page, host }) => {
  const alphaId = await createWorkspaceViaApi(host, { name: 'Alpha Squad', environment: 'sandbox' });
  const betaId = await createWorkspaceViaApi(host, { name: 'Beta Squad', environment: 'staging' });
  await openApp(page, host);
  const defaultId = await idInRow(rowFor(page, 'Default Workspace'));
  await expect(sidebarSwitcher(page)).toHaveValue(defaultId);
  await expect(currentWorkspaceSelect(page)).toHaveValue(defaultId);

  await sidebarSwitcher(page).selectOption({ label: 'Beta Squad' });
  await expect(currentWorkspaceSelect(page)).toHaveValue(betaId);
  await expect(page.getByText('Active: Beta Squad')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  const activeStat = page.getByRole('group', { name: 'Active workspace' });
  await expect(activeStat).toContainText('Beta Squad');
  await expect(activeStat).toContainText('Staging');
  await expect(sidebarSwitcher(page)).toHaveValue(betaId);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).click();
  await expect(currentWorkspaceSelect(page)).toHaveValue(betaId);
  await currentWorkspaceSelect(page).selectOption({ label: 'Alpha Squad' });
  await expect(sidebarSwitcher(page)).toHaveValue(alphaId);
  await expect(page.getByText('Active: Alpha Squad')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(activeStat).toContainText('Alpha Squad');
  await expect(activeStat).toContainText('Sandbox');

  // The choice is stored by the core.
  const active = await host.invoke('workspaces:getActive', {});
  expect(active.body.ok && active.body.data.id).toBe(alphaId);
});

test('names over 30 characters are refused next to the field, and the 21st workspace is refused', async ({ page, host }) => {
  await openApp(page, host);

  const tooLong = 'N'.repeat(31);
  const dialog = await submitCreateDialog(page, { name: tooLong });
  const nameInput = dialog.getByLabel('Name', { exact: true });
  await expect(dialog.getByRole('alert')).toHaveText('Name must be at most 30 characters');
  await expect(nameInput).toHaveAttribute('aria-invalid', 'true');
  await expect(nameInput).toHaveAccessibleDescription('Name must be at most 30 characters');
  await expect(dialog).toBeVisible();

  // Exactly 30 characters is fine.
  const longest = 'N'.repeat(30);
  await nameInput.fill(longest);
  await dialog.getByRole('button', { name: 'Create workspace', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(rowFor(page, longest)).toHaveCount(1);
  await expect(rowFor(page, tooLong)).toHaveCount(0);

  // Fill up to 19 of 20 through the API (fast), then create the 20th in the UI.
  const listed = await host.invoke('workspaces:list', {});
  const existing = listed.body.ok ? (listed.body.data.total as number) : NaN;
  expect(existing).toBe(2);
  for (let i = existing + 1; i <= 19; i += 1) await createWorkspaceViaApi(host, { name: `Bulk ${String(i).padStart(2, '0')}` });
  await page.reload();
  await expect(page.getByText('19 of 20 workspaces, including the default workspace')).toBeVisible();
  const createButton = page.getByRole('button', { name: 'Create workspace', exact: true });
  await expect(createButton).toBeEnabled();

  await createWorkspaceViaDialog(page, { name: 'Twentieth' });
  await expect(page.getByText('20 of 20 workspaces, including the default workspace')).toBeVisible();
  await expect(createButton).toBeDisabled();
  const limitNote = page.getByText('You have reached the limit of 20 workspaces. Delete one to create another.');
  await expect(limitNote).toBeVisible();
  await expect(createButton).toHaveAccessibleDescription('You have reached the limit of 20 workspaces. Delete one to create another.');

  // The core refuses the 21st whatever the UI does.
  const refused = await host.invoke('workspaces:create', { name: 'Twenty First' });
  expect(refused.status).toBe(200);
  expect(refused.body).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });

  await page.reload();
  await expect(page.getByText(/limit of 20 workspaces/)).toBeVisible();
  await expect(createButton).toBeDisabled();
  await expect(dataRows(page)).toHaveCount(20);
  await expect(rowFor(page, 'Twenty First')).toHaveCount(0);
});

test('delete asks for the exact name; deleting the active workspace makes the default current', async ({ page, host }) => {
  const doomedId = await createWorkspaceViaApi(host, { name: 'Doomed One' });
  await createWorkspaceViaApi(host, { name: 'Keeper' });
  await openApp(page, host);
  const defaultId = await idInRow(rowFor(page, 'Default Workspace'));

  // The default workspace cannot be deleted at all.
  await rowFor(page, 'Default Workspace').click();
  await expect(editPanel(page, 'Default Workspace')).toBeVisible();
  await expect(editPanel(page, 'Default Workspace').getByRole('button', { name: 'Delete workspace…' })).toHaveCount(0);

  await sidebarSwitcher(page).selectOption({ label: 'Doomed One' });
  await expect(currentWorkspaceSelect(page)).toHaveValue(doomedId);

  await rowFor(page, 'Doomed One').click();
  const panel = editPanel(page, 'Doomed One');
  await panel.getByRole('button', { name: 'Delete workspace…' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Delete Doomed One?' });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(doomedId);
  const typed = confirm.getByLabel('Type "Doomed One" to confirm');
  const deleteButton = confirm.getByRole('button', { name: 'Delete workspace', exact: true });
  await expect(deleteButton).toBeDisabled();

  // Cancel leaves everything as it was.
  await typed.fill('Doomed One');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(rowFor(page, 'Doomed One')).toHaveCount(1);

  await panel.getByRole('button', { name: 'Delete workspace…' }).click();
  await expect(typed).toHaveValue('');
  await expect(deleteButton).toBeDisabled();
  for (const almost of ['Doomed', 'doomed one', 'Doomed One ', 'Doomed  One']) {
    await typed.fill(almost);
    await expect(deleteButton).toBeDisabled();
  }
  await typed.fill('Doomed One');
  await expect(deleteButton).toBeEnabled();
  await deleteButton.click();

  await expect(confirm).toBeHidden();
  await expect(rowFor(page, 'Doomed One')).toHaveCount(0);
  await expect(panel).toBeHidden();
  await expect(rowFor(page, 'Keeper')).toHaveCount(1);
  await expect(currentWorkspaceSelect(page)).toHaveValue(defaultId);
  await expect(sidebarSwitcher(page)).toHaveValue(defaultId);
  await expect(sidebarSwitcher(page).getByRole('option', { name: 'Doomed One' })).toHaveCount(0);
  await expect(page.getByText('Active: Default Workspace')).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('group', { name: 'Active workspace' })).toContainText('Default Workspace');
  await expect(page.getByRole('group', { name: 'Total workspaces' })).toHaveText(/^Total workspaces\s*2\s*of 20 allowed$/);
});

test('unsaved edits are guarded when another row is selected', async ({ page, host }) => {
  const ownerOne = await createMemberViaApi(host, 'owner-one');
  const ownerTwo = await createMemberViaApi(host, 'owner-two');
  await createWorkspaceViaApi(host, { name: 'First WS', ownerMemberId: ownerOne });
  await createWorkspaceViaApi(host, { name: 'Second WS', ownerMemberId: ownerTwo });
  await openApp(page, host);

  await rowFor(page, 'First WS').click();
  const first = editPanel(page, 'First WS');
  await expect(first.getByLabel('Owner', { exact: true })).toHaveValue(ownerOne);
  await first.getByLabel('Owner', { exact: true }).selectOption({ label: 'owner-two' });
  await expect(first.getByRole('form', { name: 'Workspace details' }).getByRole('status')).toHaveText('You have unsaved changes');

  await rowFor(page, 'Second WS').click();
  const guard = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  await expect(guard).toBeVisible();
  await expect(guard).toContainText('Your edits to First WS have not been saved.');
  await guard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(guard).toBeHidden();
  await expect(first).toBeVisible();
  await expect(first.getByLabel('Owner', { exact: true })).toHaveValue(ownerTwo);
  await expect(editPanel(page, 'Second WS')).toHaveCount(0);

  // Closing the editor is guarded the same way.
  await first.getByRole('button', { name: 'Close editor' }).click();
  await expect(guard).toBeVisible();
  await guard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(first.getByLabel('Owner', { exact: true })).toHaveValue(ownerTwo);

  await rowFor(page, 'Second WS').click();
  await expect(guard).toBeVisible();
  await guard.getByRole('button', { name: 'Discard changes' }).click();
  await expect(guard).toBeHidden();
  const second = editPanel(page, 'Second WS');
  await expect(second).toBeVisible();
  await expect(second.getByLabel('Owner', { exact: true })).toHaveValue(ownerTwo);
  await expect(first).toHaveCount(0);

  // Nothing was saved, and a clean editor switches without asking.
  await rowFor(page, 'First WS').click();
  await expect(guard).toHaveCount(0);
  await expect(first.getByLabel('Owner', { exact: true })).toHaveValue(ownerOne);
  await expect(rowFor(page, 'First WS')).toContainText('owner-one');
});

test('workspaces and the active choice survive a host restart', async ({ page, host }) => {
  await createMemberViaApi(host, 'persist-owner');
  await openApp(page, host);
  const id = await createWorkspaceViaDialog(page, { name: 'Durable', owner: 'persist-owner', region: 'Rwanda', environment: 'Sandbox' });
  await currentWorkspaceSelect(page).selectOption({ label: 'Durable' });
  await expect(sidebarSwitcher(page)).toHaveValue(id);

  const oldUrl = host.url;
  const oldToken = host.token;
  await host.restart();
  expect(host.url).not.toBe(oldUrl);
  expect(host.token).not.toBe(oldToken);
  // The new launch does not accept the previous launch's token.
  const stale = await host.invoke('workspaces:list', {}, { token: oldToken });
  expect(stale.status).toBe(401);

  await openApp(page, host);
  const row = rowFor(page, 'Durable');
  await expect(row).toHaveCount(1);
  expect(await idInRow(row)).toBe(id);
  await expect(row).toContainText('Rwanda');
  await expect(row).toContainText('Sandbox');
  await expect(row).toContainText('persist-owner');
  await expect(currentWorkspaceSelect(page)).toHaveValue(id);
  await expect(sidebarSwitcher(page)).toHaveValue(id);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  await expect(page.getByRole('group', { name: 'Active workspace' })).toContainText('Durable');
});
