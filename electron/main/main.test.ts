import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/contract/channel-names';
import { CORE_EVENT_CHANNEL } from '../../shared/contract/event-names';
import { fakeOsEncryption } from '../core/testing/fake-os-encryption';
import { makeTempDir, openTestCore } from '../core/testing/temp-core';

// A stand-in for the parts of Electron main.ts touches; the real runtime cannot be downloaded here.
// The core is real: main starts it in a worker thread (the TypeScript entry, through tsx).
const h = vi.hoisted(() => {
  const appListeners = new Map<string, Array<(...args: unknown[]) => void>>();
  const ipcHandlers = new Map<string, (...args: unknown[]) => unknown>();
  const windows: Array<{ options: unknown; loadURL: ReturnType<typeof vi.fn>; webContents: { sent: unknown[][]; url: string } }> = [];
  let readyResolve!: () => void;
  const ready = new Promise<void>((resolve) => (readyResolve = resolve));
  return {
    appListeners,
    ipcHandlers,
    windows,
    ready,
    readyResolve: () => readyResolve(),
    state: { permissionHandler: null as null | ((...a: unknown[]) => void), protocolHandler: null as unknown, savePath: '' },
  };
});

vi.mock('electron', async () => {
  const { fakeOsEncryption } = await import('../core/testing/fake-os-encryption');
  class BrowserWindow {
    static getAllWindows = () => h.windows;
    loadURL = vi.fn(async () => {});
    webContents = {
      sent: [] as unknown[][],
      url: 'app://gatehouse/index.html',
      isDestroyed: () => false,
      getURL: () => this.webContents.url,
      send: (...args: unknown[]) => void this.webContents.sent.push(args),
    };
    constructor(public options: unknown) {
      h.windows.push(this);
    }
    isDestroyed = () => false;
    once() {}
    on() {}
  }
  return {
    app: {
      requestSingleInstanceLock: vi.fn(() => true),
      whenReady: () => h.ready,
      on: (event: string, fn: (...args: unknown[]) => void) => void h.appListeners.set(event, [...(h.appListeners.get(event) ?? []), fn]),
      getPath: (name: string) => (name === 'downloads' ? '/home/someone/Downloads' : process.env.GATEHOUSE_TEST_USERDATA),
      getVersion: () => '9.9.9',
      getAppPath: () => '/app',
      quit: vi.fn(),
      exit: vi.fn(),
    },
    BrowserWindow,
    dialog: {
      showErrorBox: vi.fn(),
      showSaveDialog: vi.fn(async () => ({ canceled: false, filePath: h.state.savePath })),
      showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] })),
    },
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
    // A fake with a real (non basic_text) Linux backend, so provider secrets must be OS-protected.
    safeStorage: fakeOsEncryption('gnome_libsecret'),
  };
});

const LEGACY_SECRET = 'sk-legacy-BeforeTheWorker-Q1w2';
const fromApp = { senderFrame: { url: 'app://gatehouse/index.html' } };
const call = (channel: string, input: unknown, event: unknown = fromApp) => h.ipcHandlers.get(channel)!(event, input) as Promise<{ ok: boolean; data?: any; error?: any }>;
let dataDir: string;
let legacyId: string;
let legacyBlob: Buffer;

describe('Electron main (electron mocked, core in a real worker)', () => {
  beforeAll(async () => {
    dataDir = makeTempDir('gatehouse-main-');
    process.env.GATEHOUSE_TEST_USERDATA = dataDir;
    delete process.env.GATEHOUSE_DATA_DIR;
    // A provider key as the previous version stored it: safeStorage called directly in main.
    const old = openTestCore({ dataDir, capabilities: { osEncryption: fakeOsEncryption('gnome_libsecret') } });
    legacyId = old.ok('providerKeys:create', { vendor: 'OpenAI', label: 'from-before', secret: LEGACY_SECRET }).id;
    legacyBlob = old.db.prepare('SELECT ciphertext FROM provider_keys WHERE id = ?').pluck().get(legacyId) as Buffer;
    old.dispose();

    await import('./main');
    h.readyResolve();
    await vi.waitFor(() => expect(h.windows).toHaveLength(1), { timeout: 20_000, interval: 20 });
  }, 30_000);

  afterAll(async () => {
    const event = { preventDefault: vi.fn() };
    for (const fn of h.appListeners.get('before-quit') ?? []) fn(event);
    const { app } = await import('electron');
    await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0), { timeout: 15_000, interval: 20 });
  }, 20_000);

  it('takes the single-instance lock and opens one secure window on the app URL', async () => {
    const { app } = await import('electron');
    expect(app.requestSingleInstanceLock).toHaveBeenCalled();
    expect(h.windows).toHaveLength(1);
    const win = h.windows[0]!;
    expect(win.options).toMatchObject({ webPreferences: { contextIsolation: true, sandbox: true, nodeIntegration: false } });
    expect(win.loadURL).toHaveBeenCalledWith('app://gatehouse/index.html');
  });

  it('registers a handler for every contract channel; the worker answers only the app page', async () => {
    expect([...h.ipcHandlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    await expect(call('app:info', {})).resolves.toMatchObject({ ok: true, data: { version: '9.9.9', dataDir } });
    await expect(call('app:info', {}, { senderFrame: { url: 'https://evil.example/' } })).resolves.toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    await expect(call('app:info', {}, { senderFrame: null })).resolves.toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
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
    h.appListeners.get('web-contents-created')![0]!({}, contents);
    const nav = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(nav, 'https://evil.example/');
    expect(nav.preventDefault).toHaveBeenCalled();
    const inApp = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(inApp, 'app://gatehouse/index.html');
    expect(inApp.preventDefault).not.toHaveBeenCalled();
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(openHandler!({ url: 'https://github.com/x' })).toEqual({ action: 'deny' });
  });

  it('envelope encryption: a data key wrapped by safeStorage in the data folder; new secrets sealed with it in the worker', async () => {
    const { safeStorage } = await import('electron');
    const wrapped = path.join(dataDir, 'provider-keys.wrapped');
    expect(fs.existsSync(wrapped)).toBe(true);
    if (process.platform !== 'win32') expect(fs.statSync(wrapped).mode & 0o777).toBe(0o600);
    const listed = await call('providerKeys:list', {});
    expect(listed).toMatchObject({ ok: true, data: { protection: { scheme: 'os-keychain', strong: true } } });
    const calls = (safeStorage as unknown as { calls: number }).calls;
    const created = await call('providerKeys:create', { vendor: 'OpenAI', label: 'main-wiring', secret: 'sk-wiring-test-1234' });
    expect(created).toMatchObject({ ok: true, data: { scheme: 'os-keychain', last4: '1234', secretStatus: 'ok' } });
    expect((safeStorage as unknown as { calls: number }).calls).toBe(calls); // no OS call per secret
    expect(fs.existsSync(path.join(dataDir, 'provider-keys.key'))).toBe(false);
  });

  it('a provider key stored the old way (safeStorage directly) was moved onto the data key at start through decryptLegacy', async () => {
    await vi.waitFor(
      async () => {
        const listed = await call('providerKeys:list', {});
        expect(listed.data.items.find((k: { id: string }) => k.id === legacyId)).toMatchObject({ secretStatus: 'ok', last4: 'Q1w2', scheme: 'os-keychain' });
      },
      { timeout: 10_000, interval: 50 },
    );
    const audit = await call('audit:list', { filter: { entityType: 'provider_key' } });
    expect(audit.data.items.map((e: { action: string }) => e.action)).toContain('provider_key.rewrap');
    expect(JSON.stringify(audit)).not.toContain(LEGACY_SECRET.slice(0, -4));
    // The rows are read with the plain SQLite file (main itself never runs SQL).
    const reader = openTestCore({ dataDir, externalChangePollMs: 0 });
    try {
      const blob = reader.db.prepare('SELECT ciphertext FROM provider_keys WHERE id = ?').pluck().get(legacyId) as Buffer;
      expect(blob.equals(legacyBlob)).toBe(false);
      expect(blob[0]).toBe(2);
    } finally {
      reader.dispose();
    }
    const bytes = Buffer.concat(fs.readdirSync(dataDir).filter((f) => f.startsWith('gatehouse.sqlite')).map((f) => fs.readFileSync(path.join(dataDir, f))));
    expect(bytes.includes(Buffer.from(LEGACY_SECRET))).toBe(false);
  });

  it('core events reach the window on the core-event channel (our page only)', async () => {
    const win = h.windows[0]!;
    win.webContents.sent.length = 0;
    const created = await call('workspaces:create', { name: 'Evented from main' });
    expect(created.ok).toBe(true);
    await vi.waitFor(() => expect(win.webContents.sent).toContainEqual([CORE_EVENT_CHANNEL, expect.objectContaining({ type: 'changed', origin: 'this-core' })]), { timeout: 5_000, interval: 20 });
    const sent = win.webContents.sent.find(([, e]) => (e as { type: string }).type === 'changed')![1] as { entities: Array<{ entityId: string }> };
    expect(sent.entities.map((e) => e.entityId)).toContain(created.data.id);

    win.webContents.url = 'https://evil.example/';
    win.webContents.sent.length = 0;
    await call('workspaces:create', { name: 'Not for strangers' }, fromApp);
    await call('app:info', {}); // the event, if any, was posted before this answer
    expect(win.webContents.sent).toEqual([]);
    win.webContents.url = 'app://gatehouse/index.html';
  });

  it('the save dialog answers the worker’s chooseSavePath: an export lands where the user chose', async () => {
    const { dialog } = await import('electron');
    h.state.savePath = path.join(dataDir, 'chosen-workspaces.csv');
    const started = await call('exports:start', { kind: 'workspaces' });
    expect(started.ok).toBe(true);
    await vi.waitFor(() => expect(fs.existsSync(h.state.savePath)).toBe(true), { timeout: 10_000, interval: 50 });
    expect(dialog.showSaveDialog).toHaveBeenCalledWith(h.windows[0], expect.objectContaining({ defaultPath: expect.stringMatching(/^\/home\/someone\/Downloads\/.*\.csv$/) }));
  });

  it('serves the app scheme only from the renderer folder', async () => {
    const handler = h.state.protocolHandler as (r: { url: string }) => Promise<Response>;
    expect((await handler({ url: 'app://gatehouse/..%2f..%2fetc%2fpasswd' })).status).toBe(404);
    expect((await handler({ url: 'app://other/index.html' })).status).toBe(404);
  });
});
