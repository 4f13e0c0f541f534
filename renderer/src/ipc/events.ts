import type { CoreEventType } from '../../../shared/contract/event-names';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import { getBridge } from './bridge';

export type CoreEventOf<T extends CoreEventType> = Extract<CoreEvent, { type: T }>;

/**
 * Subscribes to one type of core event (`job`: a job started, progressed or ended; `changed`:
 * committed changes, this window's or another process's). Returns the unsubscribe function.
 * Electron: the preload's allowlisted `on`; browser host: the shared /api/events stream.
 */
export function onCoreEvent<T extends CoreEventType>(type: T, listener: (event: CoreEventOf<T>) => void): () => void {
  return getBridge().on((event) => {
    if (event.type === type) listener(event as CoreEventOf<T>);
  });
}

/**
 * Called when events may have been missed (the browser host's stream reconnected after a drop):
 * whoever shows data refetches it. Returns the unsubscribe function.
 */
export function onResync(listener: () => void): () => void {
  return getBridge().onResync(listener);
}
