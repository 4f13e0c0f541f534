import { create, type StateCreator } from 'zustand';
import type { ChannelOutput } from '../../../shared/contract/contract';
import type { Workspace } from '../../../shared/contract/workspace-schemas';
import type { WorkspaceSortField } from '../../../shared/domain/workspace-rules';
import { errorMessage, invoke } from '../ipc/client';

export interface WorkspaceListQuery {
  search: string;
  sort: { field: WorkspaceSortField; direction: 'asc' | 'desc' };
  page: { index: number; size: number };
}

export interface WorkspacesSlice {
  listQuery: WorkspaceListQuery;
  list: ChannelOutput<'workspaces:list'> | null;
  listLoading: boolean;
  listError: string | null;
  /** Every workspace (≤ the workspace limit) for the switchers, independent of the table's search. */
  allWorkspaces: Workspace[];
  active: Workspace | null;
  setListQuery(patch: Partial<WorkspaceListQuery>): void;
  refreshWorkspaces(): Promise<void>;
  setActiveWorkspace(id: string): Promise<void>;
}

export interface OverviewSlice {
  overview: ChannelOutput<'overview:summary'> | null;
  overviewError: string | null;
  refreshOverview(): Promise<void>;
}

/** Which page is open lives in the URL (features/shell/router.tsx), not here. */
export type AppState = WorkspacesSlice & OverviewSlice;
type Slice<T> = StateCreator<AppState, [], [], T>;

let listRequest = 0;

const workspacesSlice: Slice<WorkspacesSlice> = (set, get) => ({
  listQuery: { search: '', sort: { field: 'name', direction: 'asc' }, page: { index: 0, size: 50 } },
  list: null,
  listLoading: false,
  listError: null,
  allWorkspaces: [],
  active: null,
  setListQuery(patch) {
    const searchChanged = patch.search !== undefined && patch.search !== get().listQuery.search;
    const next = { ...get().listQuery, ...patch };
    if (searchChanged) next.page = { ...next.page, index: 0 };
    set({ listQuery: next });
    void get().refreshWorkspaces();
  },
  async refreshWorkspaces() {
    const request = ++listRequest;
    set({ listLoading: true });
    try {
      const [list, all, active] = await Promise.all([
        invoke('workspaces:list', get().listQuery),
        invoke('workspaces:list', { page: { index: 0, size: 500 } }),
        invoke('workspaces:getActive', {}),
      ]);
      // A slower, older response must not overwrite a newer one (typing fast in search).
      if (request !== listRequest) return;
      set({ list, allWorkspaces: all.items, active, listLoading: false, listError: null });
    } catch (error) {
      if (request === listRequest) set({ listLoading: false, listError: errorMessage(error) });
    }
  },
  async setActiveWorkspace(id) {
    const active = await invoke('workspaces:setActive', { id });
    set({ active });
    void get().refreshOverview();
  },
});

const overviewSlice: Slice<OverviewSlice> = (set) => ({
  overview: null,
  overviewError: null,
  async refreshOverview() {
    try {
      set({ overview: await invoke('overview:summary', {}), overviewError: null });
    } catch (error) {
      set({ overviewError: errorMessage(error) });
    }
  },
});

export const createAppStore = () =>
  create<AppState>()((...args) => ({
    ...workspacesSlice(...args),
    ...overviewSlice(...args),
  }));

export const useAppStore = createAppStore();

/** After any workspace mutation: one place that knows what to reload. */
export async function refreshAfterWorkspaceChange(): Promise<void> {
  await Promise.all([useAppStore.getState().refreshWorkspaces(), useAppStore.getState().refreshOverview()]);
}
