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

/**
 * Requests that sent `Expect: 100-continue` and wait for our go-ahead before sending their body
 * (the server's `checkContinue` handler marks them). Node would otherwise answer `100 Continue` to
 * every such request before we see it, inviting a 2 GiB body only to refuse it.
 */
const awaitingContinue = new WeakSet<http.IncomingMessage>();

/** Marks a request that waits for `100 Continue`; `admitPost` sends it only when the body is wanted. */
export function markAwaitingContinue(req: http.IncomingMessage): void {
  awaitingContinue.add(req);
}

/**
 * How an oversized body is dropped after the 413: read while it keeps arriving, up to `maxBytes`
 * (beyond the largest upload, so a body that declared its size is drained in full), and given up
 * when nothing arrives for `idleMs`. Past either bound the connection is closed gracefully: half
 * closed, then what still arrives is dropped for `lingerMs` before the socket goes.
 */
/** Requests refused with 413 whose body is being dropped: the drain has its own bounds. */
const draining = new WeakSet<http.IncomingMessage>();

export interface DrainLimits {
  maxBytes: number;
  idleMs: number;
  lingerMs: number;
}
export const DRAIN_LIMITS: DrainLimits = { maxBytes: 4 * 1024 ** 3, idleMs: 10_000, lingerMs: 2_000 };

/**
 * Answers 413 with a JSON error at once, and closes the connection cleanly. The response is
 * written in full (with its Content-Length and `Connection: close`) before any more of the body
 * is read, but the socket stays open while the rest of the body is read and dropped: closing a
 * socket with unread data in it sends a TCP reset, and a reset can make the client discard the
 * 413 it has not read yet ("connection reset"). Once the body has ended the response ends and
 * Node closes the connection with a normal FIN. A body past the drain bounds gets a lingering
 * close instead (FIN first, the socket destroyed only `lingerMs` later), so even then the client
 * has the 413 and an end of stream before any reset.
 */
export function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, message: string, limits: DrainLimits = DRAIN_LIMITS): void {
  if (res.headersSent) return;
  const text = JSON.stringify({ ok: false, error: { code: 'E_LIMIT', message } });
  res.writeHead(413, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    Connection: 'close',
  });
  draining.add(req);
  // A client waiting for `100 Continue` was never invited to send the body: nothing to drain.
  if (awaitingContinue.has(req)) {
    res.end(text);
    return;
  }
  res.write(text);
  let drained = 0;
  let finished = false;
  const finish = (gaveUp: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(idle);
    req.removeListener('end', onEnd);
    if (!gaveUp) {
      req.removeListener('data', onData);
      res.end();
      return;
    }
    // Not res.end(): with `Connection: close` Node would destroy the socket right after the FIN,
    // while the client may still be sending (a reset). Keep dropping data until the client closes.
    const socket = req.socket;
    socket.end();
    setTimeout(() => socket.destroy(), limits.lingerMs).unref();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    idle.refresh();
    if (drained > limits.maxBytes) finish(true);
  };
  const onEnd = () => finish(false);
  const idle = setTimeout(() => finish(true), limits.idleMs);
  idle.unref();
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('close', () => finish(false));
  req.resume();
}

/**
 * 408 for a request whose body has not arrived in time; the connection closes (the rest of a body
 * that slow is not waited for). A response already under way is cut instead.
 */
export function refuseTooSlow(req: http.IncomingMessage, res: http.ServerResponse, message: string): void {
  if (res.headersSent) {
    req.socket.destroy();
    return;
  }
  const text = JSON.stringify({ ok: false, error: { code: 'E_LIMIT', message } });
  res.writeHead(408, { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)), Connection: 'close' });
  res.end(text, () => req.socket.destroy());
}

export const TOO_SLOW_MESSAGE = 'The request took too long to arrive; check the connection and try again';

/**
 * Gives a request `ms` from now to arrive in full (its body, if any); a request still incomplete
 * then gets 408 and its connection closes. Complements the server's `headersTimeout`, which only
 * covers the head; uploads have their own, progress-based timer (upload-receiver.ts), and a body
 * refused with 413 is dropped under the drain's bounds (refuseTooLarge).
 */
export function limitRequestTime(req: http.IncomingMessage, res: http.ServerResponse, ms: number): void {
  const timer = setTimeout(() => {
    if (!req.complete && !req.socket.destroyed && !draining.has(req)) refuseTooSlow(req, res, TOO_SLOW_MESSAGE);
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
  res.once('close', () => {
    if (req.complete) clear();
  });
}

/**
 * The shared front of every body-carrying endpoint: POST only, the token checked before any of the
 * body is kept, and a declared size over `maxBytes` refused before reading (and, for a client that
 * waits for `100 Continue`, before it sends any). Returns true when the request may proceed (the
 * caller still counts bytes while streaming: Content-Length can be absent).
 */
export function admitPost(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  tokenValid: boolean,
  maxBytes: number,
  tooLargeMessage: string,
  drain: DrainLimits = DRAIN_LIMITS,
): boolean {
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
    refuseTooLarge(req, res, tooLargeMessage, drain);
    return false;
  }
  if (awaitingContinue.has(req)) res.writeContinue();
  return true;
}
