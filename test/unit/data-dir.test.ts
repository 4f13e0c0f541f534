import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../electron/core/data-dir';

const home = os.homedir();

describe('defaultDataDir', () => {
  it.each<NodeJS.Platform>(['linux', 'darwin', 'win32', 'freebsd'])('GATEHOUSE_DATA_DIR wins on %s, resolved to an absolute path', (platform) => {
    expect(defaultDataDir({ GATEHOUSE_DATA_DIR: '/data/gh', APPDATA: '/appdata', XDG_CONFIG_HOME: '/xdg' }, platform)).toBe(path.resolve('/data/gh'));
    expect(defaultDataDir({ GATEHOUSE_DATA_DIR: 'relative/dir' }, platform)).toBe(path.resolve('relative/dir'));
    expect(path.isAbsolute(defaultDataDir({ GATEHOUSE_DATA_DIR: 'relative/dir' }, platform))).toBe(true);
  });

  it('an empty GATEHOUSE_DATA_DIR is ignored', () => {
    expect(defaultDataDir({ GATEHOUSE_DATA_DIR: '' }, 'darwin')).toBe(path.join(home, 'Library', 'Application Support', 'Gatehouse'));
  });

  it('win32: %APPDATA%\\Gatehouse, else ~/AppData/Roaming/Gatehouse', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\amy\\AppData\\Roaming' }, 'win32')).toBe(path.join('C:\\Users\\amy\\AppData\\Roaming', 'Gatehouse'));
    expect(defaultDataDir({}, 'win32')).toBe(path.join(home, 'AppData', 'Roaming', 'Gatehouse'));
  });

  it('darwin: ~/Library/Application Support/Gatehouse, ignoring XDG_CONFIG_HOME', () => {
    expect(defaultDataDir({}, 'darwin')).toBe(path.join(home, 'Library', 'Application Support', 'Gatehouse'));
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'darwin')).toBe(path.join(home, 'Library', 'Application Support', 'Gatehouse'));
  });

  it.each<NodeJS.Platform>(['linux', 'freebsd', 'openbsd'])('%s: $XDG_CONFIG_HOME/Gatehouse, else ~/.config/Gatehouse', (platform) => {
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/home/amy/.cfg' }, platform)).toBe(path.join('/home/amy/.cfg', 'Gatehouse'));
    expect(defaultDataDir({}, platform)).toBe(path.join(home, '.config', 'Gatehouse'));
    expect(defaultDataDir({ APPDATA: '/appdata' }, platform)).toBe(path.join(home, '.config', 'Gatehouse'));
  });

  it('defaults to process.env and process.platform', () => {
    const expected = defaultDataDir(process.env, process.platform);
    expect(defaultDataDir()).toBe(expected);
    expect(path.isAbsolute(expected)).toBe(true);
    expect(path.basename(expected)).toBe('Gatehouse');
  });

  // Regression, fixed: data-dir.ts uses `??`, so an *empty* XDG_CONFIG_HOME (or APPDATA) is taken as set and the
  // result is the relative path "Gatehouse" — the CLI and browser host then write a store into the
  // current working directory. The XDG spec (and Chromium/Electron's userData lookup) treat an empty
  // XDG_CONFIG_HOME as unset (~/.config), so the doors also stop sharing the app's store.
  it('an empty XDG_CONFIG_HOME falls back to ~/.config (never a relative path)', () => {
    const result = defaultDataDir({ XDG_CONFIG_HOME: '' }, 'linux');
    expect(path.isAbsolute(result)).toBe(true);
    expect(result).toBe(path.join(home, '.config', 'Gatehouse'));
  });

  it('an empty APPDATA falls back to ~/AppData/Roaming (never a relative path)', () => {
    const result = defaultDataDir({ APPDATA: '' }, 'win32');
    expect(result).toBe(path.join(home, 'AppData', 'Roaming', 'Gatehouse'));
  });
});
