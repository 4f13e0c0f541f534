import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/contract/channel-names';
import { CORE_EVENT_CHANNEL } from '../../shared/contract/event-names';
import type { CoreEvent } from '../../shared/contract/event-schemas';
import { createInProcessClient } from '../core/client/in-process-client';
import { makeTempDir } from '../core/testing/temp-core';
import { installGracefulQuit, QUIT_TIMEOUT_MS } from './graceful-quit';
import { forwardCoreEvents, registerIpcHandlers, type CoreEventTarget } from './ipc-bridge';
import {
  APP_ENTRY_URL,
  buildWindowOptions,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedElectronSender,
  isTrustedFrameUrl,
} from './security';

type Handler = (event: unknown, input: unknown) => unknown;

// ipc-bridge.ts imports Electron's ipcMain (the only file that may); every test here passes its own.
vi.mock('electron', () => ({ ipcMain: { handle: vi.fn(), removeHandler: vi.fn() } }));

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: vi.fn((channel: string, fn: Handler) => void handlers.set(channel, fn)),
    removeHandler: vi.fn((channel: string) => void handlers.delete(channel)),
  };
}

describe('window options', () => {
  it('are locked down', () => {
    const options = buildWindowOptions('/app/preload.cjs');
    expect(options.webPreferences).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      webviewTag: false,
    });
  });
});

describe('sender, navigation and external-link rules', () => {
  it.each([
    [APP_ENTRY_URL, true],
    ['app://gatehouse/', true],
    ['app://evil/index.html', false],
    ['file:///etc/passwd', false],
    ['https://gatehouse/index.html', false],
    ['http://127.0.0.1:5173/', false],
    ['null', false],
    ['', false],
    [null, false],
  ])('frame %j trusted = %s', (url, trusted) => {
    expect(isTrustedFrameUrl(url)).toBe(trusted);
    expect(isAllowedNavigation(url ?? '')).toBe(trusted);
  });

  it('only opens allowlisted https links externally', () => {
    expect(isAllowedExternalUrl('https://github.com/gatehouse')).toBe(true);
    expect(isAllowedExternalUrl('http://github.com/gatehouse')).toBe(false);
    expect(isAllowedExternalUrl('https://github.com.evil.example/')).toBe(false);
    expect(isAllowedExternalUrl('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternalUrl('javascript:alert(1)')).toBe(false);
  });
});

describe('IPC registration', () => {
  let client: ReturnType<typeof createInProcessClient>;
  beforeEach(() => {
    client = createInProcessClient({ dataDir: makeTempDir(), appVersion: 't', isTrustedSender: isTrustedElectronSender, localUserName: 't', logError: () => {}, externalChangePollMs: 0 });
    return () => client.close();
  });

  it('registers exactly every contract channel and unregisters them', () => {
    const ipc = fakeIpcMain();
    const dispose = registerIpcHandlers(client, ipc);
    expect([...ipc.handlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('forwards the frame URL to the client, which answers our own page and refuses other senders without touching the store', async () => {
    const ipc = fakeIpcMain();
    const seen: unknown[] = [];
    registerIpcHandlers({ invoke: (channel, input, sender) => (seen.push(sender), client.invoke(channel, input, sender)) }, ipc);
    const create = ipc.handlers.get('workspaces:create')!;
    await expect(create({ senderFrame: { url: APP_ENTRY_URL } }, { name: 'From app' })).resolves.toMatchObject({ ok: true, data: { name: 'From app' } });
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/x.html' }, null]) {
      await expect(create({ senderFrame }, { name: 'Evil' })).resolves.toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    expect(seen).toEqual([
      { kind: 'electron', frameUrl: APP_ENTRY_URL },
      { kind: 'electron', frameUrl: 'https://evil.example/' },
      { kind: 'electron', frameUrl: 'file:///tmp/x.html' },
      { kind: 'electron', frameUrl: null },
    ]);
    expect(client.core.db.prepare('SELECT COUNT(*) FROM workspaces').pluck().get()).toBe(2);
  });
});

describe('core events to the window', () => {
  function fakeContents(url: string) {
    const contents = { url, destroyed: false, sent: [] as unknown[][] };
    const target: CoreEventTarget = {
      isDestroyed: () => contents.destroyed,
      getURL: () => contents.url,
      send: (...args: unknown[]) => void contents.sent.push(args),
    };
    return { contents, target };
  }
  function fakeClient() {
    const listeners = new Set<(event: CoreEvent) => void>();
    return {
      on: (listener: (event: CoreEvent) => void) => (listeners.add(listener), () => void listeners.delete(listener)),
      emit: (event: CoreEvent) => listeners.forEach((l) => l(event)),
      size: () => listeners.size,
    };
  }
  const changed: CoreEvent = { type: 'changed', origin: 'this-core', entityTypes: ['workspace'], entities: [{ entityType: 'workspace', entityId: 'ws-1', workspaceId: 'ws-1' }], truncated: false };

  it('sends each event on the one core-event channel while the window shows our page', () => {
    const client = fakeClient();
    const { contents, target } = fakeContents(APP_ENTRY_URL);
    forwardCoreEvents(client, () => target);
    client.emit(changed);
    expect(contents.sent).toEqual([[CORE_EVENT_CHANNEL, changed]]);
  });

  it('sends nothing to a foreign page, a destroyed window or no window; unsubscribes', () => {
    const client = fakeClient();
    const { contents, target } = fakeContents('https://evil.example/');
    let current: CoreEventTarget | null = target;
    const stop = forwardCoreEvents(client, () => current);
    client.emit(changed);
    contents.url = 'app://other/index.html';
    client.emit(changed);
    contents.url = APP_ENTRY_URL;
    contents.destroyed = true;
    client.emit(changed);
    current = null;
    client.emit(changed);
    expect(contents.sent).toEqual([]);
    stop();
    expect(client.size()).toBe(0);
  });

  it('a real core: a committed write reaches the window as a changed event', async () => {
    const client = createInProcessClient({ dataDir: makeTempDir(), appVersion: 't', isTrustedSender: isTrustedElectronSender, localUserName: 't', logError: () => {}, externalChangePollMs: 0 });
    const { contents, target } = fakeContents(APP_ENTRY_URL);
    forwardCoreEvents(client, () => target);
    const created = await client.invoke('workspaces:create', { name: 'Evented' }, { kind: 'electron', frameUrl: APP_ENTRY_URL });
    await client.close();
    expect(created.ok).toBe(true);
    const id = (created as { data: { id: string } }).data.id;
    expect(contents.sent).toContainEqual([CORE_EVENT_CHANNEL, expect.objectContaining({ type: 'changed', origin: 'this-core', entities: expect.arrayContaining([expect.objectContaining({ entityId: id })]) })]);
  });
});

describe('quitting waits for the core', () => {
  function fakeApp() {
    let listener: ((event: { preventDefault(): void }) => void) | undefined;
    const app = {
      exit: vi.fn(),
      on: vi.fn((_event: 'before-quit', fn: (event: { preventDefault(): void }) => void) => void (listener = fn)),
    };
    const quit = () => {
      const event = { preventDefault: vi.fn() };
      listener!(event);
      return event;
    };
    return { app, quit };
  }
  afterEach(() => vi.useRealTimers());

  it('holds the first quit, closes the core once, then exits 0; a second quit meanwhile starts nothing', async () => {
    const { app, quit } = fakeApp();
    let finish!: () => void;
    const close = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const { exited } = installGracefulQuit(app, { close });
    expect(app.on).toHaveBeenCalledWith('before-quit', expect.any(Function));
    const first = quit();
    const second = quit();
    expect(first.preventDefault).toHaveBeenCalled();
    expect(second.preventDefault).toHaveBeenCalled();
    expect(close).toHaveBeenCalledTimes(1);
    await Promise.resolve();
    expect(app.exit).not.toHaveBeenCalled(); // still closing
    finish();
    await exited;
    expect(app.exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('a real core with a running job: the job is cancelled at its chunk boundary and the store is closed before exit', async () => {
    const client = createInProcessClient({ dataDir: makeTempDir(), appVersion: 't', isTrustedSender: () => true, localUserName: 't', logError: () => {}, externalChangePollMs: 0 });
    let chunks = 0;
    client.core.jobs.start({
      kind: 'usage-generate',
      label: 'endless',
      async run(job) {
        for (;;) {
          chunks += 1;
          await job.checkpoint();
        }
      },
    });
    const { app, quit } = fakeApp();
    const { exited } = installGracefulQuit(app, { close: () => client.close() });
    quit();
    await exited;
    expect(chunks).toBeGreaterThan(0);
    expect(client.core.jobs.list()[0]).toMatchObject({ state: 'cancelled' });
    expect(client.core.db.open).toBe(false);
    expect(app.exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('exits anyway when closing hangs past the timeout, or fails, and says why', async () => {
    vi.useFakeTimers();
    const { app, quit } = fakeApp();
    const problems: string[] = [];
    const { exited } = installGracefulQuit(app, { close: () => new Promise<void>(() => {}), onProblem: (m) => problems.push(m) });
    quit();
    await vi.advanceTimersByTimeAsync(QUIT_TIMEOUT_MS - 1);
    expect(app.exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await exited;
    expect(app.exit).toHaveBeenCalledExactlyOnceWith(0);
    expect(problems).toEqual([expect.stringMatching(/did not close in time/)]);

    const failing = fakeApp();
    const failed = installGracefulQuit(failing.app, { close: () => Promise.reject(new Error('disk gone')), onProblem: (m) => problems.push(m) });
    failing.quit();
    await failed.exited;
    expect(failing.app.exit).toHaveBeenCalledExactlyOnceWith(0);
    expect(problems[1]).toMatch(/disk gone/);
  });
});
