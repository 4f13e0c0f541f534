import { beforeEach, describe, expect, it, vi } from 'vitest';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (channel: string, input: unknown) => ({ ok: true, data: { channel, input } }));

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => void (exposed[key] = api) },
  ipcRenderer: { invoke },
}));

describe('preload bridge', () => {
  beforeEach(async () => {
    invoke.mockClear();
    await import('./preload');
  });

  it('exposes only an invoke function, never ipcRenderer', () => {
    expect(Object.keys(exposed)).toEqual(['gatehouse']);
    expect(Object.keys(exposed.gatehouse as object)).toEqual(['invoke']);
  });

  it('forwards allowlisted channels and refuses others without calling ipcRenderer', async () => {
    const bridge = exposed.gatehouse as { invoke(c: string, i: unknown): Promise<unknown> };
    await expect(bridge.invoke('workspaces:list', {})).resolves.toMatchObject({ ok: true });
    expect(invoke).toHaveBeenCalledWith('workspaces:list', {});
    invoke.mockClear();
    for (const channel of ['shell:exec', 'workspaces:drop', '__proto__', '']) {
      await expect(bridge.invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    }
    expect(invoke).not.toHaveBeenCalled();
  });
});
