import { create } from 'zustand';
import { onCoreEvent, onResync } from '../ipc/events';

/**
 * A counter per entity type (the audit log's: `workspace`, `api_key`, `member`, `usage`, …), bumped
 * by `changed` events. Fetch effects list `useDataVersion(...)` in their dependencies, so a page
 * refetches when data it shows was changed here, in another window or by another process.
 * (Issue 11 moves this into a query layer; this is the small version.)
 */
interface DataVersionsState {
  versions: Readonly<Record<string, number>>;
  /** Bumped by any change and by a resync; `useDataVersion('*')` follows it. */
  any: number;
  /** Bumped when events may have been missed: every version includes it. */
  resync: number;
  bump(entityTypes: readonly string[]): void;
  bumpAll(): void;
}

export const useDataVersions = create<DataVersionsState>()((set) => ({
  versions: {},
  any: 0,
  resync: 0,
  bump(entityTypes) {
    set((s) => {
      const versions = { ...s.versions };
      for (const type of entityTypes) versions[type] = (versions[type] ?? 0) + 1;
      return { versions, any: s.any + 1 };
    });
  },
  bumpAll() {
    set((s) => ({ resync: s.resync + 1, any: s.any + 1 }));
  },
}));

/**
 * One number that changes whenever data of any of `entityTypes` changed (or after a resync,
 * when changes may have been missed). `'*'` follows every change.
 */
export function useDataVersion(...entityTypes: string[]): number {
  return useDataVersions((s) => {
    if (entityTypes.includes('*')) return s.any;
    let sum = s.resync;
    for (const type of entityTypes) sum += s.versions[type] ?? 0;
    return sum;
  });
}

/** Changes arriving close together (a chunked job commits often) cause one refetch, not one each. */
const COALESCE_MS = 150;

/** Feeds `changed` events (and resyncs) into the counters; returns the stop function. */
export function startDataVersionFeed(): () => void {
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = () => {
    timer = null;
    const types = [...pending];
    pending = new Set();
    if (types.length) useDataVersions.getState().bump(types);
  };
  const offChanged = onCoreEvent('changed', (event) => {
    for (const type of event.entityTypes) pending.add(type);
    timer ??= setTimeout(flush, COALESCE_MS);
  });
  const offResync = onResync(() => useDataVersions.getState().bumpAll());
  return () => {
    offChanged();
    offResync();
    if (timer) clearTimeout(timer);
  };
}
