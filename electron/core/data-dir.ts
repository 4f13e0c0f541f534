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
