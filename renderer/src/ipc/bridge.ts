import type { Result } from '../../../shared/contract/errors';

/** What the Electron preload exposes as `window.gatehouse`; the browser host is bridged over HTTP instead. */
export interface GatehouseBridge {
  invoke(channel: string, input: unknown): Promise<Result<unknown>>;
}

declare global {
  interface Window {
    gatehouse?: GatehouseBridge;
  }
}

const TOKEN_KEY = 'gatehouse.webToken';

/** Browser-host bridge: the per-launch token arrives in the URL fragment and is kept for this tab only. */
function httpBridge(): GatehouseBridge {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  return {
    async invoke(channel, input) {
      const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
      const response = await fetch('/api/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ channel, input }),
      });
      return (await response.json()) as Result<unknown>;
    },
  };
}

let bridge: GatehouseBridge | undefined;

export function getBridge(): GatehouseBridge {
  bridge ??= window.gatehouse ?? httpBridge();
  return bridge;
}

/** Tests install a fake bridge. */
export function setBridgeForTests(fake: GatehouseBridge | undefined): void {
  bridge = fake;
}
