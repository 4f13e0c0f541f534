import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CORE_EVENT_CHANNEL } from '../../shared/contract/event-names';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, data: { channel, input } }));
// ipcRenderer's `on` / `removeListener` (an EventEmitter in Electron), kept by hand: the preload layer may not import node:events.
const ipcEvents = vi.hoisted(() => {
  const listeners = new Map<string, Array<(...args: unknown[]) => void>>();
  return {
    on: (channel: string, fn: (...args: unknown[]) => void) => void listeners.set(channel, [...(listeners.get(channel) ?? []), fn]),
    removeListener(channel: string, fn: (...args: unknown[]) => void) {
      const list = listeners.get(channel) ?? [];
      const at = list.indexOf(fn);
      if (at >= 0) list.splice(at, 1);
    },
    emit: (channel: string, ...args: unknown[]) => [...(listeners.get(channel) ?? [])].forEach((fn) => fn(...args)),
    listenerCount: (channel: string) => listeners.get(channel)?.length ?? 0,
    removeAllListeners: () => listeners.clear(),
  };
});

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: {
    invoke,
    on: (channel: string, fn: (...args: unknown[]) => void) => ipcEvents.on(channel, fn),
    removeListener: (channel: string, fn: (...args: unknown[]) => void) => ipcEvents.removeListener(channel, fn),
  },
}));

type Bridge = {
  invoke(c: string, i: unknown): Promise<unknown>;
  on(type: string, listener: (event: unknown) => void): () => void;
};
const bridge = () => exposed.gatehouse as Bridge;

/** What main sends: the IpcRendererEvent (with its `sender`) first, then the core event. */
const fromMain = (payload: unknown) => ipcEvents.emit(CORE_EVENT_CHANNEL, { sender: { secret: 'the raw ipcRenderer' }, ports: [] }, payload);

const jobEvent = { type: 'job', job: { jobId: 'job-1', kind: 'export', state: 'running', done: 1, total: 2 } };
const changedEvent = { type: 'changed', origin: 'this-core', entityTypes: ['workspace'], entities: [], truncated: false };

describe('preload bridge', () => {
  beforeEach(async () => {
    invoke.mockClear();
    ipcEvents.removeAllListeners();
    await import('./preload');
  });

  it('exposes only invoke and on, never ipcRenderer', () => {
    expect(Object.keys(exposed)).toEqual(['gatehouse']);
    expect(Object.keys(exposed.gatehouse as object)).toEqual(['invoke', 'on']);
  });

  it('forwards allowlisted channels and refuses others without calling ipcRenderer', async () => {
    await expect(bridge().invoke('workspaces:list', {})).resolves.toMatchObject({ ok: true });
    expect(invoke).toHaveBeenCalledWith('workspaces:list', {});
    invoke.mockClear();
    for (const channel of ['shell:exec', 'workspaces:drop', '__proto__', '']) {
      await expect(bridge().invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });

  it('on: refuses unknown event types (and non-functions) without subscribing', () => {
    for (const type of ['gatehouse:event', 'message', '__proto__', '', 'Job']) {
      expect(() => bridge().on(type, () => {})).toThrow(/Unknown event type/);
    }
    expect(() => bridge().on('job', 'not a function' as unknown as () => void)).toThrow(/listener/);
    expect(ipcEvents.listenerCount(CORE_EVENT_CHANNEL)).toBe(0);
  });

  it('on: the listener gets only the event payload of its type, never the IpcRendererEvent', () => {
    const jobs = vi.fn();
    const changes = vi.fn();
    bridge().on('job', jobs);
    bridge().on('changed', changes);
    fromMain(jobEvent);
    fromMain(changedEvent);
    fromMain({ type: 'other' });
    fromMain(null);
    fromMain('job');
    expect(jobs.mock.calls).toEqual([[jobEvent]]);
    expect(changes.mock.calls).toEqual([[changedEvent]]);
  });

  it('on: unsubscribe removes exactly that listener, and twice is harmless', () => {
    const first = vi.fn();
    const second = vi.fn();
    const unsubscribeFirst = bridge().on('job', first);
    bridge().on('job', second);
    expect(ipcEvents.listenerCount(CORE_EVENT_CHANNEL)).toBe(2);
    unsubscribeFirst();
    unsubscribeFirst();
    expect(ipcEvents.listenerCount(CORE_EVENT_CHANNEL)).toBe(1);
    fromMain(jobEvent);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledTimes(1);
  });
});
