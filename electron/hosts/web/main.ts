import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CoreClient } from '../../core/client/core-client';
import { createWorkerClient } from '../../core/client/worker-client';
import { defaultDataDir } from '../../core/data-dir';
import { APP_VERSION } from '../app-version';
import { createWebHostFolders, webHostCapabilities } from './host-folders';
import { startWebHost, type WebHost } from './web-host';

/** One clean line (`CODE: message`), never a stack: startup problems are the user's to fix. */
function fail(code: string, message: string, exitCode = 1): never {
  console.error(`${code}: ${message}`);
  process.exit(exitCode);
}

let parsed;
try {
  parsed = parseArgs({
    args: process.argv.slice(2),
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'renderer-dir': { type: 'string' } },
  });
} catch (error) {
  fail('E_VALIDATION', (error as Error).message, 2);
}
const { values } = parsed;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rendererDir = path.resolve(values['renderer-dir'] ?? path.join(repoRoot, 'dist/renderer'));
if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
  fail('E_NOT_FOUND', `The renderer is not built (${rendererDir}/index.html is missing). Run: npm run build:renderer`);
}
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('E_VALIDATION', `--port must be 0-65535, got "${values.port}"`, 2);
const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();

// The host's own transient folders (exports waiting for their download, uploads waiting for
// their import): private to this launch, removed at exit. See host-folders.ts for why not the data dir.
const folders = createWebHostFolders();
process.on('exit', () => folders.remove());

let client: CoreClient | null = null;
let host: WebHost | null = null;
let stopping = false;

const stop = async (exitCode: number) => {
  if (stopping) return;
  stopping = true;
  // Stop accepting and end the event streams, then let the core cancel its jobs at a chunk
  // boundary and close the store.
  await host?.close();
  await client?.close();
  folders.remove();
  process.exit(exitCode);
};
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

try {
  // The core runs in a worker thread: this event loop only moves bytes, it never runs SQL.
  client = await createWorkerClient({
    dataDir,
    appVersion: APP_VERSION,
    isTrustedSender: (sender) => sender.kind === 'web' && sender.tokenValid,
    capabilities: webHostCapabilities(folders),
    onCrash: (error) => {
      // Before the host is up, a failed open arrives as the rejection below instead.
      if (!host || stopping) return;
      console.error(`E_INTERNAL: The Gatehouse core stopped unexpectedly (${error.message}); the web host exits`);
      void stop(1);
    },
  });
} catch (error) {
  folders.remove();
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && code.startsWith('E_')) fail(code, message);
  fail('E_INTERNAL', `The Gatehouse core could not start on ${dataDir}: ${message}`);
}

try {
  host = await startWebHost({ client, rendererDir, port, downloadsDir: folders.downloadsDir, uploadsDir: folders.uploadsDir });
} catch (error) {
  await client.close();
  folders.remove();
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail('E_CONFLICT', `Port ${port} is in use (another program, or another Gatehouse web host, listens there); choose another with --port`);
  if (code === 'EACCES') fail('E_FORBIDDEN', `Port ${port} needs privileges this user does not have; choose one above 1023 with --port`);
  fail('E_INTERNAL', `The web host could not start: ${(error as Error).message}`);
}
console.log(`Gatehouse web host: ${host.url}`);
console.log(`Data dir: ${dataDir}  (Ctrl+C to stop)`);
