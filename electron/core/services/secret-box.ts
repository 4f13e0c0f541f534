import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { ProtectionScheme } from '../../../shared/domain/provider-key-rules';
import type { HostCapabilities } from '../host-capabilities';
import { publishFileOnce } from '../publish-file';
import { DATABASE_FILE_NAME } from '../store/database';

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

/** One `os-keychain` row written by an earlier version directly with safeStorage. */
export interface LegacySecret {
  blob: Buffer;
  context: string;
}

/** Picks the box for new secrets and finds the box for each stored row's scheme. */
export interface SecretProtection {
  describe(): Protection;
  encrypt(plain: string, context: string): { scheme: ProtectionScheme; ciphertext: Buffer };
  decrypt(scheme: ProtectionScheme, blob: Buffer, context: string): string;
  /** False when this door lacks the scheme (an OS-keychain row opened from the CLI). */
  canDecrypt(scheme: ProtectionScheme): boolean;
  /** An `os-keychain` row in the pre-envelope format (safeStorage output, no version byte). */
  isLegacy(scheme: ProtectionScheme, blob: Buffer): boolean;
  /**
   * True when legacy rows can be moved onto the OS data key here: the door handed over a strong
   * data key and can decrypt the old safeStorage blobs (`decryptLegacy`, or safeStorage in-process).
   */
  canRewrapLegacy(): boolean;
  /** Plaintexts of legacy rows in order; null for each one the OS refused or that belongs to another row. */
  openLegacy(secrets: LegacySecret[]): Promise<Array<string | null>>;
  /** Seals a secret with the OS data key (the `os-keychain` scheme); only when `canRewrapLegacy()`. */
  sealWithDataKey(plain: string, context: string): Buffer;
  /**
   * After the admin forgot the provider secrets of a lost key file: when the key file is missing and
   * only remote admin keys sealed with it remain, starts a new key file so those can be entered
   * again (they stay unreadable until then). Says whether it did and how many remote admin keys
   * were sealed with the lost key file.
   */
  replaceLostKeyFile(): { newKeyFile: boolean; remoteCredentialsToReenter: number };
}

/** A stored secret sealed with the key file, as the guard against minting a second key file counts it. */
export interface KeyFileSecret {
  context: string;
  kind: 'provider-key' | 'remote-credential';
}

export interface SecretProtectionOptions {
  /** Every stored secret sealed with the key file (provider keys and remote admin keys), read from the store. */
  keyFileSecrets?: () => KeyFileSecret[];
}

const cannotDecrypt = (reason: string) => new AppError('E_CONFLICT', `Cannot decrypt this provider secret: ${reason}. Replace the secret to use the key again.`);

// Layout of an AES-GCM ciphertext (key file and OS data key alike):
// version | key fingerprint | IV | GCM tag | ciphertext. The version byte also tells the schemes'
// formats apart: safeStorage output (legacy `os-keychain` rows) starts with "v10"/"v11" (0x76).
const KEY_FILE_FORMAT_V1 = 1;
const DATA_KEY_FORMAT_V1 = 2;
const FINGERPRINT_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES + IV_BYTES + TAG_BYTES;
export const DATA_KEY_BYTES = 32;

/** Names a key without revealing it, so "another key" is told apart from "damaged data". */
function fingerprint(key: Buffer, purpose: string): Buffer {
  return createHmac('sha256', key).update(`gatehouse ${purpose} fingerprint`).digest().subarray(0, FINGERPRINT_BYTES);
}

interface GcmKey {
  key: Buffer;
  fingerprint: Buffer;
}

function sealGcm(version: number, current: GcmKey, plain: string, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', current.key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(version), current.fingerprint, iv, cipher.getAuthTag(), body]);
}

const hasFormat = (blob: Buffer, version: number) => blob.length > HEADER_BYTES && blob[0] === version;

/** `anotherKey` explains a fingerprint mismatch in words the user can act on. */
function openGcm(version: number, current: GcmKey, blob: Buffer, context: string, anotherKey: string): string {
  if (!hasFormat(blob, version)) throw cannotDecrypt('the stored data is not in a format this version understands');
  let offset = 1;
  const stored = blob.subarray(offset, (offset += FINGERPRINT_BYTES));
  if (!stored.equals(current.fingerprint)) throw cannotDecrypt(anotherKey);
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
}

export interface KeyFileBox extends SecretBox {
  exists(): boolean;
  /** Creates the key file if it is still missing (atomic, once across processes). */
  mint(): void;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Why no new key file is made while secrets sealed with the missing one exist, and what to do. */
function lostKeyFileError(dataDir: string, sealed: KeyFileSecret[]): AppError {
  const providerKeys = sealed.filter((s) => s.kind === 'provider-key').length;
  const remotes = sealed.length - providerKeys;
  const what = [providerKeys ? plural(providerKeys, 'provider secret', 'provider secrets') : '', remotes ? plural(remotes, 'remote admin key', 'remote admin keys') : '']
    .filter(Boolean)
    .join(' and ');
  return new AppError(
    'E_STORAGE',
    `The key file ${path.join(dataDir, KEY_FILE_NAME)} is missing, but ${what} stored here ${sealed.length === 1 ? 'was' : 'were'} encrypted with it, ` +
      'so Gatehouse will not create a new one (the old and the new secrets could then never both be read); nothing was saved. ' +
      `Restore ${KEY_FILE_NAME} from a backup of the data folder (copy it back next to ${DATABASE_FILE_NAME}). ` +
      'If no backup has it, forget the unreadable secrets (Provider keys page: “Forget unreadable secrets…”, or gatehouse provider-keys forget-unreadable --yes) and enter them again.',
  );
}

/**
 * AES-256-GCM with a random 32-byte key kept in `<dataDir>/provider-keys.key` (mode 0600). The key
 * file is created on the first encryption only, and only if `beforeMint` (the guard against
 * orphaning secrets sealed with a lost key file) lets it; decryption never creates one.
 */
export function createKeyFileBox(dataDir: string, options: { beforeMint?: (context: string) => void } = {}): KeyFileBox {
  const file = path.join(dataDir, KEY_FILE_NAME);
  let cached: (GcmKey & { stamp: string }) | null = null;

  const load = (): GcmKey | null => {
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
      if (key.length !== DATA_KEY_BYTES) throw new AppError('E_CONFLICT', `The key file ${KEY_FILE_NAME} in the data folder is damaged (wrong length); restore it from a backup.`);
      cached = { stamp, key, fingerprint: fingerprint(key, 'provider-key') };
    }
    return cached;
  };

  /** Hard-linking a fully written temp file publishes it atomically and fails if another process won. */
  const create = () => {
    publishFileOnce(file, randomBytes(DATA_KEY_BYTES));
  };

  return {
    scheme: 'local-key-file',
    exists: () => load() !== null,
    mint: create,
    encrypt(plain, context) {
      let current = load();
      if (!current) {
        options.beforeMint?.(context);
        create();
        current = load()!;
      }
      return sealGcm(KEY_FILE_FORMAT_V1, current, plain, context);
    },
    decrypt(blob, context) {
      if (!hasFormat(blob, KEY_FILE_FORMAT_V1)) throw cannotDecrypt('the stored data is not in a format this version understands');
      const current = load();
      if (!current) throw cannotDecrypt(`the key file ${KEY_FILE_NAME} is missing from the data folder (restore it from a backup of the data folder)`);
      return openGcm(KEY_FILE_FORMAT_V1, current, blob, context, `the key file ${KEY_FILE_NAME} changed since this secret was saved`);
    },
  };
}

/**
 * Envelope encryption (VS Code's encryption service idea): AES-256-GCM with the data key the
 * desktop shell unwrapped from `provider-keys.wrapped` with the OS keychain at start. The key never
 * touches disk unwrapped, and encryption stays synchronous inside the worker's transactions.
 */
export function createDataKeyBox(key: Buffer): SecretBox {
  if (key.length !== DATA_KEY_BYTES) throw new Error(`The OS data key must be ${DATA_KEY_BYTES} bytes`);
  const current: GcmKey = { key: Buffer.from(key), fingerprint: fingerprint(key, 'os data key') };
  return {
    scheme: 'os-keychain',
    encrypt: (plain, context) => sealGcm(DATA_KEY_FORMAT_V1, current, plain, context),
    decrypt: (blob, context) =>
      openGcm(DATA_KEY_FORMAT_V1, current, blob, context, 'it was saved with another OS data key (provider-keys.wrapped was replaced, or the data folder comes from another computer)'),
  };
}

type OsEncryption = NonNullable<HostCapabilities['osEncryption']>;

/** What a legacy blob holds: safeStorage has no associated data, so the context was sealed in. */
function unsealLegacy(sealed: string, context: string): string | null {
  const split = sealed.indexOf('\n');
  return split >= 0 && sealed.slice(0, split) === context ? sealed.slice(split + 1) : null;
}

/**
 * Electron safeStorage called directly, for a core in the shell's own thread: the format of
 * `os-keychain` rows before envelope encryption. The context is sealed in with the secret
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
      const plain = unsealLegacy(sealed, context);
      if (plain === null) throw cannotDecrypt('the stored data belongs to another key');
      return plain;
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
 * The OS keychain when the door offers it and it is not Linux's `basic_text` backend (a
 * hard-coded password, i.e. obfuscation); otherwise the key-file box.
 *
 * The desktop app (core in a worker) offers `osDataKey`: new `os-keychain` rows are AES-256-GCM
 * with it. Rows written before that (safeStorage output, no version byte) are read in-process
 * through `osEncryption`, or moved onto the data key at start (`openLegacy` via the door's
 * `decryptLegacy`, then `sealWithDataKey`).
 */
export function createSecretProtection(dataDir: string, capabilities: HostCapabilities | undefined, options: SecretProtectionOptions = {}): SecretProtection {
  const os = capabilities?.osEncryption;
  const osAvailable = (() => {
    try {
      return Boolean(os?.isEncryptionAvailable());
    } catch {
      return false;
    }
  })();
  const legacyBox = os && osAvailable ? createOsKeychainBox(os) : null;
  const dataKeyBox = capabilities?.osDataKey ? createDataKeyBox(capabilities.osDataKey.key) : null;
  const hasOs = Boolean(os) || dataKeyBox !== null;
  const backend = dataKeyBox ? (capabilities?.osDataKey?.backend ?? null) : os && osAvailable ? storageBackend(os) : null;
  const osWriter = dataKeyBox ?? legacyBox;
  const keyFileSecrets = () => options.keyFileSecrets?.() ?? [];
  // A missing key file is minted only when no other stored secret was sealed with the lost one
  // (re-sealing the only such secret is fine): a partial restore must not leave two generations.
  const keyFileBox = createKeyFileBox(dataDir, {
    beforeMint(context) {
      const others = keyFileSecrets().filter((s) => s.context !== context);
      if (others.length > 0) throw lostKeyFileError(dataDir, others);
    },
  });
  const strong = osWriter !== null && backend !== 'basic_text';
  const writer = strong ? osWriter : keyFileBox;

  const protection: Protection = strong
    ? { scheme: 'os-keychain', strong: true, description: 'Secrets are encrypted with the operating system’s keychain.' }
    : {
        scheme: 'local-key-file',
        strong: false,
        description: !hasOs
          ? `This door has no OS keychain, so secrets are ${KEY_FILE_WARNING}.`
          : backend === 'basic_text'
            ? `No OS keyring was found (Linux basic_text backend), so secrets are ${KEY_FILE_WARNING}.`
            : `The OS keychain is not available, so secrets are ${KEY_FILE_WARNING}.`,
      };

  const isLegacy = (scheme: ProtectionScheme, blob: Buffer) => scheme === 'os-keychain' && !hasFormat(blob, DATA_KEY_FORMAT_V1);

  const decryptLegacy = capabilities?.decryptLegacy;
  const openLegacyBlobs = async (blobs: Buffer[]): Promise<Array<string | null>> => {
    if (decryptLegacy) {
      const opened = await decryptLegacy(blobs.map((blob) => new Uint8Array(blob)));
      return blobs.map((_, i) => (typeof opened[i] === 'string' ? opened[i] : null));
    }
    return blobs.map((blob) => {
      try {
        return os!.decryptString(blob);
      } catch {
        return null;
      }
    });
  };

  return {
    describe: () => protection,
    encrypt: (plain, context) => ({ scheme: writer.scheme, ciphertext: writer.encrypt(plain, context) }),
    canDecrypt: (scheme) => scheme === 'local-key-file' || osWriter !== null,
    decrypt(scheme, blob, context) {
      if (scheme === 'local-key-file') return keyFileBox.decrypt(blob, context);
      if (isLegacy(scheme, blob)) {
        if (legacyBox) return legacyBox.decrypt(blob, context);
        if (dataKeyBox) throw cannotDecrypt('it was saved by an earlier Gatehouse directly with the OS keychain, and the keychain could not convert it at start');
      } else if (dataKeyBox) {
        return dataKeyBox.decrypt(blob, context);
      }
      if (osWriter) throw cannotDecrypt('it was saved with the OS data key of the desktop app, which this door does not have');
      throw new AppError('E_CONFLICT', 'This secret was encrypted with the OS keychain of the desktop app; open Gatehouse desktop to use it, or replace the secret here.');
    },
    isLegacy,
    // Only onto a strong data key: rewrapping under basic_text would weaken a keyring-protected row.
    canRewrapLegacy: () => dataKeyBox !== null && strong && (Boolean(decryptLegacy) || legacyBox !== null),
    async openLegacy(secrets) {
      if (secrets.length === 0) return [];
      const opened = await openLegacyBlobs(secrets.map((s) => s.blob));
      return opened.map((sealed, i) => (sealed === null ? null : unsealLegacy(sealed, secrets[i]!.context)));
    },
    sealWithDataKey(plain, context) {
      if (!dataKeyBox) throw new Error('No OS data key was handed to this core');
      return dataKeyBox.encrypt(plain, context);
    },
    replaceLostKeyFile() {
      if (keyFileBox.exists()) return { newKeyFile: false, remoteCredentialsToReenter: 0 };
      const sealed = keyFileSecrets();
      const remoteCredentialsToReenter = sealed.filter((s) => s.kind === 'remote-credential').length;
      // Nothing left sealed: the next secret mints one as usual. A provider secret left: not given up.
      if (sealed.length === 0 || sealed.some((s) => s.kind === 'provider-key')) return { newKeyFile: false, remoteCredentialsToReenter };
      keyFileBox.mint();
      return { newKeyFile: true, remoteCredentialsToReenter };
    },
  };
}
