import { AppError } from '../../../shared/contract/errors';

export const BUSY_MESSAGE = 'Another Gatehouse window or command is writing; try again in a moment. Nothing was changed.';
export const DISK_FULL_MESSAGE = 'The disk is full; nothing was changed. Free some space and try again.';

/**
 * Store files opened in this process. A failed statement does not say which connection it came
 * from, so when exactly one store is open (the app, a CLI command, the browser host) its path is
 * named in messages; with several (tests) no path is guessed.
 */
const openedStorePaths = new Set<string>();

export function noteOpenedStore(file: string): void {
  openedStorePaths.add(file);
}

function soleOpenedStore(): string | undefined {
  return openedStorePaths.size === 1 ? [...openedStorePaths][0] : undefined;
}

/** `SQLITE_READONLY_DIRECTORY` for better-sqlite3's SqliteError, `EACCES` for Node's fs errors. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Why a file could not be written, by Node errno code (the export and backup messages name the file). */
export const FILE_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'its folder does not exist',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EIO: 'a disk error',
};

const is = (code: string, ...families: string[]) => families.some((f) => code === f || code.startsWith(`${f}_`));

/**
 * Maps what SQLite and the file system say (better-sqlite3 `SqliteError` codes, Node errno codes)
 * to an error the user can act on; null for anything else (a bug: E_INTERNAL). Busy means the
 * busy timeout already ran out.
 */
export function toStorageError(error: unknown, context: { path?: string | undefined } = {}): AppError | null {
  if (error instanceof AppError) return error.code === 'E_STORAGE' || error.code === 'E_BUSY' ? error : null;
  const code = errorCode(error);
  if (!code) return null;
  const nodePath = (error as { path?: unknown }).path;
  const file = context.path ?? soleOpenedStore() ?? (typeof nodePath === 'string' ? nodePath : undefined);
  const named = file ? ` ${file}` : '';

  if (is(code, 'SQLITE_BUSY', 'SQLITE_LOCKED')) return new AppError('E_BUSY', BUSY_MESSAGE);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return new AppError('E_STORAGE', DISK_FULL_MESSAGE);
  if (is(code, 'SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new AppError(
      'E_STORAGE',
      `The Gatehouse store${named} is damaged (${code}); nothing was changed. Restore it from a backup. ` +
        'While it can still be read, Gatehouse opens it read-only so you can export your data first.',
    );
  }
  if (is(code, 'SQLITE_CANTOPEN')) {
    return new AppError(
      'E_STORAGE',
      `Gatehouse cannot open its store${named}; nothing was changed. Check that the file and its folder exist and that you may read and write them.`,
    );
  }
  if (is(code, 'SQLITE_READONLY', 'SQLITE_PERM') || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new AppError(
      'E_STORAGE',
      `Gatehouse cannot write its store${named}: it is read-only for this user or on a read-only disk; nothing was changed. ` +
        'Check the permissions of the file and its folder, or run Gatehouse as the user who owns them.',
    );
  }
  if (is(code, 'SQLITE_IOERR') || code === 'EIO') {
    return new AppError('E_STORAGE', `A disk error (${code}) stopped Gatehouse reading or writing its store${named}; nothing was changed. Check the disk and try again.`);
  }
  return null;
}

