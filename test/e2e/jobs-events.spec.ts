import fs from 'node:fs';
import { USAGE_CSV_COLUMNS, utcDay } from '../../shared/domain/usage-rules';
import { createWorkspaceViaApi, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

/** A valid usage CSV of `rows` records for one workspace, today (UTC). */
function usageCsv(workspaceId: string, rows: number, idPrefix = 'r'): string {
  const day = utcDay(new Date());
  const lines = [USAGE_CSV_COLUMNS.join(',')];
  for (let i = 0; i < rows; i++) {
    const minute = String(i % 60).padStart(2, '0');
    lines.push([`${idPrefix}-${i}`, `${day}T00:${minute}:00Z`, workspaceId, '', 'gpt-4o', '1', '120', '40', '0', '1000', 'USD'].join(','));
  }
  return lines.join('\n');
}

/** Writes the CSV next to the test's output and returns its path (a path is handed to the browser far faster than a buffer). */
function csvFile(name: string, csv: string): string {
  const file = test.info().outputPath(name);
  fs.writeFileSync(file, csv);
  return file;
}

async function openUsage(page: import('@playwright/test').Page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Usage' })).toBeVisible();
}

test('Usage import through the upload path: the file is uploaded, then the job shows its progress and the counts', async ({ page, host }) => {
  const workspaceId = await createWorkspaceViaApi(host, { name: 'Uploaders' });
  await openApp(page, host);
  await openUsage(page);
  await page.getByRole('button', { name: 'Import CSV…' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import usage CSV' });
  await dialog.getByLabel('CSV file').setInputFiles(csvFile('usage.csv', usageCsv(workspaceId, 40_000)));

  // The browser streams the file to /api/uploads (not into a JSON call), then starts the job by its upload ID.
  const uploaded = page.waitForResponse((r) => r.url().endsWith('/api/uploads') && r.request().method() === 'POST');
  const started = page.waitForRequest((r) => r.url().endsWith('/api/invoke') && (r.postData() ?? '').includes('"usage:import"'));
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  expect((await uploaded).status()).toBe(200);
  // (The upload's response body is not read here: Chromium's inspector drops it for large uploads.)
  expect(JSON.parse((await started).postData()!)).toEqual({ channel: 'usage:import', input: { source: 'upload', uploadId: expect.stringMatching(/^upl-[a-f0-9]{32}$/) } });

  // Progress arrives by events: the bar and a count of rows checked or written.
  await expect(dialog.getByRole('progressbar', { name: 'Import progress' })).toBeVisible();
  await expect(dialog.getByRole('status')).toHaveText(/^(Checking rows|Writing records)… [\d,]+( of 40,000)? rows$/);
  await expect(dialog).toBeHidden({ timeout: 60_000 });
  await expect(page.getByRole('status').filter({ hasText: 'Imported 40,000 of 40,000 rows (0 already present)' })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Usage report' }).getByRole('row').filter({ hasText: 'Uploaders' })).toContainText('USD 40.00');
  expect((await host.invoke('usage:summary', {})).body).toMatchObject({ ok: true, data: { records: 40_000 } });
});

test('Cancel a running import job: the dialog says so and nothing is imported', async ({ page, host }) => {
  const workspaceId = await createWorkspaceViaApi(host, { name: 'Cancellers' });
  await openApp(page, host);
  await openUsage(page);
  await page.getByRole('button', { name: 'Import CSV…' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import usage CSV' });
  // Large enough that checking its rows takes a while; the job can be cancelled until writing starts.
  await dialog.getByLabel('CSV file').setInputFiles(csvFile('big.csv', usageCsv(workspaceId, 150_000, 'c')));
  await dialog.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(dialog.getByRole('status')).toHaveText(/^Checking rows… [\d,]+ rows$/);
  // While it runs the dialog cannot be dismissed; Cancel is the way out.
  await expect(dialog.getByRole('button', { name: 'Cancel', exact: true })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Cancel import' }).click();
  await expect(dialog.getByRole('alert')).toHaveText(/cancel/i);
  await expect(dialog.getByRole('button', { name: 'Import', exact: true })).toBeEnabled();
  const jobs = (await host.invoke('jobs:list', {})).body;
  expect(jobs.ok && jobs.data.items.find((j: { kind: string }) => j.kind === 'usage-import')).toMatchObject({ state: 'cancelled', error: { code: 'E_CANCELLED' } });
  expect((await host.invoke('usage:summary', {})).body).toMatchObject({ ok: true, data: { records: 0 } });
  await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeVisible();
});

test('changes made elsewhere (another client of the same host) show up without a reload', async ({ page, host }) => {
  await openApp(page, host);
  await expect(rowFor(page, 'From Elsewhere')).toHaveCount(0);
  await createWorkspaceViaApi(host, { name: 'From Elsewhere' });
  await expect(rowFor(page, 'From Elsewhere')).toHaveCount(1);

  await openUsage(page);
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeVisible();
  const active = (await host.invoke('workspaces:getActive', {})).body;
  if (!active.ok) throw new Error(active.error.message);
  expect(await host.importCsv(usageCsv(active.data.id as string, 3, 'x'))).toMatchObject({ state: 'done', result: { inserted: 3 } });
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeHidden();
  await expect(page.getByText('3 usage records from')).toBeVisible();
});

test('Load sample data runs as a job with progress; the page fills in when it is done', async ({ page, host }) => {
  await openApp(page, host);
  await openUsage(page);
  const started = page.waitForResponse((r) => r.url().endsWith('/api/invoke') && (r.request().postData() ?? '').includes('"usage:generateSample"'));
  await page.getByRole('button', { name: 'Load sample data' }).click();
  const answer = (await (await started).json()) as { ok: boolean; data: { jobId: string; kind: string } };
  expect(answer).toMatchObject({ ok: true, data: { kind: 'usage-generate', jobId: expect.stringMatching(/^job-[a-f0-9]{16}$/) } });
  await expect(page.getByRole('status').filter({ hasText: 'Loaded 20,000 sample usage records' })).toBeVisible();
  await expect(page.getByRole('progressbar', { name: 'Sample data progress' })).toHaveCount(0);
  const status = (await host.invoke('jobs:status', { jobId: answer.data.jobId })).body;
  expect(status).toMatchObject({ ok: true, data: { state: 'done', result: { inserted: 20_000 } } });
});

test('a link without the token says what to do instead of showing an empty app', async ({ page, host }) => {
  await page.goto(`${host.origin}/`);
  await expect(page.getByRole('heading', { level: 1, name: 'This link cannot open Gatehouse' })).toBeVisible();
  await expect(page.getByRole('alert')).toHaveText("The link's token is missing or wrong — open the URL the host printed.");
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

  // A token from an earlier launch is refused the same way (the API answers 401).
  await page.goto(`${host.origin}/#token=not-this-launchs-token`);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'This link cannot open Gatehouse' })).toBeVisible();
});
