import type { Page } from '@playwright/test';
import { createMemberViaApi, createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

// URL routing (hash history): every page and every workspace section has an address; Back/Forward,
// reload and deep links open the right thing; the unsaved-changes guard covers every way out.

const nav = (page: Page) => page.getByRole('navigation', { name: 'Main' });
const hash = (page: Page) => new URL(page.url()).hash;
const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name, exact: true });

test('each page has a URL; Back and Forward move between pages; reload stays on the page', async ({ page, host }) => {
  await openApp(page, host);
  expect(hash(page)).toBe('#/workspaces'); // the token is gone from the address, the route took its place
  await expect(nav(page).getByRole('link', { name: 'Workspaces' })).toHaveAttribute('aria-current', 'page');

  const pages: Array<[string | RegExp, string, string]> = [
    ['Overview', '#/overview', 'Overview'],
    ['API Keys', '#/keys', 'API Keys'],
    ['Models', '#/models', 'Models'],
    ['Provider keys', '#/provider-keys', 'Provider keys'],
    ['Usage', '#/usage', 'Usage'],
    ['Members', '#/members', 'Members'],
    ['Audit log', '#/audit', 'Audit log'],
    [/^Sync\b/, '#/sync', 'Sync'], // its name carries the count of unsynced changes
    ['Settings', '#/settings', 'Settings'],
  ];
  for (const [link, address, title] of pages) {
    const entry = nav(page).getByRole('link', { name: link, exact: true });
    await entry.click();
    await expect(heading(page, title)).toBeVisible();
    expect(hash(page)).toBe(address);
    await expect(entry).toHaveAttribute('aria-current', 'page');
    await expect(entry).toHaveAttribute('href', new RegExp(`${address}$`));
  }

  await page.goBack();
  await expect(heading(page, 'Sync')).toBeVisible();
  await page.goBack();
  await expect(heading(page, 'Audit log')).toBeVisible();
  await page.goForward();
  await expect(heading(page, 'Sync')).toBeVisible();
  expect(hash(page)).toBe('#/sync');

  await page.reload();
  await expect(heading(page, 'Sync')).toBeVisible();

  await page.goto(`${host.origin}/#/no-such-page`);
  await expect(heading(page, 'Page not found')).toBeVisible();
  await page.getByRole('link', { name: 'Go to Workspaces' }).click();
  await expect(heading(page, 'Workspaces')).toBeVisible();
});

test('a workspace and each of its sections has a URL; deep links and Back open the right one', async ({ page, host }) => {
  const alpha = await createWorkspaceViaApi(host, { name: 'Alpha' });
  const beta = await createWorkspaceViaApi(host, { name: 'Beta' });
  await openApp(page, host);

  await rowFor(page, 'Alpha').click();
  await expect(editPanel(page, 'Alpha')).toBeVisible();
  expect(hash(page)).toBe(`#/workspaces/${alpha}`);
  await rowFor(page, 'Beta').click();
  await expect(editPanel(page, 'Beta')).toBeVisible();
  expect(hash(page)).toBe(`#/workspaces/${beta}`);

  await page.goBack();
  await expect(editPanel(page, 'Alpha')).toBeVisible();
  await expect(editPanel(page, 'Beta')).toHaveCount(0);
  await page.goBack();
  await expect(editPanel(page, 'Alpha')).toHaveCount(0);
  expect(hash(page)).toBe('#/workspaces');

  // A section link names the section in the URL and moves focus to it.
  await page.goForward();
  const panel = editPanel(page, 'Alpha');
  const sections = panel.getByRole('navigation', { name: 'Workspace sections' });
  await sections.getByRole('link', { name: 'Budget' }).click();
  expect(hash(page)).toBe(`#/workspaces/${alpha}/budget`);
  await expect(sections.getByRole('link', { name: 'Budget' })).toHaveAttribute('aria-current', 'location');
  await expect(page.locator('#workspace-section-budget')).toBeFocused();
  await expect(sections.getByRole('link', { name: 'Members' })).toHaveAttribute('href', `#/workspaces/${alpha}/members`);

  // Deep links: typed or pasted into the address bar of this tab, and after a reload.
  await page.goto(`${host.origin}/#/workspaces/${beta}/models`);
  await expect(editPanel(page, 'Beta')).toBeVisible();
  await expect(page.locator('#workspace-section-models')).toBeFocused();
  await page.reload();
  await expect(editPanel(page, 'Beta')).toBeVisible();
  await expect(page.locator('#workspace-section-models')).toBeFocused();

  // An unknown section falls back to the workspace; an unknown workspace says so.
  await page.goto(`${host.origin}/#/workspaces/${beta}/nonsense`);
  await expect(editPanel(page, 'Beta')).toBeVisible();
  await expect.poll(() => hash(page)).toBe(`#/workspaces/${beta}`);
  await page.goto(`${host.origin}/#/workspaces/ws-doesnotexist`);
  await expect(page.getByText('There is no workspace with ID ws-doesnotexist')).toBeVisible();
});

test('unsaved edits are guarded on every way out: sidebar, Back, a typed URL, reload; sections of the same workspace are not', async ({ page, host }) => {
  await createMemberViaApi(host, 'guard-owner');
  const id = await createWorkspaceViaApi(host, { name: 'Guarded' });
  await openApp(page, host);
  await rowFor(page, 'Guarded').click();
  const panel = editPanel(page, 'Guarded');
  await panel.getByLabel('Description', { exact: true }).fill('half-typed');
  await expect(panel.getByRole('form', { name: 'Workspace details' }).getByRole('status')).toHaveText('You have unsaved changes');
  const guard = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });

  // Moving between sections keeps the draft and does not ask.
  await panel.getByRole('navigation', { name: 'Workspace sections' }).getByRole('link', { name: 'Members' }).click();
  await expect(guard).toHaveCount(0);
  expect(hash(page)).toBe(`#/workspaces/${id}/members`);

  // The sidebar.
  await nav(page).getByRole('link', { name: 'Usage' }).click();
  await expect(guard).toBeVisible();
  await guard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(guard).toBeHidden();
  expect(hash(page)).toBe(`#/workspaces/${id}/members`);
  await expect(panel.getByLabel('Description', { exact: true })).toHaveValue('half-typed');

  // Back (the entry before was the workspace list).
  await page.goBack();
  await expect(guard).toBeVisible();
  await guard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(panel.getByLabel('Description', { exact: true })).toHaveValue('half-typed');
  await expect.poll(() => hash(page)).toBe(`#/workspaces/${id}/members`);

  // A URL typed into the address bar of this tab (a same-document hash change).
  await page.evaluate(() => {
    window.location.hash = '#/audit';
  });
  await expect(guard).toBeVisible();
  await guard.getByRole('button', { name: 'Keep editing' }).click();
  await expect(panel.getByLabel('Description', { exact: true })).toHaveValue('half-typed');

  // Reload asks through the browser's own prompt.
  let prompted = false;
  page.once('dialog', (dialog) => {
    prompted = dialog.type() === 'beforeunload';
    void dialog.dismiss();
  });
  await page.reload({ timeout: 3_000 }).catch(() => {});
  expect(prompted).toBe(true);
  await expect(panel.getByLabel('Description', { exact: true })).toHaveValue('half-typed');

  // Discard goes where the user asked to go, and nothing was saved.
  await nav(page).getByRole('link', { name: 'Usage' }).click();
  await guard.getByRole('button', { name: 'Discard changes' }).click();
  await expect(heading(page, 'Usage')).toBeVisible();
  const saved = await host.invoke('workspaces:get', { id });
  expect(saved.body.ok).toBe(true);
  expect(saved.body.ok && saved.body.data.description).not.toBe('half-typed');
});
