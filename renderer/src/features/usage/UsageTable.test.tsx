import { cleanup, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { UsageReport, UsageReportRow } from '../../../../shared/contract/usage-schemas';
import { UsageTable } from './UsageTable';

afterEach(cleanup);

// happy-dom does no layout: give the scroll box the size CSS gives it in the app.
const realClientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 480 });
});
afterAll(() => {
  if (realClientHeight) Object.defineProperty(HTMLElement.prototype, 'clientHeight', realClientHeight);
  else delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight;
});

function bigReport(count: number): UsageReport {
  const rows: UsageReportRow[] = Array.from({ length: count }, (_x, i) => ({
    bucket: `2026-06-${String((i % 28) + 1).padStart(2, '0')}`,
    groupId: `key-${i}`,
    groupLabel: `key ${i}`,
    records: 1,
    requests: i,
    inputTokens: 10,
    outputTokens: 5,
    cachedTokens: 0,
    costMicros: ((i * 7919) % count) * 1000, // a permutation, so the maximum is count - 1
    currency: 'USD',
  }));
  const cost = rows.reduce((a, r) => a + r.costMicros, 0);
  return { rows, buckets: [], totals: [{ currency: 'USD', records: count, requests: rows.reduce((a, r) => a + r.requests, 0), inputTokens: 10 * count, outputTokens: 5 * count, cachedTokens: 0, costMicros: cost }] };
}

describe('UsageTable', () => {
  it('renders 100k result rows as one screenful of DOM rows, keeps the totals row, and sorts all rows by cost', async () => {
    const report = bigReport(100_000);
    render(<UsageTable report={report} groupBy="key" />);
    const table = screen.getByRole('table', { name: 'Usage report' });
    expect(table.getAttribute('aria-rowcount')).toBe(String(100_000 + 2));
    const bodyRows = await within(table.querySelector('tbody')!).findAllByRole('row');
    expect(bodyRows.length).toBeGreaterThan(5);
    expect(bodyRows.length).toBeLessThan(60);
    expect(screen.getByRole('columnheader', { name: /API key/ })).toBeTruthy();
    const total = screen.getByRole('row', { name: /^Total/ });
    expect(total.textContent).toContain('100,000 records');
    expect(total.textContent).toContain('USD ');

    await userEvent.click(within(screen.getByRole('columnheader', { name: /Cost/ })).getByRole('button'));
    expect(screen.getByRole('columnheader', { name: /Cost/ }).getAttribute('aria-sort')).toBe('descending');
    const first = within(table.querySelector('tbody')!).getAllByRole('row')[0]!;
    expect(first.textContent).toContain('USD 100.00'); // 99,999 × 1,000 micros rounded: the largest cost of all 100k
  }, 30_000); // 100k rows: ~2 s alone, several times that on a busy CI box next to the other renderer tests
});
