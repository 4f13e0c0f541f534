import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeOsEncryption } from '../core/testing/fake-os-encryption';
import { makeTempDir } from '../core/testing/temp-core';
import { createLegacyDecryptor, loadOsDataKey, WRAPPED_KEY_FILE_NAME } from './os-data-key';

let dir: string;
const wrappedFile = () => path.join(dir, WRAPPED_KEY_FILE_NAME);
beforeEach(() => {
  dir = makeTempDir('gatehouse-data-key-');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the OS-wrapped data key (envelope encryption)', () => {
  it('is created once, 0600, atomically (no temp file left), wrapped by safeStorage as base64, and unwrapped the same next time', () => {
    const os = fakeOsEncryption('gnome_libsecret');
    const first = loadOsDataKey(dir, os);
    expect(first).toMatchObject({ state: 'ready', created: true, dataKey: { backend: 'gnome_libsecret' } });
    if (first.state !== 'ready') throw new Error('unreachable');
    expect(first.dataKey.key.length).toBe(32);
    expect(fs.readdirSync(dir)).toEqual([WRAPPED_KEY_FILE_NAME]);
    if (process.platform !== 'win32') expect(fs.statSync(wrappedFile()).mode & 0o777).toBe(0o600);
    const onDisk = fs.readFileSync(wrappedFile());
    expect(onDisk.includes(first.dataKey.key)).toBe(false);
    expect(onDisk.includes(Buffer.from(first.dataKey.key.toString('base64')))).toBe(false);
    expect(Buffer.from(os.decryptString(onDisk), 'base64').equals(first.dataKey.key)).toBe(true);

    const again = loadOsDataKey(dir, fakeOsEncryption('gnome_libsecret'));
    expect(again).toMatchObject({ state: 'ready', created: false });
    if (again.state === 'ready') expect(again.dataKey.key.equals(first.dataKey.key)).toBe(true);
    expect(fs.readFileSync(wrappedFile()).equals(onDisk)).toBe(true);
  });

  it('another process publishing its key first wins: its key is used, ours is dropped, no temp file left', () => {
    const os = fakeOsEncryption();
    const theirs = Buffer.alloc(32, 7);
    const racing = {
      ...os,
      // While we wrap our key, the other process links its file into place.
      encryptString(plain: string) {
        fs.writeFileSync(wrappedFile(), os.encryptString(theirs.toString('base64')), { mode: 0o600 });
        return os.encryptString(plain);
      },
    };
    const loaded = loadOsDataKey(dir, racing);
    expect(loaded).toMatchObject({ state: 'ready' });
    if (loaded.state === 'ready') expect(loaded.dataKey.key.equals(theirs)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([WRAPPED_KEY_FILE_NAME]);
  });

  it('safeStorage unavailable: nothing is created and nothing handed over (the key file applies)', () => {
    expect(loadOsDataKey(dir, fakeOsEncryption('gnome_libsecret', false))).toMatchObject({ state: 'unavailable' });
    expect(loadOsDataKey(dir, { ...fakeOsEncryption(), isEncryptionAvailable: () => { throw new Error('not ready'); } })).toMatchObject({ state: 'unavailable' });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('Linux basic_text: no key is born under obfuscation; an existing one is still unwrapped (and reported weak)', () => {
    expect(loadOsDataKey(dir, fakeOsEncryption('basic_text'))).toMatchObject({ state: 'unavailable', reason: expect.stringMatching(/basic_text/) });
    expect(fs.readdirSync(dir)).toEqual([]);
    const made = loadOsDataKey(dir, fakeOsEncryption('kwallet5'));
    const weak = loadOsDataKey(dir, fakeOsEncryption('basic_text'));
    expect(weak).toMatchObject({ state: 'ready', created: false, dataKey: { backend: 'basic_text' } });
    if (made.state === 'ready' && weak.state === 'ready') expect(weak.dataKey.key.equals(made.dataKey.key)).toBe(true);
  });

  it('a wrapped key the keychain cannot open (another user, damaged) is reported and never replaced', () => {
    fs.writeFileSync(wrappedFile(), Buffer.from('not from this keychain'), { mode: 0o600 });
    const before = fs.readFileSync(wrappedFile());
    expect(loadOsDataKey(dir, fakeOsEncryption())).toMatchObject({ state: 'unreadable', reason: expect.stringMatching(/left as it is/) });
    expect(fs.readFileSync(wrappedFile()).equals(before)).toBe(true);
    // Decrypts, but not to a 32-byte key.
    const os = fakeOsEncryption();
    fs.writeFileSync(wrappedFile(), os.encryptString(Buffer.alloc(16, 1).toString('base64')));
    expect(loadOsDataKey(dir, os)).toMatchObject({ state: 'unreadable' });
  });
});

describe('decryptLegacy (the door side of the legacy row move)', () => {
  it('decrypts each blob with safeStorage, in order, null where it refuses; accepts the Uint8Arrays a worker port delivers', async () => {
    const os = fakeOsEncryption();
    const decrypt = createLegacyDecryptor(os);
    const a = new Uint8Array(os.encryptString('ctx-a\nsecret-a'));
    const b = new Uint8Array(os.encryptString('ctx-b\nsecret-b'));
    expect(await decrypt([a, new Uint8Array([1, 2, 3]), b])).toEqual(['ctx-a\nsecret-a', null, 'ctx-b\nsecret-b']);
    expect(await decrypt([])).toEqual([]);
  });
});
