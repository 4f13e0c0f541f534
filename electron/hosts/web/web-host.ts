import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CoreClient } from '../../core/client/core-client';
import { APP_CSP, contentTypeFor, resolveStaticAsset } from '../../core/static-assets';
import { createEventStreams, EVENTS_PATH } from './event-stream';
import { isExportDownloadPath, serveExportDownload } from './export-download';
import { createWebHostFolders, removeStaleFiles, type WebHostFolders } from './host-folders';
import {
  admitPost,
  bearerValid,
  DRAIN_LIMITS,
  limitRequestTime,
  markAwaitingContinue,
  refuseTooLarge,
  SECURITY_HEADERS,
  sendError,
  sendJson,
  type DrainLimits,
} from './http-util';
import { receiveUpload } from './upload-receiver';

export interface WebHostOptions {
  /** The core, normally in a worker (createWorkerClient); tests may pass an in-process client. */
  client: CoreClient;
  /** The built renderer (vite output). */
  rendererDir: string;
  port?: number;
  token?: string;
  /**
   * The host's own folders, which the client's capabilities must point at too
   * (webHostCapabilities). Absent: the host makes private temp folders and removes them on close.
   */
  downloadsDir?: string;
  uploadsDir?: string;
  /** Largest upload accepted (default 2 GiB); tests lower it. */
  maxUploadBytes?: number;
  /** SSE heartbeat interval (default 15 s); tests lower it. */
  heartbeatMs?: number;
  /** Time for a request's head to arrive (default HEADERS_TIMEOUT_MS); tests lower it. */
  headersTimeoutMs?: number;
  /**
   * Time for a request's body to arrive (default REQUEST_TIMEOUT_MS). An upload instead fails
   * when it makes no progress for that long, so a 2 GiB file on a slow link still gets through.
   */
  requestTimeoutMs?: number;
  /** How the rest of an oversized body is dropped after its 413 (default DRAIN_LIMITS); tests lower it. */
  drainLimits?: DrainLimits;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  downloadsDir: string;
  uploadsDir: string;
  /** Open event streams. */
  readonly eventStreams: number;
  /** Stops accepting, ends the event streams and open connections. Does not close the client. */
  close(): Promise<void>;
}

export const MAX_INVOKE_BODY_BYTES = 1024 * 1024;
/** Node's defaults (60 s for the head, 300 s for the request) let a slow client hold a socket for minutes. */
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 30_000;
const INVOKE_TOO_LARGE = 'The request is larger than 1 MiB, the most one call through the browser host may carry';
/** How often leftovers (uploads nobody imported, exports nobody downloaded) are looked for. */
const SWEEP_MS = 10 * 60 * 1000;

/**
 * POST /api/invoke: `{channel, input}` → `client.invoke(...)` → the Result as JSON.
 * The body is capped at 1 MiB (413 with an E_LIMIT body); without a valid token → 401.
 */
function serveInvoke(req: http.IncomingMessage, res: http.ServerResponse, client: CoreClient, tokenValid: boolean, drain: DrainLimits): void {
  if (!admitPost(req, res, tokenValid, MAX_INVOKE_BODY_BYTES, INVOKE_TOO_LARGE, drain)) return;
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_INVOKE_BODY_BYTES) {
      req.removeListener('data', onData);
      chunks.length = 0;
      refuseTooLarge(req, res, INVOKE_TOO_LARGE, drain);
      return;
    }
    chunks.push(chunk);
  };
  req.on('data', onData);
  req.on('end', () => {
    if (res.headersSent || size > MAX_INVOKE_BODY_BYTES) return;
    let body: { channel?: unknown; input?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body) || typeof body.channel !== 'string') {
      sendError(res, 200, 'E_VALIDATION', 'Request body must be {"channel": string, "input": ...}');
      return;
    }
    client.invoke(body.channel, body.input, { kind: 'web', tokenValid }).then(
      (result) => {
        if (!res.destroyed) sendJson(res, 200, result);
      },
      () => {
        if (!res.destroyed) sendError(res, 200, 'E_INTERNAL', 'The Gatehouse core did not answer');
      },
    );
  });
}

/**
 * Serves the renderer on 127.0.0.1 and bridges it to the core client: POST /api/invoke,
 * GET /api/events (Server-Sent Events), POST /api/uploads and GET /api/exports/<jobId>.
 * The per-launch token travels in the URL fragment (never sent to the server or written to logs
 * by it) and comes back as a bearer header on every API call.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const { client } = options;
  let ownFolders: WebHostFolders | null = null;
  if (!options.downloadsDir || !options.uploadsDir) ownFolders = createWebHostFolders();
  const downloadsDir = options.downloadsDir ?? ownFolders!.downloadsDir;
  const uploadsDir = options.uploadsDir ?? ownFolders!.uploadsDir;
  const events = createEventStreams(client, options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {});
  let port = 0;

  const sweep = () => {
    removeStaleFiles(uploadsDir);
    removeStaleFiles(downloadsDir);
  };
  sweep();
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();

  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const drain = options.drainLimits ?? DRAIN_LIMITS;
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // DNS-rebinding guard: only our own loopback authority is served.
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
      req.resume();
      res.writeHead(421, SECURITY_HEADERS).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const tokenValid = bearerValid(req, token);
    if (url.pathname !== '/api/uploads') limitRequestTime(req, res, requestTimeout);
    if (url.pathname === '/api/invoke') return serveInvoke(req, res, client, tokenValid, drain);
    if (url.pathname === EVENTS_PATH) return events.serve(req, res, tokenValid);
    if (url.pathname === '/api/uploads') {
      return receiveUpload(req, res, { uploadsDir, tokenValid, idleTimeoutMs: requestTimeout, drain, ...(options.maxUploadBytes ? { maxBytes: options.maxUploadBytes } : {}) });
    }
    if (isExportDownloadPath(url.pathname)) {
      serveExportDownload(req, res, { client, downloadsDir, tokenValid, pathname: url.pathname }).catch(() => {
        if (!res.headersSent) sendError(res, 500, 'E_INTERNAL', 'The download failed');
        else res.destroy();
      });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      req.resume();
      sendError(res, 404, 'E_NOT_FOUND', 'No such API');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.writeHead(405, SECURITY_HEADERS).end();
      return;
    }
    const file = resolveStaticAsset(options.rendererDir, url.pathname);
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, SECURITY_HEADERS).end('Not found');
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file), 'Content-Security-Policy': APP_CSP });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  };
  const server = http.createServer(
    {
      headersTimeout: headersTimeout,
      // Node's own whole-request timer would cut a long upload that is still progressing: the body
      // timers are per request instead (limitRequestTime, and the upload's idle timer).
      requestTimeout: 0,
      // How often Node checks headersTimeout (its default, 30 s, would let a head take 40 s).
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    handle,
  );
  // A client that sends `Expect: 100-continue` waits for the go-ahead: given only once the token
  // and the declared size are checked (admitPost), so an oversized upload is refused unsent.
  server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
    markAwaitingContinue(req);
    handle(req, res);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(sweeper);
    ownFolders?.remove();
    throw error;
  }
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    downloadsDir,
    uploadsDir,
    get eventStreams() {
      return events.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(sweeper);
        server.close(() => {
          ownFolders?.remove();
          resolve();
        });
        events.closeAll();
        server.closeIdleConnections();
        // Whatever is still open (an upload in flight, a download) ends now.
        setImmediate(() => server.closeAllConnections());
      });
      return closing;
    },
  };
}
