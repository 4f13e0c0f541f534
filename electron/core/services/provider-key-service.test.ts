import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_PROVIDER_KEYS } from '../../../shared/domain/provider-key-rules';
import { fakeDecryptLegacy, fakeOsDataKey, fakeOsEncryption } from '../testing/fake-os-encryption';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { DATABASE_FILE_NAME } from '../store/database';
import { secretContext } from './provider-key-service';
import { PROVIDER_VENDORS } from './provider-key-vendors';
import { createSecretProtection, KEY_FILE_NAME } from './secret-box';

const OPENAI_SECRET = 'sk-proj-OpenAISecretValue-9f3K';
const ANTHROPIC_SECRET = 'sk-ant-api03-AnthropicSecret-Zq7w';

let dir: string;
let core: TestCore;
let wsId: string;
const extraCores: TestCore[] = [];

beforeEach(() => {
  dir = makeTempDir('gatehouse-provider-keys-');
  core = openTestCore({ dataDir: dir });
  wsId = core.ok('workspaces:create', { name: 'Provider team' }).id;
});
afterEach(() => {
  for (const c of extraCores.splice(0)) c.dispose();
  core.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

const storedRow = (c: TestCore, id: string) =>
  c.db.prepare('SELECT scheme, ciphertext, last4 FROM provider_keys WHERE id = ?').get(id) as { scheme: 'os-keychain' | 'local-key-file'; ciphertext: Buffer; last4: string };

/** Everything on disk for this store: the database file and its WAL, read as raw bytes. */
function storeBytes(): Buffer {
  return Buffer.concat(
    fs
      .readdirSync(dir)
      .filter((f) => f.startsWith(DATABASE_FILE_NAME))
      .map((f) => fs.readFileSync(path.join(dir, f))),
  );
}

function reopen(options: Parameters<typeof openTestCore>[0] = {}): TestCore {
  const c = openTestCore({ dataDir: dir, ...options });
  extraCores.push(c);
  return c;
}

describe('provider keys: encryption at rest', () => {
  it('stores only ciphertext: the DB file and WAL never contain the plaintext; the ciphertext is there', () => {
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Production', secret: OPENAI_SECRET });
    const { ciphertext, scheme } = storedRow(core, key.id);
    expect(scheme).toBe('local-key-file');
    const bytes = storeBytes();
    expect(bytes.includes(Buffer.from(OPENAI_SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from(OPENAI_SECRET.slice(0, 12)))).toBe(false);
    expect(bytes.includes(ciphertext)).toBe(true);
    // Also not in UTF-16 (how some tools store text) nor base64.
    expect(bytes.includes(Buffer.from(OPENAI_SECRET, 'utf16le'))).toBe(false);
    expect(bytes.includes(Buffer.from(Buffer.from(OPENAI_SECRET).toString('base64')))).toBe(false);
  });

  it('round trip: the stored ciphertext decrypts to the secret with the data dir key file, and only last 4 go out', () => {
    const key = core.ok('providerKeys:create', { vendor: 'openai', label: 'Production', secret: `  ${OPENAI_SECRET}  ` });
    expect(key).toMatchObject({ vendor: 'OpenAI', label: 'Production', last4: '9f3K', scheme: 'local-key-file', secretStatus: 'ok', version: 1 });
    const { scheme, ciphertext } = storedRow(core, key.id);
    expect(createSecretProtection(dir, undefined).decrypt(scheme, ciphertext, secretContext(key.id))).toBe(OPENAI_SECRET);
    const listed = core.ok('providerKeys:list', {});
    expect(listed.items).toHaveLength(1);
    expect(listed.protection).toMatchObject({ scheme: 'local-key-file', strong: false });
    expect(listed.vendors).toEqual(PROVIDER_VENDORS);
    expect(listed.vendors).toContain('Anthropic');
    for (const response of [key, listed]) {
      const text = JSON.stringify(response);
      expect(text).not.toContain(OPENAI_SECRET);
      expect(text).not.toContain(OPENAI_SECRET.slice(0, -4));
      expect(text).not.toContain(ciphertext.toString('base64').slice(0, 12));
    }
  });

  it('no secret or ciphertext in the audit log or change log', () => {
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
    core.ok('providerKeys:update', { id: key.id, secret: ANTHROPIC_SECRET });
    core.ok('providerKeys:delete', { id: key.id });
    const logs = JSON.stringify(core.db.prepare('SELECT * FROM audit_log').all()) + JSON.stringify(core.db.prepare('SELECT * FROM change_log').all());
    for (const secret of [OPENAI_SECRET, ANTHROPIC_SECRET]) expect(logs).not.toContain(secret.slice(0, -4));
    expect(logs).not.toContain('ciphertext');
    const actions = core.db.prepare("SELECT action FROM audit_log WHERE entity_type = 'provider_key' ORDER BY id").pluck().all();
    expect(actions).toEqual(['provider_key.create', 'provider_key.replace_secret', 'provider_key.delete']);
    expect(core.db.prepare("SELECT op FROM change_log WHERE entity_type = 'provider_key' ORDER BY seq").pluck().all()).toEqual(['create', 'update', 'delete']);
    // What the Audit page shows of these entries (its CSV export is the audit export job's, tested there).
    const audit = core.ok('audit:list', { filter: { entityType: 'provider_key' } });
    expect(audit.items).toHaveLength(3);
    const text = JSON.stringify(audit);
    for (const secret of [OPENAI_SECRET, ANTHROPIC_SECRET]) expect(text).not.toContain(secret.slice(0, -4));
    expect(text).toContain('9f3K'); // the last 4 are what identifies a key
  });

  it('a replaced key file makes the secret unreadable, reported per key, without a crash; replacing the secret recovers', () => {
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
    core.dispose();
    fs.rmSync(path.join(dir, KEY_FILE_NAME));
    fs.writeFileSync(path.join(dir, KEY_FILE_NAME), Buffer.alloc(32, 1), { mode: 0o600 });
    core = openTestCore({ dataDir: dir });
    const listed = core.ok('providerKeys:list', {});
    expect(listed.items[0]).toMatchObject({ id: key.id, secretStatus: 'unreadable', last4: '9f3K' });
    const { scheme, ciphertext } = storedRow(core, key.id);
    expect(() => createSecretProtection(dir, undefined).decrypt(scheme, ciphertext, secretContext(key.id))).toThrow(/key file provider-keys\.key changed/);
    const replaced = core.ok('providerKeys:update', { id: key.id, secret: ANTHROPIC_SECRET });
    expect(replaced).toMatchObject({ secretStatus: 'ok', last4: 'Zq7w', version: 2 });
  });

  it('a ciphertext moved onto another row does not decrypt (row id is bound as associated data)', () => {
    const a = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: OPENAI_SECRET });
    const b = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: ANTHROPIC_SECRET });
    core.db.prepare('UPDATE provider_keys SET ciphertext = ? WHERE id = ?').run(storedRow(core, a.id).ciphertext, b.id);
    const items = core.ok('providerKeys:list', {}).items;
    expect(items.find((k) => k.id === a.id)?.secretStatus).toBe('ok');
    expect(items.find((k) => k.id === b.id)?.secretStatus).toBe('unreadable');
  });

  it('with OS encryption (not basic_text) secrets use the keychain; the CLI then sees them as unavailable here', () => {
    const os = fakeOsEncryption('kwallet5');
    core.dispose();
    core = openTestCore({ dataDir: dir, capabilities: { osEncryption: os } });
    const key = core.ok('providerKeys:create', { vendor: 'Anthropic', label: 'Main', secret: ANTHROPIC_SECRET });
    expect(key).toMatchObject({ scheme: 'os-keychain', secretStatus: 'ok' });
    expect(core.ok('providerKeys:list', {}).protection).toMatchObject({ scheme: 'os-keychain', strong: true });
    expect(storeBytes().includes(Buffer.from(ANTHROPIC_SECRET))).toBe(false);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
    core.dispose();

    core = openTestCore({ dataDir: dir }); // the CLI: no safeStorage
    expect(core.ok('providerKeys:list', {}).items[0]).toMatchObject({ id: key.id, secretStatus: 'unavailable-here', scheme: 'os-keychain' });
    const replaced = core.ok('providerKeys:update', { id: key.id, secret: OPENAI_SECRET });
    expect(replaced).toMatchObject({ scheme: 'local-key-file', secretStatus: 'ok' });
  });

  it('basic_text falls back to the key file and the list says why', () => {
    core.dispose();
    core = openTestCore({ dataDir: dir, capabilities: { osEncryption: fakeOsEncryption('basic_text') } });
    const key = core.ok('providerKeys:create', { vendor: 'Google', label: 'Gemini', secret: OPENAI_SECRET });
    expect(key.scheme).toBe('local-key-file');
    expect(core.ok('providerKeys:list', {}).protection.description).toMatch(/basic_text/);
  });
});

describe('provider keys: envelope encryption and legacy os-keychain rows', () => {
  const LEGACY_SECRETS = ['sk-legacy-First-Secret-AAAA', 'sk-legacy-Second-Secret-BBBB'];

  /** Rows as an earlier version wrote them: safeStorage called directly, in the shell's own thread. */
  function createLegacyRows(os: ReturnType<typeof fakeOsEncryption>) {
    core.dispose();
    core = openTestCore({ dataDir: dir, capabilities: { osEncryption: os } });
    const ids = LEGACY_SECRETS.map((secret, i) => core.ok('providerKeys:create', { vendor: 'OpenAI', label: `legacy ${i}`, secret }).id);
    const local = core.ok('providerKeys:create', { vendor: 'Anthropic', label: 'file', secret: ANTHROPIC_SECRET }).id;
    core.dispose();
    // One key-file row too (the CLI wrote it): the move must leave it alone.
    core = openTestCore({ dataDir: dir });
    core.ok('providerKeys:update', { id: local, secret: ANTHROPIC_SECRET });
    core.dispose();
    return { ids, local };
  }

  it('with the data key, new secrets are AES-GCM under it: no safeStorage call, no key file, no plaintext at rest', () => {
    core.dispose();
    const dataKey = fakeOsDataKey('gnome_libsecret');
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: dataKey } });
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Main', secret: OPENAI_SECRET });
    expect(key).toMatchObject({ scheme: 'os-keychain', secretStatus: 'ok' });
    expect(core.ok('providerKeys:list', {}).protection).toMatchObject({ scheme: 'os-keychain', strong: true });
    expect(storedRow(core, key.id).ciphertext[0]).toBe(2);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
    expect(storeBytes().includes(Buffer.from(OPENAI_SECRET))).toBe(false);
    core.dispose();
    // The next start unwraps the same key: still readable. Another data key: unreadable, not a crash.
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: { key: Buffer.from(dataKey.key), backend: 'gnome_libsecret' } } });
    expect(core.ok('providerKeys:list', {}).items[0]).toMatchObject({ secretStatus: 'ok' });
    core.dispose();
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: fakeOsDataKey() } });
    expect(core.ok('providerKeys:list', {}).items[0]).toMatchObject({ secretStatus: 'unreadable' });
  });

  it('legacy rows are moved onto the data key at start: readable, re-encrypted, audited without secrets, no plaintext at rest', async () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const { ids, local } = createLegacyRows(os);
    const before = new Map([...ids, local].map((id) => [id, storedRow(reopen(), id)]));
    for (const id of ids) expect(before.get(id)!.ciphertext.subarray(0, 6).toString()).toBe('FAKEOS'); // the old format

    // The desktop app in a worker: no safeStorage in the core, only the data key and the door's decryptLegacy.
    const decryptLegacy = fakeDecryptLegacy(os);
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: fakeOsDataKey('gnome_libsecret'), decryptLegacy } });
    const changed: string[] = [];
    core.on((event) => {
      if (event.type === 'changed') changed.push(...event.entities.map((e) => e.entityId));
    });
    expect(await core.services.providerKeys.whenLegacyRewrapped()).toEqual({ rewrapped: 2, unreadable: 0 });
    expect(decryptLegacy.calls).toBe(1);
    expect(changed.sort()).toEqual([...ids].sort()); // the window refreshes its list

    const listed = core.ok('providerKeys:list', {}).items;
    for (const id of [...ids, local]) expect(listed.find((k) => k.id === id)?.secretStatus).toBe('ok');
    ids.forEach((id, i) => {
      const row = storedRow(core, id);
      expect(row.scheme).toBe('os-keychain');
      expect(row.ciphertext.equals(before.get(id)!.ciphertext)).toBe(false);
      expect(row.ciphertext[0]).toBe(2);
      expect(row.last4).toBe(LEGACY_SECRETS[i]!.slice(-4));
      expect(core.services.providerKeys.secretForUpstream(id)).toBe(LEGACY_SECRETS[i]);
    });
    expect(storedRow(core, local)).toEqual(before.get(local)); // the key-file row is untouched
    expect(listed.find((k) => k.id === ids[0])?.version).toBe(1); // no version bump: an open edit form still saves

    const audit = core.db.prepare("SELECT entity_id AS id, before_json AS b, after_json AS a FROM audit_log WHERE action = 'provider_key.rewrap' ORDER BY entity_id").all() as Array<{ id: string; b: string; a: string }>;
    expect(audit.map((a) => a.id)).toEqual([...ids].sort());
    expect(JSON.parse(audit[0]!.b)).toMatchObject({ scheme: 'os-keychain', format: 'safeStorage' });
    expect(JSON.parse(audit[0]!.a)).toMatchObject({ scheme: 'os-keychain', format: 'os-data-key' });
    expect(core.db.prepare("SELECT COUNT(*) FROM change_log WHERE op = 'update' AND entity_type = 'provider_key'").pluck().get()).toBe(1); // only the CLI's replace_secret
    const logs = JSON.stringify(core.db.prepare('SELECT * FROM audit_log').all()) + JSON.stringify(core.db.prepare('SELECT * FROM change_log').all());
    for (const secret of LEGACY_SECRETS) expect(logs).not.toContain(secret.slice(0, -4));

    const bytes = storeBytes();
    for (const secret of LEGACY_SECRETS) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
    }
    for (const id of ids) expect(bytes.includes(storedRow(core, id).ciphertext)).toBe(true);

    core.dispose();
    // Once moved, nothing is left to do; and the CLI (no keychain) sees the rows as the desktop app's.
    const again = fakeDecryptLegacy(os);
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: fakeOsDataKey(), decryptLegacy: again } });
    expect(await core.services.providerKeys.whenLegacyRewrapped()).toEqual({ rewrapped: 0, unreadable: 0 });
    expect(again.calls).toBe(0);
    expect(reopen().ok('providerKeys:list', {}).items.find((k) => k.id === ids[0])?.secretStatus).toBe('unavailable-here');
  });

  it('a legacy row the OS refuses stays as it is and is listed unreadable; the others still move', async () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const { ids } = createLegacyRows(os);
    const damaged = Buffer.from(storedRow(reopen(), ids[0]!).ciphertext);
    damaged[0] = 0x00; // not the fake's marker: safeStorage refuses it
    reopen().db.prepare('UPDATE provider_keys SET ciphertext = ? WHERE id = ?').run(damaged, ids[0]);

    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: fakeOsDataKey(), decryptLegacy: fakeDecryptLegacy(os) } });
    expect(await core.services.providerKeys.whenLegacyRewrapped()).toEqual({ rewrapped: 1, unreadable: 1 });
    const listed = core.ok('providerKeys:list', {}).items;
    expect(listed.find((k) => k.id === ids[0])?.secretStatus).toBe('unreadable');
    expect(listed.find((k) => k.id === ids[1])?.secretStatus).toBe('ok');
    expect(storedRow(core, ids[0]!).ciphertext.equals(damaged)).toBe(true);
    expect(core.db.prepare("SELECT entity_id FROM audit_log WHERE action = 'provider_key.rewrap'").pluck().all()).toEqual([ids[1]]);
    // Replacing the secret fixes it, under the data key.
    expect(core.ok('providerKeys:update', { id: ids[0]!, secret: OPENAI_SECRET })).toMatchObject({ scheme: 'os-keychain', secretStatus: 'ok' });
  });

  it('a secret replaced while the door was decrypting is not overwritten with the old one', async () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const { ids } = createLegacyRows(os);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = fakeDecryptLegacy(os);
    core = openTestCore({
      dataDir: dir,
      capabilities: {
        osDataKey: fakeOsDataKey(),
        decryptLegacy: async (blobs) => {
          await gate;
          return slow(blobs);
        },
      },
    });
    core.ok('providerKeys:update', { id: ids[0]!, secret: OPENAI_SECRET });
    release();
    expect(await core.services.providerKeys.whenLegacyRewrapped()).toEqual({ rewrapped: 1, unreadable: 0 });
    expect(core.services.providerKeys.secretForUpstream(ids[0]!)).toBe(OPENAI_SECRET);
    expect(core.services.providerKeys.secretForUpstream(ids[1]!)).toBe(LEGACY_SECRETS[1]);
  });

  it('the store closed before the door answered: nothing is written, no error escapes', async () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const { ids } = createLegacyRows(os);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const opened = openTestCore({
      dataDir: dir,
      capabilities: { osDataKey: fakeOsDataKey(), decryptLegacy: async (blobs) => (await gate, fakeDecryptLegacy(os)(blobs)) },
    });
    opened.dispose();
    release();
    expect(await opened.services.providerKeys.whenLegacyRewrapped()).toMatchObject({ rewrapped: 0, failed: expect.stringMatching(/closed/) });
    core = openTestCore({ dataDir: dir, capabilities: { osEncryption: os } });
    for (const id of ids) expect(storedRow(core, id).ciphertext.subarray(0, 6).toString()).toBe('FAKEOS');
  });

  it('a basic_text data key does not take legacy rows off the keyring they were written with', async () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const { ids } = createLegacyRows(os);
    const decryptLegacy = fakeDecryptLegacy(os);
    core = openTestCore({ dataDir: dir, capabilities: { osDataKey: fakeOsDataKey('basic_text'), decryptLegacy } });
    expect(await core.services.providerKeys.whenLegacyRewrapped()).toEqual({ rewrapped: 0, unreadable: 0 });
    expect(decryptLegacy.calls).toBe(0);
    expect(core.ok('providerKeys:list', {}).items.find((k) => k.id === ids[0])?.secretStatus).toBe('unreadable');
  });
});

describe('provider keys: validation and failed calls change nothing', () => {
  it.each([
    ['too short', { vendor: 'OpenAI', label: 'x', secret: 'short' }, 'secret', 'E_VALIDATION'],
    ['contains a space', { vendor: 'OpenAI', label: 'x', secret: 'sk-abc def-ghijk' }, 'secret', 'E_VALIDATION'],
    ['too long', { vendor: 'OpenAI', label: 'x', secret: 'a'.repeat(513) }, 'secret', 'E_VALIDATION'],
    ['empty label', { vendor: 'OpenAI', label: '  ', secret: OPENAI_SECRET }, 'label', 'E_VALIDATION'],
    ['unknown vendor', { vendor: 'Acme AI', label: 'x', secret: OPENAI_SECRET }, 'vendor', 'E_VALIDATION'],
  ] as const)('%s → field error, secret not echoed, store unchanged', (_name, input, field, code) => {
    const before = dumpTables(core);
    const result = core.call('providerKeys:create', input);
    expect(result).toMatchObject({ ok: false, error: { code, issues: [{ path: field }] } });
    expect(JSON.stringify(result)).not.toContain(input.secret);
    expect(dumpTables(core)).toEqual(before);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
  });

  it('labels are unique per vendor (any case); the same label under another vendor is fine', () => {
    core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
    const before = dumpTables(core);
    expect(core.call('providerKeys:create', { vendor: 'OpenAI', label: 'PROD', secret: ANTHROPIC_SECRET })).toMatchObject({
      ok: false,
      error: { code: 'E_CONFLICT', issues: [{ path: 'label' }] },
    });
    expect(dumpTables(core)).toEqual(before);
    expect(core.call('providerKeys:create', { vendor: 'Anthropic', label: 'Prod', secret: ANTHROPIC_SECRET }).ok).toBe(true);
  });

  it(`at most ${MAX_PROVIDER_KEYS} keys (E_LIMIT, nothing written)`, () => {
    for (let i = 0; i < MAX_PROVIDER_KEYS; i++) core.ok('providerKeys:create', { vendor: 'OpenAI', label: `k${i}`, secret: `${OPENAI_SECRET}${i}` });
    const before = dumpTables(core);
    expect(core.call('providerKeys:create', { vendor: 'OpenAI', label: 'one more', secret: OPENAI_SECRET })).toMatchObject({ ok: false, error: { code: 'E_LIMIT' } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('update: rename, replace secret, stale version → E_CONFLICT, unknown id → E_NOT_FOUND, nothing to change → no write', () => {
    const key = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: OPENAI_SECRET });
    const renamed = core.ok('providerKeys:update', { id: key.id, label: 'Production', expectedVersion: 1 });
    expect(renamed).toMatchObject({ label: 'Production', last4: '9f3K', version: 2 });
    const cipherBefore = storedRow(core, key.id).ciphertext;
    const before = dumpTables(core);
    expect(core.call('providerKeys:update', { id: key.id, secret: ANTHROPIC_SECRET, expectedVersion: 1 })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    expect(core.call('providerKeys:update', { id: 'pk-0000000000000000', label: 'x' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.call('providerKeys:update', { id: key.id })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(core.ok('providerKeys:update', { id: key.id, label: 'Production' }).version).toBe(2);
    expect(dumpTables(core)).toEqual(before);
    const replaced = core.ok('providerKeys:update', { id: key.id, secret: ANTHROPIC_SECRET, expectedVersion: 2 });
    expect(replaced).toMatchObject({ last4: 'Zq7w', version: 3 });
    expect(storedRow(core, key.id).ciphertext.equals(cipherBefore)).toBe(false);
  });
});

describe('per-workspace provider access', () => {
  let openaiA: string;
  let openaiB: string;
  let anthropic: string;
  beforeEach(() => {
    openaiA = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'A', secret: OPENAI_SECRET }).id;
    openaiB = core.ok('providerKeys:create', { vendor: 'OpenAI', label: 'B', secret: `${OPENAI_SECRET}b` }).id;
    anthropic = core.ok('providerKeys:create', { vendor: 'Anthropic', label: 'Main', secret: ANTHROPIC_SECRET }).id;
  });

  const keyState = (access: { vendors: Array<{ keys: Array<{ id: string; state: string; usable: boolean }> }> }, id: string) =>
    access.vendors.flatMap((v) => v.keys).find((k) => k.id === id);

  it('by default every key is enabled and usable, including keys added later', () => {
    const access = core.ok('providerAccess:get', { workspaceId: wsId });
    expect(access.vendors.map((v) => v.vendor)).toEqual(['Anthropic', 'OpenAI']);
    expect(access.vendors.flatMap((v) => v.keys).every((k) => k.state === 'enabled' && k.usable)).toBe(true);
    expect(access.vendors.every((v) => v.pinnedKeyId === null)).toBe(true);
  });

  it('pin one key per vendor and disable others; persisted, audited and change-logged in one go', () => {
    const saved = core.ok('providerAccess:save', { workspaceId: wsId, pins: [{ vendor: 'OpenAI', providerKeyId: openaiB }], disabledKeyIds: [anthropic] });
    expect(saved.vendors.find((v) => v.vendor === 'OpenAI')?.pinnedKeyId).toBe(openaiB);
    expect(keyState(saved, openaiB)).toMatchObject({ state: 'pinned', usable: true });
    expect(keyState(saved, openaiA)).toMatchObject({ state: 'enabled', usable: false }); // bypassed by the pin
    expect(keyState(saved, anthropic)).toMatchObject({ state: 'disabled', usable: false });
    expect(core.ok('providerAccess:get', { workspaceId: wsId })).toEqual(saved);
    const other = core.ok('workspaces:create', { name: 'Untouched' }).id;
    expect(core.ok('providerAccess:get', { workspaceId: other }).vendors.flatMap((v) => v.keys).every((k) => k.usable)).toBe(true);

    const audit = core.db.prepare("SELECT workspace_id AS ws, before_json AS b, after_json AS a FROM audit_log WHERE action = 'provider_access.update'").all() as Array<{ ws: string; b: string; a: string }>;
    expect(audit).toHaveLength(1);
    expect(audit[0]!.ws).toBe(wsId);
    expect(JSON.parse(audit[0]!.b)).toEqual({ disabledKeyIds: [], pins: [] });
    expect(JSON.parse(audit[0]!.a)).toEqual({ disabledKeyIds: [anthropic], pins: [{ vendor: 'OpenAI', providerKeyId: openaiB }] });
    expect(core.db.prepare("SELECT COUNT(*) FROM change_log WHERE entity_type = 'workspace_provider_access'").pluck().get()).toBe(1);

    const tables = dumpTables(core);
    core.ok('providerAccess:save', { workspaceId: wsId, pins: [{ vendor: 'openai', providerKeyId: openaiB }], disabledKeyIds: [anthropic, anthropic] });
    expect(dumpTables(core)).toEqual(tables); // the same settings again write nothing

    const cleared = core.ok('providerAccess:save', { workspaceId: wsId, pins: [], disabledKeyIds: [] });
    expect(cleared.vendors.flatMap((v) => v.keys).every((k) => k.state === 'enabled' && k.usable)).toBe(true);
  });

  it.each([
    ['two pins for one vendor', () => ({ pins: [{ vendor: 'OpenAI', providerKeyId: openaiA }, { vendor: 'OpenAI', providerKeyId: openaiB }], disabledKeyIds: [] }), 'E_VALIDATION', 'pins.1.vendor'],
    ['a pin naming another vendor’s key', () => ({ pins: [{ vendor: 'Anthropic', providerKeyId: openaiA }], disabledKeyIds: [] }), 'E_VALIDATION', 'pins.0.providerKeyId'],
    ['a key both pinned and disabled', () => ({ pins: [{ vendor: 'OpenAI', providerKeyId: openaiA }], disabledKeyIds: [openaiA] }), 'E_VALIDATION', 'disabledKeyIds.0'],
    ['an unknown key', () => ({ pins: [], disabledKeyIds: ['pk-ffffffffffffffff'] }), 'E_NOT_FOUND', 'disabledKeyIds.0'],
    ['an unknown pinned key', () => ({ pins: [{ vendor: 'OpenAI', providerKeyId: 'pk-ffffffffffffffff' }], disabledKeyIds: [] }), 'E_NOT_FOUND', 'pins.0.providerKeyId'],
  ])('refuses %s and changes nothing', (_name, makeInput, code, path) => {
    core.ok('providerAccess:save', { workspaceId: wsId, pins: [], disabledKeyIds: [anthropic] });
    const before = dumpTables(core);
    const result = core.call('providerAccess:save', { workspaceId: wsId, ...makeInput() });
    expect(result).toMatchObject({ ok: false, error: { code, issues: [{ path }] } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('an unknown workspace → E_NOT_FOUND', () => {
    expect(core.call('providerAccess:get', { workspaceId: 'ws-nothere' })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.call('providerAccess:save', { workspaceId: 'ws-nothere', pins: [], disabledKeyIds: [] })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('deleting a key removes its pins and disables everywhere, and the audit entry says how many', () => {
    const second = core.ok('workspaces:create', { name: 'Second' }).id;
    core.ok('providerAccess:save', { workspaceId: wsId, pins: [{ vendor: 'OpenAI', providerKeyId: openaiB }], disabledKeyIds: [] });
    core.ok('providerAccess:save', { workspaceId: second, pins: [], disabledKeyIds: [openaiB, anthropic] });
    expect(core.ok('providerKeys:list', {}).items.find((k) => k.id === openaiB)?.workspaceOverrides).toBe(2);
    expect(core.ok('providerKeys:delete', { id: openaiB })).toEqual({ deletedId: openaiB, clearedWorkspaceOverrides: 2 });
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_provider_access WHERE provider_key_id = ?').pluck().get(openaiB)).toBe(0);
    const access = core.ok('providerAccess:get', { workspaceId: wsId });
    expect(access.vendors.find((v) => v.vendor === 'OpenAI')).toMatchObject({ pinnedKeyId: null });
    expect(keyState(access, openaiA)).toMatchObject({ state: 'enabled', usable: true });
    expect(keyState(core.ok('providerAccess:get', { workspaceId: second }), anthropic)?.state).toBe('disabled');
    const audit = core.db.prepare("SELECT before_json FROM audit_log WHERE action = 'provider_key.delete'").pluck().get() as string;
    expect(JSON.parse(audit)).toMatchObject({ id: openaiB, clearedWorkspaceOverrides: 2 });
    expect(core.call('providerKeys:delete', { id: openaiB })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
  });

  it('deleting a workspace removes its access settings (cascade)', () => {
    const ws = core.ok('workspaces:get', { id: wsId });
    core.ok('providerAccess:save', { workspaceId: wsId, pins: [], disabledKeyIds: [anthropic] });
    core.ok('workspaces:delete', { id: wsId, confirmName: ws.name });
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_provider_access').pluck().get()).toBe(0);
  });

  it('the store itself refuses a second pin per vendor and a pin whose vendor does not match its key', () => {
    const insert = core.db.prepare("INSERT INTO workspace_provider_access (workspace_id, provider_key_id, vendor, mode, created_at) VALUES (?, ?, ?, ?, 't')");
    insert.run(wsId, openaiA, 'OpenAI', 'pinned');
    expect(() => insert.run(wsId, openaiB, 'OpenAI', 'pinned')).toThrow(/UNIQUE/);
    expect(() => insert.run(wsId, anthropic, 'OpenAI', 'disabled')).toThrow(/FOREIGN KEY/);
  });
});

describe('a second process on the same data dir', () => {
  it('shares the key file, so the CLI can read what the browser host wrote', () => {
    const key = core.ok('providerKeys:create', { vendor: 'Mistral', label: 'x', secret: OPENAI_SECRET });
    const cli = reopen();
    expect(cli.ok('providerKeys:list', {}).items.find((k) => k.id === key.id)?.secretStatus).toBe('ok');
  });
});
