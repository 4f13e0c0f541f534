// `npm start`: check the Electron binary first (one short message when it is missing and cannot be
// fetched), then build renderer + main, make sure the Electron-ABI SQLite binding exists, launch.
import { spawn, spawnSync } from 'node:child_process';
import { ensureElectronBinding } from './electron-native.mjs';
import { downloadProblem, ensureElectronBinary, offlineAdvice } from './electron-preflight.mjs';

const electronPath = ensureElectronBinary();
const run = (args) => {
  const result = spawnSync('npm', ['run', ...args], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(['build:renderer']);
run(['build:electron']);
let binding;
try {
  binding = await ensureElectronBinding();
} catch (error) {
  // The one-time native build needs Electron's headers (downloaded once as well).
  console.error(offlineAdvice('better-sqlite3 could not be built for Electron', downloadProblem(String(error?.stack ?? error))));
  process.exit(1);
}
const child = spawn(electronPath, ['.', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GATEHOUSE_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 0));
