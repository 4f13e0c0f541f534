import { ipcMain, type IpcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNEL_NAMES } from '../../shared/contract/channel-names';
import { CORE_EVENT_CHANNEL } from '../../shared/contract/event-names';
import type { CoreClient } from '../core/client/core-client';
import { isTrustedFrameUrl } from './security';

/**
 * The only place that touches `ipcMain`: one `handle` per contract channel, each forwarding to the
 * core client with the calling frame's URL. The client runs the trust rule here in main, before
 * anything crosses to the core's worker.
 */
export function registerIpcHandlers(client: Pick<CoreClient, 'invoke'>, ipc: Pick<IpcMain, 'handle' | 'removeHandler'> = ipcMain): () => void {
  for (const channel of CHANNEL_NAMES) {
    ipc.handle(channel, (event: IpcMainInvokeEvent, input: unknown) =>
      client.invoke(channel, input, { kind: 'electron', frameUrl: event.senderFrame?.url ?? null }),
    );
  }
  return () => {
    for (const channel of CHANNEL_NAMES) ipc.removeHandler(channel);
  };
}

/** The parts of a window's WebContents the event forwarder uses. */
export interface CoreEventTarget {
  isDestroyed(): boolean;
  getURL(): string;
  send(channel: string, ...args: unknown[]): void;
}

/**
 * Core events (job progress, committed changes) to the main window, on one channel. Sent only
 * while the window shows our own page: after a (refused, but possible) navigation elsewhere a
 * foreign page must not hear what changed.
 */
export function forwardCoreEvents(client: Pick<CoreClient, 'on'>, target: () => CoreEventTarget | null | undefined): () => void {
  return client.on((event) => {
    const contents = target();
    if (!contents || contents.isDestroyed() || !isTrustedFrameUrl(contents.getURL())) return;
    contents.send(CORE_EVENT_CHANNEL, event);
  });
}
