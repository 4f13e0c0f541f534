import { useEffect } from 'react';
import { create } from 'zustand';
import type { JobKind } from '../../../../shared/contract/job-schemas';
import type { SyncStatus } from '../../../../shared/contract/sync-schemas';
import { errorMessage, invoke } from '../../ipc/client';
import { onCoreEvent } from '../../ipc/events';
import { isFinished } from '../../ipc/use-job';
import { useDataVersions } from '../../stores/data-versions';
import { formatCount } from '../../lib/format';

export const SYNC_JOB_KINDS: readonly JobKind[] = ['sync-plan', 'sync-apply', 'sync-usage'];

interface SyncStatusState {
  /** `sync:status`: the badge count and every remote's status; null until the first answer. */
  status: SyncStatus | null;
  error: string | null;
  refresh(): Promise<void>;
}

let request = 0;

/** One copy of `sync:status` for the sidebar badge and the Sync page, so a change costs one call. */
export const useSyncStatusStore = create<SyncStatusState>()((set) => ({
  status: null,
  error: null,
  async refresh() {
    const id = ++request;
    try {
      const status = await invoke('sync:status', {});
      if (id === request) set({ status, error: null });
    } catch (error) {
      if (id === request) set({ error: errorMessage(error) });
    }
  },
}));

let followers = 0;
let stopFollowing: (() => void) | null = null;

/**
 * While anything shows the sync status: refetch on every committed change (any local change may
 * be one not yet synced), after a resync, and when a sync job ends (a plan or apply updates runs,
 * links and the pending count without necessarily changing local rows).
 */
function follow(): () => void {
  if (followers++ === 0) {
    const refresh = () => void useSyncStatusStore.getState().refresh();
    const offVersions = useDataVersions.subscribe((state, previous) => {
      if (state.any !== previous.any) refresh();
    });
    const offJobs = onCoreEvent('job', (event) => {
      if (SYNC_JOB_KINDS.includes(event.job.kind) && isFinished(event.job)) refresh();
    });
    stopFollowing = () => {
      offVersions();
      offJobs();
    };
  }
  return () => {
    if (--followers === 0) {
      stopFollowing?.();
      stopFollowing = null;
    }
  };
}

/** The sync status, kept fresh while the calling component is mounted. */
export function useSyncStatus(): SyncStatusState {
  const state = useSyncStatusStore();
  useEffect(() => {
    const stop = follow();
    void useSyncStatusStore.getState().refresh();
    return stop;
  }, []);
  return state;
}

/** The sidebar badge's count: 0 while unknown or when the status cannot be read. */
export function usePendingSyncChanges(): number {
  const { status } = useSyncStatus();
  return status?.pendingChanges ?? 0;
}

/** The Sync nav entry's accessible name: "Sync, 3 local changes not yet synced". */
export function syncNavName(pending: number): string {
  if (pending <= 0) return 'Sync';
  return `Sync, ${formatCount(pending)} local ${pending === 1 ? 'change' : 'changes'} not yet synced`;
}

/** What the badge shows: the count, capped so the sidebar never reflows. */
export const badgeText = (pending: number): string => (pending > 999 ? '999+' : String(pending));

/** Tests: forget the status between cases. */
export function resetSyncStatusForTests(): void {
  request++;
  useSyncStatusStore.setState({ status: null, error: null });
}
