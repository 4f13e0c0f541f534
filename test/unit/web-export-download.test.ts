import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/core';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { startWebHost, type WebHost } from '../../electron/hosts/web/web-host';

let root: string;
let core: Core;
let host: WebHost;

beforeEach(async () => {
  root = makeTempDir('gatehouse-web-export-');
  fs.mkdirSync(path.join(root, 'renderer'));
  core = createCore({
    dataDir: path.join(root, 'data'),
    appVersion: '0.0.0-test',
    localUserName: 'web-test',
    isTrustedSender: (s) => s.kind === 'web' && s.tokenValid,
    logError: () => {},
  });
  host = await startWebHost({ core, rendererDir: path.join(root, 'renderer'), port: 0 });
});
afterEach(async () => {
  await host.close();
  core.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const base = () => `http://127.0.0.1:${host.port}`;
const auth = () => ({ Authorization: `Bearer ${host.token}` });

async function invoke(channel: string, input: unknown) {
  const response = await fetch(`${base()}/api/invoke`, { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ channel, input }) });
  const result = (await response.json()) as { ok: boolean; data: { jobId: string; state: string; fileName: string } };
  expect(result.ok).toBe(true);
  return result.data;
}

async function finishedExport(): Promise<{ jobId: string; fileName: string }> {
  const { jobId } = await invoke('exports:start', { kind: 'workspaces' });
  for (let i = 0; i < 200; i++) {
    const status = await invoke('exports:status', { jobId });
    if (status.state === 'done') return status;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('export did not finish');
}

describe('GET /api/exports/<jobId>', () => {
  it('serves a finished export once, as an attachment, then deletes it', async () => {
    const { jobId, fileName } = await finishedExport();
    expect(await fetch(`${base()}/api/exports/${jobId}`).then((r) => r.status)).toBe(401); // no token
    const response = await fetch(`${base()}/api/exports/${jobId}`, { headers: auth() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"; filename*=UTF-8''${fileName}`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(body.toString('utf8')).toContain('\r\nws-');
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.readdirSync(path.join(root, 'data', 'exports'))).toEqual([]);
    expect(await fetch(`${base()}/api/exports/${jobId}`, { headers: auth() }).then((r) => r.status)).toBe(404); // once
  });

  it('refuses unknown jobs, malformed IDs, path tricks and other methods', async () => {
    for (const p of ['exp-0000000000000000', '..%2f..%2fgatehouse.sqlite', 'exp-../../x', '']) {
      expect(await fetch(`${base()}/api/exports/${p}`, { headers: auth() }).then((r) => r.status)).toBe(404);
    }
    const { jobId } = await finishedExport();
    expect(await fetch(`${base()}/api/exports/${jobId}`, { method: 'DELETE', headers: auth() }).then((r) => r.status)).toBe(405);
  });
});
