import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCore } from '../../core/core';
import { defaultDataDir } from '../../core/data-dir';
import { APP_VERSION } from '../app-version';
import { startWebHost } from './web-host';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'renderer-dir': { type: 'string' } },
});
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const rendererDir = path.resolve(values['renderer-dir'] ?? path.join(repoRoot, 'dist/renderer'));
if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
  console.error(`The renderer is not built (${rendererDir}/index.html is missing). Run: npm run build:renderer`);
  process.exit(1);
}
const port = values.port === undefined ? 0 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`E_VALIDATION: --port must be 0-65535, got "${values.port}"`);
  process.exit(2);
}
const dataDir = values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir();
const core = createCore({
  dataDir,
  appVersion: APP_VERSION,
  isTrustedSender: (sender) => sender.kind === 'web' && sender.tokenValid,
});
const host = await startWebHost({ core, rendererDir, port });
console.log(`Gatehouse web host: ${host.url}`);
console.log(`Data dir: ${dataDir}  (Ctrl+C to stop)`);

const stop = async () => {
  await host.close();
  core.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
