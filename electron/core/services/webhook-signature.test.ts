import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, parseSignatureHeader, signPayload, verifySignature } from './webhook-signature';

const secret = 'whsec_test_secret';
const body = '{"event":"webhook.test","data":{"n":1}}';
const t = 1_800_000_000;

describe('webhook signature', () => {
  it('signs with the documented algorithm: HMAC-SHA256 of "t.body", hex', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signPayload(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies its own signature inside the replay window', () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, { now: t })).toEqual({ ok: true, timestamp: t });
    expect(verifySignature(secret, body, header, { now: t + 300 }).ok).toBe(true);
    expect(verifySignature(secret, body, header, { now: t - 300 }).ok).toBe(true);
  });

  it('refuses a timestamp outside the 300 s replay window', () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body, header, { now: t + 301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(secret, body, header, { now: t - 301 })).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a tampered body, a wrong secret and a forged timestamp', () => {
    const header = signPayload(secret, body, t);
    expect(verifySignature(secret, body.replace('1', '2'), header, { now: t })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySignature('whsec_other', body, header, { now: t })).toEqual({ ok: false, reason: 'mismatch' });
    const moved = header.replace(`t=${t}`, `t=${t + 1}`);
    expect(verifySignature(secret, body, moved, { now: t })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('accepts any of several v1 values (secret rotation) and ignores unknown schemes', () => {
    const good = signPayload(secret, body, t).split(',v1=')[1]!;
    const header = `t=${t},v0=abc,v1=${'0'.repeat(64)},v1=${good}`;
    expect(verifySignature(secret, body, header, { now: t }).ok).toBe(true);
    expect(verifySignature(secret, body, `t=${t},v1=${'0'.repeat(64)}`, { now: t }).ok).toBe(false);
  });

  it('reports malformed headers and missing signatures', () => {
    expect(verifySignature(secret, body, 'garbage', { now: t })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(secret, body, `v1=${'a'.repeat(64)}`, { now: t })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(secret, body, `t=${t}`, { now: t })).toEqual({ ok: false, reason: 'no-signature' });
    expect(verifySignature(secret, body, `t=${t},v1=short`, { now: t })).toEqual({ ok: false, reason: 'mismatch' });
    expect(parseSignatureHeader(`t=${t},t=${t}`)).toBeNull();
  });

  it('mints whsec_ secrets that differ each time', () => {
    const a = newWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(newWebhookSecret()).not.toBe(a);
  });
});
