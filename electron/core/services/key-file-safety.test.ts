import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../../shared/contract/errors';
import { fakeOsEncryption } from '../testing/fake-os-encryption';
import { makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { KEY_FILE_NAME } from './secret-box';

// Issue #12, item 6: a missing key file is never silently replaced while secrets sealed with it
// exist (a partial restore would otherwise leave two generations that cannot both be read); the
// admin restores it from a backup, or explicitly forgets the unreadable provider secrets.
const SECRET_A = 'sk-proj-KeyFileSafetyA-1111';
const SECRET_B = 'sk-proj-KeyFileSafetyB-2222';
const SECRET_C = 'sk-proj-KeyFileSafetyC-3333';
const ADMIN_KEY = 'gh-admin-KeyFileSafety-4444';
const ADMIN_KEY_2 = 'gh-admin-KeyFileSafety-5555';

let dir: string;
let core: TestCore;
const keyFile = () => path.join(dir, KEY_FILE_NAME);

beforeEach(() => {
  dir = makeTempDir('gatehouse-key-file-safety-');
  core = openTestCore({ dataDir: dir });
});
afterEach(() => {
  core.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What a refused write must leave unchanged. */
const snapshot = () => ({
  keys: core.db.prepare('SELECT id, scheme, ciphertext, version FROM provider_keys ORDER BY id').all(),
  remotes: core.db.prepare('SELECT id, credential_ciphertext FROM sync_remotes ORDER BY id').all(),
  audit: core.db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get(),
  changes: core.db.prepare('SELECT COUNT(*) FROM change_log').pluck().get(),
});

const statuses = () => core.ok('providerKeys:list', {}).items.map((k) => [k.label, k.secretStatus]);

/** Moves the key file away (a partial restore) and returns its bytes, to put back later. */
function loseKeyFile(): Buffer {
  const bytes = fs.readFileSync(keyFile());
  fs.rmSync(keyFile());
  return bytes;
}

const remoteTest = async (id: string) => (await core.dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' })) as Result<unknown>;

describe('a missing key file with provider secrets sealed by it', () => {
  it('refuses the next create with E_STORAGE naming the file and the backup; nothing is written, no key file minted', () => {
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    core.ok('providerKeys:create', { vendor: 'Anthropic', label: 'B', secret: SECRET_B });
    loseKeyFile();
    const before = snapshot();
    const refused = core.call('providerKeys:create', { vendor: 'OpenAI', label: 'C', secret: SECRET_C });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });
    const message = (refused as { error: { message: string } }).error.message;
    expect(message).toContain(`The key file ${keyFile()} is missing, but 2 provider secrets stored here were encrypted with it`);
    expect(message).toContain('Restore provider-keys.key from a backup of the data folder (copy it back next to gatehouse.sqlite)');
    expect(message).toContain('Forget unreadable secrets…');
    expect(message).not.toContain(SECRET_C.slice(0, -4));
    // Replacing one of the two secrets would orphan the other: refused too.
    const a = core.ok('providerKeys:list', {}).items.find((k) => k.label === 'A')!;
    expect(core.call('providerKeys:update', { id: a.id, secret: SECRET_C })).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });
    expect(snapshot()).toEqual(before);
    expect(fs.existsSync(keyFile())).toBe(false);
    // A rename needs no key: still fine.
    expect(core.ok('providerKeys:update', { id: a.id, label: 'Renamed' }).label).toBe('Renamed');
    expect(statuses()).toEqual([
      ['B', 'unreadable'],
      ['Renamed', 'unreadable'],
    ]);
  });

  it('restoring the key file from the backup makes every secret readable again and creates work', () => {
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    const backup = loseKeyFile();
    expect(core.call('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: SECRET_B })).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });
    fs.writeFileSync(keyFile(), backup, { mode: 0o600 });
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: SECRET_B });
    expect(statuses()).toEqual([
      ['A', 'ok'],
      ['B', 'ok'],
    ]);
  });

  it('re-sealing the only secret sealed with the lost key file mints a new one (nothing else would be orphaned)', () => {
    const only = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    loseKeyFile();
    expect(core.ok('providerKeys:update', { id: only.id, secret: SECRET_B })).toMatchObject({ secretStatus: 'ok', last4: '2222' });
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: SECRET_C });
    expect(statuses()).toEqual([
      ['A', 'ok'],
      ['B', 'ok'],
    ]);
  });

  it('with no secret sealed yet, the first create mints the key file as before', () => {
    expect(fs.existsSync(keyFile())).toBe(false);
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    expect(fs.existsSync(keyFile())).toBe(true);
  });
});

describe('remote admin keys use the same key file and the same guard', () => {
  it('a remote sealed with the lost key file blocks provider creates and other remotes; re-entering its own key is fine', async () => {
    const remote = core.ok('remotes:create', { name: 'gw', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY });
    loseKeyFile();
    const refused = core.call('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_STORAGE', message: expect.stringContaining('but 1 remote admin key stored here was encrypted with it') as string } });
    expect(core.call('remotes:create', { name: 'gw2', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY_2 })).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });
    expect(await remoteTest(remote.id)).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', message: expect.stringContaining('cannot be decrypted') as string } });
    core.ok('remotes:update', { id: remote.id, credential: ADMIN_KEY_2 });
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    expect(statuses()).toEqual([['A', 'ok']]);
  });
});

describe('providerKeys:forgetUnreadable', () => {
  it('deletes exactly the confirmed unreadable keys with their pins, audited as deletes without secrets; then creates work', () => {
    const a = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    const b = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: SECRET_B });
    const ws = core.ok('workspaces:create', { name: 'Pinned' });
    core.ok('providerAccess:save', { workspaceId: ws.id, pins: [{ vendor: 'OpenAI', providerKeyId: a.id }], disabledKeyIds: [b.id] });
    loseKeyFile();
    const auditBefore = core.db.prepare('SELECT MAX(id) FROM audit_log').pluck().get() as number;

    const outcome = core.ok('providerKeys:forgetUnreadable', { ids: [a.id, b.id, a.id] });
    expect(outcome).toEqual({
      forgotten: [
        { id: a.id, vendor: 'OpenAI', label: 'A', last4: '1111', clearedWorkspaceOverrides: 1 },
        { id: b.id, vendor: 'OpenAI', label: 'B', last4: '2222', clearedWorkspaceOverrides: 1 },
      ],
      newKeyFile: false,
      remoteCredentialsToReenter: 0,
    });
    expect(core.ok('providerKeys:list', {}).items).toEqual([]);
    expect(core.ok('providerAccess:get', { workspaceId: ws.id }).vendors).toEqual([]);
    const audit = core.db.prepare('SELECT action, entity_id AS entityId, before_json AS beforeJson, after_json AS afterJson FROM audit_log WHERE id > ? ORDER BY id').all(auditBefore) as Array<Record<string, string | null>>;
    expect(audit.map((e) => [e.action, e.entityId])).toEqual([
      ['provider_key.forget_unreadable', a.id],
      ['provider_key.forget_unreadable', b.id],
    ]);
    expect(JSON.parse(audit[0]!.beforeJson!)).toMatchObject({ label: 'A', last4: '1111', clearedWorkspaceOverrides: 1, reason: 'secret unreadable here' });
    expect(audit[0]!.afterJson).toBeNull();
    const changes = core.db.prepare("SELECT op, entity_id AS entityId FROM change_log WHERE entity_type = 'provider_key' ORDER BY seq DESC LIMIT 2").all();
    expect(changes).toEqual([
      { op: 'delete', entityId: b.id },
      { op: 'delete', entityId: a.id },
    ]);
    const logs = JSON.stringify(core.db.prepare('SELECT * FROM audit_log').all()) + JSON.stringify(core.db.prepare('SELECT * FROM change_log').all());
    for (const secret of [SECRET_A, SECRET_B]) expect(logs).not.toContain(secret.slice(0, -4));

    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'C', secret: SECRET_C });
    expect(statuses()).toEqual([['C', 'ok']]);
  });

  it('a key readable here, an unknown id or a key readable in the desktop app is refused and nothing is deleted', () => {
    const old = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Old', secret: SECRET_A });
    // The key file was replaced by another one: the old secret is unreadable, new ones read fine.
    fs.rmSync(keyFile());
    fs.writeFileSync(keyFile(), Buffer.alloc(32, 9), { mode: 0o600 });
    const fresh = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Fresh', secret: SECRET_B });
    const before = snapshot();
    expect(core.call('providerKeys:forgetUnreadable', { ids: [old.id, fresh.id] })).toMatchObject({
      ok: false,
      error: { code: 'E_CONFLICT', issues: [{ path: 'ids.1', message: 'The secret of the OpenAI key “Fresh” can be decrypted here; it is not forgotten. Nothing was deleted.' }] },
    });
    expect(core.call('providerKeys:forgetUnreadable', { ids: [old.id, 'pk-00000000deadbeef'] })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(snapshot()).toEqual(before);

    // A row sealed by the desktop app's OS keychain is `unavailable-here` from this door: kept.
    core.dispose();
    const desktop = openTestCore({ dataDir: dir, capabilities: { osEncryption: fakeOsEncryption() } });
    const osRow = desktop.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Desktop', secret: SECRET_C });
    desktop.dispose();
    core = openTestCore({ dataDir: dir });
    expect(core.call('providerKeys:forgetUnreadable', { ids: [osRow.id] })).toMatchObject({
      ok: false,
      error: { code: 'E_CONFLICT', message: expect.stringContaining('is readable in the desktop app') as string },
    });
    expect(core.ok('providerKeys:forgetUnreadable', { ids: [old.id] }).forgotten.map((k) => k.label)).toEqual(['Old']);
    expect(statuses()).toEqual([
      ['Desktop', 'unavailable-here'],
      ['Fresh', 'ok'],
    ]);
  });

  it('when only remote admin keys still depend on the lost key file, it starts a new one; they are entered again', async () => {
    const pk = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    const r1 = core.ok('remotes:create', { name: 'gw1', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY });
    const r2 = core.ok('remotes:create', { name: 'gw2', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY_2 });
    loseKeyFile();
    // With two remotes, re-entering one would orphan the other: refused.
    expect(core.call('remotes:update', { id: r1.id, credential: ADMIN_KEY_2 })).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });

    expect(core.ok('providerKeys:forgetUnreadable', { ids: [pk.id] })).toMatchObject({ newKeyFile: true, remoteCredentialsToReenter: 2 });
    expect(fs.statSync(keyFile()).mode & 0o777).toBe(0o600);
    expect(await remoteTest(r2.id)).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    core.ok('remotes:update', { id: r1.id, credential: ADMIN_KEY });
    core.ok('remotes:update', { id: r2.id, credential: ADMIN_KEY_2 });
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: SECRET_B });
    expect(statuses()).toEqual([['B', 'ok']]);
  });

  it('an empty list gives up a lost key file that only remote admin keys depend on; otherwise it changes nothing', () => {
    expect(core.ok('providerKeys:forgetUnreadable', { ids: [] })).toEqual({ forgotten: [], newKeyFile: false, remoteCredentialsToReenter: 0 });
    expect(fs.existsSync(keyFile())).toBe(false);
    core.ok('remotes:create', { name: 'gw1', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY });
    core.ok('remotes:create', { name: 'gw2', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: ADMIN_KEY_2 });
    const pk = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: SECRET_A });
    loseKeyFile();
    // A provider secret still sealed with it (not confirmed): the lost key file is not given up.
    expect(core.ok('providerKeys:forgetUnreadable', { ids: [] })).toEqual({ forgotten: [], newKeyFile: false, remoteCredentialsToReenter: 2 });
    expect(fs.existsSync(keyFile())).toBe(false);
    expect(core.ok('providerKeys:forgetUnreadable', { ids: [pk.id] })).toMatchObject({ newKeyFile: true, remoteCredentialsToReenter: 2 });
  });
});
