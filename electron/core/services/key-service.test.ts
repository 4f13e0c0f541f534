import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';
import { checkKeySecret, generateKeySecret, hashKeySecret, KEY_PREFIX } from './key-secret';

let core: TestCore;
let now: Date;
let wsId: string;
beforeEach(() => {
  now = new Date('2026-06-01T12:00:00.000Z');
  core = openTestCore({ now: () => now });
  wsId = core.ok('workspaces:create', { name: 'Keys team' }).id;
});
afterEach(() => core.dispose());

describe('secret format', () => {
  it('has the prefix, ≥128 bits of base62 and a checksum that catches typos and truncation', () => {
    const secret = generateKeySecret();
    expect(secret.startsWith(KEY_PREFIX)).toBe(true);
    expect(secret).toMatch(/^gh_live_[0-9A-Za-z]{36}$/);
    expect(checkKeySecret(secret)).toEqual({ ok: true });
    expect(checkKeySecret(secret.slice(0, -1))).toEqual({ ok: false, reason: 'format' });
    const swapped = secret.slice(0, 10) + (secret[10] === 'a' ? 'b' : 'a') + secret.slice(11);
    expect(checkKeySecret(swapped)).toEqual({ ok: false, reason: 'checksum' });
    expect(new Set(Array.from({ length: 200 }, generateKeySecret)).size).toBe(200);
  });
});

describe('keys', () => {
  it('a second live key with the same name (any case) in one workspace is refused; revoked names and other workspaces are free', () => {
    const first = core.ok('keys:create', { workspaceId: wsId, name: 'Backend' }).key;
    const before = dumpTables(core);
    const dup = core.call('keys:create', { workspaceId: wsId, name: '  backend ' });
    expect(dup).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', issues: [{ path: 'name' }] } });
    expect(!dup.ok && dup.error.message).toContain('already has an API key named “backend”');
    expect(dumpTables(core)).toEqual(before);
    const other = core.ok('workspaces:create', { name: 'Other team' }).id;
    expect(core.call('keys:create', { workspaceId: other, name: 'backend' }).ok).toBe(true);
    core.ok('keys:revoke', { id: first.id });
    expect(core.call('keys:create', { workspaceId: wsId, name: 'backend' }).ok).toBe(true);
  });

  it('create returns the secret once; list shows only the mask; workspace counts n/20', () => {
    const { key, secret } = core.ok('keys:create', { workspaceId: wsId, name: 'backend', rpmLimit: 600 });
    expect(key).toMatchObject({ name: 'backend', status: 'active', rpmLimit: 600, maskedKey: `${KEY_PREFIX}…${secret.slice(-4)}` });
    const listed = core.ok('keys:list', { workspaceId: wsId });
    expect(JSON.stringify(listed)).not.toContain(secret);
    expect(listed).toMatchObject({ activeCount: 1, activeLimit: 20 });
    expect(core.ok('workspaces:get', { id: wsId }).keyCount).toBe(1);
    expect(core.ok('overview:summary', {}).activeKeys).toBe(1);
  });

  it('the 21st active key gets E_LIMIT and nothing is written; revoking frees a slot', () => {
    const ids = Array.from({ length: 20 }, (_, i) => core.ok('keys:create', { workspaceId: wsId, name: `k${i}` }).key.id);
    const before = dumpTables(core);
    const result = core.call('keys:create', { workspaceId: wsId, name: 'k21' });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
    if (!result.ok) expect(result.error.message).toContain('20');
    expect(dumpTables(core)).toEqual(before);
    core.ok('keys:revoke', { id: ids[0]! });
    expect(core.call('keys:create', { workspaceId: wsId, name: 'k21' }).ok).toBe(true);
  });

  it('verify: bad format/checksum are rejected without a lookup; a good secret finds workspace and key, never the hash', () => {
    const { key, secret } = core.ok('keys:create', { workspaceId: wsId, name: 'svc' });
    expect(core.call('keys:verify', { secret: 'sk-not-ours' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'secret' }] } });
    const typo = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    expect(core.call('keys:verify', { secret: typo })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(core.call('keys:verify', { secret: generateKeySecret() })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    const found = core.ok('keys:verify', { secret });
    expect(found).toEqual({ keyId: key.id, keyName: 'svc', workspaceId: wsId, workspaceName: 'Keys team', status: 'active', matched: 'current' });
    expect(JSON.stringify(found)).not.toContain(hashKeySecret(secret));
  });

  it('rotate keeps the ID, issues a new secret, and honours the grace window', () => {
    const { key, secret: first } = core.ok('keys:create', { workspaceId: wsId, name: 'svc' });
    const rotated = core.ok('keys:rotate', { id: key.id, graceSeconds: 3600 });
    expect(rotated.key.id).toBe(key.id);
    expect(rotated.secret).not.toBe(first);
    expect(rotated.key.previousValidUntil).toBe('2026-06-01T13:00:00.000Z');
    expect(core.ok('keys:verify', { secret: first }).matched).toBe('previous');
    expect(core.ok('keys:verify', { secret: rotated.secret }).matched).toBe('current');
    now = new Date('2026-06-01T13:00:01.000Z');
    expect(core.call('keys:verify', { secret: first })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.call('keys:rotate', { id: key.id, graceSeconds: 60 })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
  });

  it('rotation without grace invalidates the old secret at once', () => {
    const { key, secret } = core.ok('keys:create', { workspaceId: wsId, name: 'svc' });
    core.ok('keys:rotate', { id: key.id });
    expect(core.call('keys:verify', { secret })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('revoke is final; delete only removes revoked or expired keys', () => {
    const { key, secret } = core.ok('keys:create', { workspaceId: wsId, name: 'svc' });
    expect(core.call('keys:delete', { id: key.id })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.ok('keys:revoke', { id: key.id }).status).toBe('revoked');
    expect(core.call('keys:revoke', { id: key.id })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.call('keys:rotate', { id: key.id })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.ok('keys:verify', { secret }).status).toBe('revoked');
    expect(core.ok('keys:delete', { id: key.id })).toEqual({ deletedId: key.id });
    expect(core.ok('keys:list', { workspaceId: wsId }).items).toEqual([]);
  });

  it('expiry: a past expiry is refused; an expired key stops counting and can be deleted', () => {
    expect(core.call('keys:create', { workspaceId: wsId, name: 'old', expiresAt: '2026-05-01T00:00:00Z' })).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: [{ path: 'expiresAt' }] },
    });
    const { key } = core.ok('keys:create', { workspaceId: wsId, name: 'soon', expiresAt: '2026-06-02T00:00:00Z' });
    now = new Date('2026-06-03T00:00:00Z');
    expect(core.ok('keys:list', { workspaceId: wsId, status: 'expired' }).items.map((k) => k.id)).toEqual([key.id]);
    expect(core.ok('keys:list', { workspaceId: wsId }).activeCount).toBe(0);
    expect(core.ok('keys:delete', { id: key.id }).deletedId).toBe(key.id);
  });

  it('list filters by status and searches by name or last 4', () => {
    const a = core.ok('keys:create', { workspaceId: wsId, name: 'Alpha service' });
    core.ok('keys:create', { workspaceId: wsId, name: 'beta' });
    core.ok('keys:revoke', { id: a.key.id });
    expect(core.ok('keys:list', { workspaceId: wsId, status: 'revoked' }).items.map((k) => k.name)).toEqual(['Alpha service']);
    expect(core.ok('keys:list', { workspaceId: wsId, search: 'alpha' }).items).toHaveLength(1);
    expect(core.ok('keys:list', { workspaceId: wsId, search: a.secret.slice(-4) }).items[0]!.id).toBe(a.key.id);
  });

  it('keys die with their workspace', () => {
    core.ok('keys:create', { workspaceId: wsId, name: 'svc' });
    core.ok('workspaces:delete', { id: wsId, confirmName: 'Keys team' });
    expect(core.db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get()).toBe(0);
  });

  it('no secret at rest: DB file, -wal/-shm, audit log, change log and IPC responses hold no sentinel', () => {
    const secrets: string[] = [];
    const responses: unknown[] = [];
    const record = <T>(value: T): T => (responses.push(value), value);
    for (let i = 0; i < 5; i++) {
      const created = record(core.ok('keys:create', { workspaceId: wsId, name: `svc${i}` }));
      secrets.push(created.secret);
      const rotated = record(core.ok('keys:rotate', { id: created.key.id, graceSeconds: 1800 }));
      secrets.push(rotated.secret);
      record(core.ok('keys:verify', { secret: rotated.secret }));
      record(core.ok('keys:verify', { secret: created.secret }));
      record(core.ok('keys:list', { workspaceId: wsId }));
    }
    record(core.ok('keys:revoke', { id: (responses[0] as { key: { id: string } }).key.id }));
    // A response carries a secret only as the one-time `secret` field of create/rotate.
    const withoutOneTime = responses.map((r) => (r && typeof r === 'object' && 'secret' in r ? { ...r, secret: null } : r));
    const haystacks = [
      JSON.stringify(withoutOneTime),
      JSON.stringify(core.db.prepare('SELECT * FROM audit_log').all()),
      JSON.stringify(core.db.prepare('SELECT * FROM change_log').all()),
      ...['gatehouse.sqlite', 'gatehouse.sqlite-wal', 'gatehouse.sqlite-shm']
        .map((f) => path.join(core.dataDir, f))
        .filter((f) => fs.existsSync(f))
        .map((f) => fs.readFileSync(f).toString('latin1')),
    ];
    const hits = secrets.flatMap((s) => haystacks.filter((h) => h.includes(s) || h.includes(s.slice(8, 30))));
    expect(hits).toHaveLength(0);
    // And the scan itself works: the hash of a secret is in the DB file (so the file was read).
    const dbText = haystacks.slice(3).join('');
    expect(dbText.includes(hashKeySecret(secrets[secrets.length - 1]!))).toBe(true);
  });
});
