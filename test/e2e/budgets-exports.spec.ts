import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { USAGE_CSV_COLUMNS, utcDay } from '../../shared/domain/usage-rules';
import { formatMicros, formatCount } from '../../renderer/src/features/usage/usage-format';
import { createWorkspaceViaApi, editPanel, openApp, rowFor } from './ui';
import { expect, test } from './web-host';

const readCsv = (file: string) => {
  const bytes = fs.readFileSync(file);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
  return parse(bytes.toString('utf8'), { bom: true, record_delimiter: '\r\n', columns: true }) as Array<Record<string, string>>;
};

test('Usage: export the report to CSV; the downloaded file parses and its totals equal the page’s totals', async ({ page, host }) => {
  await createWorkspaceViaApi(host, { name: 'Search Platform', monthlyBudgetMinor: 200_000 });
  const generated = await host.runJob('usage:generateSample', { days: 30, rows: 3_000, seed: 11 });
  expect(generated).toMatchObject({ state: 'done', result: { kind: 'usage-generate', inserted: 3_000 } });
  await openApp(page, host);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
  const totals = page.getByRole('definition');
  await expect(totals.first()).toHaveText(/^USD [\d,]+\.\d{2}/);
  const pageSpend = (await totals.nth(0).textContent())!;
  const pageRequests = (await totals.nth(1).textContent())!;

  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export report CSV' }).click();
  // The dialog is named after the job ("Export usage by workspace per day <from> – <to>") and follows it by events.
  const dialog = page.getByRole('dialog', { name: /^Export usage by workspace per day \d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}$/ });
  await expect(dialog.getByRole('status')).toHaveText(/^Exported [\d,]+ rows; the download is in your browser’s downloads$/);
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^gatehouse-usage-by-workspace-per-day-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  const rows = readCsv((await download.path())!);
  expect(rows.length).toBeGreaterThan(0);
  expect(Object.keys(rows[0]!)).toEqual(['period', 'group_by', 'group_id', 'group', 'records', 'requests', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost', 'currency']);
  await expect(dialog.getByRole('progressbar', { name: 'Export progress' })).toBeVisible();

  // Totals per currency from the file, formatted as the page formats them.
  const byCurrency = new Map<string, number>();
  for (const r of rows) byCurrency.set(r.currency!, (byCurrency.get(r.currency!) ?? 0) + Math.round(Number(r.cost) * 1e6));
  const fileSpend = [...byCurrency].map(([currency, micros]) => formatMicros(micros, currency));
  expect(fileSpend.sort()).toEqual(pageSpend.split(' + ').sort());
  expect(formatCount(rows.reduce((a, r) => a + Number(r.requests), 0))).toBe(pageRequests);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  // The served file is gone after the download: a second fetch of the same export is refused.
  const raw = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export raw CSV' }).click();
  const rawRows = readCsv((await (await raw).path())!);
  expect(rawRows.reduce((a, r) => a + Number(r.requests), 0)).toBe(rows.reduce((a, r) => a + Number(r.requests), 0));
});

test('Budgets: a crossed threshold shows as a badge on Workspaces and Overview; thresholds and mode are editable', async ({ page, host }) => {
  const wsId = await createWorkspaceViaApi(host, { name: 'Budgeted Team', monthlyBudgetMinor: 1_000 }); // USD 10.00
  // USD 8.50 spent today (UTC) → 85 % of the budget: the 50 % and 80 % thresholds are crossed.
  const at = `${utcDay(new Date())}T00:00:00.000Z`;
  const csv = [USAGE_CSV_COLUMNS.join(','), `u-1,${at},${wsId},,gpt-4o,10,100,100,0,8500000,USD`].join('\n');
  expect(await host.importCsv(csv)).toMatchObject({ state: 'done', result: { inserted: 1 } });

  await openApp(page, host);
  const row = rowFor(page, 'Budgeted Team');
  await expect(row).toContainText('85.0%');
  await expect(row.getByText('50% crossed')).toBeVisible();
  await expect(row.getByText('80% crossed')).toBeVisible();
  await expect(row.getByText('100% crossed')).toHaveCount(0);

  // Edit the thresholds: a bad value is refused next to its field; a good one is saved and re-badged.
  await row.click();
  const panel = editPanel(page, 'Budgeted Team');
  const section = panel.getByRole('region', { name: 'Budget alerts' });
  await expect(section.getByLabel('Threshold 3 (%)')).toHaveValue('100');
  await section.getByLabel('Threshold 3 (%)').fill('0');
  await section.getByRole('button', { name: 'Save budget alerts' }).click();
  await expect(section.getByRole('alert')).toHaveText('A threshold must be at least 1 %');
  await section.getByLabel('Threshold 3 (%)').fill('85');
  await section.getByRole('button', { name: 'Remove threshold 1' }).click();
  await section.getByLabel('Hard limit (the gateway refuses requests)').check();
  await section.getByRole('button', { name: 'Save budget alerts' }).click();
  await expect(section.getByRole('status')).toHaveText('Budget alerts saved');
  await expect(row.getByText('85% crossed')).toBeVisible();
  await expect(row.getByText('50% crossed')).toHaveCount(0);
  expect((await host.invoke('budgets:get', { workspaceId: wsId })).body).toMatchObject({ ok: true, data: { thresholds: [80, 85], mode: 'hard' } });

  // Overview: this month's spend vs budget per workspace, with the same badges and the org roll-up.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
  const list = page.getByRole('list', { name: 'Spend vs budget per workspace' });
  const item = list.getByRole('listitem', { name: 'Budgeted Team' });
  await expect(item).toContainText('USD 8.50 / USD 10.00 (85.0%)');
  await expect(item.getByText('85% crossed')).toBeVisible();
  await expect(item.getByRole('meter', { name: 'Budgeted Team spend this month' })).toHaveAttribute('aria-valuetext', 'USD 8.50 of USD 10.00');
  await expect(page.getByRole('group', { name: 'Organisation budget USD' })).toContainText('USD 8.50 of');

  // Workspaces CSV: budget settings included, money with fixed decimals.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Workspaces' }).click();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export workspaces CSV' }).click();
  const rows = readCsv((await (await download).path())!);
  expect(rows.find((r) => r.id === wsId)).toMatchObject({ name: 'Budgeted Team', monthly_budget: '10.00', currency: 'USD', budget_thresholds_percent: '80;85', budget_mode: 'hard' });
});
