import type { ErrorPayload, Result } from '../../../shared/contract/errors';
import { isErrorCode } from '../../../shared/contract/errors';
import { CORE_EVENT_TYPES, type CoreEventType } from '../../../shared/contract/event-names';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import { TOKEN_MESSAGE, UNREACHABLE_MESSAGE, useConnection } from './connection-store';
import { followEventStream } from './sse';

export type CoreEventListener = (event: CoreEvent) => void;

export interface UploadOptions {
  /** Bytes sent so far of the total. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * How the renderer reaches the core. Electron: the preload's `window.gatehouse`. Browser host:
 * HTTP (invoke, uploads, downloads) plus Server-Sent Events.
 */
export interface GatehouseBridge {
  invoke(channel: string, input: unknown): Promise<Result<unknown>>;
  /** Core events (job progress, committed changes); returns the unsubscribe function. */
  on(listener: CoreEventListener): () => void;
  /**
   * Called when events may have been missed (the event stream reconnected): refetch what is shown.
   * Returns the unsubscribe function.
   */
  onResync(listener: () => void): () => void;
  /** Browser host only: streams a file to the host for a later `usage:import {source: 'upload'}`. */
  upload?(file: Blob, options?: UploadOptions): Promise<Result<{ uploadId: string }>>;
  /** Browser host only: fetches a finished export (served once) and saves it as a browser download; resolves its size. */
  download?(jobId: string, fileName: string): Promise<number>;
}

/** What the Electron preload exposes: `invoke` for allowlisted channels, `on` for allowlisted event types. */
interface PreloadBridge {
  invoke(channel: string, input: unknown): Promise<Result<unknown>>;
  on?(type: CoreEventType, listener: (event: CoreEvent) => void): () => void;
}

declare global {
  interface Window {
    gatehouse?: PreloadBridge;
  }
}

function electronBridge(preload: PreloadBridge): GatehouseBridge {
  return {
    invoke: (channel, input) => preload.invoke(channel, input),
    on(listener) {
      if (!preload.on) return () => {};
      const offs = CORE_EVENT_TYPES.map((type) => preload.on!(type, listener));
      return () => offs.forEach((off) => off());
    },
    // IPC cannot drop events while the window lives.
    onResync: () => () => {},
  };
}

const TOKEN_KEY = 'gatehouse.webToken';
const token = () => sessionStorage.getItem(TOKEN_KEY) ?? '';

const failure = (code: ErrorPayload['code'], message: string): Result<never> => ({ ok: false, error: { code, message } });

function isResult(value: unknown): value is Result<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (v.ok === true) return 'data' in v;
  return v.ok === false && isErrorCode(v.error?.code) && typeof v.error?.message === 'string';
}

/**
 * Turns any HTTP answer into a Result: the host's own JSON Result when there is one (a 413's
 * E_LIMIT message included), else a typed error for the status, never "Unexpected token".
 */
export function resultFromHttp(status: number, bodyText: string): Result<unknown> {
  let body: unknown = null;
  try {
    body = JSON.parse(bodyText);
  } catch {
    /* not JSON: a proxy, an old host, a crash page */
  }
  if (status === 401) {
    useConnection.getState().set('unauthorized');
    return failure('E_FORBIDDEN', TOKEN_MESSAGE);
  }
  if (isResult(body) && (status < 400 || !body.ok)) return body;
  if (status === 413) return failure('E_LIMIT', 'The request is too large for the browser host');
  if (status === 404) return failure('E_NOT_FOUND', 'The web host does not know this request; is it an older version?');
  return failure('E_INTERNAL', `The web host answered HTTP ${status} without a usable result`);
}

/** Browser-host bridge: the per-launch token arrives in the URL fragment and is kept for this tab only. */
function httpBridge(): GatehouseBridge {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(TOKEN_KEY, fromHash);
    history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  if (!token()) useConnection.getState().set('unauthorized');

  const listeners = new Set<CoreEventListener>();
  const resyncListeners = new Set<() => void>();
  let stream: { stop(): void } | null = null;
  const ensureStream = () => {
    if (stream || !token()) return;
    stream = followEventStream({
      url: '/api/events',
      token,
      onMessage(data) {
        const event = JSON.parse(data) as CoreEvent;
        for (const listener of [...listeners]) listener(event);
      },
      onState: (state) => {
        if (state !== 'stopped') useConnection.getState().set(state);
      },
      onReopen: () => {
        for (const listener of [...resyncListeners]) listener();
      },
    });
  };

  return {
    async invoke(channel, input) {
      let response: Response;
      try {
        response = await fetch('/api/invoke', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` },
          body: JSON.stringify({ channel, input }),
        });
      } catch {
        return failure('E_INTERNAL', UNREACHABLE_MESSAGE);
      }
      let text: string;
      try {
        text = await response.text();
      } catch {
        return failure('E_INTERNAL', UNREACHABLE_MESSAGE);
      }
      return resultFromHttp(response.status, text);
    },
    on(listener) {
      listeners.add(listener);
      ensureStream();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream) {
          stream.stop();
          stream = null;
        }
      };
    },
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    upload(file, options = {}) {
      return new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/uploads');
        xhr.setRequestHeader('Authorization', `Bearer ${token()}`);
        xhr.setRequestHeader('Content-Type', 'text/csv');
        xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
        xhr.onload = () => resolve(resultFromHttp(xhr.status, xhr.responseText) as Result<{ uploadId: string }>);
        xhr.onerror = () => resolve(failure('E_INTERNAL', UNREACHABLE_MESSAGE));
        xhr.onabort = () => resolve(failure('E_CANCELLED', 'Upload cancelled; nothing was imported'));
        if (options.signal?.aborted) return xhr.onabort(new ProgressEvent('abort'));
        options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
        xhr.send(file);
      });
    },
    async download(jobId, fileName) {
      let response: Response;
      try {
        response = await fetch(`/api/exports/${encodeURIComponent(jobId)}`, { headers: { Authorization: `Bearer ${token()}` } });
      } catch {
        throw new Error(UNREACHABLE_MESSAGE);
      }
      if (response.status === 401) {
        useConnection.getState().set('unauthorized');
        throw new Error(TOKEN_MESSAGE);
      }
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
    },
  };
}

let bridge: GatehouseBridge | undefined;

export function getBridge(): GatehouseBridge {
  bridge ??= window.gatehouse ? electronBridge(window.gatehouse) : httpBridge();
  return bridge;
}

/**
 * Browser host: fetches a finished export (served once) and hands it to the browser as a file
 * download. Electron: a no-op, the core already wrote the file where the user chose.
 * Resolves the number of bytes downloaded (0 in Electron).
 */
export async function downloadExport(jobId: string, fileName: string): Promise<number> {
  const b = getBridge();
  return b.download ? b.download(jobId, fileName) : 0;
}

/** A bridge for tests: `invoke` is required; events, resync, upload and download are optional. */
export type TestBridge = Pick<GatehouseBridge, 'invoke'> & Partial<Omit<GatehouseBridge, 'invoke'>>;

/** Tests install a fake bridge. */
export function setBridgeForTests(fake: TestBridge | undefined): void {
  bridge = fake ? { on: () => () => {}, onResync: () => () => {}, ...fake } : undefined;
}
