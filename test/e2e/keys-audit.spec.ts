import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { createWorkspaceViaApi, openApp } from './ui';
import { expect, test } from './web-host';

test('API key lifecycle: create → copy once → rotate → revoke → delete', async ({ page, host, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'API Keys' }).click();
  await expect(page.getByRole('table', { name: 'API keys' }).getByText('No API keys yet')).toBeVisible();

  await page.getByRole('button', { name: 'Create key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Create API key' });
  await dialog.getByLabel('Key name').fill('backend');
  await dialog.getByLabel('Requests per minute (optional)').fill('600');
  await dialog.getByRole('button', { name: 'Create key' }).click();

  const secretDialog = page.getByRole('dialog', { name: 'Secret for backend' });
  await expect(secretDialog.getByText('It will not be shown again')).toBeVisible();
  const secret = await secretDialog.getByLabel('API key secret').inputValue();
  expect(secret).toMatch(/^gh_live_[0-9A-Za-z]{36}$/);
  await secretDialog.getByRole('button', { name: 'Copy secret' }).click();
  await expect(secretDialog.getByText('Copied to the clipboard')).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await secretDialog.getByRole('button', { name: 'I have saved it' }).click();

  const table = page.getByRole('table', { name: 'API keys' });
  const row = table.getByRole('row').filter({ hasText: 'backend' });
  await expect(row).toContainText(`gh_live_…${secret.slice(-4)}`);
  await expect(row).toContainText('600 / default / workspace');
  await expect(page.getByText('1/20 active keys')).toBeVisible();
  // The secret is never shown again: not in the DOM, not in the key list the renderer received.
  expect(await page.content()).not.toContain(secret);
  const active = (await host.invoke('workspaces:getActive', {})).body;
  if (!active.ok) throw new Error(active.error.message);
  expect(JSON.stringify((await host.invoke('keys:list', { workspaceId: active.data.id })).body)).not.toContain(secret.slice(8));
  expect((await host.invoke('keys:verify', { secret })).body).toMatchObject({ ok: true, data: { keyName: 'backend', matched: 'current' } });

  await row.getByRole('button', { name: 'Rotate backend' }).click();
  const rotate = page.getByRole('alertdialog', { name: 'Rotate backend?' });
  await rotate.getByLabel('Grace window').selectOption({ label: '1 day' });
  await rotate.getByRole('button', { name: 'Rotate key' }).click();
  const rotatedSecret = await page.getByRole('dialog', { name: 'Secret for backend' }).getByLabel('API key secret').inputValue();
  expect(rotatedSecret).not.toBe(secret);
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await expect(row).toContainText(`gh_live_…${rotatedSecret.slice(-4)}`);
  expect((await host.invoke('keys:verify', { secret })).body).toMatchObject({ ok: true, data: { matched: 'previous' } });

  await row.getByRole('button', { name: 'Revoke backend' }).click();
  await page.getByRole('alertdialog', { name: 'Revoke backend?' }).getByRole('button', { name: 'Revoke key' }).click();
  await expect(row).toContainText('revoked');
  await expect(page.getByText('0/20 active keys')).toBeVisible();
  expect((await host.invoke('keys:verify', { secret: rotatedSecret })).body).toMatchObject({ ok: true, data: { status: 'revoked' } });

  await page.getByLabel('Status filter').selectOption('active');
  await expect(table.getByText('No key matches these filters.')).toBeVisible();
  await page.getByLabel('Status filter').selectOption('revoked');
  await row.getByRole('button', { name: 'Delete backend' }).click();
  await page.getByRole('alertdialog', { name: 'Delete backend?' }).getByRole('button', { name: 'Delete key' }).click();
  await expect(table.getByRole('row').filter({ hasText: 'backend' })).toHaveCount(0);
});

test('audit log: filter by workspace and action, open the detail, export the filtered CSV', async ({ page, host }) => {
  const alpha = await createWorkspaceViaApi(host, { name: 'Alpha' });
  await createWorkspaceViaApi(host, { name: 'Beta' });
  expect((await host.invoke('workspaces:update', { id: alpha, changes: { name: 'Alpha Prime', region: 'eu' } })).body.ok).toBe(true);
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();

  const table = page.getByRole('table', { name: 'Audit log' });
  await expect(table.getByRole('row').filter({ hasText: 'workspace.create' }).first()).toBeVisible();
  await page.getByLabel('Workspace', { exact: true }).selectOption({ label: 'Alpha Prime' });
  await page.getByLabel('Action', { exact: true }).selectOption('workspace.update');
  const rows = table.getByRole('row').filter({ has: page.getByRole('cell') });
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('name: Alpha → Alpha Prime');
  await expect(rows.first()).toContainText('region: global → eu');

  await rows.first().click();
  const detail = page.getByRole('dialog', { name: /Audit entry \d+: workspace.update/ });
  await expect(detail.getByRole('region', { name: 'Before' })).toContainText('"name": "Alpha"');
  await expect(detail.getByRole('region', { name: 'After' })).toContainText('"name": "Alpha Prime"');
  await detail.getByRole('button', { name: 'Close' }).click();

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^gatehouse-audit-.*\.csv$/);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.startsWith('\uFEFF')).toBe(true);
  const records = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ action: 'workspace.update', workspace_id: alpha, workspace_name: 'Alpha Prime' });
  // The export ran as a job (exports:start {kind: 'audit'}), streamed to a file the browser downloaded once.
  const exportDialog = page.getByRole('dialog', { name: 'Export audit log' });
  await expect(exportDialog.getByRole('status')).toHaveText('Exported 1 entry; the download is in your browser’s downloads');
  await expect(exportDialog.getByRole('progressbar', { name: 'Export progress' })).toHaveAttribute('value', '1');
  await exportDialog.getByRole('button', { name: 'Close' }).click();
  await expect(exportDialog).toBeHidden();
});
