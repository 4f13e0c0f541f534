import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Core } from '../../core/core';
import { APP_CSP, contentTypeFor, resolveStaticAsset } from '../../core/static-assets';
import { isExportDownloadPath, serveExportDownload } from './export-download';

export interface WebHostOptions {
  core: Core;
  /** The built renderer (vite output). */
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface WebHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Serves the renderer on 127.0.0.1 and bridges `invoke` to the core's dispatcher over
 * POST /api/invoke. The per-launch token travels in the URL fragment (never sent to the server
 * or written to logs by it) and comes back as a bearer header on every API call.
 */
export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;

  const server = http.createServer((req, res) => {
    const security = {
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    };
    // DNS-rebinding guard: only our own loopback authority is served.
    if (req.headers.host !== `127.0.0.1:${port}` && req.headers.host !== `localhost:${port}`) {
      res.writeHead(421, security).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (isExportDownloadPath(url.pathname)) {
      const auth = req.headers.authorization ?? '';
      serveExportDownload(req, res, options.core, auth.startsWith('Bearer ') && tokensEqual(auth.slice(7), token), url.pathname, security);
      return;
    }
    if (url.pathname === '/api/invoke') {
      if (req.method !== 'POST') {
        res.writeHead(405, { ...security, Allow: 'POST' }).end();
        return;
      }
      const auth = req.headers.authorization ?? '';
      const tokenValid = auth.startsWith('Bearer ') && tokensEqual(auth.slice(7), token);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          if (!res.headersSent) {
            // Say the connection is closing, then close it once the response is flushed.
            res.writeHead(413, { ...security, Connection: 'close', 'Content-Type': 'text/plain' });
            res.end('Request body too large', () => req.socket.destroy());
          }
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        if (res.headersSent) return;
        let body: { channel?: unknown; input?: unknown };
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
        } catch {
          body = {};
        }
        const result =
          typeof body !== 'object' || body === null || typeof body.channel !== 'string'
            ? { ok: false, error: { code: 'E_VALIDATION', message: 'Request body must be {"channel": string, "input": ...}' } }
            : options.core.dispatcher.dispatch(body.channel, body.input, { kind: 'web', tokenValid });
        res.writeHead(tokenValid ? 200 : 401, { ...security, 'Content-Type': 'application/json' });
        res.end(JSON.stringify(result));
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, security).end();
      return;
    }
    const file = resolveStaticAsset(options.rendererDir, url.pathname);
    if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, security).end('Not found');
      return;
    }
    res.writeHead(200, { ...security, 'Content-Type': contentTypeFor(file), 'Content-Security-Policy': APP_CSP });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/#token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
