import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/contract/errors';
import { fakeDecryptLegacy, fakeOsDataKey, fakeOsEncryption } from '../testing/fake-os-encryption';
import { makeTempDir } from '../testing/temp-core';
import { createDataKeyBox, createKeyFileBox, createOsKeychainBox, createSecretProtection, KEY_FILE_NAME } from './secret-box';

const SECRET = 'sk-proj-Plaintext-Secret-1234';

function expectCleanFailure(fn: () => unknown, pattern: RegExp, blob?: Buffer) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(AppError);
  expect(thrown).toMatchObject({ code: 'E_CONFLICT' });
  const message = (thrown as Error).message;
  expect(message).toMatch(pattern);
  expect(message).not.toContain(SECRET);
  if (blob) {
    expect(message).not.toContain(blob.toString('hex').slice(0, 16));
    expect(message).not.toContain(blob.toString('base64').slice(0, 16));
  }
}

let dir: string;
beforeEach(() => {
  dir = makeTempDir('gatehouse-secret-box-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('key-file box (AES-256-GCM)', () => {
  it('round-trips, uses a fresh IV per secret, and never holds the plaintext in the blob', () => {
    const box = createKeyFileBox(dir);
    const a = box.encrypt(SECRET, 'ctx-1');
    const b = box.encrypt(SECRET, 'ctx-1');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(SECRET))).toBe(false);
    expect(a.includes(Buffer.from(SECRET.slice(-8)))).toBe(false);
    expect(a[0]).toBe(1); // format version
    expect(a.length).toBe(1 + 8 + 12 + 16 + Buffer.byteLength(SECRET));
    expect(box.decrypt(a, 'ctx-1')).toBe(SECRET);
    expect(createKeyFileBox(dir).decrypt(b, 'ctx-1')).toBe(SECRET); // a new process reads the same key file
  });

  it('creates a 32-byte key file with mode 0600 on first encryption only, and leaves no temp files', () => {
    const box = createKeyFileBox(dir);
    const file = path.join(dir, KEY_FILE_NAME);
    expect(fs.existsSync(file)).toBe(false);
    expectCleanFailure(() => box.decrypt(Buffer.alloc(64, 1), 'ctx'), /missing/);
    expect(fs.existsSync(file)).toBe(false); // decryption never creates a key
    box.encrypt(SECRET, 'ctx');
    expect(fs.statSync(file).size).toBe(32);
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual([KEY_FILE_NAME]);
  });

  it('two boxes racing to create the key file end up sharing one key', () => {
    const first = createKeyFileBox(dir);
    const second = createKeyFileBox(dir);
    const a = first.encrypt(SECRET, 'x');
    const b = second.encrypt(SECRET, 'x');
    expect(second.decrypt(a, 'x')).toBe(SECRET);
    expect(first.decrypt(b, 'x')).toBe(SECRET);
  });

  it('a ciphertext bound to another row, a flipped byte or a truncated blob fails cleanly', () => {
    const box = createKeyFileBox(dir);
    const blob = box.encrypt(SECRET, 'gatehouse/provider-key/pk-a');
    expectCleanFailure(() => box.decrypt(blob, 'gatehouse/provider-key/pk-b'), /altered or belongs to another key/, blob);
    for (const index of [1 + 8 + 3, 1 + 8 + 12 + 2, blob.length - 1]) {
      const tampered = Buffer.from(blob);
      tampered[index] = tampered[index]! ^ 0x01;
      expectCleanFailure(() => box.decrypt(tampered, 'gatehouse/provider-key/pk-a'), /altered/, tampered);
    }
    expectCleanFailure(() => box.decrypt(blob.subarray(0, 20), 'gatehouse/provider-key/pk-a'), /format/);
    expectCleanFailure(() => box.decrypt(Buffer.concat([Buffer.of(9), blob.subarray(1)]), 'gatehouse/provider-key/pk-a'), /format/);
  });

  it('a replaced or damaged key file is reported as such, even to a box that cached the old key', () => {
    const box = createKeyFileBox(dir);
    const blob = box.encrypt(SECRET, 'ctx');
    const file = path.join(dir, KEY_FILE_NAME);
    fs.rmSync(file);
    fs.writeFileSync(file, Buffer.alloc(32, 7), { mode: 0o600 });
    expectCleanFailure(() => box.decrypt(blob, 'ctx'), /key file provider-keys\.key changed/, blob);
    expectCleanFailure(() => createKeyFileBox(dir).decrypt(blob, 'ctx'), /changed/, blob);
    fs.writeFileSync(file, Buffer.alloc(5, 7));
    expectCleanFailure(() => createKeyFileBox(dir).decrypt(blob, 'ctx'), /damaged/);
  });
});

describe('OS keychain box (safeStorage shape)', () => {
  it('round-trips, seals the context in, and maps safeStorage errors to a clean AppError', () => {
    const os = fakeOsEncryption();
    const box = createOsKeychainBox(os);
    const blob = box.encrypt(SECRET, 'ctx-a');
    expect(blob.includes(Buffer.from(SECRET))).toBe(false);
    expect(box.decrypt(blob, 'ctx-a')).toBe(SECRET);
    expectCleanFailure(() => box.decrypt(blob, 'ctx-b'), /belongs to another key/, blob);
    expectCleanFailure(() => box.decrypt(Buffer.from('garbage'), 'ctx-a'), /OS keychain refused/);
  });
});

describe('choosing the protection', () => {
  it('uses safeStorage when available and not basic_text (strong)', () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const protection = createSecretProtection(dir, { osEncryption: os });
    expect(protection.describe()).toMatchObject({ scheme: 'os-keychain', strong: true });
    const sealed = protection.encrypt(SECRET, 'ctx');
    expect(sealed.scheme).toBe('os-keychain');
    expect(os.calls).toBe(1);
    expect(protection.decrypt('os-keychain', sealed.ciphertext, 'ctx')).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
  });

  it('macOS/Windows (no backend query) count as strong', () => {
    expect(createSecretProtection(dir, { osEncryption: fakeOsEncryption(undefined) }).describe()).toMatchObject({ scheme: 'os-keychain', strong: true });
  });

  it.each([
    ['basic_text backend', { osEncryption: fakeOsEncryption('basic_text') }, /basic_text/],
    ['safeStorage unavailable', { osEncryption: fakeOsEncryption('gnome_libsecret', false) }, /not available/],
    ['no OS encryption (CLI, browser host)', undefined, /no OS keychain/],
  ] as const)('%s → local key file, marked weak, with a warning', (_name, capabilities, reason) => {
    const protection = createSecretProtection(dir, capabilities);
    const described = protection.describe();
    expect(described).toMatchObject({ scheme: 'local-key-file', strong: false });
    expect(described.description).toMatch(reason);
    expect(described.description).toMatch(/anyone with a copy of this folder can read the keys/);
    const sealed = protection.encrypt(SECRET, 'ctx');
    expect(sealed.scheme).toBe('local-key-file');
    expect(protection.decrypt('local-key-file', sealed.ciphertext, 'ctx')).toBe(SECRET);
  });

  it('an OS-keychain row opened where there is no keychain says so clearly', () => {
    const written = createSecretProtection(dir, { osEncryption: fakeOsEncryption() }).encrypt(SECRET, 'ctx');
    const cli = createSecretProtection(dir, undefined);
    expect(cli.canDecrypt('os-keychain')).toBe(false);
    expect(cli.canDecrypt('local-key-file')).toBe(true);
    expectCleanFailure(() => cli.decrypt('os-keychain', written.ciphertext, 'ctx'), /encrypted with the OS keychain of the desktop app/);
  });

  it('a basic_text door can still read rows that a real keyring wrote earlier through safeStorage', () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const written = createSecretProtection(dir, { osEncryption: os }).encrypt(SECRET, 'ctx');
    const weak = createSecretProtection(dir, { osEncryption: { ...os, getSelectedStorageBackend: () => 'basic_text' } });
    expect(weak.describe().scheme).toBe('local-key-file');
    expect(weak.decrypt('os-keychain', written.ciphertext, 'ctx')).toBe(SECRET);
  });
});

describe('OS data key box (envelope encryption)', () => {
  it('round-trips with the key-file framing under its own version byte; binds the row; tells another data key from damage', () => {
    const dataKey = fakeOsDataKey();
    const box = createDataKeyBox(dataKey.key);
    const a = box.encrypt(SECRET, 'gatehouse/provider-key/pk-a');
    const b = box.encrypt(SECRET, 'gatehouse/provider-key/pk-a');
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from(SECRET))).toBe(false);
    expect(a[0]).toBe(2); // not the key file's 1, and never safeStorage's "v1x"
    expect(a.length).toBe(1 + 8 + 12 + 16 + Buffer.byteLength(SECRET));
    expect(createDataKeyBox(Buffer.from(dataKey.key)).decrypt(a, 'gatehouse/provider-key/pk-a')).toBe(SECRET);
    expectCleanFailure(() => box.decrypt(a, 'gatehouse/provider-key/pk-b'), /altered or belongs to another key/, a);
    const tampered = Buffer.from(a);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x01;
    expectCleanFailure(() => box.decrypt(tampered, 'gatehouse/provider-key/pk-a'), /altered/, tampered);
    expectCleanFailure(() => createDataKeyBox(fakeOsDataKey().key).decrypt(a, 'gatehouse/provider-key/pk-a'), /another OS data key/, a);
    expectCleanFailure(() => box.decrypt(createKeyFileBox(dir).encrypt(SECRET, 'x'), 'x'), /format/);
    expect(() => createDataKeyBox(Buffer.alloc(16))).toThrow(/32 bytes/);
  });

  it('a strong data key is the os-keychain scheme: no key file, no safeStorage call per secret', () => {
    const protection = createSecretProtection(dir, { osDataKey: fakeOsDataKey('kwallet6') });
    expect(protection.describe()).toMatchObject({ scheme: 'os-keychain', strong: true });
    const sealed = protection.encrypt(SECRET, 'ctx');
    expect(sealed.scheme).toBe('os-keychain');
    expect(sealed.ciphertext[0]).toBe(2);
    expect(protection.isLegacy('os-keychain', sealed.ciphertext)).toBe(false);
    expect(protection.decrypt('os-keychain', sealed.ciphertext, 'ctx')).toBe(SECRET);
    expect(fs.existsSync(path.join(dir, KEY_FILE_NAME))).toBe(false);
    // macOS / Windows report no backend: strong as well.
    expect(createSecretProtection(dir, { osDataKey: fakeOsDataKey(undefined) }).describe()).toMatchObject({ scheme: 'os-keychain', strong: true });
  });

  it('a basic_text data key is weak: new secrets use the key file, rows sealed with the data key still read', () => {
    const dataKey = fakeOsDataKey('gnome_libsecret');
    const written = createSecretProtection(dir, { osDataKey: dataKey }).encrypt(SECRET, 'ctx');
    const weak = createSecretProtection(dir, { osDataKey: { key: dataKey.key, backend: 'basic_text' } });
    expect(weak.describe()).toMatchObject({ scheme: 'local-key-file', strong: false });
    expect(weak.describe().description).toMatch(/basic_text/);
    expect(weak.encrypt(SECRET, 'ctx').scheme).toBe('local-key-file');
    expect(weak.decrypt('os-keychain', written.ciphertext, 'ctx')).toBe(SECRET);
    expect(weak.canRewrapLegacy()).toBe(false); // never onto an obfuscation-only key
  });

  it('the CLI cannot read a data-key row and says it belongs to the desktop app', () => {
    const written = createSecretProtection(dir, { osDataKey: fakeOsDataKey() }).encrypt(SECRET, 'ctx');
    const cli = createSecretProtection(dir, undefined);
    expect(cli.canDecrypt('os-keychain')).toBe(false);
    expectCleanFailure(() => cli.decrypt('os-keychain', written.ciphertext, 'ctx'), /OS keychain of the desktop app/);
  });
});

describe('legacy os-keychain rows (safeStorage directly, before envelope encryption)', () => {
  const legacyRow = (os = fakeOsEncryption()) => ({ os, blob: createOsKeychainBox(os).encrypt(SECRET, 'gatehouse/provider-key/pk-a') });

  it('are told apart by the format byte: safeStorage output has no version byte 2', () => {
    const { blob } = legacyRow();
    const protection = createSecretProtection(dir, { osDataKey: fakeOsDataKey() });
    expect(protection.isLegacy('os-keychain', blob)).toBe(true);
    expect(protection.isLegacy('local-key-file', blob)).toBe(false);
    // What real safeStorage writes starts with "v10" / "v11".
    expect(protection.isLegacy('os-keychain', Buffer.concat([Buffer.from('v11'), Buffer.alloc(60, 9)]))).toBe(true);
  });

  it('a door with the data key and decryptLegacy opens them through the door, checking the row binding', async () => {
    const { os, blob } = legacyRow();
    const decryptLegacy = fakeDecryptLegacy(os);
    const protection = createSecretProtection(dir, { osDataKey: fakeOsDataKey(), decryptLegacy });
    expect(protection.canRewrapLegacy()).toBe(true);
    expectCleanFailure(() => protection.decrypt('os-keychain', blob, 'gatehouse/provider-key/pk-a'), /earlier Gatehouse/, blob); // not synchronously
    const opened = await protection.openLegacy([
      { blob, context: 'gatehouse/provider-key/pk-a' },
      { blob, context: 'gatehouse/provider-key/pk-b' }, // copied onto another row
      { blob: Buffer.from('garbage'), context: 'gatehouse/provider-key/pk-c' }, // the OS refuses
    ]);
    expect(opened).toEqual([SECRET, null, null]);
    expect(decryptLegacy.calls).toBe(1); // one round trip for all of them
    const resealed = protection.sealWithDataKey(opened[0]!, 'gatehouse/provider-key/pk-a');
    expect(protection.isLegacy('os-keychain', resealed)).toBe(false);
    expect(protection.decrypt('os-keychain', resealed, 'gatehouse/provider-key/pk-a')).toBe(SECRET);
  });

  it('without a strong data key, or without a way to open them, nothing is rewrapped', () => {
    const os = fakeOsEncryption();
    expect(createSecretProtection(dir, { osDataKey: fakeOsDataKey() }).canRewrapLegacy()).toBe(false);
    expect(createSecretProtection(dir, { decryptLegacy: fakeDecryptLegacy(os) }).canRewrapLegacy()).toBe(false);
    expect(createSecretProtection(dir, { osEncryption: os }).canRewrapLegacy()).toBe(false);
    expect(createSecretProtection(dir, undefined).canRewrapLegacy()).toBe(false);
    // In-process safeStorage next to a data key can do it without a door round trip.
    expect(createSecretProtection(dir, { osEncryption: os, osDataKey: fakeOsDataKey() }).canRewrapLegacy()).toBe(true);
  });
});
