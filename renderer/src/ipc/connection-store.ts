import { create } from 'zustand';

/**
 * How the renderer's link to the core is doing (browser host: the event stream and API calls;
 * Electron: IPC, never reported). `unauthorized` is final for this page: the token in the link is
 * missing or belongs to an earlier launch, and only the URL the host printed helps.
 */
export type ConnectionState = 'connecting' | 'open' | 'unreachable' | 'unauthorized';

interface ConnectionStore {
  state: ConnectionState;
  set(state: ConnectionState): void;
}

export const useConnection = create<ConnectionStore>()((set, get) => ({
  state: 'connecting',
  set(state) {
    // Nothing recovers from a wrong token but a new page load.
    if (get().state === 'unauthorized' || get().state === state) return;
    set({ state });
  },
}));

/** Tests start from a clean slate. */
export function resetConnectionForTests(): void {
  useConnection.setState({ state: 'connecting' });
}

export const TOKEN_MESSAGE = "The link's token is missing or wrong — open the URL the host printed";
export const UNREACHABLE_MESSAGE = 'Gatehouse could not be reached — is the web host still running?';
