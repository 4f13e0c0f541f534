import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { createMemberViaApi, createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test, type WebHostHandle } from './web-host';

// axe-core on every page (and the main dialogs), light and dark, at 1024 and 1440 px: no violation of
// any impact. axe is injected through the DevTools protocol, so the page keeps the CSP the host sends
// (no bypassCSP). At 1024 px no page scrolls sideways as a whole; wide tables scroll in their own box.

const WIDTHS = [
  { width: 1024, height: 700 },
  { width: 1440, height: 900 },
] as const;
const THEMES = ['light', 'dark'] as const;

const PAGES: Array<{ path: string; title: string }> = [
  { path: '/overview', title: 'Overview' },
  { path: '/workspaces', title: 'Workspaces' },
  { path: '/keys', title: 'API Keys' },
  { path: '/models', title: 'Models' },
  { path: '/provider-keys', title: 'Provider keys' },
  { path: '/usage', title: 'Usage' },
  { path: '/members', title: 'Members' },
  { path: '/audit', title: 'Audit log' },
  { path: '/sync', title: 'Sync' },
  { path: '/settings', title: 'Settings' },
];

async function seed(host: WebHostHandle): Promise<string> {
  const owner = await createMemberViaApi(host, 'Ada Admin');
  const id = await createWorkspaceViaApi(host, { name: 'Research', ownerMemberId: owner, monthlyBudgetMinor: 50_000 });
  const active = await host.invoke('workspaces:getActive', {});
  if (!active.body.ok) throw new Error(active.body.error.message);
  const key = await host.invoke('keys:create', { workspaceId: active.body.data.id, name: 'a-key-with-a-rather-long-name', expiresAt: null, rpmLimit: 600, tpmLimit: null, monthlyBudgetMinor: null });
  expect(key.body.ok).toBe(true);
  const sample = await host.runJob('usage:generateSample', { days: 30, rows: 2_000, seed: 5 });
  expect(sample.state).toBe('done');
  return id;
}

/** Runs axe on what is on screen; the failure message lists each violation with its nodes. */
async function expectNoViolations(page: Page, where: string, only?: string): Promise<void> {
  // Only violations are needed in full; fewer node lists to collect keeps each run to a few seconds.
  const builder = new AxeBuilder({ page }).options({ resultTypes: ['violations'] });
  // A dialog is checked on its own: the page behind it (inert while it is open) was checked before.
  if (only) builder.include(only);
  const results = await builder.analyze();
  const found = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1).join(' ')}`).join('\n    ')}`);
  expect(found, `axe violations on ${where}`).toEqual([]);
}

async function expectNoPageScrollSideways(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `the page scrolls sideways on ${where}`).toBeLessThanOrEqual(0);
}

for (const theme of THEMES) {
  for (const size of WIDTHS) {
    test(`every page and the main dialogs: 0 axe violations, ${theme} theme, ${size.width} px`, async ({ page, host }) => {
      test.setTimeout(360_000); // ~16 axe runs; a busy 2-core machine needs the headroom
      const workspaceId = await seed(host);
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme: theme });
      await openApp(page, host);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme); // followed the OS setting

      for (const { path, title } of PAGES) {
        await page.goto(`${host.origin}/#${path}`);
        await expect(page.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
        await expect(page.getByRole('status').filter({ hasText: /^Loading…$/ })).toHaveCount(0);
        if (path === '/usage') await expect(page.locator('.usage-chart').first()).toBeVisible();
        const where = `${path} (${theme}, ${size.width} px)`;
        await expectNoViolations(page, where);
        await expectNoPageScrollSideways(page, where);
      }

      // The workspace editor (deep link), then the dialogs opened from the pages.
      await page.goto(`${host.origin}/#/workspaces/${workspaceId}`);
      await expect(editPanel(page, 'Research')).toBeVisible();
      await expectNoViolations(page, `the workspace editor (${theme}, ${size.width} px)`);
      await expectNoPageScrollSideways(page, `the workspace editor (${theme}, ${size.width} px)`);
      await editPanel(page, 'Research').getByLabel('Description', { exact: true }).fill('draft');
      await rowFor(page, 'Default Workspace').click();
      await expect(page.getByRole('alertdialog', { name: 'Discard unsaved changes?' })).toBeVisible();
      await expectNoViolations(page, `the discard dialog (${theme}, ${size.width} px)`, 'dialog[open]');
      await page.getByRole('button', { name: 'Discard changes' }).click();

      await page.getByRole('button', { name: 'Create workspace', exact: true }).click();
      await expect(page.getByRole('dialog', { name: 'Create workspace' })).toBeVisible();
      await expectNoViolations(page, `Create workspace (${theme}, ${size.width} px)`, 'dialog[open]');
      await page.keyboard.press('Escape');

      await page.goto(`${host.origin}/#/keys`);
      await page.getByRole('button', { name: 'Create key' }).click();
      await expect(page.getByRole('dialog', { name: 'Create API key' })).toBeVisible();
      await expectNoViolations(page, `Create API key (${theme}, ${size.width} px)`, 'dialog[open]');
      await page.keyboard.press('Escape');

      await page.goto(`${host.origin}/#/models`);
      await page.getByRole('button', { name: 'Bulk grant…' }).click();
      const bulk = page.getByRole('dialog', { name: 'Bulk grant models' });
      await expect(bulk).toBeVisible();
      await expectNoViolations(page, `Bulk grant (${theme}, ${size.width} px)`, 'dialog[open]');
      await bulk.getByRole('button', { name: 'Choose models…' }).click();
      await expect(page.getByRole('dialog', { name: 'Choose models to grant' })).toBeVisible();
      await expectNoViolations(page, `Choose models (${theme}, ${size.width} px)`, 'dialog[open]');
    });
  }
}

test('the theme toggle overrides the OS setting and persists across reloads', async ({ page, host }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await openApp(page, host);
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'light');
  const toggle = page.getByRole('navigation', { name: 'Main' }).getByLabel('Theme');
  await expect(toggle).toHaveValue('system');
  await toggle.selectOption({ label: 'Dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  const background = await page.evaluate(() => getComputedStyle(document.querySelector('.content')!.parentElement!).getPropertyValue('--bg').trim());
  expect(background).toBe('#12161f');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toHaveValue('dark');
  // "Same as system" follows the OS again, live.
  await toggle.selectOption({ label: 'Same as system' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: test.info().outputPath('dark-workspaces.png') });
});
