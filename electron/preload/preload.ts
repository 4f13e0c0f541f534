import { contextBridge, ipcRenderer } from 'electron';
import { isChannelName } from '../../shared/contract/channel-names';

/** The whole bridge: one `invoke` for allowlisted channels. No raw ipcRenderer reaches the page. */
export const gatehouseBridge = {
  invoke(channel: string, input: unknown): Promise<unknown> {
    if (!isChannelName(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'E_NOT_FOUND', message: `Unknown channel "${String(channel)}"` } });
    }
    return ipcRenderer.invoke(channel, input);
  },
};

contextBridge.exposeInMainWorld('gatehouse', gatehouseBridge);
