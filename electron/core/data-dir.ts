import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Where the CLI and browser host keep data when no --data-dir is given. Matches Electron's
 * `app.getPath('userData')` for productName "Gatehouse", so all three doors share one store.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GATEHOUSE_DATA_DIR) return path.resolve(env.GATEHOUSE_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA || path.join(home, 'AppData', 'Roaming'), 'Gatehouse');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Gatehouse');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'Gatehouse');
}

/** The data folder and everything Gatehouse writes (store, WAL, SHM, key files, exports) are owner-only. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

// On Windows the folder inherits the user profile's ACL and POSIX modes mean nothing.
const posixModes = () => process.platform !== 'win32';

/** chmod failures that only mean "not ours to tighten": another user's folder, a read-only disk, gone. */
const NOT_OURS = new Set(['EPERM', 'EACCES', 'EROFS', 'ENOENT']);

/**
 * Takes group and other permissions off an existing file or folder, keeping the owner's bits (a
 * store made read-only stays read-only). Best effort: a target this user does not own is left alone.
 */
export function restrictToOwner(target: string): void {
  if (!posixModes()) return;
  let mode: number;
  try {
    mode = fs.statSync(target).mode & 0o777;
  } catch {
    return;
  }
  if ((mode & 0o077) === 0) return;
  try {
    fs.chmodSync(target, mode & 0o700);
  } catch (error) {
    if (!NOT_OURS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  }
}

/**
 * Creates the data folder 0700 whatever the umask (mkdir's mode is masked by it, so the mode is set
 * again), or tightens an existing one that group or others could read.
 */
export function ensurePrivateDir(dir: string): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (created !== undefined && posixModes()) fs.chmodSync(dir, PRIVATE_DIR_MODE);
  else restrictToOwner(dir);
}

/**
 * Creates an empty file 0600 whatever the umask, unless it exists. Used for the store before SQLite
 * opens it: SQLite creates `-wal` and `-shm` with the mode of the database file.
 */
export function createPrivateFile(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    if (posixModes()) fs.fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    fs.closeSync(fd);
  }
}
