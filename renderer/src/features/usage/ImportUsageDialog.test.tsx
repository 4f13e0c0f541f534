import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../../../shared/contract/errors';
import { setBridgeForTests, type UploadOptions } from '../../ipc/bridge';
import { installFakeBridge, jobStatus, ok } from '../../ipc/testing/fake-bridge';
import { ImportUsageDialog } from './ImportUsageDialog';

const JOB_ID = 'job-00000000000000aa';
const UPLOAD_ID = 'upl-0123456789abcdef0123456789abcdef';
const importJob = (patch: Parameters<typeof jobStatus>[0] extends infer P ? Partial<P> : never) =>
  jobStatus({ jobId: JOB_ID, kind: 'usage-import', label: 'Import usage CSV', state: 'running', ...patch });

afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

/** An upload the test finishes by hand, after reporting progress. */
function manualUpload() {
  let finish: (r: Result<{ uploadId: string }>) => void = () => {};
  let options: UploadOptions = {};
  const files: Blob[] = [];
  const upload = (file: Blob, o: UploadOptions = {}) => {
    files.push(file);
    options = o;
    o.signal?.addEventListener('abort', () => finish({ ok: false, error: { code: 'E_CANCELLED', message: 'Upload cancelled; nothing was imported' } }));
    return new Promise<Result<{ uploadId: string }>>((resolve) => (finish = resolve));
  };
  return { upload, files, progress: (sent: number, total: number) => options.onProgress?.(sent, total), finish: (r: Result<{ uploadId: string }>) => finish(r) };
}

function renderDialog() {
  const events = { imported: [] as string[], closed: 0 };
  render(<ImportUsageDialog open onClose={() => events.closed++} onImported={(m) => events.imported.push(m)} />);
  return { dialog: screen.getByRole('dialog', { name: 'Import usage CSV' }), events };
}

const csv = () => new File(['id,time\n1,2\n'], 'usage.csv', { type: 'text/csv' });

describe('ImportUsageDialog (browser host: upload, then the job)', () => {
  it('shows upload progress, imports by upload ID, follows the job by events and reports the counts', async () => {
    const upload = manualUpload();
    const core = installFakeBridge({ 'usage:import': () => ok(importJob({ state: 'waiting' })), 'jobs:status': () => ok(importJob({ state: 'waiting' })) }, { upload: upload.upload });
    const { dialog, events } = renderDialog();
    await userEvent.upload(within(dialog).getByLabelText('CSV file'), csv());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import' }));
    act(() => upload.progress(512, 2048));
    const bar = within(dialog).getByRole('progressbar', { name: 'Upload progress' });
    expect([bar.getAttribute('value'), bar.getAttribute('max')]).toEqual(['512', '2048']);
    expect(within(dialog).getByRole('status').textContent).toBe('Uploading 512 B of 2.0 KiB…');
    expect(core.callsTo('usage:import')).toEqual([]); // nothing starts before the upload is complete

    await act(async () => upload.finish(ok({ uploadId: UPLOAD_ID })));
    await waitFor(() => expect(core.callsTo('usage:import')).toEqual([{ source: 'upload', uploadId: UPLOAD_ID }]));
    expect(upload.files).toHaveLength(1);
    act(() => core.emitJob(importJob({ message: 'Checking rows', done: 5000 })));
    expect(within(dialog).getByRole('status').textContent).toBe('Checking rows… 5,000 rows');
    act(() => core.emitJob(importJob({ message: 'Writing records', done: 2000, total: 8000, ratePerSecond: 4000, etaSeconds: 1.5 })));
    expect(within(dialog).getByRole('status').textContent).toBe('Writing records… 2,000 of 8,000 rows');
    expect(within(dialog).getByRole('progressbar', { name: 'Import progress' }).getAttribute('value')).toBe('2000');
    expect(within(dialog).getByText('4,000 rows/s · about 2 s left')).toBeTruthy();

    act(() => core.emitJob(importJob({ state: 'done', done: 8000, total: 8000, result: { kind: 'usage-import', rows: 8000, inserted: 7990, duplicates: 10 } })));
    await waitFor(() => expect(events.imported).toEqual(['Imported 7,990 of 8,000 rows (10 already present)']));
    expect(events.closed).toBe(1);
  });

  it('a file with bad rows: the job fails with E_VALIDATION and every issue is listed by line', async () => {
    const upload = manualUpload();
    const core = installFakeBridge({ 'usage:import': () => ok(importJob({})), 'jobs:status': () => ok(importJob({})) }, { upload: upload.upload });
    const { dialog, events } = renderDialog();
    await userEvent.upload(within(dialog).getByLabelText('CSV file'), csv());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import' }));
    await act(async () => upload.finish(ok({ uploadId: UPLOAD_ID })));
    await waitFor(() => expect(core.listeners).toBeGreaterThan(0));
    const issues = [
      { path: 'line 3: requests', message: 'line 3: requests: "lots" is not a whole number ≥ 0' },
      { path: 'line 9: time', message: 'line 9: time: needs a time zone' },
    ];
    act(() => core.emitJob(importJob({ state: 'failed', error: { code: 'E_VALIDATION', message: '2 problems in the file; nothing was imported', issues } })));
    expect(within(dialog).getByRole('alert').textContent).toBe('2 problems in the file; nothing was imported');
    const list = within(dialog).getByRole('list', { name: 'Problems in the file' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(issues.map((i) => i.message));
    expect(events.imported).toEqual([]);
    expect(within(dialog).getByRole('button', { name: 'Import' })).toBeTruthy(); // try another file
  });

  it('Cancel during the upload aborts it; no import starts', async () => {
    const upload = manualUpload();
    const core = installFakeBridge({}, { upload: upload.upload });
    const { dialog } = renderDialog();
    await userEvent.upload(within(dialog).getByLabelText('CSV file'), csv());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import' }));
    expect(within(dialog).queryByRole('button', { name: 'Cancel', exact: true } as never)).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Cancel import' }));
    await waitFor(() => expect(within(dialog).getByRole('alert').textContent).toBe('Upload cancelled; nothing was imported'));
    expect(core.callsTo('usage:import')).toEqual([]);
  });

  it('Cancel while the job runs asks the core to cancel it, and says what became of it', async () => {
    const upload = manualUpload();
    const core = installFakeBridge(
      {
        'usage:import': () => ok(importJob({ message: 'Checking rows' })),
        'jobs:status': () => ok(importJob({ message: 'Checking rows' })),
        'jobs:cancel': () => ok(importJob({ message: 'Cancelling…', done: 100 })),
      },
      { upload: upload.upload },
    );
    const { dialog } = renderDialog();
    await userEvent.upload(within(dialog).getByLabelText('CSV file'), csv());
    await userEvent.click(within(dialog).getByRole('button', { name: 'Import' }));
    await act(async () => upload.finish(ok({ uploadId: UPLOAD_ID })));
    await userEvent.click(await within(dialog).findByRole('button', { name: 'Cancel import' }));
    expect(core.callsTo('jobs:cancel')).toEqual([{ jobId: JOB_ID }]);
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancelling…' })).toBeTruthy());
    act(() => core.emitJob(importJob({ state: 'cancelled', error: { code: 'E_CANCELLED', message: 'Cancelled; nothing was changed' } })));
    expect(within(dialog).getByRole('alert').textContent).toBe('Cancelled; nothing was changed');
  });
});

describe('ImportUsageDialog (desktop: the core opens the file dialog)', () => {
  it('has no file input; “Choose file and import…” starts usage:import {source: "file"}', async () => {
    const core = installFakeBridge({ 'usage:import': () => ok(importJob({ state: 'waiting' })), 'jobs:status': () => ok(importJob({ state: 'waiting' })) });
    const { dialog } = renderDialog();
    expect(within(dialog).queryByLabelText('CSV file')).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Choose file and import…' }));
    expect(core.callsTo('usage:import')).toEqual([{ source: 'file' }]);
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('Choose the CSV file to import…'));
  });
});
