import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/contract/channel-names';
import { makeTempDir } from '../core/testing/temp-core';

// A stand-in for the parts of Electron main.ts touches; the real runtime cannot be downloaded here.
const h = vi.hoisted(() => {
  const appListeners = new Map<string, (...args: unknown[]) => void>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: Array<{ options: unknown; loadURL: ReturnType<typeof vi.fn> }> = [];
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  return { appListeners, ipcHandlers, windows, ready, readyResolve: () => readyResolve(), state: { permissionHandler: null as null | ((...a: unknown[]) => void), protocolHandler: null as unknown } };
});

vi.mock('electron', async () => {
  const { fakeOsEncryption } = await import('../core/testing/fake-os-encryption');
  class BrowserWindow {
    static getAllWindows = () => h.windows;
    loadURL = vi.fn(async () => {});
    constructor(public options: unknown) {
      h.windows.push(this);
    }
    once() {}
    on() {}
  }
  return {
    app: {
      requestSingleInstanceLock: vi.fn(() => true),
      whenReady: () => h.ready,
      on: (event: string, fn: (...args: unknown[]) => void) => void h.appListeners.set(event, fn),
      getPath: () => process.env.GATEHOUSE_TEST_USERDATA,
      getVersion: () => '9.9.9',
      getAppPath: () => '/app',
      quit: vi.fn(),
      exit: vi.fn(),
    },
    BrowserWindow,
    dialog: { showErrorBox: vi.fn() },
    ipcMain: {
      handle: (channel: string, fn: (...args: unknown[]) => unknown) => void h.ipcHandlers.set(channel, fn),
      removeHandler: vi.fn(),
    },
    net: { fetch: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn((_s: string, fn: unknown) => void (h.state.protocolHandler = fn)) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: (...a: unknown[]) => void) => void (h.state.permissionHandler = fn),
        setPermissionCheckHandler: vi.fn(),
      },
    },
    shell: { openExternal: vi.fn(async () => {}) },
    // A fake with a real (non basic_text) Linux backend, so provider secrets must go to it.
    safeStorage: fakeOsEncryption('gnome_libsecret'),
  };
});

describe('Electron main (electron mocked)', () => {
  beforeAll(async () => {
    process.env.GATEHOUSE_TEST_USERDATA = makeTempDir();
    delete process.env.GATEHOUSE_DATA_DIR;
    await import('./main');
    h.readyResolve();
    await h.ready;
    await new Promise((r) => setTimeout(r, 0));
  });
  afterAll(() => h.appListeners.get('will-quit')?.());

  it('takes the single-instance lock and opens one secure window on the app URL', async () => {
    const { app } = await import('electron');
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(h.windows).toHaveLength(1);
    const win = h.windows[0]!;
    expect(win.options).toMatchObject({ webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect(win.loadURL).toHaveBeenCalledWith('app://gatehouse/index.html');
  });

  it('registers a handler for every contract channel, answering only the app page', () => {
    expect([...h.ipcHandlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    const info = h.ipcHandlers.get('app:info')!;
    expect(info({ senderFrame: { url: 'app://gatehouse/index.html' } }, {})).toMatchObject({ ok: true, data: { version: '9.9.9', dataDir: process.env.GATEHOUSE_TEST_USERDATA } });
    expect(info({ senderFrame: { url: 'https://evil.example/' } }, {})).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
  });

  it('denies permission requests, foreign navigation and new windows', () => {
    const callback = vi.fn();
    h.state.permissionHandler!(null, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);

    const listeners = new Map<string, (event: { preventDefault: () => void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: string }) | undefined;
    const contents = {
      on: (event: string, fn: (e: { preventDefault: () => void }, url?: string) => void) => void listeners.set(event, fn),
      setWindowOpenHandler: (fn: typeof openHandler) => void (openHandler = fn),
    };
    h.appListeners.get('web-contents-created')!({}, contents);
    const nav = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(nav, 'https://evil.example/');
    expect(nav.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(inApp, 'app://gatehouse/index.html');
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://github.com/x' })).toEqual({ action: 'deny' });
  });

  it('passes safeStorage to the core: provider secrets are encrypted with the OS keychain, not a key file', async () => {
    const { safeStorage } = await import('electron');
    const fromApp = { senderFrame: { url: 'app://gatehouse/index.html' } };
    const list = h.ipcHandlers.get('providerKeys:list')!;
    expect(list(fromApp, {})).toMatchObject({ ok: true, data: { protection: { scheme: 'os-keychain', strong: true } } });
    const calls = (safeStorage as unknown as { calls: number }).calls;
    const created = h.ipcHandlers.get('providerKeys:create')!(fromApp, { vendor: 'OpenAI', label: 'main-wiring', secret: 'sk-wiring-test-1234' });
    expect(created).toMatchObject({ ok: true, data: { scheme: 'os-keychain', last4: '1234', secretStatus: 'ok' } });
    expect((safeStorage as unknown as { calls: number }).calls).toBe(calls + 1);
    expect(fs.existsSync(path.join(process.env.GATEHOUSE_TEST_USERDATA!, 'provider-keys.key'))).toBe(false);
  });

  it('serves the app scheme only from the renderer folder', async () => {
    const handler = h.state.protocolHandler as (r: { url: string }) => Promise<Response>;
    expect((await handler({ url: 'app://gatehouse/..%2f..%2fetc%2fpasswd' })).status).toBe(404);
    expect((await handler({ url: 'app://other/index.html' })).status).toBe(404);
  });
});
