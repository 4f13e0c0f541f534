import { USAGE_CSV_COLUMNS, presetRange, utcDay } from '../../shared/domain/usage-rules';
import { formatMicros } from '../../renderer/src/features/usage/usage-format';
import { createWorkspaceViaApi, openApp } from './ui';
import { expect, test, type WebHostHandle } from './web-host';

async function apiReport(host: WebHostHandle, input: Record<string, unknown>) {
  const { body } = await host.invoke('usage:report', input);
  if (!body.ok) throw new Error(`usage:report failed: ${body.error.message}`);
  return body.data as { rows: Array<{ bucket: string; groupLabel: string; costMicros: number; currency: string }>; totals: Array<{ costMicros: number; currency: string; requests: number }> };
}

test('Usage: load sample data, change range and grouping, see chart, table and totals', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Search Platform', monthlyBudgetMinor: 200_000 });
  await createWorkspaceViaApi(host, { name: 'Support Bots' });
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();

  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeVisible();
  await page.getByRole('button', { name: 'Load sample data' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Loaded 20,000 sample usage records' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeHidden();

  // Default view: last 30 days by workspace, per day. The totals match the core's report.
  const options = page.getByRole('form', { name: 'Report options' });
  await expect(options.getByLabel('Range')).toHaveValue('30d');
  const today = utcDay(new Date());
  const last30 = await apiReport(host, { ...presetRange('30d', today), groupBy: 'workspace', bucket: 'day' });
  const totals = page.getByRole('definition').first();
  await expect(totals).toHaveText(formatMicros(last30.totals[0]!.costMicros, 'USD'));
  const spendChart = page.getByRole('figure', { name: 'Spend (USD) by workspace' });
  await expect(spendChart).toBeVisible();
  await expect(spendChart.getByText('Search Platform')).toBeVisible(); // legend entry
  await expect(page.getByRole('figure', { name: 'Tokens by workspace' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Usage report' });
  await expect(table.getByRole('columnheader', { name: /Workspace/ })).toBeVisible();
  await expect(table.getByRole('row').filter({ hasText: 'Total' })).toContainText(formatMicros(last30.totals[0]!.costMicros, 'USD'));

  // Group by model, weekly buckets over the last 7 days.
  await options.getByLabel('Group by').selectOption({ label: 'Model' });
  await options.getByLabel('Range').selectOption({ label: 'Last 7 days' });
  await options.getByLabel('Bucket').selectOption({ label: 'Week (Mon–Sun)' });
  await expect(page.getByRole('figure', { name: 'Spend (USD) by model' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: /Model/ })).toBeVisible();
  const week = await apiReport(host, { ...presetRange('7d', today), groupBy: 'model', bucket: 'week' });
  await expect(totals).toHaveText(formatMicros(week.totals[0]!.costMicros, 'USD'));
  await expect(page.getByText(`${week.rows.length} rows`)).toBeVisible();
  const mondays = new Set(week.rows.map((r) => r.bucket));
  for (const monday of mondays) expect(new Date(`${monday}T00:00:00Z`).getUTCDay()).toBe(1);
  await expect(table.getByRole('cell', { name: [...mondays][0]!, exact: true }).first()).toBeVisible();

  // Sort by cost (a header button, so keyboard-reachable): numbers sort largest first, then smallest first.
  const costHeader = table.getByRole('columnheader', { name: /Cost/ });
  const dataRows = table.locator('tbody').getByRole('row');
  const byCost = [...week.rows].sort((a, b) => a.costMicros - b.costMicros);
  await costHeader.getByRole('button').click();
  await expect(costHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(dataRows.first()).toContainText(formatMicros(byCost.at(-1)!.costMicros, 'USD'));
  await costHeader.getByRole('button').click();
  await expect(costHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(dataRows.first()).toContainText(formatMicros(byCost[0]!.costMicros, 'USD'));

  // A filter narrows the report to one workspace.
  await options.getByLabel('Group by').selectOption({ label: 'Workspace' });
  await options.getByLabel('Workspace').selectOption({ label: 'Support Bots' });
  await expect(page.getByRole('figure', { name: 'Spend (USD) by workspace' }).getByText('Search Platform')).toHaveCount(0);
  await expect(table.getByRole('row').filter({ hasText: 'Search Platform' })).toHaveCount(0);

  // Custom range with the end before the start: the core's message is shown next to "To".
  await options.getByLabel('Range').selectOption({ label: 'Custom' });
  await options.getByLabel('To').fill('2020-01-01');
  await expect(options.getByText('The end date is before the start date')).toBeVisible();
});

test('Usage: a CSV with a bad row is refused with its line number and imports nothing; a good one imports', async ({ page, host }) => {
  const workspaceId = await createWorkspaceViaApi(host, { name: 'Importers' });
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
  await expect(page.getByRole('heading', { name: 'No usage yet' })).toBeVisible();

  const row = (id: string, requests: string) => [id, `${utcDay(new Date())}T09:00:00Z`, workspaceId, '', 'gpt-4o', requests, '1000', '500', '0', '2500000', 'USD'].join(',');
  const header = USAGE_CSV_COLUMNS.join(',');
  await page.getByRole('button', { name: 'Import CSV…' }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import usage CSV' });
  await dialog.getByLabel('CSV file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from([header, row('u1', '2'), row('u2', 'lots')].join('\n')) });
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog.getByRole('alert')).toContainText('nothing was imported');
  await expect(dialog.getByRole('list', { name: 'Problems in the file' })).toContainText('line 3: requests: "lots" is not a whole number ≥ 0');
  expect((await host.invoke('usage:summary', {})).body).toMatchObject({ ok: true, data: { records: 0 } });

  await dialog.getByLabel('CSV file').setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from([header, row('u1', '2'), row('u2', '3')].join('\n')) });
  await dialog.getByRole('button', { name: 'Import' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('status').filter({ hasText: 'Imported 2 of 2 rows (0 already present)' })).toBeVisible();
  const table = page.getByRole('table', { name: 'Usage report' });
  await expect(table.getByRole('row').filter({ hasText: 'Importers' })).toContainText('USD 5.00');
  await expect(table.getByRole('row').filter({ hasText: 'Total' })).toContainText('5');
});
