import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key secrets: `gh_live_` + 30 base62 characters from a CSPRNG (~178 bits) + 6 base62
 * characters of CRC32 over the prefix and random part. The fixed prefix makes leaked keys easy for
 * secret scanners to find; the checksum rejects a mistyped or truncated key before any lookup.
 */
export const KEY_PREFIX = 'gh_live_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
export const KEY_SECRET_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62Fixed(value: number, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = BASE62[rest % 62] + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

function checksumOf(body: string): string {
  return base62Fixed(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

/** Uniform base62 by rejection sampling (bytes ≥ 248 are discarded, so no modulo bias). */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export function generateKeySecret(): string {
  const body = KEY_PREFIX + randomBase62(RANDOM_LENGTH);
  return body + checksumOf(body);
}

export type SecretCheck = { ok: true } | { ok: false; reason: 'format' | 'checksum' };

/** Pure, store-free check of shape and checksum. */
export function checkKeySecret(secret: string): SecretCheck {
  if (!KEY_SECRET_PATTERN.test(secret)) return { ok: false, reason: 'format' };
  const body = secret.slice(0, -CHECKSUM_LENGTH);
  return checksumOf(body) === secret.slice(-CHECKSUM_LENGTH) ? { ok: true } : { ok: false, reason: 'checksum' };
}

export function hashKeySecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function maskParts(secret: string): { prefix: string; last4: string } {
  return { prefix: KEY_PREFIX, last4: secret.slice(-4) };
}
