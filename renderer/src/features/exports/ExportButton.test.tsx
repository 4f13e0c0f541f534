import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportStatus } from '../../../../shared/contract/export-schemas';
import { setBridgeForTests } from '../../ipc/bridge';
import { ExportButton } from './ExportButton';

const running: ExportStatus = {
  jobId: 'exp-0123456789abcdef',
  kind: 'usage-raw',
  state: 'running',
  rowsWritten: 0,
  totalRows: 1000,
  fileName: 'gatehouse-usage-raw-2026-11-01_2026-11-30.csv',
  savedTo: null,
  downloadable: false,
  message: null,
};

/** A scripted core: `status` answers come from the queue (the last one repeats). */
function installBridge(statuses: ExportStatus[], onCancel: () => ExportStatus) {
  const calls: string[] = [];
  setBridgeForTests({
    async invoke(channel) {
      calls.push(channel);
      if (channel === 'exports:start') return { ok: true, data: running };
      if (channel === 'exports:status') return { ok: true, data: statuses.length > 1 ? statuses.shift()! : statuses[0]! };
      if (channel === 'exports:cancel') {
        const cancelled = onCancel();
        statuses.splice(0, statuses.length, cancelled);
        return { ok: true, data: cancelled };
      }
      return { ok: false, error: { code: 'E_NOT_FOUND', message: channel } };
    },
  });
  return calls;
}

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('ExportButton', () => {
  it('shows rows written of the total with a progress bar, and Cancel ends in “no file was written”', async () => {
    const calls = installBridge([{ ...running, rowsWritten: 400 }], () => ({ ...running, rowsWritten: 400, state: 'cancelled', message: 'Export cancelled; no file was written' }));
    render(<ExportButton label="Export raw CSV" request={{ kind: 'usage-raw', from: '2026-11-01', to: '2026-11-30' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export raw CSV' }));
    const dialog = await screen.findByRole('dialog', { name: `Export ${running.fileName}` });
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('400 of 1,000 rows written'));
    const bar = within(dialog).getByRole('progressbar', { name: 'Export progress' });
    expect(bar.getAttribute('value')).toBe('400');
    expect(bar.getAttribute('max')).toBe('1000');
    expect(within(dialog).queryByRole('button', { name: 'Close' })).toBeNull(); // no way to orphan a running export
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel export' }));
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Export cancelled; no file was written.'));
    expect(calls).toContain('exports:cancel');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('reports where the desktop app saved the file', async () => {
    installBridge([{ ...running, rowsWritten: 500 }, { ...running, state: 'done', rowsWritten: 1000, savedTo: '/home/ana/usage.csv', fileName: 'usage.csv' }], () => running);
    let exported: ExportStatus | null = null;
    render(<ExportButton request={{ kind: 'workspaces' }} onExported={(s) => (exported = s)} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    const dialog = await screen.findByRole('dialog');
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Exported 1,000 rows to /home/ana/usage.csv'));
    expect(exported).toMatchObject({ state: 'done', savedTo: '/home/ana/usage.csv' });
  });

  it('shows the core’s refusal when the export cannot start', async () => {
    setBridgeForTests({ invoke: async () => ({ ok: false, error: { code: 'E_VALIDATION', message: 'The end date is before the start date' } }) });
    render(<ExportButton request={{ kind: 'usage-raw', from: '2026-11-30', to: '2026-11-01' }} />);
    await userEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect((await screen.findByRole('alert')).textContent).toBe('The end date is before the start date');
  });
});
