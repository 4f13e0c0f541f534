import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { ProtectionScheme } from '../../../shared/domain/provider-key-rules';
import type { HostCapabilities } from '../host-capabilities';

export const KEY_FILE_NAME = 'provider-keys.key';

/**
 * Encrypts one secret bound to a context string (the row id), so a ciphertext copied onto another
 * row does not decrypt. `decrypt` throws AppError, never a raw crypto error or the ciphertext.
 */
export interface SecretBox {
  readonly scheme: ProtectionScheme;
  encrypt(plain: string, context: string): Buffer;
  decrypt(blob: Buffer, context: string): string;
}

export interface Protection {
  scheme: ProtectionScheme;
  strong: boolean;
  description: string;
}

/** Picks the box for new secrets and finds the box for each stored row's scheme. */
export interface SecretProtection {
  describe(): Protection;
  encrypt(plain: string, context: string): { scheme: ProtectionScheme; ciphertext: Buffer };
  decrypt(scheme: ProtectionScheme, blob: Buffer, context: string): string;
  /** False when this door lacks the scheme (an OS-keychain row opened from the CLI). */
  canDecrypt(scheme: ProtectionScheme): boolean;
}

const cannotDecrypt = (reason: string) => new AppError('E_CONFLICT', `Cannot decrypt this provider secret: ${reason}. Replace the secret to use the key again.`);

// Layout of a key-file ciphertext: version | key fingerprint | IV | GCM tag | ciphertext.
const FORMAT_V1 = 1;
const FINGERPRINT_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES + IV_BYTES + TAG_BYTES;
const KEY_BYTES = 32;

/** Names the key without revealing it, so "the key file changed" is told apart from "damaged data". */
function fingerprint(key: Buffer): Buffer {
  return createHmac('sha256', key).update('gatehouse provider-key fingerprint').digest().subarray(0, FINGERPRINT_BYTES);
}

/**
 * AES-256-GCM with a random 32-byte key kept in `<dataDir>/provider-keys.key` (mode 0600). The key
 * file is created on the first encryption only; decryption never creates one.
 */
export function createKeyFileBox(dataDir: string): SecretBox {
  const file = path.join(dataDir, KEY_FILE_NAME);
  let cached: { stamp: string; key: Buffer; fingerprint: Buffer } | null = null;

  const load = (): { key: Buffer; fingerprint: Buffer } | null => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    // Re-read when the file is replaced while the app runs (restored from a backup, say).
    const stamp = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (cached?.stamp !== stamp) {
      const key = fs.readFileSync(file);
      if (key.length !== KEY_BYTES) throw new AppError('E_CONFLICT', `The key file ${KEY_FILE_NAME} in the data folder is damaged (wrong length); restore it from a backup.`);
      cached = { stamp, key, fingerprint: fingerprint(key) };
    }
    return cached;
  };

  /** Hard-linking a fully written temp file publishes it atomically and fails if another process won. */
  const create = () => {
    fs.mkdirSync(dataDir, { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(temp, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
  };

  return {
    scheme: 'local-key-file',
    encrypt(plain, context) {
      let current = load();
      if (!current) {
        create();
        current = load()!;
      }
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.of(FORMAT_V1), current.fingerprint, iv, cipher.getAuthTag(), body]);
    },
    decrypt(blob, context) {
      if (blob.length <= HEADER_BYTES || blob[0] !== FORMAT_V1) throw cannotDecrypt('the stored data is not in a format this version understands');
      const current = load();
      if (!current) throw cannotDecrypt(`the key file ${KEY_FILE_NAME} is missing from the data folder`);
      let offset = 1;
      const stored = blob.subarray(offset, (offset += FINGERPRINT_BYTES));
      if (!stored.equals(current.fingerprint)) throw cannotDecrypt(`the key file ${KEY_FILE_NAME} changed since this secret was saved`);
      const iv = blob.subarray(offset, (offset += IV_BYTES));
      const tag = blob.subarray(offset, (offset += TAG_BYTES));
      try {
        const decipher = createDecipheriv('aes-256-gcm', current.key, iv);
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(blob.subarray(offset)), decipher.final()]).toString('utf8');
      } catch {
        throw cannotDecrypt('the stored data was altered or belongs to another key');
      }
    },
  };
}

type OsEncryption = NonNullable<HostCapabilities['osEncryption']>;

/**
 * Electron safeStorage. It has no associated data, so the context is sealed in with the secret
 * (`context\n secret`; secrets never contain a newline) and checked on the way out.
 */
export function createOsKeychainBox(os: OsEncryption): SecretBox {
  return {
    scheme: 'os-keychain',
    encrypt(plain, context) {
      return os.encryptString(`${context}\n${plain}`);
    },
    decrypt(blob, context) {
      let sealed: string;
      try {
        sealed = os.decryptString(blob);
      } catch {
        throw cannotDecrypt('the OS keychain refused it (was the data folder copied from another user or computer?)');
      }
      const split = sealed.indexOf('\n');
      if (split < 0 || sealed.slice(0, split) !== context) throw cannotDecrypt('the stored data belongs to another key');
      return sealed.slice(split + 1);
    },
  };
}

function storageBackend(os: OsEncryption): string | null {
  try {
    // Linux-only in Electron; elsewhere there is no weak backend to detect.
    return os.getSelectedStorageBackend?.() ?? null;
  } catch {
    return null;
  }
}

const KEY_FILE_WARNING = 'encrypted with a local key file in the data folder — anyone with a copy of this folder can read the keys';

/**
 * safeStorage when the door offers it, it is available and it is not Linux's `basic_text` backend
 * (a hard-coded password, i.e. obfuscation); otherwise the key-file box.
 */
export function createSecretProtection(dataDir: string, capabilities: HostCapabilities | undefined): SecretProtection {
  const os = capabilities?.osEncryption;
  const osAvailable = (() => {
    try {
      return Boolean(os?.isEncryptionAvailable());
    } catch {
      return false;
    }
  })();
  const backend = os && osAvailable ? storageBackend(os) : null;
  const osBox = os && osAvailable ? createOsKeychainBox(os) : null;
  const keyFileBox = createKeyFileBox(dataDir);
  const strong = osBox !== null && backend !== 'basic_text';
  const writer = strong ? osBox : keyFileBox;

  const protection: Protection = strong
    ? { scheme: 'os-keychain', strong: true, description: 'Secrets are encrypted with the operating system’s keychain.' }
    : {
        scheme: 'local-key-file',
        strong: false,
        description: !os
          ? `This door has no OS keychain, so secrets are ${KEY_FILE_WARNING}.`
          : backend === 'basic_text'
            ? `No OS keyring was found (Linux basic_text backend), so secrets are ${KEY_FILE_WARNING}.`
            : `The OS keychain is not available, so secrets are ${KEY_FILE_WARNING}.`,
      };

  const boxFor = (scheme: ProtectionScheme) => (scheme === 'os-keychain' ? osBox : keyFileBox);

  return {
    describe: () => protection,
    encrypt: (plain, context) => ({ scheme: writer.scheme, ciphertext: writer.encrypt(plain, context) }),
    canDecrypt: (scheme) => boxFor(scheme) !== null,
    decrypt(scheme, blob, context) {
      const box = boxFor(scheme);
      if (!box) {
        throw new AppError('E_CONFLICT', 'This secret was encrypted with the OS keychain of the desktop app; open Gatehouse desktop to use it, or replace the secret here.');
      }
      return box.decrypt(blob, context);
    },
  };
}
