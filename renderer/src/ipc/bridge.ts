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

/**
 * Browser host: fetches a finished export (served once) and hands it to the browser as a file
 * download. Electron: a no-op, the core already wrote the file where the user chose.
 * Resolves the number of bytes downloaded (0 in Electron).
 */
export async function downloadExport(jobId: string, fileName: string): Promise<number> {
  if (window.gatehouse) return 0;
  const token = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const response = await fetch(`/api/exports/${encodeURIComponent(jobId)}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`The download failed (${response.status}): ${await response.text()}`);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = fileName;
    link.style.display = 'none';
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    // Revoke after the click has been handled; revoking synchronously can cancel the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return blob.size;
}

export function getBridge(): GatehouseBridge {
  bridge ??= window.gatehouse ?? httpBridge();
  return bridge;
}

/** Tests install a fake bridge. */
export function setBridgeForTests(fake: GatehouseBridge | undefined): void {
  bridge = fake;
}
