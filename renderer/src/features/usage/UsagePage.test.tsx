import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { setBridgeForTests } from '../../ipc/bridge';
import { installFakeBridge, jobStatus, ok } from '../../ipc/testing/fake-bridge';
import { UsagePage, SAMPLE_DAYS, SAMPLE_ROWS } from './UsagePage';

const JOB_ID = 'job-00000000000000bb';
const sample = (patch: Partial<Parameters<typeof jobStatus>[0]>) =>
  jobStatus({ jobId: JOB_ID, kind: 'usage-generate', label: 'Generate sample usage', unit: 'records', total: SAMPLE_ROWS, ...patch });

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

function installCore() {
  return installFakeBridge({
    'usage:summary': () => ok({ records: 0, firstDay: null, lastDay: null }),
    'usage:facets': () => ok({ workspaces: [], models: [], keys: [] }),
    'usage:generateSample': () => ok(sample({ state: 'running' })),
    'jobs:status': () => ok(sample({ state: 'running' })),
    'jobs:cancel': () => ok(sample({ state: 'running', done: 6000, message: 'Cancelling…' })),
  });
}

describe('UsagePage: Load sample data is a job', () => {
  it('shows the job’s progress while it runs and offers Cancel; the page says how it ended', async () => {
    const core = installCore();
    render(<UsagePage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Load sample data' }));
    expect(core.callsTo('usage:generateSample')).toEqual([{ days: SAMPLE_DAYS, rows: SAMPLE_ROWS }]);
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));
    act(() => core.emitJob(sample({ state: 'running', done: 6000, ratePerSecond: 12000, etaSeconds: 1.2 })));
    const bar = screen.getByRole('progressbar', { name: 'Sample data progress' });
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['6000', '20000']);
    expect(screen.getByText('Writing sample records: 6,000 of 20,000 records')).toBeTruthy();
    expect(screen.getByText('12,000 records/s · about 1 s left')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Loading sample data…' }) as HTMLButtonElement).disabled).toBe(true);

    await userEvent.click(screen.getByRole('button', { name: 'Cancel loading sample data' }));
    expect(core.callsTo('jobs:cancel')).toEqual([{ jobId: JOB_ID }]);
    const summaries = core.callsTo('usage:summary').length;
    act(() => core.emitJob(sample({ state: 'cancelled', done: 6000, error: { code: 'E_CANCELLED', message: 'Cancelled; the 6,000 sample records written so far are kept' } })));
    await waitFor(() => expect(screen.getByText('Cancelled; the 6,000 sample records written so far are kept')).toBeTruthy());
    expect(screen.queryByRole('progressbar', { name: 'Sample data progress' })).toBeNull();
    await waitFor(() => expect(core.callsTo('usage:summary').length).toBeGreaterThan(summaries)); // the page looks again
  });

  it('done: the counts from the job’s result', async () => {
    const core = installCore();
    render(<UsagePage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Load sample data' }));
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));
    act(() =>
      core.emitJob(sample({ state: 'done', done: SAMPLE_ROWS, result: { kind: 'usage-generate', inserted: 19_998, duplicates: 2, from: '2026-09-02', to: '2026-11-30', seed: 7 } })),
    );
    await waitFor(() => expect(screen.getByText('Loaded 19,998 sample usage records from 2026-09-02 to 2026-11-30')).toBeTruthy());
  });
});
