import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startReferenceGateway, type ReferenceGateway } from './server';

// `npm run gateway -- [--port N] [--data-dir DIR] [--admin-key-file FILE] [--simulate-traffic]`
// The reference gatehouse-v1 gateway, for tests and for trying sync locally; not a production gateway.

/** One clean line (`CODE: message`), never a stack: startup problems are the user's to fix. */
function fail(code: string, message: string, exitCode = 1): never {
  console.error(`${code}: ${message}`);
  process.exit(exitCode);
}

let values;
try {
  ({ values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'admin-key-file': { type: 'string' },
      'simulate-traffic': { type: 'boolean' },
    },
  }));
} catch (error) {
  fail('E_VALIDATION', (error as Error).message, 2);
}

const port = values.port === undefined ? 8787 : Number(values.port);
if (!/^\d+$/.test(values.port ?? '8787') || port > 65535) fail('E_VALIDATION', `--port must be 0-65535, got "${values.port}"`, 2);
const dataDir = path.resolve(values['data-dir'] ?? '.gateway-data');
const keyFile = path.resolve(values['admin-key-file'] ?? path.join(dataDir, 'admin-key'));

const reason = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOTDIR' ? 'a path component is not a folder' : code === 'EROFS' ? 'read-only file system' : (code ?? String(error));
};

try {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.accessSync(dataDir, fs.constants.R_OK | fs.constants.W_OK | fs.constants.X_OK);
} catch (error) {
  fail('E_STORAGE', `Cannot use the data dir ${dataDir} (${reason(error)})`);
}

let adminKey: string;
try {
  adminKey = fs.readFileSync(keyFile, 'utf8').trim();
  if (!adminKey) fail('E_VALIDATION', `The admin key file ${keyFile} is empty`);
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fail('E_STORAGE', `Cannot read the admin key file ${keyFile} (${reason(error)})`);
  adminKey = `gha_${crypto.randomBytes(32).toString('base64url')}`;
  try {
    fs.mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    fs.writeFileSync(keyFile, `${adminKey}\n`, { mode: 0o600, flag: 'wx' });
  } catch (writeError) {
    fail('E_STORAGE', `Cannot write a new admin key to ${keyFile} (${reason(writeError)})`);
  }
  // The path, never the key: terminals and CI logs keep what is printed.
  console.log(`New admin key written to ${keyFile}`);
}

let gateway: ReferenceGateway;
try {
  gateway = await startReferenceGateway({ port, dataDir, adminKeys: [{ key: adminKey, label: 'admin' }] });
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') fail('E_CONFLICT', `Port ${port} is in use; choose another with --port`);
  if (code === 'EACCES') fail('E_FORBIDDEN', `Port ${port} needs privileges this user does not have; choose one above 1023 with --port`);
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_NOTADB') fail('E_STORAGE', `Cannot open the gateway store in ${dataDir} (${code})`);
  fail('E_INTERNAL', `The gateway could not start: ${(error as Error).message}`);
}

console.log(`Gatehouse reference gateway: ${gateway.url}`);
console.log(`Data dir: ${dataDir}  Admin key file: ${keyFile}  (Ctrl+C to stop)`);

let traffic: NodeJS.Timeout | null = null;
if (values['simulate-traffic']) {
  traffic = setInterval(() => {
    gateway.simulateTraffic(1 + Math.floor(Math.random() * 5));
  }, 3_000);
  console.log('Simulating traffic for the keys the gateway knows (a few usage records every 3 s)');
}

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  if (traffic) clearInterval(traffic);
  await gateway.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
