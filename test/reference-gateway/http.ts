import type http from 'node:http';
import { PROBLEM_TYPE_PREFIX, type ProblemSlug } from '../../shared/gateway-protocol/v1';

// HTTP plumbing of the reference gateway: problem+json answers, JSON answers, bounded body reads.

/** The protocol's slugs plus the few the reference server's extra routes need. */
export type ServerProblemSlug = ProblemSlug | 'method-not-allowed' | 'model-not-granted';

const TITLES: Record<ServerProblemSlug, string> = {
  unauthorized: 'Unauthorized',
  'not-found': 'Not found',
  'already-exists': 'Resource already exists',
  'precondition-failed': 'Precondition failed',
  'precondition-required': 'Precondition required',
  'idempotency-key-missing': 'Idempotency-Key missing',
  'idempotency-key-reused': 'Idempotency-Key reused with another request',
  'idempotency-key-in-flight': 'A request with this Idempotency-Key is in progress',
  'validation-failed': 'Validation failed',
  'limit-exceeded': 'Limit exceeded',
  'parent-missing': 'Parent resource missing',
  'cursor-expired': 'Cursor expired',
  'rate-limited': 'Too many requests',
  'payload-too-large': 'Payload too large',
  unavailable: 'Service unavailable',
  internal: 'Internal error',
  'method-not-allowed': 'Method not allowed',
  'model-not-granted': 'Model not granted',
};

export const BASE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** A complete answer, as sent and as stored for idempotent replay. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ProblemExtras {
  detail?: string;
  current?: unknown;
  errors?: { field: string; message: string }[];
  headers?: Record<string, string>;
}

export function problem(status: number, slug: ServerProblemSlug, extras: ProblemExtras = {}): Answer {
  const { headers = {}, ...members } = extras;
  const body = JSON.stringify({ type: PROBLEM_TYPE_PREFIX + slug, title: TITLES[slug], status, ...members });
  return { status, headers: { 'Content-Type': 'application/problem+json', ...headers }, body };
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): Answer {
  return { status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

export const noContent = (headers: Record<string, string> = {}): Answer => ({ status: 204, headers, body: '' });

export function send(res: http.ServerResponse, answer: Answer, extraHeaders: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const headers: Record<string, string> = { ...BASE_HEADERS, ...answer.headers, ...extraHeaders };
  if (answer.status !== 204) headers['Content-Length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, headers);
  res.end(answer.status === 204 ? undefined : answer.body);
}

export class PayloadTooLarge extends Error {}

/** Reads the whole body up to `maxBytes`; rejects with PayloadTooLarge beyond it (declared or streamed). */
export function readBody(req: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
      reject(new PayloadTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        req.removeListener('data', onData);
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.once('error', (error) => {
      if (!done) reject(error);
    });
    req.once('close', () => {
      if (!done && !req.complete) reject(new Error('request aborted'));
    });
  });
}

/**
 * Answers 413 and closes the connection without a TCP reset: the answer is written, the rest of
 * the body is read and dropped (bounded), then the response ends with `Connection: close`. Closing
 * a socket with unread bytes in it would send a reset that can make the client lose the 413.
 */
export function refuseTooLarge(req: http.IncomingMessage, res: http.ServerResponse, maxBytes: number): void {
  if (res.headersSent) return;
  const answer = problem(413, 'payload-too-large', { detail: `The request body is larger than ${maxBytes} bytes` });
  res.writeHead(413, { ...BASE_HEADERS, ...answer.headers, 'Content-Length': String(Buffer.byteLength(answer.body)), Connection: 'close' });
  res.write(answer.body);
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
    if (drained > 64 * maxBytes) finish(true);
  };
  const timer = setTimeout(() => finish(true), 10_000);
  timer.unref();
  req.on('data', onData);
  req.once('end', () => finish(false));
  req.once('close', () => finish(false));
  req.resume();
}

/** `"…"` per RFC 8941 §3.3.3 (sf-string), unescaped; null when the header is not one. */
export function parseSfString(value: string | undefined): string | null {
  if (value === undefined) return null;
  const m = /^\s*"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"\s*$/.exec(value);
  return m ? m[1]!.replace(/\\(["\\])/g, '$1') : null;
}

/** The entity tags of an If-Match / If-None-Match list: `*`, or the strong tags (weak ones never match a strong comparison). */
export function parseEntityTags(value: string | undefined): '*' | string[] | null {
  if (value === undefined) return null;
  if (value.trim() === '*') return '*';
  const tags: string[] = [];
  for (const m of value.matchAll(/(W\/)?("[^"]*")/g)) if (!m[1]) tags.push(m[2]!);
  return tags;
}

export const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
export function fromBase64url(text: string): string | null {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  // Round-trip: only cursors this server minted are accepted.
  return base64url(decoded) === text ? decoded : null;
}
