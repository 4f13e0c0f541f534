import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP_CSP } from '../core/static-assets';
import { makeTempDir } from '../core/testing/temp-core';

// The guards main.ts installs, driven through the handlers it registers on (mocked) Electron: the
// app:// protocol's CSP header, navigation and redirect blocking, webview refusal, the permission
// request and check handlers, and which links reach shell.openExternal. The core is real (a worker
// thread), as main starts it before installing the guards.
const h = vi.hoisted(() => ({
  appListeners: new Map<string, Array<(...args: unknown[]) => void>>(),
  windows: [] as unknown[],
  state: {
    appPath: '',
    protocolHandler: null as null | ((request: { url: string }) => Promise<Response>),
    permissionRequest: null as null | ((...args: unknown[]) => void),
    permissionCheck: null as null | ((...args: unknown[]) => boolean),
  },
  ready: { resolve: () => {} },
}));

vi.mock('electron', async () => {
  const { fakeOsEncryption } = await import('../core/testing/fake-os-encryption');
  const nodeFs = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const ready = new Promise<void>((resolve) => (h.ready.resolve = resolve));
  class BrowserWindow {
    static getAllWindows = () => h.windows;
    loadURL = vi.fn(async () => {});
    webContents = { isDestroyed: () => false, getURL: () => 'app://gatehouse/index.html', send: () => {} };
    constructor() {
      h.windows.push(this);
    }
    isDestroyed = () => false;
    once() {}
    on() {}
  }
  return {
    app: {
      requestSingleInstanceLock: () => true,
      whenReady: () => ready,
      on: (event: string, fn: (...args: unknown[]) => void) => void h.appListeners.set(event, [...(h.appListeners.get(event) ?? []), fn]),
      getPath: () => process.env.GATEHOUSE_TEST_USERDATA,
      getVersion: () => '1.2.3',
      getAppPath: () => h.state.appPath,
      quit: vi.fn(),
      exit: vi.fn(),
    },
    BrowserWindow,
    dialog: { showErrorBox: vi.fn(), showSaveDialog: vi.fn(), showOpenDialog: vi.fn() },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    // Electron's file fetch, with a permissive CSP of its own that main must replace.
    net: {
      fetch: vi.fn(async (url: string) => {
        const file = fileURLToPath(url);
        if (!nodeFs.existsSync(file)) return new Response('', { status: 404 });
        return new Response(nodeFs.readFileSync(file), { status: 200, headers: { 'content-type': 'text/plain', 'content-security-policy': 'default-src * data: blob:' } });
      }),
    },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn((_scheme: string, fn: typeof h.state.protocolHandler) => void (h.state.protocolHandler = fn)) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn((fn: (...args: unknown[]) => void) => void (h.state.permissionRequest = fn)),
        setPermissionCheckHandler: vi.fn((fn: (...args: unknown[]) => boolean) => void (h.state.permissionCheck = fn)),
      },
    },
    shell: { openExternal: vi.fn(async () => {}) },
    safeStorage: fakeOsEncryption('gnome_libsecret'),
  };
});

type GuardEvent = { preventDefault: ReturnType<typeof vi.fn> };
/** A fresh webContents as Electron would hand it to `web-contents-created`, with the guards attached. */
function guardedContents() {
  const listeners = new Map<string, (event: GuardEvent, ...args: unknown[]) => void>();
  let openHandler: ((details: { url: string }) => { action: string }) | null = null;
  const contents = {
    on: (event: string, fn: (event: GuardEvent, ...args: unknown[]) => void) => void listeners.set(event, fn),
    setWindowOpenHandler: (fn: typeof openHandler) => void (openHandler = fn),
  };
  for (const fn of h.appListeners.get('web-contents-created') ?? []) fn({}, contents);
  const fire = (name: string, ...args: unknown[]) => {
    const listener = listeners.get(name);
    expect(listener, `a ${name} listener`).toBeDefined();
    const event = { preventDefault: vi.fn() };
    listener!(event, ...args);
    return event.preventDefault.mock.calls.length > 0;
  };
  return { listeners, fire, open: (url: string) => openHandler!({ url }) };
}

const FOREIGN = [
  'https://evil.example/',
  'https://github.com/gatehouse', // allowlisted for the browser, never inside the window
  'http://127.0.0.1:5173/index.html',
  'file:///etc/passwd',
  'app://evil/index.html',
  'app://gatehouse@evil.example/index.html',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  '',
];

let root: string;

beforeAll(async () => {
  root = makeTempDir('gatehouse-guards-');
  const renderer = path.join(root, 'app', 'dist', 'renderer');
  fs.mkdirSync(path.join(renderer, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Gatehouse</title>');
  fs.writeFileSync(path.join(renderer, 'assets', 'app.js'), 'console.log("app")');
  h.state.appPath = path.join(root, 'app');
  process.env.GATEHOUSE_TEST_USERDATA = path.join(root, 'data');
  delete process.env.GATEHOUSE_DATA_DIR;
  await import('./main');
  h.ready.resolve();
  await vi.waitFor(() => expect(h.windows).toHaveLength(1), { timeout: 20_000, interval: 20 });
}, 30_000);

afterAll(async () => {
  for (const fn of h.appListeners.get('before-quit') ?? []) fn({ preventDefault: vi.fn() });
  const { app } = await import('electron');
  await vi.waitFor(() => expect(app.exit).toHaveBeenCalledWith(0), { timeout: 15_000, interval: 20 });
  fs.rmSync(root, { recursive: true, force: true });
}, 20_000);

describe('app:// responses carry the app CSP', () => {
  const serve = (url: string) => h.state.protocolHandler!({ url });

  it('the page, an asset and a client-side route: the CSP replaces whatever the file fetch said', async () => {
    for (const [url, body] of [
      ['app://gatehouse/index.html', '<!doctype html><title>Gatehouse</title>'],
      ['app://gatehouse/', '<!doctype html><title>Gatehouse</title>'],
      ['app://gatehouse/keys', '<!doctype html><title>Gatehouse</title>'],
      ['app://gatehouse/assets/app.js', 'console.log("app")'],
    ] as const) {
      const response = await serve(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-security-policy'), url).toBe(APP_CSP);
      expect(await response.text(), url).toBe(body);
    }
  });

  it('the CSP itself is strict: nothing by default, scripts only from the app, no eval, no framing, no plugins', () => {
    const directives = new Map(APP_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('form-action')).toEqual(["'none'"]);
    expect(directives.has('frame-src') || directives.has('object-src') || directives.has('child-src')).toBe(false); // default-src 'none' covers them
    expect(APP_CSP).not.toMatch(/unsafe-eval|wasm-unsafe-eval|\*|https?:/);
  });

  it('outside the renderer folder or another host: 404, the file is never fetched', async () => {
    const { net } = await import('electron');
    vi.mocked(net.fetch).mockClear();
    for (const url of ['app://gatehouse/..%2f..%2fdata%2fgatehouse.sqlite', 'app://gatehouse/..%5c..%5cdata%5cx.js', 'app://evil/index.html', 'app://gatehouse/a%00.js']) {
      expect((await serve(url)).status, url).toBe(404);
    }
    expect(net.fetch).not.toHaveBeenCalled();
    // Dot segments the URL parser resolves itself stay inside: this is the page, not data/x.
    const dotted = await serve('app://gatehouse/%2e%2e/%2e%2e/data/x');
    expect(await dotted.text()).toBe('<!doctype html><title>Gatehouse</title>');
    expect(dotted.headers.get('content-security-policy')).toBe(APP_CSP);
  });
});

describe('navigation, redirects and webviews', () => {
  it('will-navigate: only within the app page', () => {
    const { fire } = guardedContents();
    for (const url of FOREIGN) expect(fire('will-navigate', url), url).toBe(true);
    for (const url of ['app://gatehouse/index.html', 'app://gatehouse/index.html#/keys', 'app://gatehouse/']) expect(fire('will-navigate', url), url).toBe(false);
  });

  it('will-redirect: a redirect anywhere but the app page is stopped', () => {
    const { fire } = guardedContents();
    for (const url of FOREIGN) expect(fire('will-redirect', url), url).toBe(true);
    expect(fire('will-redirect', 'app://gatehouse/index.html')).toBe(false);
  });

  it('will-attach-webview: always prevented, whatever it would load', () => {
    const { fire } = guardedContents();
    for (const src of ['https://evil.example/', 'app://gatehouse/index.html']) {
      expect(fire('will-attach-webview', { nodeIntegration: false, preload: '/tmp/evil.js' }, { src }), src).toBe(true);
    }
  });

  it('navigating to an allowlisted link does not open it either: only a window-open request can', async () => {
    const { shell } = await import('electron');
    vi.mocked(shell.openExternal).mockClear();
    const { fire } = guardedContents();
    fire('will-navigate', 'https://github.com/gatehouse');
    fire('will-redirect', 'https://github.com/gatehouse');
    expect(shell.openExternal).not.toHaveBeenCalled();
  });
});

describe('permissions', () => {
  const PERMISSIONS = [
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'fileSystem',
    'fullscreen',
    'geolocation',
    'hid',
    'idle-detection',
    'keyboardLock',
    'media',
    'mediaKeySystem',
    'midi',
    'midiSysex',
    'notifications',
    'openExternal',
    'pointerLock',
    'serial',
    'speaker-selection',
    'storage-access',
    'top-level-storage-access',
    'usb',
    'window-management',
    'unknown',
  ];
  const fromApp = { requestingUrl: 'app://gatehouse/index.html', isMainFrame: true, securityOrigin: 'app://gatehouse' };

  it('both handlers are installed on the default session', async () => {
    const { session } = await import('electron');
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(session.defaultSession.setPermissionCheckHandler).toHaveBeenCalledOnce();
  });

  it('request handler: every permission is refused, even for the app page', () => {
    for (const permission of PERMISSIONS) {
      const callback = vi.fn();
      h.state.permissionRequest!({ getURL: () => 'app://gatehouse/index.html' }, permission, callback, fromApp);
      expect(callback, permission).toHaveBeenCalledExactlyOnceWith(false);
    }
  });

  it('check handler: every permission answers false, for the app origin and any other', () => {
    for (const permission of PERMISSIONS) {
      for (const origin of ['app://gatehouse', 'https://evil.example', '']) {
        expect(h.state.permissionCheck!({ getURL: () => 'app://gatehouse/index.html' }, permission, origin, { ...fromApp, securityOrigin: origin }), `${permission} ${origin}`).toBe(false);
        expect(h.state.permissionCheck!(null, permission, origin, {}), `${permission} ${origin} (no webContents)`).toBe(false);
      }
    }
  });
});

describe('new windows and shell.openExternal', () => {
  beforeEach(async () => {
    const { shell } = await import('electron');
    vi.mocked(shell.openExternal).mockClear();
  });

  it('no window ever opens; only https links under the allowlist reach the browser, unchanged', async () => {
    const { shell } = await import('electron');
    const { open } = guardedContents();
    const allowed = ['https://github.com/gatehouse/gatehouse/issues/12', 'https://docs.github.com/en/rest', 'https://github.com/'];
    const refused = [
      'http://github.com/gatehouse',
      'https://github.com.evil.example/',
      'https://evil.example/https://github.com/',
      'https://user:pw@github.com/',
      'https://github.com@evil.example/',
      'https://gist.github.com/x',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'app://gatehouse/index.html',
      'data:text/html,hi',
      'mailto:someone@example.com',
      'not a url',
    ];
    for (const url of [...allowed, ...refused]) expect(open(url), url).toEqual({ action: 'deny' });
    expect(vi.mocked(shell.openExternal).mock.calls.map(([url]) => url)).toEqual(allowed);
  });
});
