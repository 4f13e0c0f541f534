import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../../../shared/contract/errors';

/** One HTTP exchange as the adapters see it: text in, text out, lower-case header names. */
export interface TransportRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpTransport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /** Closes idle keep-alive connections (they never keep the process alive, this only frees them sooner). */
  close(): void;
}

/** `blocked`: the outbound guard refused the address (private, link-local, metadata…); nothing was sent. */
export type TransportErrorKind = 'timeout' | 'connection' | 'tls' | 'blocked';

/**
 * The request never got an HTTP answer. The message is for people ("Connection refused",
 * "Certificate not trusted: …") and never holds a header or a body.
 */
export class TransportError extends Error {
  readonly kind: TransportErrorKind;
  constructor(kind: TransportErrorKind, message: string) {
    super(message);
    this.name = 'TransportError';
    this.kind = kind;
  }
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Larger answers are refused: no page of the protocol comes near it (1000 resources of a few KB). */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const LOOPBACK_NAMES = new Set(['localhost']);

/** 127.0.0.0/8, ::1 and `localhost`: the only hosts plain http:// may reach. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (LOOPBACK_NAMES.has(host)) return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  if (net.isIPv6(host)) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`);

const invalidUrl = (message: string) => AppError.field('E_VALIDATION', 'baseUrl', message);

/**
 * The rule for a remote's base URL: https://, or http:// to a loopback address only; no
 * credentials, query or fragment in it (the admin key travels in a header, never in a URL).
 */
export function checkRemoteUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalidUrl('Not a valid URL (e.g. https://gateway.example.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl('The URL must start with https:// (or http:// for a loopback address)');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw invalidUrl('HTTPS is required except for loopback addresses');
  if (url.username || url.password) throw invalidUrl('Put no user name or password in the URL; the admin key is sent in a header');
  if (url.search || url.hash) throw invalidUrl('The URL must not have a query (?…) or a fragment (#…)');
  return url;
}

/** The base URL as stored: what `checkRemoteUrl` accepted, without a trailing slash. */
export function normalizeRemoteUrl(raw: string): string {
  const url = checkRemoteUrl(raw);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const TLS_REASONS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed (add its CA file to the remote)',
  SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed certificate that is not trusted (add its CA file to the remote)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its issuer is not trusted (add the CA file to the remote)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'its issuer is not trusted (add the CA file to the remote)',
  UNABLE_TO_GET_ISSUER_CERT: 'its issuer is not trusted (add the CA file to the remote)',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
  HOSTNAME_MISMATCH: 'the certificate is for another host name',
};

/** Maps a socket/TLS failure onto words people can act on; never echoes anything it was sent. */
export function classifyNetworkError(error: unknown, host: string): TransportError {
  if (error instanceof TransportError) return error;
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (TLS_CODES.has(code)) return new TransportError('tls', `Certificate not trusted: ${TLS_REASONS[code] ?? code.toLowerCase().replace(/_/g, ' ')}`);
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code === 'EPROTO') return new TransportError('tls', `TLS handshake with ${host} failed (${code})`);
  switch (code) {
    case 'ECONNREFUSED':
      return new TransportError('connection', 'Connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new TransportError('connection', `Host not found: ${host}`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new TransportError('connection', 'The connection was reset by the gateway');
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new TransportError('connection', `No route to ${host}`);
    case 'ETIMEDOUT':
      return new TransportError('timeout', `No answer from ${host} (timed out)`);
    default:
      return new TransportError('connection', code ? `Cannot connect to ${host} (${code})` : `Cannot connect to ${host}`);
  }
}

export interface HttpTransportOptions {
  /** An extra CA (PEM) trusted for this remote, added to the bundled roots (never replacing them). */
  caCertificate?: string | null;
  /** Whole exchange: connect, send, answer read to its end. */
  timeoutMs?: number;
  /** For tests of the cap; default MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
  /** Resolves host names for every connection (the outbound guard checks each address it returns). */
  lookup?: LookupFunction;
}

/**
 * node:http / node:https with keep-alive agents. Certificate checks always stay on; plain http
 * goes only to loopback. Errors: TransportError (no answer) or AppError E_REMOTE (answer too large).
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const ca = options.caCertificate ? [...tls.rootCertificates, options.caCertificate] : undefined;
  // Idle keep-alive sockets are unref'd by node's agent, so a CLI run still exits on its own.
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8, ...(ca ? { ca } : {}) });
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });

  return {
    request(req) {
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return Promise.reject(invalidUrl('Not a valid URL'));
      }
      if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return Promise.reject(invalidUrl('HTTPS is required except for loopback addresses'));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(invalidUrl('The URL must start with https://'));
      const secure = url.protocol === 'https:';
      const host = url.host;

      return new Promise<TransportResponse>((resolve, reject) => {
        let settled = false;
        const finish = (fn: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          fn();
        };
        const headers: Record<string, string> = { ...req.headers };
        if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
        const requestOptions: https.RequestOptions = {
          method: req.method,
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          headers,
          agent: secure ? httpsAgent : httpAgent,
          ...(options.lookup ? { lookup: options.lookup } : {}),
          // Never turned off: a remote with a private CA gets it added (`caCertificate`), not a bypass.
          ...(secure ? { rejectUnauthorized: true } : {}),
        };
        const outgoing = (secure ? https : http).request(requestOptions, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              finish(() => reject(new AppError('E_REMOTE', `The gateway at ${host} sent an answer larger than ${sizeText(maxBytes)}; it was refused`)));
              outgoing.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            const responseHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value !== undefined) responseHeaders[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            finish(() => resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8') }));
          });
          res.on('error', (error) => finish(() => reject(classifyNetworkError(error, host))));
          res.on('close', () => {
            if (!res.complete) finish(() => reject(new TransportError('connection', 'The gateway closed the connection before the answer was complete')));
          });
        });
        // `finish` reads it only from callbacks, which run after this line.
        const timer = setTimeout(() => {
          finish(() => reject(new TransportError('timeout', `No answer from ${host} within ${Math.round(timeoutMs / 100) / 10} s`)));
          outgoing.destroy();
        }, timeoutMs);
        outgoing.on('error', (error) => finish(() => reject(classifyNetworkError(error, host))));
        if (req.body !== undefined) outgoing.write(req.body);
        outgoing.end();
      });
    },
    close() {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
