import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook payload signing, Stripe-style. Header:
 *   Gatehouse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 * A receiver recomputes the HMAC over the raw body, compares it in constant time with each `v1`
 * value (several may be present while a secret is rotated), and refuses a `t` outside the replay
 * window (default 300 s either way).
 */
export const SIGNATURE_HEADER = 'Gatehouse-Signature';
export const REPLAY_WINDOW_SECONDS = 300;
export const SECRET_PREFIX = 'whsec_';

/** A new signing secret, `whsec_` + 32 random bytes (base64url). */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

const hmacHex = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');

/** The header value for `body` signed at `timestamp` (unix seconds). */
export function signPayload(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type VerifyFailure = 'malformed' | 'no-signature' | 'stale' | 'mismatch';
export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: VerifyFailure };

export interface VerifyOptions {
  /** Unix seconds "now" (the receiver's clock). */
  now: number;
  toleranceSeconds?: number;
}

/** Parses `t=…,v1=…[,v1=…]`; unknown schemes are ignored (forward compatible). */
export function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      signatures.push(value);
    }
  }
  return timestamp === null ? null : { timestamp, signatures };
}

const equalHex = (a: string, b: string) => {
  if (!/^[0-9a-f]{64}$/.test(a)) return false;
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Verifies a `Gatehouse-Signature` header against the raw body. Constant-time per comparison. */
export function verifySignature(secret: string, body: string, header: string, options: VerifyOptions): VerifyResult {
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (parsed.signatures.length === 0) return { ok: false, reason: 'no-signature' };
  const tolerance = options.toleranceSeconds ?? REPLAY_WINDOW_SECONDS;
  if (Math.abs(options.now - parsed.timestamp) > tolerance) return { ok: false, reason: 'stale' };
  const expected = hmacHex(secret, parsed.timestamp, body);
  // Compare against every v1 value without stopping early (rotation sends old and new).
  let match = false;
  for (const candidate of parsed.signatures) match = equalHex(candidate.toLowerCase(), expected) || match;
  return match ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: 'mismatch' };
}
