import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/contract/channel-names';
import { createCore } from '../core/core';
import { makeTempDir } from '../core/testing/temp-core';
import { registerIpcHandlers } from './ipc-bridge';
import {
  APP_ENTRY_URL,
  buildWindowOptions,
  isAllowedExternalUrl,
  isAllowedNavigation,
  isTrustedElectronSender,
  isTrustedFrameUrl,
} from './security';

type Handler = (event: unknown, input: unknown) => unknown;

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
  let core: ReturnType<typeof createCore>;
  beforeEach(() => {
    core = createCore({ dataDir: makeTempDir(), appVersion: 't', isTrustedSender: isTrustedElectronSender, localUserName: 't', logError: () => {} });
    return () => core.close();
  });

  it('registers exactly every contract channel and unregisters them', () => {
    const ipc = fakeIpcMain();
    const dispose = registerIpcHandlers(ipc, core.dispatcher);
    expect([...ipc.handlers.keys()].sort()).toEqual([...CHANNEL_NAMES].sort());
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers our own page and refuses other senders without touching the store', () => {
    const ipc = fakeIpcMain();
    registerIpcHandlers(ipc, core.dispatcher);
    const create = ipc.handlers.get('workspaces:create')!;
    const trusted = create({ senderFrame: { url: APP_ENTRY_URL } }, { name: 'From app' });
    expect(trusted).toMatchObject({ ok: true, data: { name: 'From app' } });
    for (const senderFrame of [{ url: 'https://evil.example/' }, { url: 'file:///tmp/x.html' }, null]) {
      expect(create({ senderFrame }, { name: 'Evil' })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    }
    expect(core.db.prepare('SELECT COUNT(*) FROM workspaces').pluck().get()).toBe(2);
  });
});
