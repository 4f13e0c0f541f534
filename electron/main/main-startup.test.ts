import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { makeTempDir, openTestCore } from '../core/testing/temp-core';

// main.ts when the worker cannot open the store (electron mocked; the worker is real).
const h = vi.hoisted(() => ({ ipcHandlers: new Map<string, unknown>(), windows: [] as unknown[] }));

vi.mock('electron', async () => {
  const { fakeOsEncryption } = await import('../core/testing/fake-os-encryption');
  return {
    app: {
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: vi.fn(),
      getPath: () => process.env.GATEHOUSE_TEST_USERDATA,
      getVersion: () => '1.0.0',
      getAppPath: () => '/app',
      quit: vi.fn(),
      exit: vi.fn(),
    },
    BrowserWindow: class {
      constructor() {
        h.windows.push(this);
      }
    },
    dialog: { showErrorBox: vi.fn() },
    ipcMain: { handle: (channel: string, fn: unknown) => void h.ipcHandlers.set(channel, fn), removeHandler: vi.fn() },
    net: { fetch: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: { defaultSession: { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn() } },
    shell: { openExternal: vi.fn() },
    safeStorage: fakeOsEncryption('gnome_libsecret'),
  };
});

describe('Electron main: the store cannot be opened', () => {
  it('a store written by a newer Gatehouse: error box with the worker’s typed message, exit 1, no window, no IPC', async () => {
    const dataDir = makeTempDir('gatehouse-main-newer-');
    const newer = openTestCore({ dataDir, externalChangePollMs: 0 });
    newer.db.pragma('user_version = 9999');
    newer.dispose();
    process.env.GATEHOUSE_TEST_USERDATA = dataDir;
    delete process.env.GATEHOUSE_DATA_DIR;

    await import('./main');
    const { app, dialog } = await import('electron');
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalled(), { timeout: 20_000, interval: 20 });
    expect(app.exit).toHaveBeenCalledExactlyOnceWith(1);
    expect(dialog.showErrorBox).toHaveBeenCalledOnce();
    const [title, message] = vi.mocked(dialog.showErrorBox).mock.calls[0]!;
    expect(title).toBe('Gatehouse cannot start');
    expect(message).toMatch(/newer/i);
    expect(h.windows).toHaveLength(0);
    expect(h.ipcHandlers.size).toBe(0);
    expect(fs.readdirSync(dataDir)).not.toContain('provider-keys.key');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);
});
