import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { setBridgeForTests } from '../../ipc/bridge';
import { installFakeBridge, jobStatus, ok } from '../../ipc/testing/fake-bridge';
import { ExportButton } from './ExportButton';

const JOB_ID = 'job-0123456789abcdef';
const FILE = 'gatehouse-usage-raw-2026-11-01_2026-11-30.csv';
const first = jobStatus({ jobId: JOB_ID, state: 'waiting', total: 1000 });
const running = (done: number, extra: Partial<JobStatus> = {}) => jobStatus({ jobId: JOB_ID, state: 'running', total: 1000, done, ...extra });
const done = (savedTo: string | null, downloadable: boolean) =>
  jobStatus({
    jobId: JOB_ID,
    state: 'done',
    total: 1000,
    done: 1000,
    etaSeconds: 0,
    finishedAt: '2026-11-30T10:00:02.000Z',
    result: { kind: 'export', rowsWritten: 1000, fileName: savedTo ? 'usage.csv' : FILE, savedTo, downloadable },
  });

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

const dialogOf = () => screen.findByRole('dialog', { name: first.label });

describe('ExportButton', () => {
  it('follows the job by events (rows of total, rate, time left) without polling, and Cancel ends in “no file was written”', async () => {
    const core = installFakeBridge({
      'exports:start': () => ok(first),
      'jobs:status': () => ok(first),
      'jobs:cancel': () => ok(running(400, { message: 'Cancelling…' })),
    });
    render(<ExportButton label="Export raw CSV" request={{ kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export raw CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));

    act(() => core.emitJob(running(400, { ratePerSecond: 2000, etaSeconds: 0.3 })));
    expect(within(dialog).getByRole('status').textContent).toBe('400 of 1,000 rows written');
    expect(within(dialog).getByText('2,000 rows/s · about 1 s left')).toBeTruthy();
    const bar = within(dialog).getByRole('progressbar', { name: 'Export progress' });
    expect(bar.getAttribute('value')).toBe('400');
    expect(bar.getAttribute('max')).toBe('1000');
    expect(within(dialog).queryByRole('button', { name: 'Close' })).toBeNull(); // no way to orphan a running export

    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel export' }));
    expect(core.callsTo('jobs:cancel')).toEqual([{ jobId: JOB_ID }]);
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Cancelling… 400 of 1,000 rows written'));
    act(() =>
      core.emitJob(
        jobStatus({ jobId: JOB_ID, state: 'cancelled', total: 1000, done: 400, error: { code: 'E_CANCELLED', message: 'Export cancelled; no file was written' } }),
      ),
    );
    expect(within(dialog).getByRole('status').textContent).toBe('Export cancelled; no file was written.');
    // Followed by events only: one status request when following began, none per progress step.
    expect(core.callsTo('jobs:status')).toHaveLength(1);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('an event that overtakes the status answer is not overwritten by the older answer', async () => {
    let answer: (r: ReturnType<typeof ok>) => void = () => {};
    const core = installFakeBridge({
      'exports:start': () => ok(first),
      'jobs:status': () => new Promise((resolve) => (answer = resolve)),
    });
    render(<ExportButton request={{ kind: 'workspaces' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(core.callsTo('jobs:status')).toHaveLength(1));
    act(() => core.emitJob(running(700)));
    await act(async () => answer(ok(running(100))));
    expect(within(dialog).getByRole('status').textContent).toBe('700 of 1,000 rows written');
  });

  it('reports where the desktop app saved the file, and does not download it', async () => {
    const downloads: string[] = [];
    const core = installFakeBridge(
      { 'exports:start': () => ok(first), 'jobs:status': () => ok(running(500)) },
      { download: async (jobId) => (downloads.push(jobId), 0) },
    );
    let exported: JobStatus | null = null;
    render(<ExportButton request={{ kind: 'workspaces' }} onExported={(s) => (exported = s)} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('500 of 1,000 rows written'));
    act(() => core.emitJob(done('/home/ana/usage.csv', false)));
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Exported 1,000 rows to /home/ana/usage.csv'));
    expect(exported).toMatchObject({ state: 'done', result: { savedTo: '/home/ana/usage.csv' } });
    expect(downloads).toEqual([]);
  });

  it('browser host: a finished downloadable export is fetched once, then reported', async () => {
    const fetched: Array<[string, string]> = [];
    const core = installFakeBridge(
      { 'exports:start': () => ok(first), 'jobs:status': () => ok(first) },
      { download: async (jobId, fileName) => (fetched.push([jobId, fileName]), 1234) },
    );
    render(<ExportButton label="Export raw CSV" nouns={['record', 'records']} request={{ kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export raw CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));
    act(() => core.emitJob(done(null, true)));
    act(() => core.emitJob(done(null, true))); // a repeated final event does not download twice
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Exported 1,000 records; the download is in your browser’s downloads'));
    expect(fetched).toEqual([[JOB_ID, FILE]]);
  });

  it('a failed job shows its typed error (a storage error is not “Something went wrong”)', async () => {
    const core = installFakeBridge({ 'exports:start': () => ok(first), 'jobs:status': () => ok(first) });
    render(<ExportButton request={{ kind: 'workspaces' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));
    act(() => core.emitJob(jobStatus({ jobId: JOB_ID, state: 'failed', error: { code: 'E_STORAGE', message: 'The disk is full; nothing was changed' } })));
    expect(within(dialog).getByRole('status').textContent).toBe('The disk is full; nothing was changed');
  });

  it('after a reconnect of the event stream the status is asked again (events may have been missed)', async () => {
    let answer = running(100);
    const core = installFakeBridge({ 'exports:start': () => ok(first), 'jobs:status': () => ok(answer) });
    render(<ExportButton request={{ kind: 'workspaces' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const dialog = await dialogOf();
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('100 of 1,000 rows written'));
    answer = done('/tmp/w.csv', false);
    act(() => core.resync());
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Exported 1,000 rows to /tmp/w.csv'));
    expect(core.callsTo('jobs:status')).toHaveLength(2);
  });

  it('shows the core’s refusal when the export cannot start', async () => {
    installFakeBridge({ 'exports:start': () => ({ ok: false, error: { code: 'E_VALIDATION', message: 'The end date is before the start date' } }) });
    render(<ExportButton request={{ kind: 'usage-raw', from: '2026-11-30', to: '2026-11-01' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The end date is before the start date');
  });
});
