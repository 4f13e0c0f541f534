/**
 * The last steps of a restore, shared by the live path and the crash recovery at the next open.
 *
 * A restore changes two things that cannot be changed in one atomic step: the store (one SQLite
 * transaction, see backup-service) and the key files next to it (renames). The extracted store
 * carries a `restore_marker` row naming the restore; `restore-journal.json` in the data dir names
 * the same restore, its work folder (the extracted key files) and which key files the backup has.
 * After a crash anywhere:
 * - journal and marker present → the store was replaced: install the key files (again; renames
 *   are idempotent), then drop the marker together with the audit entry;
 * - journal but no marker → the store was not replaced (or everything but removing the journal
 *   was done): the work folder is discarded, the key files in force stay;
 * then the journal and the work folder are removed (the folder kept aside stays: in the second
 * case it may hold the store this restore replaced). So the store and its key files never end up
 * from two different generations.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../../shared/contract/errors';
import { KEY_FILE_NAME } from './secret-box';
import { createMutationLog } from '../store/mutation-log';
import type { Db } from '../store/database';
import { dropRestoreMarker, restoreMarkerOf } from '../store/backup-repository';

export const RESTORE_JOURNAL_NAME = 'restore-journal.json';
export const WRAPPED_KEY_NAME = 'provider-keys.wrapped';
/** The key files a restore replaces (or removes, when the backup has none). */
export const RESTORED_KEY_FILES = [KEY_FILE_NAME, WRAPPED_KEY_NAME] as const;

const journalSchema = z.strictObject({
  restoreId: z.string().regex(/^[a-f0-9]{32}$/),
  workDir: z.string().regex(/^\.restore-\d+-[a-f0-9]{16}$/),
  keptAside: z.string().regex(/^before-restore-[0-9TZ-]+$/),
  keyFilesInBackup: z.array(z.enum(RESTORED_KEY_FILES)),
  backupCreatedAt: z.string(),
  schemaVersion: z.int(),
  migratedFrom: z.int().nullable(),
});
export type RestoreJournal = z.infer<typeof journalSchema>;

export function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes the journal atomically (temp, fsync, rename, fsync the folder). */
export function writeRestoreJournal(dataDir: string, journal: RestoreJournal): void {
  const file = path.join(dataDir, RESTORE_JOURNAL_NAME);
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    if (process.platform !== 'win32') fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, JSON.stringify(journal));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  fsyncDir(dataDir);
}

export function readRestoreJournal(dataDir: string): RestoreJournal | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, RESTORE_JOURNAL_NAME), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = journalSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** True while process `pid` exists (EPERM: it exists but is another user's). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `.restore-<pid>-<hex>`: the work folder of a restore run by process `pid`. */
export const workDirName = (hex: string) => `.restore-${process.pid}-${hex}`;

/** The pid in a work folder's name (`.restore-<pid>-<hex>`), or null. */
const WORK_DIR = /^\.restore-(\d+)-[a-f0-9]{16}$/;
const workDirOwner = (name: string): number | null => {
  const match = WORK_DIR.exec(name);
  return match ? Number(match[1]) : null;
};

export const RESTORE_LOCK_NAME = 'restore.lock';

/**
 * One restore at a time per data dir, across processes: `restore.lock` is created exclusively and
 * holds the owner's pid. A lock whose process is gone (killed mid-restore) is taken over. Returns
 * the release function; throws E_CONFLICT naming the process that holds it.
 */
export function acquireRestoreLock(dataDir: string): () => void {
  const file = path.join(dataDir, RESTORE_LOCK_NAME);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeFileSync(fd, String(process.pid));
      } finally {
        fs.closeSync(fd);
      }
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner: number;
    try {
      owner = Number(fs.readFileSync(file, 'utf8'));
    } catch {
      continue; // released in between: try again
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner)) {
      throw new AppError('E_CONFLICT', `Another Gatehouse process (pid ${owner}) is restoring this store; try again when it has finished. Nothing was changed.`);
    }
    if (owner === process.pid) throw new AppError('E_CONFLICT', 'A restore is already running');
    // Left by a process that is gone (or unreadable): take it over.
    fs.rmSync(file, { force: true });
  }
  throw new AppError('E_CONFLICT', 'Another restore of this store is starting; try again. Nothing was changed.');
}

/**
 * Work folders of restores killed while still validating (before their journal existed) and journals
 * killed while being written: removed
 * when the process that made them is gone. A live process's folder (a restore running elsewhere) stays.
 */
export function sweepAbandonedWorkDirs(dataDir: string, keep: string | null): void {
  let names: string[];
  try {
    names = fs.readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) {
    // A work folder, or a journal a killed process was still writing (`restore-journal.json.<pid>.tmp`).
    const match = WORK_DIR.exec(name) ?? /^restore-journal\.json\.(\d+)\.tmp$/.exec(name);
    if (!match || name === keep || processAlive(Number(match[1]))) continue;
    fs.rmSync(path.join(dataDir, name), { recursive: true, force: true });
  }
}

/** The backup's key files replace the ones in force; key files the backup lacks are removed (a copy is kept aside). */
export function installKeyFiles(dataDir: string, journal: RestoreJournal): void {
  const work = path.join(dataDir, journal.workDir);
  for (const name of RESTORED_KEY_FILES) {
    const target = path.join(dataDir, name);
    if (journal.keyFilesInBackup.includes(name)) {
      const extracted = path.join(work, name);
      // Already moved by an earlier attempt when it is gone.
      if (fs.existsSync(extracted)) fs.renameSync(extracted, target);
    } else {
      fs.rmSync(target, { force: true });
    }
  }
  fsyncDir(dataDir);
}

export interface RestoreCompletion {
  completed: boolean;
  journal: RestoreJournal;
}

/**
 * Finishes (marker present) or discards (no marker) the restore the journal names, then removes
 * the journal and the work folder. Returns null when there was no journal.
 */
export function settleRestore(dataDir: string, db: Db, actor: () => string, now: () => Date): RestoreCompletion | null {
  const journal = readRestoreJournal(dataDir);
  // A restore another live process is running right now is its business: settling it here (as if it
  // had crashed) would discard its work folder under it.
  const owner = journal ? workDirOwner(journal.workDir) : null;
  if (journal && owner !== null && owner !== process.pid && processAlive(owner)) return null;
  sweepAbandonedWorkDirs(dataDir, journal?.workDir ?? null);
  if (!journal) {
    fs.rmSync(path.join(dataDir, RESTORE_JOURNAL_NAME), { force: true });
    return null;
  }
  const completed = restoreMarkerOf(db) === journal.restoreId;
  if (completed) {
    installKeyFiles(dataDir, journal);
    const log = createMutationLog(db);
    db.transaction(() => {
      dropRestoreMarker(db);
      // No change-log entry: a restore is local; what it brought back syncs by state, not by replaying.
      log.record({
        at: now().toISOString(),
        actor: actor(),
        action: 'store.restore',
        entityType: 'store',
        entityId: 'store',
        workspaceId: null,
        before: null,
        after: { backupCreatedAt: journal.backupCreatedAt, schemaVersion: journal.schemaVersion, migratedFrom: journal.migratedFrom, keptAside: journal.keptAside },
      });
    }).immediate();
  }
  fs.rmSync(path.join(dataDir, journal.workDir), { recursive: true, force: true });
  fs.rmSync(path.join(dataDir, RESTORE_JOURNAL_NAME), { force: true });
  fsyncDir(dataDir);
  return { completed, journal };
}
