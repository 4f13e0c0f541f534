import { timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { ErrorCode } from '../../../shared/contract/errors';

/** Headers every browser-host response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** True when the request carries `Authorization: Bearer <token>` exactly. */
export function bearerValid(req: http.IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') && tokensEqual(auth.slice(7), token);
}

/** A JSON body with its length, so the client can read it in full before the connection closes. */
export function sendJson(res: http.ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), ...extraHeaders });
  res.end(text);
}

export function sendError(res: http.ServerResponse, status: number, code: ErrorCode, message: string, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, status, { ok: false, error: { code, message } }, extraHeaders);
}

export const TOKEN_MESSAGE = "The link's token is missing or wrong: open the URL the web host printed";

export function sendUnauthorized(res: http.ServerResponse): void {
  sendError(res, 401, 'E_FORBIDDEN', TOKEN_MESSAGE);
}

/** The declared body size, or null when absent (chunked) or malformed. */
export function declaredLength(req: http.IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

/** How much of an oversized body is still read (and dropped) after the 413, and for how long. */
const DRAIN_MAX_BYTES = 4 * 1024 * 1024 * 1024;
const DRAIN_MAX_MS = 30_000;

/**
 * Answers 413 with a JSON error at once and closes the connection cleanly. The response is
 * written in full (with its Content-Length) but the socket stays open while the rest of the
 * request body is read and dropped: closing a socket with unread data in it sends a TCP reset,
 * and a reset can make the client discard the 413 it has not read yet ("connection reset").
 * Once the body has ended (or after a bound on bytes/time) the response ends and, because it
 * says `Connection: close`, Node closes the connection with a normal FIN.
 */
export function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, message: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify({ ok: false, error: { code: 'E_LIMIT', message } });
  res.writeHead(413, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    Connection: 'close',
  });
  res.write(text);
  let drained = 0;
  let finished = false;
  const finish = (hard: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    req.removeListener('data', onData);
    if (hard) res.end(() => req.socket.destroy());
    else res.end();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_MAX_BYTES) finish(true);
  };
  const timer = setTimeout(() => finish(true), DRAIN_MAX_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => finish(false));
  req.once('close', () => finish(false));
  req.resume();
}

/**
 * The shared front of every body-carrying endpoint: POST only, the token checked before any of the
 * body is kept, and a declared size over `maxBytes` refused before reading. Returns true when the
 * request may proceed (the caller still counts bytes while streaming: Content-Length can be absent).
 */
export function admitPost(req: http.IncomingMessage, res: http.ServerResponse, tokenValid: boolean, maxBytes: number, tooLargeMessage: string): boolean {
  if (req.method !== 'POST') {
    res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'POST' }).end();
    return false;
  }
  if (!tokenValid) {
    // Nothing of an unauthenticated body is kept; it is dropped while the 401 goes out.
    req.resume();
    sendUnauthorized(res);
    return false;
  }
  const declared = declaredLength(req);
  if (declared !== null && declared > maxBytes) {
    refuseTooLarge(req, res, tooLargeMessage);
    return false;
  }
  return true;
}
