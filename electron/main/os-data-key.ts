/**
 * Envelope encryption for provider secrets (VS Code's encryption service idea): one random 32-byte
 * data key, wrapped by the OS keychain (Electron safeStorage) in `<dataDir>/provider-keys.wrapped`,
 * unwrapped here in main at start and handed to the core's worker. The core then encrypts inside
 * its transactions synchronously, without a round trip to main per secret.
 *
 * Plain file I/O only (no Electron import), so tests drive it with a fake safeStorage.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HostCapabilities } from '../core/host-capabilities';
import { publishFileOnce } from '../core/publish-file';

export const WRAPPED_KEY_FILE_NAME = 'provider-keys.wrapped';
const DATA_KEY_BYTES = 32;

/** The parts of Electron's `safeStorage` used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  getSelectedStorageBackend?(): string;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
}

export type OsDataKey = NonNullable<HostCapabilities['osDataKey']>;

export type OsDataKeyOutcome =
  | { state: 'ready'; dataKey: OsDataKey; created: boolean }
  /** No OS keychain here (or only Linux basic_text and no key yet): provider secrets use the key file. */
  | { state: 'unavailable'; reason: string }
  /** The wrapped key exists but the keychain will not open it: left untouched, never replaced. */
  | { state: 'unreadable'; reason: string };

function backendOf(safeStorage: SafeStorageLike): string | undefined {
  try {
    return safeStorage.getSelectedStorageBackend?.();
  } catch {
    return undefined;
  }
}

function available(safeStorage: SafeStorageLike): boolean {
  try {
    return safeStorage.isEncryptionAvailable();
  } catch {
    return false;
  }
}

function readWrapped(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Publishes a freshly wrapped key atomically: a fully written 0600 temp file, hard-linked into
 * place (fails with EEXIST if another process won; then its key is the one used).
 */
function createWrapped(file: string, safeStorage: SafeStorageLike): void {
  const key = randomBytes(DATA_KEY_BYTES);
  const wrapped = safeStorage.encryptString(key.toString('base64'));
  key.fill(0);
  publishFileOnce(file, wrapped);
}

function unwrap(wrapped: Buffer, safeStorage: SafeStorageLike): Buffer | null {
  try {
    const key = Buffer.from(safeStorage.decryptString(wrapped), 'base64');
    return key.length === DATA_KEY_BYTES ? key : null;
  } catch {
    return null;
  }
}

/**
 * Unwraps the data key, creating it on first use. The key is created only with a real keyring:
 * under Linux `basic_text` safeStorage is obfuscation, and a key born there would stay that weak
 * even after a keyring appears. An existing key is unwrapped whatever the backend (the core then
 * reads rows sealed with it but writes new ones to the key file when the backend is weak).
 */
export function loadOsDataKey(dataDir: string, safeStorage: SafeStorageLike): OsDataKeyOutcome {
  if (!available(safeStorage)) return { state: 'unavailable', reason: 'the OS keychain is not available' };
  const backend = backendOf(safeStorage);
  const file = path.join(dataDir, WRAPPED_KEY_FILE_NAME);
  let wrapped = readWrapped(file);
  let created = false;
  if (!wrapped) {
    if (backend === 'basic_text') return { state: 'unavailable', reason: 'no OS keyring was found (Linux basic_text backend)' };
    createWrapped(file, safeStorage);
    wrapped = readWrapped(file);
    created = true;
    if (!wrapped) return { state: 'unreadable', reason: `${WRAPPED_KEY_FILE_NAME} vanished while it was created` };
  }
  const key = unwrap(wrapped, safeStorage);
  if (!key) {
    return {
      state: 'unreadable',
      reason: `the OS keychain cannot open ${WRAPPED_KEY_FILE_NAME} (was the data folder copied from another user or computer?); it was left as it is`,
    };
  }
  return { state: 'ready', dataKey: { key, backend }, created };
}

/**
 * The door's `decryptLegacy`: opens `os-keychain` rows that earlier versions wrote directly with
 * safeStorage, so the core can re-encrypt them with the data key once. Null where the OS refuses.
 */
export function createLegacyDecryptor(safeStorage: SafeStorageLike): NonNullable<HostCapabilities['decryptLegacy']> {
  return (blobs) =>
    Promise.resolve(
      blobs.map((blob) => {
        try {
          return safeStorage.decryptString(Buffer.from(blob));
        } catch {
          return null;
        }
      }),
    );
}
