/** What the browser-host tests share: a core client wired the way `npm run web` wires it, on a temp data dir, and a host in front of it. */
import fs from 'node:fs';
import path from 'node:path';
import type { CoreClient } from '../../electron/core/client/core-client';
import { createInProcessClient } from '../../electron/core/client/in-process-client';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { createWebHostFolders, webHostCapabilities, type WebHostFolders } from '../../electron/hosts/web/host-folders';
import { startWebHost, type WebHost } from '../../electron/hosts/web/web-host';

export type WebTestClient = ReturnType<typeof createInProcessClient>;

/** An in-process core in `root/data` that trusts only web callers with a valid token, with the web host's capabilities. */
export function openWebTestClient(root: string, folders: WebHostFolders): WebTestClient {
  return createInProcessClient({
    dataDir: path.join(root, 'data'),
    appVersion: '0.0.0-test',
    localUserName: 'web-test',
    isTrustedSender: (s) => s.kind === 'web' && s.tokenValid,
    logError: () => {},
    externalChangePollMs: 0,
    capabilities: webHostCapabilities(folders),
  });
}

export interface WebTestHost {
  root: string;
  folders: WebHostFolders;
  client: WebTestClient;
  host: WebHost;
}

/** A fresh temp root (empty renderer folder), its client and a host on a free loopback port; `beforeStart` sees the client first. */
export async function startWebTestHost(prefix: string, beforeStart?: (client: WebTestClient) => void): Promise<WebTestHost> {
  const root = makeTempDir(prefix);
  fs.mkdirSync(path.join(root, 'renderer'));
  const folders = createWebHostFolders(root);
  const client = openWebTestClient(root, folders);
  beforeStart?.(client);
  const host = await startWebHost({ client, rendererDir: path.join(root, 'renderer'), port: 0, downloadsDir: folders.downloadsDir, uploadsDir: folders.uploadsDir });
  return { root, folders, client, host };
}

/** Stops the host, closes the store and removes the temp root. */
export async function closeWebTestHost({ root, client, host }: { root: string; client: CoreClient; host: WebHost }): Promise<void> {
  await host.close();
  await client.close();
  fs.rmSync(root, { recursive: true, force: true });
}
