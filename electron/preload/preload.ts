import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isChannelName } from '../../shared/contract/channel-names';
import { CORE_EVENT_CHANNEL, isCoreEventType } from '../../shared/contract/event-names';

/**
 * The whole bridge: `invoke` for allowlisted channels and `on` for allowlisted core event types.
 * No raw ipcRenderer, and no IpcRendererEvent (it carries `sender`), reaches the page.
 */
export const gatehouseBridge = {
  invoke(channel: string, input: unknown): Promise<unknown> {
    if (!isChannelName(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'E_NOT_FOUND', message: `Unknown channel "${String(channel)}"` } });
    }
    return ipcRenderer.invoke(channel, input);
  },

  /** Calls `listener` with each core event of `type` (the event object only); returns the unsubscribe function. */
  on(type: string, listener: (event: unknown) => void): () => void {
    if (!isCoreEventType(type)) throw new Error(`Unknown event type "${String(type)}"`);
    if (typeof listener !== 'function') throw new Error('on(type, listener) needs a listener function');
    const forward = (_event: IpcRendererEvent, payload: unknown) => {
      if (typeof payload === 'object' && payload !== null && (payload as { type?: unknown }).type === type) listener(payload);
    };
    ipcRenderer.on(CORE_EVENT_CHANNEL, forward);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      ipcRenderer.removeListener(CORE_EVENT_CHANNEL, forward);
    };
  },
};

contextBridge.exposeInMainWorld('gatehouse', gatehouseBridge);
