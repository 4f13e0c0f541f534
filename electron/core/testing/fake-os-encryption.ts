import { randomBytes } from 'node:crypto';
import type { HostCapabilities } from '../host-capabilities';

type OsEncryption = NonNullable<HostCapabilities['osEncryption']>;

/**
 * A stand-in for Electron safeStorage (whose runtime is not available under plain Node): XOR with a
 * fixed pad behind a marker, so only this fake reverses it and foreign bytes fail like the real one.
 */
export function fakeOsEncryption(backend: string | undefined = 'gnome_libsecret', available = true): OsEncryption & { calls: number } {
  const pad = 0x5a;
  const marker = Buffer.from('FAKEOS');
  const fake = {
    calls: 0,
    isEncryptionAvailable: () => available,
    encryptString(plain: string) {
      fake.calls += 1;
      return Buffer.concat([marker, Buffer.from(plain, 'utf8').map((b) => b ^ pad)]);
    },
    decryptString(cipher: Buffer) {
      if (!cipher.subarray(0, marker.length).equals(marker)) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(cipher.subarray(marker.length).map((b) => b ^ pad)).toString('utf8');
    },
    ...(backend === undefined ? {} : { getSelectedStorageBackend: () => backend }),
  };
  return fake;
}

/** A data key as the shell hands it over after unwrapping `provider-keys.wrapped` (envelope encryption). */
export function fakeOsDataKey(backend: string | undefined = 'gnome_libsecret'): NonNullable<HostCapabilities['osDataKey']> {
  return { key: randomBytes(32), backend };
}

/**
 * The shell's `decryptLegacy` over a fake safeStorage: one result per blob, null where it refuses.
 * `calls` counts the requests (each one a round trip to the door in the app).
 */
export function fakeDecryptLegacy(os: OsEncryption): NonNullable<HostCapabilities['decryptLegacy']> & { calls: number } {
  const decrypt = Object.assign(
    async (blobs: Uint8Array[]) => {
      decrypt.calls += 1;
      return blobs.map((blob) => {
        try {
          return os.decryptString(Buffer.from(blob));
        } catch {
          return null;
        }
      });
    },
    { calls: 0 },
  );
  return decrypt;
}
