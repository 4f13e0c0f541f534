import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import type { StoreHealth } from '../../../shared/contract/app-schemas';
import { AppError } from '../../../shared/contract/errors';
import { createPrivateFile, ensurePrivateDir, restrictToOwner } from '../data-dir';
import { assertNotTooNew, LATEST_SCHEMA_VERSION, MIGRATIONS, runMigrations } from './migrations';
import { noteOpenedStore, toStorageError } from './storage-errors';

export { DatabaseTooNewError } from './database-errors';
export type { StoreHealth };

export type Db = Database.Database;

export const DATABASE_FILE_NAME = 'gatehouse.sqlite';
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
/** After a big import or export the WAL is truncated back to this on checkpoint (it never shrinks otherwise). */
export const JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
/** A store that must be read into memory (see openReadOnly) larger than this is refused instead. */
const MAX_SNAPSHOT_BYTES = 1024 * 1024 * 1024;

export interface OpenDatabaseOptions {
  /** Path to a better_sqlite3.node built for the current runtime (the Electron shell passes its own). */
  nativeBinding?: string | undefined;
  /** Open read-only even when the store could be written. */
  readonly?: boolean;
  /** How long a write waits for another process's write lock before failing with E_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /**
   * Run `PRAGMA quick_check` at open (default true). It reads every page: ~2 ms on a fresh store,
   * ~0.55-0.8 s (page cache warm) to ~2.4 s (cold) on a 185 MB store with 1M usage records.
   */
  quickCheck?: boolean | 'before-migrating';
  /**
   * The result of a check made elsewhere (the background check, see integrity-check.ts): the store
   * is treated as failing its integrity check without checking again.
   */
  knownDamage?: string;
}

/**
 * Connection pragmas set and then read back on every open; none of them writes the file.
 * `synchronous = NORMAL` is the documented safe choice for WAL: the database cannot be corrupted,
 * and only a power loss (not an app crash) can roll back the last commits, which sync can replay;
 * FULL would fsync every admin click. `journal_mode` is persistent in the file and handled apart.
 */
function requiredPragmas(busyTimeoutMs: number): ReadonlyArray<{ set: string; read: string; expect: string | number }> {
  return [
    { set: 'synchronous = NORMAL', read: 'synchronous', expect: 1 },
    { set: 'foreign_keys = ON', read: 'foreign_keys', expect: 1 },
    { set: `busy_timeout = ${busyTimeoutMs}`, read: 'busy_timeout', expect: busyTimeoutMs },
    // Makes REPLACE fire DELETE triggers, so the audit log's no-delete trigger also stops REPLACE INTO.
    { set: 'recursive_triggers = ON', read: 'recursive_triggers', expect: 1 },
    { set: `journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`, read: 'journal_size_limit', expect: JOURNAL_SIZE_LIMIT_BYTES },
  ];
}

const healthByDb = new WeakMap<Db, StoreHealth>();

/** How the store opened: writable or read-only, and whether it passed `PRAGMA quick_check`. */
export function storeHealth(db: Db): StoreHealth {
  return healthByDb.get(db) ?? { writable: !db.readonly, integrity: 'ok', problem: null };
}

/**
 * Opens (creating if needed) and migrates the store. Opening a current store writes nothing and
 * takes no lock, so it works while another process holds a long write transaction. A store this
 * process cannot write, or one that fails its integrity check, opens read-only (see
 * `storeHealth`). Failures are AppErrors: E_STORAGE (cannot open, damaged, newer app, read-only
 * and in need of an upgrade) or E_BUSY.
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  try {
    return openStore(file, options);
  } catch (error) {
    throw toStorageError(error, { path: file }) ?? error;
  }
}

function openStore(file: string, options: OpenDatabaseOptions): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  // Owner-only whatever the umask: the store holds key hashes, provider ciphertexts, emails and usage.
  ensurePrivateDir(path.dirname(file));
  const cannotWrite = options.readonly ? null : writeProblem(file);
  if (!fs.existsSync(file)) {
    if (cannotWrite) throw new AppError('E_STORAGE', `Gatehouse cannot create its store ${file}: ${cannotWrite}. Choose a data folder you can write to.`);
    if (options.readonly) throw new AppError('E_STORAGE', `There is no Gatehouse store at ${file} to open read-only.`);
    // Created 0600 before SQLite opens it; SQLite gives the -wal and -shm it creates the same mode.
    createPrivateFile(file);
  }
  // A store from before (or copied in) may be group/world-readable: tighten it and its WAL files.
  for (const target of [file, `${file}-wal`, `${file}-shm`]) restrictToOwner(target);

  let db = options.readonly || cannotWrite ? openReadOnly(file, options) : new Database(file, { nativeBinding: options.nativeBinding, timeout: busyTimeoutMs });
  try {
    // Refuse a newer store before touching it at all (not even its journal mode).
    assertNotTooNew(db, LATEST_SCHEMA_VERSION);
    applyPragmas(db, { busyTimeoutMs });
    // 'before-migrating': a current store is checked in the background by the caller; an upgrade is
    // never run on a store that has not been checked.
    const checkNow = options.quickCheck === 'before-migrating' ? schemaVersion(db) < LATEST_SCHEMA_VERSION : options.quickCheck !== false;
    const damage = options.knownDamage ?? (checkNow ? quickCheck(db) : null);
    if (damage !== null && !db.readonly) {
      // Damaged: reopen read-only so nothing makes it worse; exports still work for what can be read.
      db.close();
      db = openReadOnly(file, options);
      applyPragmas(db, { busyTimeoutMs });
    }
    if (schemaVersion(db) < LATEST_SCHEMA_VERSION) {
      if (damage !== null) {
        throw new AppError('E_STORAGE', `The store ${file} is damaged (${damage}) and from an older Gatehouse, so it cannot be upgraded; nothing was changed. Restore it from a backup.`);
      }
      if (db.readonly) {
        throw new AppError(
          'E_STORAGE',
          `The store ${file} was written by an older Gatehouse and must be upgraded, but it is read-only for this user; nothing was changed. ` +
            'Open it once as the user who owns it.',
        );
      }
      runMigrations(db, MIGRATIONS);
    }
    healthByDb.set(
      db,
      damage !== null
        ? {
            writable: false,
            integrity: 'failed',
            problem: `The store ${file} failed its integrity check (${damage}). Gatehouse opened it read-only: export what you need, then restore the store from a backup.`,
          }
        : {
            writable: !db.readonly,
            integrity: 'ok',
            problem: cannotWrite
              ? `The store ${file} is read-only for this user (${cannotWrite}). Gatehouse opened it read-only: you can look and export, not change anything.` +
                (db.memory ? ' It shows the store as it was when opened.' : '')
              : null,
          },
    );
  } catch (error) {
    if (db.open) db.close();
    throw error;
  }
  noteOpenedStore(file);
  return db;
}

/**
 * A read-only connection. WAL readers need the `-shm` index: when it exists, SQLite (3.22+) uses
 * it even if it is not writable. When it is missing and the folder is not writable (a closed
 * store on a read-only disk or in another user's folder), SQLite cannot read the file at all
 * (SQLITE_READONLY_DIRECTORY), and `?immutable=1` is not available (better-sqlite3 is built
 * without URI filenames). If there is no `-wal` with un-checkpointed commits, the file alone
 * is the whole store: read it into memory (header marked rollback-journal so SQLite will open the
 * copy) and check that nobody changed it meanwhile. Otherwise refuse with a clear E_STORAGE.
 */
function openReadOnly(file: string, options: OpenDatabaseOptions): Db {
  const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  const db = new Database(file, { readonly: true, fileMustExist: true, nativeBinding: options.nativeBinding, timeout });
  try {
    db.pragma('user_version', { simple: true });
    return db;
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code ?? '';
    if (!(code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'))) throw error;
  }
  const wal = statOrNull(`${file}-wal`);
  if (wal && wal.size > 0) {
    throw new AppError(
      'E_STORAGE',
      `Gatehouse cannot read the store ${file} read-only: its latest changes are still in ${file}-wal and only a user who may write the folder can apply them. ` +
        'Open Gatehouse once as the owner of the folder (or copy the folder somewhere you can write); nothing was changed.',
    );
  }
  const before = fs.statSync(file);
  if (before.size > MAX_SNAPSHOT_BYTES) {
    throw new AppError('E_STORAGE', `Gatehouse cannot read the store ${file} read-only: its folder is not writable and the store is too large to read into memory.`);
  }
  const image = fs.readFileSync(file);
  const after = fs.statSync(file);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || statOrNull(`${file}-wal`)) {
    throw new AppError('E_STORAGE', `The store ${file} changed while Gatehouse was reading it read-only; try again in a moment. Nothing was changed.`);
  }
  // Bytes 18/19 = 2 mark a WAL database, which an in-memory copy cannot be; 1 = rollback journal.
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
  return new Database(image, { readonly: true, nativeBinding: options.nativeBinding, timeout });
}

/** Why this process cannot write the store (its folder, the file, its WAL files), or null. */
function writeProblem(file: string): string | null {
  for (const target of [path.dirname(file), file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      if (code === 'EROFS') return `${target} is on a read-only disk`;
      if (code === 'EACCES' || code === 'EPERM') return `no permission to write ${target}`;
      throw error;
    }
  }
  return null;
}

function statOrNull(target: string): fs.Stats | null {
  try {
    return fs.statSync(target);
  } catch {
    return null;
  }
}

/** What `PRAGMA quick_check(3)` answered, as one line for the banner; null when it says `ok`. */
export function quickCheckProblem(messages: string[]): string | null {
  if (messages.length === 1 && messages[0] === 'ok') return null;
  // e.g. "*** in database main ***\nTree 30 page 43 cell 24: Rowid … out of order": one line for the banner.
  const lines = messages.flatMap((m) => m.split('\n')).filter((line) => line.trim() && !line.startsWith('***'));
  return lines.slice(0, 3).join('; ') || 'quick_check failed';
}

/** `PRAGMA quick_check`: the b-tree structure of every page (not index contents); null when fine. */
function quickCheck(db: Db): string | null {
  try {
    const rows = db.pragma('quick_check(3)', { simple: false }) as Array<{ quick_check: string }>;
    return quickCheckProblem(rows.map((r) => r.quick_check));
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CORRUPT')) return (error as Error).message;
    throw error;
  }
}

/**
 * Sets the connection pragmas and reads them back. WAL is switched on only when the file is not
 * in WAL yet (a new store): that takes the write lock, so it is never done on an existing store.
 */
export function applyPragmas(db: Db, options: { busyTimeoutMs?: number } = {}): void {
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!db.readonly && db.pragma('journal_mode', { simple: true }) !== 'wal') {
    db.pragma('journal_mode = WAL');
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') throw new Error(`PRAGMA journal_mode is ${String(mode)}, expected wal`);
  }
  for (const pragma of requiredPragmas(busyTimeoutMs)) {
    db.pragma(pragma.set);
    const actual = db.pragma(pragma.read, { simple: true });
    if (actual !== pragma.expect) {
      throw new Error(`PRAGMA ${pragma.read} is ${String(actual)}, expected ${String(pragma.expect)}`);
    }
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
