/**
 * The Gatehouse backup archive (`.ghbackup`): one file, written and read as a stream, never held
 * in memory.
 *
 * Layout (integers big-endian):
 *
 *   header   "GHBACKUP" (8) | format version u8 (=1) | protection u8 (0 none, 1 passphrase)
 *            protection 1 adds: salt (16) | scrypt log2 N u8 | r u8 | p u8 | nonce prefix (8)
 *                               | key check (16) | chunk size u32
 *   body     manifest length u32 | manifest JSON (UTF-8) | SHA-256 of the manifest JSON (32)
 *            | each entry's bytes, in manifest order, exactly `size` bytes each
 *
 * Protection 0: the body follows the header as is. Every entry's SHA-256 and the manifest's own
 * hash are checked on the way in.
 *
 * Protection 1: scrypt(passphrase NFC, salt, N = 2^17, r = 8, p = 1) → 64 bytes: an AES-256 key
 * and a key-check key (HMAC-SHA256 over the header, first 16 bytes, tells a wrong passphrase from
 * damage). The body is cut into chunks of `chunk size` plaintext bytes (the last may be shorter or
 * empty); each is sealed with AES-256-GCM, nonce = prefix || u32 chunk index, associated data =
 * header || final flag (1 on the last chunk), and stored as ciphertext || tag (16). Each chunk's
 * tag is verified before its bytes are used, reordering or dropping chunks fails, and a file cut
 * at a chunk boundary fails because its last chunk was not sealed as final (the STREAM
 * construction of age / Tink).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { BACKUP_PASSPHRASE_MAX, backupManifestSchema, type BackupManifest } from '../../../shared/contract/backup-schemas';
import { AppError } from '../../../shared/contract/errors';

export const ARCHIVE_MAGIC = Buffer.from('GHBACKUP', 'latin1');
export const ARCHIVE_FORMAT_VERSION = 1;
/** scrypt parameters of new archives: 2^17 × 8 × 128 B = 128 MiB of memory, ~0.3–1 s (OWASP's recommendation). */
export const SCRYPT_PARAMS = { logN: 17, r: 8, p: 1 } as const;
export const ENCRYPTED_CHUNK_BYTES = 1024 * 1024;
const SALT_BYTES = 16;
const NONCE_PREFIX_BYTES = 8;
const KEY_CHECK_BYTES = 16;
const TAG_BYTES = 16;
const MAX_MANIFEST_BYTES = 64 * 1024;
const PLAIN_HEADER_BYTES = ARCHIVE_MAGIC.length + 2;
const ENCRYPTED_HEADER_BYTES = PLAIN_HEADER_BYTES + SALT_BYTES + 3 + NONCE_PREFIX_BYTES + KEY_CHECK_BYTES + 4;

export type ArchiveProblem = 'not-a-backup' | 'damaged' | 'too-new-format' | 'passphrase-required' | 'wrong-passphrase' | 'passphrase-not-needed';

/**
 * What is wrong with an archive, typed: `reason` for code, `code` + `issues` for the doors. Messages
 * name the file, never the passphrase.
 */
export class BackupArchiveError extends AppError {
  constructor(
    readonly reason: ArchiveProblem,
    message: string,
  ) {
    const field = reason === 'passphrase-required' || reason === 'wrong-passphrase' || reason === 'passphrase-not-needed' ? 'passphrase' : 'file';
    const code = reason === 'damaged' ? 'E_STORAGE' : reason === 'too-new-format' ? 'E_CONFLICT' : 'E_VALIDATION';
    super(code, message, [{ path: field, message }]);
    this.name = 'BackupArchiveError';
  }
}

const damaged = (what: string) =>
  new BackupArchiveError('damaged', `The backup file is damaged (${what}); nothing was changed. Use another copy of the backup.`);

export interface ArchiveEntryFile {
  name: BackupManifest['entries'][number]['name'];
  /** The file to copy into the archive (a finished snapshot: it must not change while being copied). */
  path: string;
  size: number;
  sha256: string;
}

interface DerivedKeys {
  cipherKey: Buffer;
  checkKey: Buffer;
}

function deriveKeys(passphrase: string, salt: Buffer, params: { logN: number; r: number; p: number }): Promise<DerivedKeys> {
  const N = 2 ** params.logN;
  const maxmem = 128 * N * params.r * params.p + 64 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(Buffer.from(passphrase.normalize('NFC'), 'utf8'), salt, 64, { N, r: params.r, p: params.p, maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve({ cipherKey: key.subarray(0, 32), checkKey: key.subarray(32, 64) });
    });
  });
}

const keyCheck = (keys: DerivedKeys, headerWithoutCheck: Buffer) =>
  createHmac('sha256', keys.checkKey).update('gatehouse backup key check\n').update(headerWithoutCheck).digest().subarray(0, KEY_CHECK_BYTES);

const chunkNonce = (prefix: Buffer, index: number) => {
  const nonce = Buffer.alloc(12);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
  return nonce;
};

export const sha256File = async (file: string, signal?: AbortSignal): Promise<{ sha256: string; size: number }> => {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024, signal })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), size };
};

/** Writes every byte, retrying short writes. */
async function writeAll(handle: fs.promises.FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

export interface WriteArchiveOptions {
  /** An open, empty file (the caller owns temp name, mode, fsync and rename). */
  handle: fs.promises.FileHandle;
  manifest: BackupManifest;
  entries: ArchiveEntryFile[];
  passphrase?: string | undefined;
  /** Between chunks: throws to cancel (the job's checkpoint). */
  checkpoint: () => Promise<void>;
  onProgress?: (bytes: number) => void;
}

/** Streams header, manifest and entries into `handle`; returns the bytes written. */
export async function writeArchive(options: WriteArchiveOptions): Promise<number> {
  const { handle } = options;
  let written = 0;
  const raw = async (bytes: Buffer) => {
    await writeAll(handle, bytes);
    written += bytes.length;
  };

  let sink: { push(bytes: Buffer): Promise<void>; end(): Promise<void> };
  if (options.passphrase === undefined) {
    await raw(Buffer.concat([ARCHIVE_MAGIC, Buffer.of(ARCHIVE_FORMAT_VERSION, 0)]));
    sink = { push: raw, end: async () => {} };
  } else {
    const salt = randomBytes(SALT_BYTES);
    const prefix = randomBytes(NONCE_PREFIX_BYTES);
    const keys = await deriveKeys(options.passphrase, salt, SCRYPT_PARAMS);
    const chunkSize = Buffer.alloc(4);
    chunkSize.writeUInt32BE(ENCRYPTED_CHUNK_BYTES);
    const beforeCheck = Buffer.concat([ARCHIVE_MAGIC, Buffer.of(ARCHIVE_FORMAT_VERSION, 1), salt, Buffer.of(SCRYPT_PARAMS.logN, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p), prefix]);
    const header = Buffer.concat([beforeCheck, keyCheck(keys, beforeCheck), chunkSize]);
    await raw(header);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let index = 0;
    const seal = async (plain: Buffer, final: boolean) => {
      const cipher = createCipheriv('aes-256-gcm', keys.cipherKey, chunkNonce(prefix, index++));
      cipher.setAAD(Buffer.concat([header, Buffer.of(final ? 1 : 0)]));
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      await raw(Buffer.concat([body, cipher.getAuthTag()]));
    };
    sink = {
      async push(bytes) {
        pending.push(bytes);
        pendingBytes += bytes.length;
        // Keep at least one byte back: the final chunk is sealed in end(), never here.
        while (pendingBytes > ENCRYPTED_CHUNK_BYTES) {
          const all = Buffer.concat(pending);
          await seal(all.subarray(0, ENCRYPTED_CHUNK_BYTES), false);
          const rest = all.subarray(ENCRYPTED_CHUNK_BYTES);
          pending = [rest];
          pendingBytes = rest.length;
        }
      },
      async end() {
        await seal(Buffer.concat(pending), true);
        pending = [];
      },
    };
  }

  const manifestJson = Buffer.from(JSON.stringify(options.manifest), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(manifestJson.length);
  await sink.push(Buffer.concat([length, manifestJson, createHash('sha256').update(manifestJson).digest()]));
  for (const entry of options.entries) {
    let copied = 0;
    const hash = createHash('sha256');
    for await (const chunk of fs.createReadStream(entry.path, { highWaterMark: ENCRYPTED_CHUNK_BYTES })) {
      const bytes = chunk as Buffer;
      copied += bytes.length;
      hash.update(bytes);
      await sink.push(bytes);
      options.onProgress?.(written);
      await options.checkpoint();
    }
    // The snapshot is ours and finished; a change means something else wrote it.
    if (copied !== entry.size || hash.digest('hex') !== entry.sha256) throw new Error(`${entry.name} changed while it was being archived`);
  }
  await sink.end();
  options.onProgress?.(written);
  return written;
}

/** Pulls exact byte counts out of an async stream of buffers. */
class ByteReader {
  private buffered: Buffer[] = [];
  private size = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(min: number): Promise<void> {
    while (this.size < min && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.buffered.push(next.value);
        this.size += next.value.length;
      }
    }
  }

  /** Exactly `n` bytes, or fewer when the stream ended first. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
    const out = all.subarray(0, Math.min(n, all.length));
    const rest = all.subarray(out.length);
    this.buffered = rest.length ? [rest] : [];
    this.size = rest.length;
    return out;
  }

  /** Up to `max` bytes of what is available now (at least one unless the stream ended). */
  async readSome(max: number): Promise<Buffer> {
    await this.fill(1);
    return this.read(Math.min(max, this.size));
  }

  async atEnd(): Promise<boolean> {
    await this.fill(1);
    return this.size === 0;
  }
}

async function* fileChunks(handle: fs.promises.FileHandle, start: number, chunkBytes: number): AsyncGenerator<Buffer> {
  let position = start;
  for (;;) {
    const buffer = Buffer.allocUnsafe(chunkBytes);
    const { bytesRead } = await handle.read(buffer, 0, chunkBytes, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/** Decrypts the chunk stream, verifying each tag before yielding its plaintext. */
async function* decryptedChunks(handle: fs.promises.FileHandle, header: Buffer, keys: DerivedKeys, prefix: Buffer, chunkBytes: number): AsyncGenerator<Buffer> {
  const sealedBytes = chunkBytes + TAG_BYTES;
  const reader = new ByteReader(fileChunks(handle, header.length, sealedBytes));
  let index = 0;
  let current = await reader.read(sealedBytes);
  for (;;) {
    if (current.length < TAG_BYTES) throw damaged('it ends in the middle of a block');
    const next = current.length === sealedBytes ? await reader.read(sealedBytes) : Buffer.alloc(0);
    const final = next.length === 0;
    const decipher = createDecipheriv('aes-256-gcm', keys.cipherKey, chunkNonce(prefix, index));
    decipher.setAAD(Buffer.concat([header, Buffer.of(final ? 1 : 0)]));
    decipher.setAuthTag(current.subarray(current.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(current.subarray(0, current.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw damaged(final ? `block ${index + 1} failed its check, or the file was cut short` : `block ${index + 1} failed its check`);
    }
    index += 1;
    yield plain;
    if (final) return;
    current = next;
  }
}

export interface OpenedArchive {
  encrypted: boolean;
  manifest: BackupManifest;
  /** Streams each entry into `target(name)` (created by the caller), checking size and SHA-256; then checks the body ends. */
  extract(options: {
    open: (name: ArchiveEntryFile['name']) => Promise<fs.promises.FileHandle>;
    checkpoint: () => Promise<void>;
    onProgress?: (bytes: number) => void;
  }): Promise<void>;
  close(): Promise<void>;
}

export interface ArchiveHeader {
  encrypted: boolean;
  sizeBytes: number;
}

/** Reads the header only: is it an archive, is it encrypted. */
export async function readArchiveHeader(file: string): Promise<ArchiveHeader> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(PLAIN_HEADER_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    checkMagic(head.subarray(0, bytesRead));
    return { encrypted: head[PLAIN_HEADER_BYTES - 1] === 1, sizeBytes: (await handle.stat()).size };
  } finally {
    await handle.close();
  }
}

function checkMagic(head: Buffer): void {
  if (head.length < PLAIN_HEADER_BYTES || !head.subarray(0, ARCHIVE_MAGIC.length).equals(ARCHIVE_MAGIC)) {
    throw new BackupArchiveError('not-a-backup', 'This file is not a Gatehouse backup (it does not start like one); nothing was changed.');
  }
  const version = head[ARCHIVE_MAGIC.length]!;
  if (version > ARCHIVE_FORMAT_VERSION) {
    throw new BackupArchiveError('too-new-format', `This backup was made by a newer Gatehouse (archive format ${version}; this one reads up to ${ARCHIVE_FORMAT_VERSION}). Update Gatehouse to restore it; nothing was changed.`);
  }
  if (version < 1 || head[PLAIN_HEADER_BYTES - 1]! > 1) throw damaged('its header is not valid');
}

/**
 * Opens an archive: checks magic and version, derives the key and checks the passphrase, reads and
 * verifies the manifest. Nothing is extracted yet.
 */
export async function openArchive(file: string, passphrase: string | undefined): Promise<OpenedArchive> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const head = Buffer.alloc(ENCRYPTED_HEADER_BYTES);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    checkMagic(head.subarray(0, Math.min(bytesRead, PLAIN_HEADER_BYTES)));
    const encrypted = head[PLAIN_HEADER_BYTES - 1] === 1;
    let body: AsyncIterator<Buffer>;
    if (!encrypted) {
      if (passphrase !== undefined) throw new BackupArchiveError('passphrase-not-needed', 'This backup is not encrypted; leave the passphrase empty.');
      body = fileChunks(handle, PLAIN_HEADER_BYTES, ENCRYPTED_CHUNK_BYTES);
    } else {
      if (bytesRead < ENCRYPTED_HEADER_BYTES) throw damaged('its header is cut short');
      if (passphrase === undefined) throw new BackupArchiveError('passphrase-required', 'This backup is encrypted; enter its passphrase.');
      if (passphrase.length > BACKUP_PASSPHRASE_MAX) throw new BackupArchiveError('wrong-passphrase', 'The passphrase is not right for this backup; nothing was changed.');
      let offset = PLAIN_HEADER_BYTES;
      const salt = head.subarray(offset, (offset += SALT_BYTES));
      const [logN, r, p] = [head[offset]!, head[offset + 1]!, head[offset + 2]!];
      offset += 3;
      const prefix = head.subarray(offset, (offset += NONCE_PREFIX_BYTES));
      const beforeCheck = head.subarray(0, offset);
      const storedCheck = head.subarray(offset, (offset += KEY_CHECK_BYTES));
      const chunkBytes = head.readUInt32BE(offset);
      // Bounded so a crafted header cannot ask for gigabytes of scrypt memory or of chunk buffer.
      if (logN < 10 || logN > 20 || r < 1 || r > 16 || p < 1 || p > 4 || chunkBytes < 1024 || chunkBytes > 16 * 1024 * 1024) throw damaged('its encryption parameters are not valid');
      const keys = await deriveKeys(passphrase, salt, { logN, r, p });
      if (!timingSafeEqual(keyCheck(keys, beforeCheck), storedCheck)) {
        throw new BackupArchiveError('wrong-passphrase', 'The passphrase is not right for this backup; nothing was changed.');
      }
      body = decryptedChunks(handle, head, keys, prefix, chunkBytes);
    }
    const reader = new ByteReader(body);
    const lengthBytes = await reader.read(4);
    if (lengthBytes.length < 4) throw damaged('it ends before its manifest');
    const length = lengthBytes.readUInt32BE(0);
    if (length === 0 || length > MAX_MANIFEST_BYTES) throw damaged('its manifest length is not valid');
    const json = await reader.read(length);
    const hash = await reader.read(32);
    if (json.length < length || hash.length < 32) throw damaged('it ends inside its manifest');
    if (!createHash('sha256').update(json).digest().equals(hash)) throw damaged('its manifest does not match its checksum');
    let parsed: unknown;
    try {
      parsed = JSON.parse(json.toString('utf8'));
    } catch {
      throw damaged('its manifest is not valid JSON');
    }
    const manifest = backupManifestSchema.safeParse(parsed);
    if (!manifest.success) throw damaged('its manifest is not one this version understands');
    if (manifest.data.encrypted !== encrypted) throw damaged('its manifest disagrees with its header');
    if (new Set(manifest.data.entries.map((e) => e.name)).size !== manifest.data.entries.length || !manifest.data.entries.some((e) => e.name === 'gatehouse.sqlite')) {
      throw damaged('its manifest lists the wrong files');
    }

    return {
      encrypted,
      manifest: manifest.data,
      async extract({ open, checkpoint, onProgress }) {
        let total = 0;
        for (const entry of manifest.data.entries) {
          const out = await open(entry.name);
          try {
            const hash = createHash('sha256');
            let left = entry.size;
            while (left > 0) {
              const bytes = await reader.readSome(Math.min(left, ENCRYPTED_CHUNK_BYTES));
              if (bytes.length === 0) throw damaged(`it ends inside ${entry.name}`);
              hash.update(bytes);
              await writeAll(out, bytes);
              left -= bytes.length;
              total += bytes.length;
              onProgress?.(total);
              await checkpoint();
            }
            if (hash.digest('hex') !== entry.sha256) throw damaged(`${entry.name} does not match its checksum`);
            await out.sync();
          } finally {
            await out.close();
          }
        }
        if (!(await reader.atEnd())) throw damaged('it has bytes after its last file');
      },
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
