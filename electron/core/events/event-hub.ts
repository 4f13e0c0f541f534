import type { CoreEvent } from '../../../shared/contract/event-schemas';

export type CoreEventListener = (event: CoreEvent) => void;

/** Fan-out of core events to the door (worker → main → window, SSE, CLI progress). */
export function createEventHub() {
  const listeners = new Set<CoreEventListener>();
  return {
    emit(event: CoreEvent): void {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          /* a faulty listener must not break the core or the other listeners */
        }
      }
    },
    on(listener: CoreEventListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
export type EventHub = ReturnType<typeof createEventHub>;
