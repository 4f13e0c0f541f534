import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import type { Dispatcher } from '../core/handlers/pipeline';

/**
 * The only place that touches `ipcMain`: one `handle` per contract channel, each feeding the
 * shared pipeline with the calling frame's URL so the trust rule can judge it.
 */
export function registerIpcHandlers(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, dispatcher: Dispatcher): () => void {
  for (const channel of dispatcher.channels) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, input: unknown) =>
      dispatcher.dispatch(channel, input, { kind: 'electron', frameUrl: event.senderFrame?.url ?? null }),
    );
  }
  return () => {
    for (const channel of dispatcher.channels) ipcMain.removeHandler(channel);
  };
}
