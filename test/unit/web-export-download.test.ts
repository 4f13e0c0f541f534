import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../shared/contract/event-schemas';
import type { JobStatus } from '../../shared/contract/job-schemas';
import type { CoreClient } from '../../electron/core/client/core-client';
import type { WebHostFolders } from '../../electron/hosts/web/host-folders';
import type { WebHost } from '../../electron/hosts/web/web-host';
import { closeWebTestHost, startWebTestHost } from './web-host-harness';

let root: string;
let folders: WebHostFolders;
let client: CoreClient;
let host: WebHost;
const events: CoreEvent[] = [];

beforeEach(async () => {
  events.length = 0;
  ({ root, folders, client, host } = await startWebTestHost('gatehouse-web-export-', (c) => c.on((e) => events.push(e))));
});
afterEach(() => closeWebTestHost({ root, client, host }));

const base = () => `http://127.0.0.1:${host.port}`;
const auth = () => ({ Authorization: `Bearer ${host.token}` });

async function invoke<T>(channel: string, input: unknown): Promise<T> {
  const response = await fetch(`${base()}/api/invoke`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ channel, input }) });
  const result = (await response.json()) as { ok: boolean; data: T; error?: unknown };
  expect(result).toMatchObject({ ok: true });
  return result.data;
}

/** Resolves when the job's final event has arrived (events, not polling). */
function finished(jobId: string): Promise<JobStatus> {
  return new Promise((resolve) => {
    const look = () => events.find((e): e is Extract<CoreEvent, { type: 'job' }> => e.type === 'job' && e.job.jobId === jobId && ['done', 'failed', 'cancelled'].includes(e.job.state));
    const found = look();
    if (found) return resolve(found.job);
    const off = client.on(() => {
      const now = look();
      if (now) {
        off();
        resolve(now.job);
      }
    });
  });
}

async function finishedExport(): Promise<{ jobId: string; fileName: string }> {
  const { jobId } = await invoke<JobStatus>('exports:start', { kind: 'workspaces' });
  const job = await finished(jobId);
  expect(job).toMatchObject({ state: 'done', result: { kind: 'export', downloadable: true, savedTo: null } });
  if (job.result?.kind !== 'export') throw new Error('not an export');
  return { jobId, fileName: job.result.fileName };
}

describe('GET /api/exports/<jobId>', () => {
  it('serves a finished export once, as an attachment, from the host’s own downloads folder, then deletes it', async () => {
    const { jobId, fileName } = await finishedExport();
    expect(jobId).toMatch(/^job-[a-f0-9]{16}$/);
    expect(fs.readdirSync(folders.downloadsDir)).toEqual([`${jobId}.csv`]);
    expect(fs.existsSync(path.join(root, 'data', 'exports'))).toBe(false); // nothing in the data dir
    expect(await fetch(`${base()}/api/exports/${jobId}`).then((r) => r.status)).toBe(401); // no token
    const response = await fetch(`${base()}/api/exports/${jobId}`, { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"; filename*=UTF-8''${fileName}`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(body.toString('utf8')).toContain('\r\nws-');
    await expect.poll(() => fs.readdirSync(folders.downloadsDir)).toEqual([]);
    expect(await fetch(`${base()}/api/exports/${jobId}`, { headers: auth() }).then((r) => r.status)).toBe(404); // once
  });

  it('a job that is not a finished export is not served (another kind of job, an unknown job)', async () => {
    const csv = 'id,time,workspace_id,key_id,model_id,requests,input_tokens,output_tokens,cached_tokens,cost_micros,currency\nbad';
    const upload = (await (await fetch(`${base()}/api/uploads`, { method: 'POST', headers: auth(), body: csv })).json()) as { data: { uploadId: string } };
    const importJob = await invoke<JobStatus>('usage:import', { source: 'upload', uploadId: upload.data.uploadId });
    await finished(importJob.jobId);
    expect(await fetch(`${base()}/api/exports/${importJob.jobId}`, { headers: auth() }).then((r) => r.status)).toBe(404);
    // A file planted under a job ID the runner does not know is never served.
    fs.writeFileSync(path.join(folders.downloadsDir, 'job-0000000000000000.csv'), 'planted');
    expect(await fetch(`${base()}/api/exports/job-0000000000000000`, { headers: auth() }).then((r) => r.status)).toBe(404);
  });

  it('refuses malformed IDs, path tricks and other methods', async () => {
    for (const p of ['exp-0000000000000000', '..%2f..%2fgatehouse.sqlite', 'job-../../x', 'job-0123456789abcdef/../../x', '']) {
      expect(await fetch(`${base()}/api/exports/${p}`, { headers: auth() }).then((r) => r.status)).toBe(404);
    }
    const { jobId } = await finishedExport();
    expect(await fetch(`${base()}/api/exports/${jobId}`, { method: 'DELETE', headers: auth() }).then((r) => r.status)).toBe(405);
  });
});
