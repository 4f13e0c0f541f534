import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatMicros } from '../../renderer/src/features/usage/usage-format';
import { startReferenceGateway, type ReferenceGateway } from '../reference-gateway/server';
import { createApi } from '../reference-gateway/test-kit';
import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test, type WebHostHandle } from './web-host';

const ADMIN_KEY = 'gha_e2e-sync-admin-key';

async function ok(host: WebHostHandle, channel: string, input: unknown): Promise<any> {
  const { body } = await host.invoke(channel, input);
  if (!body.ok) throw new Error(`${channel} failed: ${body.error.code} ${body.error.message}`);
  return body.data;
}

let gateway: ReferenceGateway;
let gatewayDir: string;
test.beforeEach(async () => {
  gatewayDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-e2e-gateway-'));
  gateway = await startReferenceGateway({ port: 0, dataDir: gatewayDir, adminKeys: [{ key: ADMIN_KEY, label: 'admin' }] });
});
test.afterEach(async () => {
  await gateway.close();
  fs.rmSync(gatewayDir, { recursive: true, force: true });
});

test('Sync: add the remote, review and apply, resolve a rename conflict, apply, pull usage and see it arrive', async ({ page, host }) => {
  // Offline work before there is any remote: a workspace with a key and two granted models.
  const workspaceId = await createWorkspaceViaApi(host, { name: 'Search Platform' });
  await ok(host, 'keys:create', { workspaceId, name: 'search-backend' });
  await ok(host, 'modelGrants:save', { workspaceId, grants: [{ modelId: 'gpt-4o', rpmLimit: 100, tpmLimit: null }, { modelId: 'claude-haiku-4-5', rpmLimit: null, tpmLimit: null }] });

  await openApp(page, host);
  const nav = page.getByRole('navigation', { name: 'Main' });
  // The badge counts the local changes not yet synced.
  await nav.getByRole('link', { name: /^Sync, \d+ local changes not yet synced$/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sync' })).toBeVisible();
  await expect(page.getByText('No remote gateway yet.')).toBeVisible();

  // Add the remote: URL + admin key.
  await page.getByRole('button', { name: 'Add remote', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Add remote' });
  await dialog.getByLabel('Name').fill('Reference gateway');
  await dialog.getByLabel('URL').fill(gateway.url);
  await dialog.getByLabel('Admin key').fill(ADMIN_KEY);
  await dialog.getByRole('button', { name: 'Add remote' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Added remote “Reference gateway”. Test the connection, then review the changes.' })).toBeVisible();
  const remotes = page.getByRole('table', { name: 'Remote gateways and their sync status' });
  await expect(remotes.getByRole('row', { name: /Reference gateway/ })).toContainText(gateway.url);

  // Everything below about this remote is in its panel (the history below repeats plan summaries).
  const sync = page.getByRole('region', { name: 'Changes with “Reference gateway”' });

  // Test the connection.
  await sync.getByRole('button', { name: 'Test connection' }).click();
  const connection = sync.getByRole('region', { name: 'Connection test' });
  await expect(connection.getByRole('definition').nth(0)).toHaveText(/^Yes/); // reachable
  await expect(connection.getByRole('definition').nth(1)).toHaveText('Yes'); // authenticated
  await expect(connection.getByRole('definition').nth(2)).toHaveText('1'); // protocol version
  await expect(connection.getByRole('definition').nth(3)).toHaveText('gatehouse-reference-gateway/1');

  // Review the plan: everything is created on the remote; apply it.
  await sync.getByRole('button', { name: 'Review changes' }).click();
  await expect(sync.getByText(/^\d+ to create, 0 to update, 0 to delete, 0 from the remote, 0 conflicts$/)).toBeVisible();
  await expect(sync.getByRole('region', { name: /^Workspace “Search Platform” · \d+ operations$/ })).toBeVisible();
  await expect(sync.getByRole('table', { name: 'Create on the remote: workspace “Search Platform”' }).getByRole('row', { name: /^name/ })).toContainText('Search Platform');
  const firstApply = sync.getByRole('button', { name: /^Apply \d+ changes$/ });
  const firstCount = Number(/\d+/.exec((await firstApply.textContent()) ?? '')![0]);
  await firstApply.click();
  await expect(sync.getByRole('status').filter({ hasText: `Applied ${firstCount} changes.` })).toBeVisible();
  const api = createApi(gateway.url, ADMIN_KEY);
  expect((await api('GET', `/v1/workspaces/${workspaceId}`)).body.data.name).toBe('Search Platform');

  // A conflict: renamed here (in the edit panel) and, meanwhile, on the gateway (over HTTP, If-Match).
  await nav.getByRole('link', { name: 'Workspaces' }).click();
  await rowFor(page, 'Search Platform').click();
  const editor = editPanel(page, 'Search Platform');
  await editor.getByLabel('Name', { exact: true }).fill('Search (laptop)');
  await editor.getByRole('form', { name: 'Workspace details' }).getByRole('button', { name: 'Save Changes' }).click();
  await expect(editPanel(page, 'Search (laptop)').getByRole('form', { name: 'Workspace details' }).getByRole('status')).toHaveText('Changes saved');
  const current = await api('GET', `/v1/workspaces/${workspaceId}`);
  const renamed = await api('PUT', `/v1/workspaces/${workspaceId}`, { ifMatch: current.body.etag, body: { data: { ...current.body.data, name: 'Search (gateway)' } } });
  expect(renamed.status).toBe(200);

  await nav.getByRole('link', { name: /^Sync, 1 local change not yet synced$/ }).click();
  await sync.getByRole('button', { name: 'Review changes' }).click();
  const conflicts = sync.getByRole('region', { name: 'Conflicts (1)' });
  await expect(conflicts).toBeVisible();
  await expect(conflicts.getByRole('definition').nth(0)).toHaveText('Search (laptop)'); // mine
  await expect(conflicts.getByRole('definition').nth(1)).toHaveText('Search (gateway)'); // theirs
  await expect(conflicts.getByRole('definition').nth(2)).toHaveText('Search Platform'); // at the last sync
  await expect(sync.getByRole('button', { name: /^Apply \d+ changes? \(1 conflict held back\)$/ })).toBeVisible();

  // Keep mine: the plan is made again, now an update of the name on the remote.
  await conflicts.getByRole('button', { name: /^Keep mine: .*, name$/ }).click();
  await expect(sync.getByRole('region', { name: /^Conflicts/ })).toHaveCount(0);
  await expect(sync.getByText('0 to create, 1 to update, 0 to delete, 0 from the remote, 0 conflicts')).toBeVisible();
  await sync.getByRole('button', { name: 'Apply 1 change', exact: true }).click();
  await expect(sync.getByRole('status').filter({ hasText: 'Applied 1 change.' })).toBeVisible();
  expect((await api('GET', `/v1/workspaces/${workspaceId}`)).body.data.name).toBe('Search (laptop)');
  await expect(nav.getByRole('link', { name: 'Sync', exact: true })).toBeVisible(); // no badge: nothing left to sync

  // The next review is empty.
  await sync.getByRole('button', { name: 'Review changes' }).click();
  await expect(sync.getByText('Everything is in sync: nothing to send and nothing to take from the remote.')).toBeVisible();

  // The gateway serves traffic for the synced key; the admin pulls usage and sees it arrive.
  const simulated = gateway.simulateTraffic(40, { seed: 7 });
  expect(simulated).toBe(40);
  const { total } = gateway.db.prepare('SELECT sum(cost_micros) AS total FROM usage_records').get() as { total: number };
  await sync.getByRole('button', { name: 'Pull usage' }).click();
  await expect(sync.getByRole('status').filter({ hasText: 'Pulled 40 usage records: 40 new, 0 already here.' })).toBeVisible();

  await nav.getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toHaveCount(0);
  await expect(page.getByRole('definition').first()).toHaveText(formatMicros(total, 'USD'));
  await expect(page.getByRole('figure', { name: 'Spend (USD) by workspace' }).getByText('Search (laptop)')).toBeVisible();
});
