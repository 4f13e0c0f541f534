// `npm start`: build renderer + main, make sure the Electron-ABI SQLite binding exists, launch.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { ensureElectronBinding } from './electron-native.mjs';

const run = (args) => {
  const result = spawnSync('npm', ['run', ...args], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(['build:renderer']);
run(['build:electron']);
const binding = await ensureElectronBinding();

// Resolving the electron package's path downloads its binary on first run (a user's machine has network).
const electronPath = createRequire(import.meta.url)('electron');
const child = spawn(electronPath, ['.', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GATEHOUSE_SQLITE_BINDING: binding },
});
child.on('exit', (code) => process.exit(code ?? 0));
