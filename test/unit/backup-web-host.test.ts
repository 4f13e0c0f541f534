import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINISHED_JOB_STATES, type JobStatus } from '../../shared/contract/job-schemas';
import type { CoreClient } from '../../electron/core/client/core-client';
import type { WebHostFolders } from '../../electron/hosts/web/host-folders';
import type { WebHost } from '../../electron/hosts/web/web-host';
import { closeWebTestHost, startWebTestHost } from './web-host-harness';

// The browser host as a door for backups: the archive is a one-time download at /api/exports/<jobId>,
// a restore reads an upload from POST /api/uploads.
let root: string;
let folders: WebHostFolders;
let client: CoreClient;
let host: WebHost;

beforeEach(async () => {
  ({ root, folders, client, host } = await startWebTestHost('gatehouse-web-backup-'));
});
afterEach(() => closeWebTestHost({ root, client, host }));

const base = () => `http://127.0.0.1:${host.port}`;
const auth = () => ({ Authorization: `Bearer ${host.token}` });
async function invoke(channel: string, input: unknown): Promise<{ ok: boolean; data?: any; error?: any }> {
  const response = await fetch(`${base()}/api/invoke`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ channel, input }) });
  return (await response.json()) as { ok: boolean; data?: any; error?: any };
}
async function settled(first: JobStatus): Promise<JobStatus> {
  for (let job = first; ; ) {
    if (FINISHED_JOB_STATES.includes(job.state)) return job;
    await new Promise((r) => setTimeout(r, 50));
    job = (await invoke('jobs:status', { jobId: first.jobId })).data as JobStatus;
  }
}

describe('browser host: backup download and restore from an upload', () => {
  it('downloads the archive once, then restores it from an upload with its passphrase', async () => {
    const kept = await invoke('workspaces:create', { name: 'In the backup' });
    expect(kept.ok).toBe(true);
    const started = await invoke('backup:create', { passphrase: 'web passphrase 1' });
    const job = await settled(started.data as JobStatus);
    expect(job.result).toMatchObject({ kind: 'backup', downloadable: true, savedTo: null, encrypted: true, fileName: expect.stringMatching(/^gatehouse-backup-.*\.ghbackup$/) });
    const download = await fetch(`${base()}/api/exports/${job.jobId}`, { headers: auth() });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-disposition')).toContain('.ghbackup');
    const archive = Buffer.from(await download.arrayBuffer());
    expect(archive.subarray(0, 8).toString('latin1')).toBe('GHBACKUP');
    expect((await fetch(`${base()}/api/exports/${job.jobId}`, { headers: auth() })).status).toBe(404);
    // The served file is deleted once the response has finished, which can be just after the client has read it all.
    await expect.poll(() => fs.readdirSync(folders.downloadsDir)).toEqual([]);

    const later = await invoke('workspaces:create', { name: 'After the backup' });
    const upload = await fetch(`${base()}/api/uploads`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/octet-stream' }, body: archive });
    const { uploadId } = ((await upload.json()) as { data: { uploadId: string } }).data;
    const inspected = await invoke('backup:inspect', { file: { source: 'upload', uploadId } });
    expect(inspected.data).toMatchObject({ encrypted: true, manifest: null, pickedId: null, replaces: expect.arrayContaining(['gatehouse.sqlite']) });
    const wrong = await settled((await invoke('backup:restore', { file: { source: 'upload', uploadId }, passphrase: 'not the passphrase', confirm: true })).data as JobStatus);
    expect(wrong.error).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'passphrase' }] });
    // The upload is used up by a restore (failed or not): upload again.
    const again = await fetch(`${base()}/api/uploads`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/octet-stream' }, body: archive });
    const second = ((await again.json()) as { data: { uploadId: string } }).data.uploadId;
    const restored = await settled((await invoke('backup:restore', { file: { source: 'upload', uploadId: second }, passphrase: 'web passphrase 1', confirm: true })).data as JobStatus);
    expect(restored.state, JSON.stringify(restored.error)).toBe('done');
    expect((await invoke('workspaces:get', { id: kept.data.id })).ok).toBe(true);
    expect((await invoke('workspaces:get', { id: later.data.id })).ok).toBe(false);
    await expect.poll(() => fs.readdirSync(folders.uploadsDir)).toEqual([]);
  }, 60_000);
});
