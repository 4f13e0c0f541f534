import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, repoRoot, test } from './web-host';

interface CatalogEntry {
  id: string;
  displayName: string;
  vendor: string;
  type: string;
}
const catalog = JSON.parse(fs.readFileSync(path.join(repoRoot, 'electron/core/catalog/model-catalog.json'), 'utf8')) as CatalogEntry[];
const alibabaImages = catalog.filter((m) => m.vendor === 'Alibaba' && m.type === 'image-generation');

const modelSection = (page: Page, workspace: string): Locator => editPanel(page, workspace).getByRole('region', { name: 'Model permission' });

async function openWorkspace(page: Page, name: string): Promise<Locator> {
  await rowFor(page, name).click();
  const section = modelSection(page, name);
  await expect(section.getByRole('button', { name: 'All Models' })).toBeVisible();
  return section;
}

test('model permission: All Models dialog with filters, paging and Select All Results; limits saved and persisted', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Research' });
  await openApp(page, host);

  // The default workspace calls every model and offers no grant list.
  await rowFor(page, 'Default Workspace').click();
  const defaultSection = modelSection(page, 'Default Workspace');
  await expect(defaultSection.getByText('The default workspace can call all models')).toBeVisible();
  await expect(defaultSection.getByRole('button', { name: 'All Models' })).toHaveCount(0);

  const section = await openWorkspace(page, 'Research');
  await expect(section.getByText('No models granted yet')).toBeVisible();
  await section.getByRole('button', { name: 'All Models' }).click();
  const dialog = page.getByRole('dialog', { name: 'Grant models to Research' });
  await expect(dialog.getByRole('table', { name: 'Catalog models' })).toBeVisible();

  await dialog.getByLabel('Page size').selectOption('10');
  await dialog.getByLabel('Vendor').selectOption('Alibaba');
  await dialog.getByLabel('Type').selectOption('text');
  await expect(dialog.getByText(/^57 models · page 1 of 6$/)).toBeVisible();
  await dialog.getByRole('checkbox', { name: 'Select Qwen-Max', exact: true }).check();
  await dialog.getByRole('button', { name: 'Next page' }).click();
  await expect(dialog.getByText(/page 2 of 6$/)).toBeVisible();
  await dialog.getByRole('checkbox', { name: 'Select Qwen-Plus', exact: true }).check();
  await expect(dialog.getByRole('status')).toHaveText('2 selected');

  // The selection survives a filter change; going back to page 1 still shows it checked.
  await dialog.getByLabel('Type').selectOption('image-generation');
  await expect(dialog.getByText(`${alibabaImages.length} models · page 1 of 1`)).toBeVisible();
  await expect(dialog.getByRole('status')).toHaveText('2 selected');
  await dialog.getByRole('button', { name: `Select All Results (${alibabaImages.length})` }).click();
  const total = 2 + alibabaImages.length;
  await expect(dialog.getByRole('status')).toHaveText(`${total} selected`);
  await dialog.getByLabel('Type').selectOption('text');
  await expect(dialog.getByRole('checkbox', { name: 'Select Qwen-Max', exact: true })).toBeChecked();
  await dialog.getByRole('button', { name: `Select (${total})`, exact: true }).click();
  await expect(dialog).toBeHidden();

  const granted = section.getByRole('table', { name: 'Granted models for Research' });
  await expect(granted.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(total);
  await section.getByLabel('Requests/min for Qwen-Max', { exact: true }).fill('100');
  await section.getByLabel('Tokens/min for Qwen-Max', { exact: true }).fill('50000');
  await section.getByLabel('Requests/min for Qwen-Image', { exact: true }).fill('5');
  // An image model is not billed by tokens: no TPM field at all.
  await expect(section.getByLabel('Tokens/min for Qwen-Image', { exact: true })).toHaveCount(0);
  await expect(granted.getByRole('row').filter({ hasText: 'Qwen-Image' }).first()).toContainText('n/a');

  // The unsaved-changes guard covers this section.
  await rowFor(page, 'Default Workspace').click();
  const guard = page.getByRole('alertdialog', { name: 'Discard unsaved changes?' });
  await guard.getByRole('button', { name: 'Keep editing' }).click();

  // The offline limit checker flags RPM 0 on the draft; the core refuses it next to the row.
  await section.getByLabel('Requests/min for Qwen-Plus', { exact: true }).fill('0');
  await expect(section.getByRole('list', { name: 'Limit warnings' })).toContainText('Qwen-Plus has a requests/min limit of 0');
  await section.getByRole('button', { name: 'Save Changes' }).click();
  await expect(section.getByRole('alert').filter({ hasText: 'Requests/min must be at least 1' })).toBeVisible();
  await section.getByLabel('Requests/min for Qwen-Plus', { exact: true }).fill('');
  await expect(section.getByRole('list', { name: 'Limit warnings' })).toHaveCount(0);

  await section.getByRole('button', { name: 'Save Changes' }).click();
  await expect(section.getByRole('status')).toHaveText(`Model permissions saved: ${total} added, 0 changed, 0 removed`);

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Workspaces' })).toBeVisible();
  const reloaded = await openWorkspace(page, 'Research');
  await expect(reloaded.getByLabel('Requests/min for Qwen-Max', { exact: true })).toHaveValue('100');
  await expect(reloaded.getByLabel('Tokens/min for Qwen-Max', { exact: true })).toHaveValue('50000');
  await expect(reloaded.getByLabel('Requests/min for Qwen-Image', { exact: true })).toHaveValue('5');
  await expect(reloaded.getByLabel('Requests/min for Qwen-Plus', { exact: true })).toHaveValue('');

  // Already-granted models show as such in the dialog; remove + Cancel discards.
  await reloaded.getByRole('button', { name: 'All Models' }).click();
  const again = page.getByRole('dialog', { name: 'Grant models to Research' });
  await again.getByLabel('Search models').fill('qwen-max');
  await expect(again.getByRole('checkbox', { name: 'Qwen-Max is already granted', exact: true })).toBeDisabled();
  await expect(again.getByRole('row').filter({ hasText: /^Qwen-Max qwen-maxGranted/ })).toHaveCount(1);
  await again.getByRole('button', { name: 'Cancel' }).click();
  await reloaded.getByRole('button', { name: 'Remove Qwen-Max' }).click();
  await expect(reloaded.getByLabel('Requests/min for Qwen-Max', { exact: true })).toHaveCount(0);
  await reloaded.getByRole('button', { name: 'Cancel' }).click();
  await expect(reloaded.getByLabel('Requests/min for Qwen-Max', { exact: true })).toHaveValue('100');

  const research = (await host.invoke('workspaces:list', {})).body;
  if (!research.ok) throw new Error(research.error.message);
  const id = (research.data.items as Array<{ id: string; name: string }>).find((w) => w.name === 'Research')!.id;
  const stored = (await host.invoke('modelGrants:list', { workspaceId: id })).body;
  expect(stored).toMatchObject({ ok: true, data: { allModels: false, version: 1 } });
  if (stored.ok) expect(stored.data.items).toHaveLength(total);
});

test('bulk grant: pick models and limits once, preview per workspace, apply to two workspaces', async ({ page, host }) => {
  const alpha = await createWorkspaceViaApi(host, { name: 'Alpha' });
  const beta = await createWorkspaceViaApi(host, { name: 'Beta' });
  expect((await host.invoke('modelGrants:save', { workspaceId: beta, grants: [{ modelId: 'qwen3.7-max', rpmLimit: 50, tpmLimit: null }] })).body.ok).toBe(true);
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
  await expect(page.getByText(`${catalog.length} models from 28 vendors`)).toBeVisible();
  const table = page.getByRole('table', { name: 'Model catalog' });
  await page.getByLabel('Search models').fill('qwen3.7');
  await expect(table.getByRole('row').filter({ has: page.getByRole('cell') })).toHaveCount(2);

  await page.getByRole('button', { name: 'Bulk grant…' }).click();
  const bulk = page.getByRole('dialog', { name: 'Bulk grant models' });
  await bulk.getByRole('button', { name: 'Choose models…' }).click();
  const picker = page.getByRole('dialog', { name: 'Choose models to grant' });
  await picker.getByLabel('Search models').fill('qwen3.7');
  await picker.getByRole('button', { name: 'Select All Results (2)' }).click();
  await picker.getByLabel('Search models').fill('qwen-image');
  await picker.getByRole('checkbox', { name: 'Select Qwen-Image', exact: true }).check();
  await picker.getByRole('button', { name: 'Select (3)', exact: true }).click();
  await expect(picker).toBeHidden();
  await expect(bulk.getByText('3 models chosen')).toBeVisible();

  await bulk.getByLabel('Requests/min for each model').fill('120');
  await bulk.getByLabel('Tokens/min for each token-metered model').fill('30000');
  await bulk.getByRole('checkbox', { name: 'Alpha' }).check();
  await bulk.getByRole('checkbox', { name: 'Beta' }).check();
  await bulk.getByRole('button', { name: 'Preview changes' }).click();
  const preview = bulk.getByRole('region', { name: 'Bulk grant preview' });
  await expect(preview.getByRole('group', { name: 'Changes for Alpha' })).toContainText('Alpha: 3 to add, 0 to change');
  await expect(preview.getByRole('group', { name: 'Changes for Beta' })).toContainText('Beta: 2 to add, 1 to change');
  await expect(preview.getByRole('group', { name: 'Changes for Beta' })).toContainText('Change Qwen3.7-Max: RPM 50, TPM default → RPM 120, TPM 30,000');
  await expect(preview.getByRole('group', { name: 'Changes for Alpha' })).toContainText('Add Qwen-Image (RPM 120, TPM default)');
  // Nothing is written by the preview.
  expect((await host.invoke('modelGrants:list', { workspaceId: alpha })).body).toMatchObject({ ok: true, data: { items: [] } });

  await bulk.getByRole('button', { name: 'Apply to 2 workspaces' }).click();
  await expect(bulk.getByRole('status')).toHaveText('Applied: 5 added, 1 changed across 2 workspaces.');
  await bulk.getByRole('button', { name: 'Close' }).click();

  for (const workspaceId of [alpha, beta]) {
    const list = (await host.invoke('modelGrants:list', { workspaceId })).body;
    if (!list.ok) throw new Error(list.error.message);
    expect(list.data.items.map((g: { modelId: string; rpmLimit: number; tpmLimit: number | null }) => [g.modelId, g.rpmLimit, g.tpmLimit])).toEqual([
      ['qwen-image', 120, null],
      ['qwen3.7-max', 120, 30000],
      ['qwen3.7-plus', 120, 30000],
    ]);
  }

  // An account quota below the workspaces' summed TPM (2 × 30,000) shows up in the limit check.
  const quotas = page.getByRole('region', { name: 'Account quotas and limit check' });
  await quotas.getByLabel('Model ID').fill('qwen-image');
  await quotas.getByLabel('Tokens/min quota').fill('1000');
  await quotas.getByRole('button', { name: 'Set quota' }).click();
  await expect(quotas.getByText('Qwen-Image is not billed by tokens, so it has no tokens/min quota')).toBeVisible();
  await quotas.getByLabel('Model ID').fill('qwen3.7-max');
  await quotas.getByLabel('Tokens/min quota').fill('50000');
  await quotas.getByRole('button', { name: 'Set quota' }).click();
  await expect(quotas.getByRole('table', { name: 'Model quotas' }).getByRole('row').filter({ hasText: 'Qwen3.7-Max' })).toContainText('60,000');
  await quotas.getByRole('button', { name: 'Check limits in all workspaces' }).click();
  await expect(quotas.getByRole('list', { name: 'Limit check results' })).toContainText(
    'Workspaces together grant 60,000 tokens/min of Qwen3.7-Max, above the account quota of 50,000',
  );
  await quotas.getByRole('button', { name: 'Remove quota for Qwen3.7-Max' }).click();
  await page.getByRole('alertdialog', { name: 'Remove the quota for Qwen3.7-Max?' }).getByRole('button', { name: 'Remove quota' }).click();
  await expect(quotas.getByText('No quotas yet')).toBeVisible();
});
