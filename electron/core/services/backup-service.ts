/**
 * Backups and restores of the whole store plus its key files, as jobs.
 *
 * Snapshot: better-sqlite3's `db.backup()` (SQLite's online backup API) on the core's own
 * connection, 256 pages (1 MiB) per step with the event loop free between steps, so the core keeps
 * answering while a multi-GB store is copied, and a cancel lands between steps. Writes made on this
 * connection during the copy are folded in by SQLite; a write by another process restarts the copy,
 * so after two restarts the rest is copied in one step (one read transaction: consistent, and WAL
 * lets the other process keep writing). `VACUUM INTO` would also be consistent but runs as one
 * synchronous statement: the worker could not answer anything until it finished.
 *
 * Restore: the archive is validated completely into a private work folder in the data dir (magic,
 * manifest, every entry's SHA-256, every GCM tag, `PRAGMA integrity_check`, schema version not newer
 * than this build; older ones are migrated there) before anything in force is touched. Then the
 * store in force and its key files are copied to `before-restore-<time>/`, and the validated store
 * is written INTO the live file with the backup API (one SQLite write transaction through the
 * file's own locks and WAL). The file is never renamed or unlinked, so other processes holding it
 * open (a CLI command, another window) keep a valid connection and see the restored data at their
 * next read; a crash or a full disk mid-way rolls the transaction back. The key files follow by
 * rename, protected by the journal in backup-restore-journal.ts.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BACKUP_FILE_EXTENSION, type BackupManifest, type BackupSource } from '../../../shared/contract/backup-schemas';
import type { ChannelOutput, ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobResult, type JobStatus } from '../../../shared/contract/job-schemas';
import { createPrivateFile, ensurePrivateDir, PRIVATE_FILE_MODE } from '../data-dir';
import type { HostCapabilities } from '../host-capabilities';
import { JobCancelledError, type JobHandle, type JobRunner } from '../jobs/job-runner';
import { DATABASE_FILE_NAME, type Db } from '../store/database';
import { checkStoreCopy, markStoreCopy, migrateStoreCopy, openStoreCopy } from '../store/backup-repository';
import { LATEST_SCHEMA_VERSION } from '../store/migrations';
import { FILE_PROBLEMS, toStorageError } from '../store/storage-errors';
import { BackupArchiveError, openArchive, readArchiveHeader, sha256File, writeArchive, type ArchiveEntryFile } from './backup-archive';
import { acquireRestoreLock, fsyncDir, processAlive, RESTORED_KEY_FILES, workDirName, writeRestoreJournal, type RestoreCompletion, type RestoreJournal } from './backup-restore-journal';
import { KEY_FILE_NAME } from './secret-box';
import type { CoreServiceContext } from './service-context';

/** Pages per backup step: 1 MiB at SQLite's default 4 KiB page, a few ms per step. */
const SNAPSHOT_STEP_PAGES = 256;
/** A picked archive (desktop dialog at inspect) stays restorable without a second dialog this long. */
const PICKED_TTL_MS = 60 * 60 * 1000;
/** How long the restore's write into the live file retries while another process writes. */
const SWAP_BUSY_RETRY_MS = 10_000;

type BackupResult = Extract<JobResult, { kind: 'backup' }>;
type RestoreResult = Extract<JobResult, { kind: 'restore' }>;

/** What the core offers the backup service: closing and reopening its store around the swap. */
export interface StoreControl {
  /**
   * Stops serving (calls answer E_BUSY), closes the store, runs `swap`, reopens the store and the
   * services on it (also when `swap` failed; settling the restore journal as at every open), and
   * resolves with the new context and what the settling did.
   */
  replaceStore(swap: () => Promise<void>): Promise<{ ctx: CoreServiceContext; restore: RestoreCompletion | null }>;
}

export interface BackupServiceOptions {
  dataDir: string;
  databasePath: string;
  appVersion: string;
  jobs: JobRunner;
  capabilities?: HostCapabilities | undefined;
  nativeBinding?: string | undefined;
  /** Stored secrets by protection: key-file rows are readable from the archive; OS-keychain rows only on this machine. */
  sealedCounts: () => { keyFile: number; osKeychain: number };
  store?: StoreControl | undefined;
}

const stamp = (date: Date) => date.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');

/** A file-system error as E_STORAGE naming the file (Node errors carry `syscall`). */
function fileError(error: unknown, target: string, doing: string): AppError | null {
  if (error instanceof AppError) return error;
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  if (typeof code === 'string' && typeof syscall === 'string') {
    const why: Record<string, string> = { ...FILE_PROBLEMS, EFBIG: 'the disk is full or the file is larger than this process may write' };
    return new AppError('E_STORAGE', `Cannot ${doing} ${target}: ${why[code] ?? code}; nothing was changed.`);
  }
  return toStorageError(error);
}

/** SQLite header: user_version is the big-endian u32 at offset 60. */
function schemaVersionOfFile(file: string): number {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(100);
    fs.readSync(fd, head, 0, 100, 0);
    return head.readUInt32BE(60);
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies a small file with mode 0600 (whatever the umask), fsynced. */
function copyPrivate(from: string, to: string): void {
  const bytes = fs.readFileSync(from);
  const fd = fs.openSync(to, 'wx', PRIVATE_FILE_MODE);
  try {
    if (process.platform !== 'win32') fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    fs.writeFileSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

async function openPrivate(file: string): Promise<fs.promises.FileHandle> {
  const handle = await fs.promises.open(file, 'wx', PRIVATE_FILE_MODE);
  if (process.platform !== 'win32') await handle.chmod(PRIVATE_FILE_MODE);
  return handle;
}

/** SQLite's online backup of `source` into `target`, stepwise, cancellable, consistent (see the file comment). */
async function snapshotInto(source: Db, target: string, job: JobHandle): Promise<void> {
  createPrivateFile(target);
  let restarts = 0;
  let lastRemaining = Infinity;
  await source.backup(target, {
    progress: ({ totalPages, remainingPages }) => {
      if (job.signal.aborted) throw new JobCancelledError();
      if (remainingPages > lastRemaining) restarts += 1;
      lastRemaining = remainingPages;
      job.setMessage(`Copying the store (${totalPages - remainingPages} / ${totalPages} pages)`);
      return restarts >= 2 ? 0x7fffffff : SNAPSHOT_STEP_PAGES;
    },
  });
}

/** Temp files of backups whose process was killed (a crash, kill -9) in `dir`: removed once that process is gone. */
function removeAbandonedTemps(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /\.(\d+)-[a-f0-9]{12}\.(?:part|key|wrapped|snapshot(?:-wal|-shm|-journal)?)$/.exec(name);
    if (match && !processAlive(Number(match[1]))) fs.rmSync(path.join(dir, name), { force: true });
  }
}

const isBusy = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
};

/**
 * Writes the validated store into the live file in one step (one write transaction). Retries while
 * another process holds the write lock.
 */
async function writeInto(sourceFile: string, liveFile: string, nativeBinding: string | undefined): Promise<void> {
  const deadline = Date.now() + SWAP_BUSY_RETRY_MS;
  for (let attempt = 0; ; attempt++) {
    const source = openStoreCopy(sourceFile, nativeBinding, true);
    try {
      await source.backup(liveFile, { progress: () => 0x7fffffff });
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
    } finally {
      source.close();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, 20 * 2 ** attempt)));
  }
}

export function createBackupService(ctx: CoreServiceContext, options: BackupServiceOptions) {
  const { dataDir, jobs } = options;
  const picked = new Map<string, { file: string; expires: number }>();

  const resolveSource = async (source: BackupSource): Promise<{ file: string; fileName: string; pickedId: string | null } | null> => {
    const door = options.capabilities;
    switch (source.source) {
      case 'file': {
        if (!door?.chooseOpenPath) throw new AppError('E_CONFLICT', 'This door cannot open files; upload the backup instead');
        const chosen = await door.chooseOpenPath({ title: 'Choose a Gatehouse backup', extensions: [BACKUP_FILE_EXTENSION] });
        if (chosen === null) return null;
        const file = path.resolve(chosen);
        const pickedId = `bkp-${randomBytes(8).toString('hex')}`;
        picked.set(pickedId, { file, expires: Date.now() + PICKED_TTL_MS });
        return { file, fileName: path.basename(file), pickedId };
      }
      case 'upload': {
        if (!door?.resolveUpload) throw new AppError('E_CONFLICT', 'This door does not take uploads');
        const file = await door.resolveUpload(source.uploadId);
        if (!file) throw AppError.field('E_NOT_FOUND', 'file.uploadId', 'That upload does not exist or has expired; upload the backup again');
        return { file, fileName: 'uploaded backup', pickedId: null };
      }
      case 'picked': {
        const entry = picked.get(source.pickedId);
        if (!entry || entry.expires < Date.now()) throw AppError.field('E_NOT_FOUND', 'file.pickedId', 'Choose the backup file again (the choice has expired)');
        return { file: entry.file, fileName: path.basename(entry.file), pickedId: source.pickedId };
      }
    }
  };

  const present = () => [DATABASE_FILE_NAME, ...RESTORED_KEY_FILES].filter((name) => fs.existsSync(path.join(dataDir, name)));

  const cannotRead = (error: unknown, file: string) => {
    if (error instanceof AppError) return error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return AppError.field('E_NOT_FOUND', 'file', `The backup file ${file} does not exist`);
    if (code === 'EISDIR') return AppError.field('E_VALIDATION', 'file', `${file} is a folder, not a backup file`);
    return fileError(error, file, 'read') ?? error;
  };

  async function runBackup(job: JobHandle, passphrase: string | undefined): Promise<BackupResult> {
    const door = options.capabilities!;
    const suggestedName = `gatehouse-backup-${stamp(ctx.now())}.${BACKUP_FILE_EXTENSION}`;
    const chosen = await door.chooseSavePath!({ suggestedName, jobId: job.jobId });
    job.throwIfCancelled();
    if (chosen === null) throw new JobCancelledError('No file was chosen; no backup was written');
    job.setRunning();
    const target = path.resolve(chosen);
    const dir = path.dirname(target);
    const tag = `${process.pid}-${randomBytes(6).toString('hex')}`;
    // Everything is written beside the target (same disk) under temp names, then renamed: a cancel,
    // a crash or a full disk leaves no file that looks like a backup.
    const snapshot = path.join(dir, `.${path.basename(target)}.${tag}.snapshot`);
    const keyCopy = path.join(dir, `.${path.basename(target)}.${tag}.key`);
    const wrappedCopy = path.join(dir, `.${path.basename(target)}.${tag}.wrapped`);
    const part = `${target}.${tag}.part`;
    removeAbandonedTemps(dir);
    try {
      try {
        await snapshotInto(ctx.db, snapshot, job);
        const entries: ArchiveEntryFile[] = [];
        const snap = await sha256File(snapshot);
        entries.push({ name: DATABASE_FILE_NAME, path: snapshot, ...snap });
        for (const [name, copy] of [
          [KEY_FILE_NAME, keyCopy],
          ['provider-keys.wrapped', wrappedCopy],
        ] as const) {
          if (!fs.existsSync(path.join(dataDir, name))) continue;
          copyPrivate(path.join(dataDir, name), copy);
          entries.push({ name, path: copy, ...(await sha256File(copy)) });
        }
        const sealed = options.sealedCounts();
        const schemaVersion = schemaVersionOfFile(snapshot);
        const manifest: BackupManifest = {
          format: 'gatehouse-backup',
          formatVersion: 1,
          appVersion: options.appVersion,
          schemaVersion,
          createdAt: ctx.now().toISOString(),
          encrypted: passphrase !== undefined,
          secrets: {
            keyFileSealed: sealed.keyFile,
            osKeychainSealed: sealed.osKeychain,
            boundToThisMachine: sealed.osKeychain > 0,
            note:
              (sealed.osKeychain > 0
                ? `${sealed.osKeychain} secret(s) are protected by this computer's OS keychain: they can be read only by this user on this computer; restored elsewhere they must be entered again. `
                : '') +
              (passphrase === undefined && entries.some((e) => e.name === KEY_FILE_NAME)
                ? 'Not encrypted: the archive holds the key file, so anyone with the file can read the provider secrets.'
                : passphrase !== undefined
                  ? 'Encrypted with a passphrase (scrypt + AES-256-GCM).'
                  : 'Not encrypted.'),
          },
          entries: entries.map(({ name, size, sha256 }) => ({ name, size, sha256 })),
        };
        const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
        job.progress(0, totalBytes);
        job.setMessage('Writing the archive');
        const handle = await openPrivate(part);
        let size: number;
        try {
          size = await writeArchive({
            handle,
            manifest,
            entries,
            passphrase,
            checkpoint: () => job.checkpoint(),
            onProgress: (bytes) => job.progress(Math.min(bytes, totalBytes), totalBytes),
          });
          await handle.sync();
        } finally {
          await handle.close();
        }
        job.throwIfCancelled();
        fs.renameSync(part, target);
        fsyncDir(dir);
        ctx.write(() =>
          ctx.record({
            at: ctx.now().toISOString(),
            actor: ctx.actor(),
            action: 'backup.create',
            entityType: 'store',
            entityId: 'store',
            workspaceId: null,
            before: null,
            after: { fileName: path.basename(target), encrypted: manifest.encrypted, sizeBytes: size, schemaVersion },
          }),
        );
        return {
          kind: 'backup',
          fileName: door.savesForDownload ? suggestedName : path.basename(target),
          savedTo: door.savesForDownload ? null : target,
          downloadable: door.savesForDownload === true,
          sizeBytes: size,
          encrypted: manifest.encrypted,
          schemaVersion,
        };
      } catch (error) {
        throw fileError(error, target, 'write the backup') ?? error;
      }
    } finally {
      for (const temp of [snapshot, `${snapshot}-wal`, `${snapshot}-shm`, `${snapshot}-journal`, keyCopy, wrappedCopy, part]) fs.rmSync(temp, { force: true });
    }
  }

  /** Stops every other running job (exports, imports, sync) and waits until they stopped. */
  async function stopOtherJobs(ownId: string): Promise<void> {
    const others = jobs.list().filter((j) => j.jobId !== ownId && !FINISHED_JOB_STATES.includes(j.state));
    for (const other of others) jobs.cancel(other.jobId, new JobCancelledError('Cancelled because the store is being restored; nothing was changed'));
    await Promise.all(others.map((j) => jobs.settled(j.jobId).catch(() => undefined)));
  }

  async function runRestore(job: JobHandle, input: ParsedInput<'backup:restore'>): Promise<RestoreResult> {
    if (!options.store) throw new AppError('E_CONFLICT', 'This door cannot restore a store');
    // Another process (a CLI restore, a second window) restoring the same data dir is refused up front.
    let release: () => void;
    try {
      release = acquireRestoreLock(dataDir);
    } catch (error) {
      throw fileError(error, dataDir, 'restore into') ?? error;
    }
    try {
      return await runRestoreLocked(job, input, options.store);
    } finally {
      release();
    }
  }

  async function runRestoreLocked(job: JobHandle, input: ParsedInput<'backup:restore'>, store: NonNullable<typeof options.store>): Promise<RestoreResult> {
    const resolved = await resolveSource(input.file);
    job.throwIfCancelled();
    if (!resolved) throw new JobCancelledError('No file was chosen; nothing was changed');
    job.setRunning();
    job.setMessage('Checking the backup');
    const workName = workDirName(randomBytes(8).toString('hex'));
    const work = path.join(dataDir, workName);
    let archive;
    try {
      archive = await openArchive(resolved.file, input.passphrase);
    } catch (error) {
      throw cannotRead(error, resolved.file);
    }
    const { manifest } = archive;
    const restoreId = randomBytes(16).toString('hex');
    let migratedFrom: number | null = null;
    try {
      if (manifest.schemaVersion > LATEST_SCHEMA_VERSION) {
        throw new BackupArchiveError(
          'too-new-format',
          `This backup was made by a newer Gatehouse (${manifest.appVersion}, store schema ${manifest.schemaVersion}; this version knows up to ${LATEST_SCHEMA_VERSION}). Update Gatehouse to restore it; nothing was changed.`,
        );
      }
      // Validation happens in a private folder inside the data dir (same disk: the key files are renamed from it).
      try {
        ensurePrivateDir(dataDir);
        fs.mkdirSync(work, { mode: 0o700 });
        if (process.platform !== 'win32') fs.chmodSync(work, 0o700);
      } catch (error) {
        throw fileError(error, dataDir, 'restore into') ?? error;
      }
      const total = manifest.entries.reduce((sum, e) => sum + e.size, 0);
      job.progress(0, total);
      try {
        await archive.extract({
          open: (name) => openPrivate(path.join(work, name)),
          checkpoint: () => job.checkpoint(),
          onProgress: (bytes) => job.progress(bytes, total),
        });
      } catch (error) {
        throw fileError(error, dataDir, 'restore into') ?? error;
      }
    } catch (error) {
      await archive.close();
      fs.rmSync(work, { recursive: true, force: true });
      throw error;
    }
    await archive.close();

    const extracted = path.join(work, DATABASE_FILE_NAME);
    let keptAside = '';
    let swapStarted = false;
    try {
      job.setMessage('Checking the store in the backup');
      const keyFile = manifest.entries.find((e) => e.name === KEY_FILE_NAME);
      if (keyFile && keyFile.size !== 32) throw new BackupArchiveError('damaged', 'The backup file is damaged (its key file has the wrong length); nothing was changed.');
      const copy = openStoreCopy(extracted, options.nativeBinding);
      try {
        const { integrity, schemaVersion: version, isGatehouseStore } = checkStoreCopy(copy);
        if (integrity !== 'ok') throw new BackupArchiveError('damaged', `The store in the backup failed its integrity check (${integrity.slice(0, 200)}); nothing was changed.`);
        if (version > LATEST_SCHEMA_VERSION) {
          throw new BackupArchiveError('too-new-format', `The store in this backup is from a newer Gatehouse (schema ${version}; this version knows up to ${LATEST_SCHEMA_VERSION}). Update Gatehouse to restore it; nothing was changed.`);
        }
        if (!isGatehouseStore) throw new BackupArchiveError('not-a-backup', 'The store in this backup is not a Gatehouse store; nothing was changed.');
        if (version < LATEST_SCHEMA_VERSION) {
          job.setMessage(`Upgrading the store in the backup (schema ${version} → ${LATEST_SCHEMA_VERSION})`);
          migrateStoreCopy(copy);
          migratedFrom = version;
        }
        markStoreCopy(copy, restoreId);
      } finally {
        copy.close();
      }
      // The last point where a cancel is honoured; from here the restore runs to its end.
      await job.checkpoint();
      job.setMessage('Replacing the store');
      await stopOtherJobs(job.jobId);

      const now = ctx.now();
      keptAside = `before-restore-${stamp(now)}`;
      for (let n = 2; fs.existsSync(path.join(dataDir, keptAside)); n++) keptAside = `before-restore-${stamp(now)}-${n}`;
      const aside = path.join(dataDir, keptAside);
      try {
        fs.mkdirSync(aside, { mode: 0o700 });
        if (process.platform !== 'win32') fs.chmodSync(aside, 0o700);
        // A consistent copy of the store in force (the live file may be in use elsewhere: never moved).
        createPrivateFile(path.join(aside, DATABASE_FILE_NAME));
        await ctx.db.backup(path.join(aside, DATABASE_FILE_NAME), { progress: () => 0x7fffffff });
        for (const name of RESTORED_KEY_FILES) {
          if (fs.existsSync(path.join(dataDir, name))) copyPrivate(path.join(dataDir, name), path.join(aside, name));
        }
        fsyncDir(aside);
      } catch (error) {
        throw fileError(error, aside, 'keep the current store in') ?? error;
      }
      const journal: RestoreJournal = {
        restoreId,
        workDir: workName,
        keptAside,
        keyFilesInBackup: RESTORED_KEY_FILES.filter((name) => manifest.entries.some((e) => e.name === name)),
        backupCreatedAt: manifest.createdAt,
        schemaVersion: LATEST_SCHEMA_VERSION,
        migratedFrom,
      };
      try {
        writeRestoreJournal(dataDir, journal);
      } catch (error) {
        throw fileError(error, dataDir, 'restore into') ?? error;
      }
      swapStarted = true;
      let swapError: unknown = null;
      // The core reopens the store and settles the journal as it would after a crash: marker
      // present = replaced (key files installed, marker dropped with the audit entry), else discarded.
      const reopened = await store.replaceStore(async () => {
        try {
          await writeInto(extracted, options.databasePath, options.nativeBinding);
        } catch (error) {
          swapError = error;
        }
      });
      if (!(reopened.restore?.completed && reopened.restore.journal.restoreId === restoreId)) {
        fs.rmSync(aside, { recursive: true, force: true });
        throw fileError(swapError, options.databasePath, 'write the restored store into') ?? swapError ?? new AppError('E_INTERNAL', 'The restore did not finish; nothing was changed');
      }
      return { kind: 'restore', keptAside: aside, schemaVersion: LATEST_SCHEMA_VERSION, migratedFrom, backupCreatedAt: manifest.createdAt };
    } catch (error) {
      if (!swapStarted) {
        fs.rmSync(work, { recursive: true, force: true });
        if (keptAside) fs.rmSync(path.join(dataDir, keptAside), { recursive: true, force: true });
      }
      throw error;
    }
  }

  return {
    /** `backup:create`: the job's first status (`waiting` while the door chooses where to save). */
    create(input: ParsedInput<'backup:create'>): JobStatus {
      if (!options.capabilities?.chooseSavePath) throw new AppError('E_CONFLICT', 'This door cannot save files');
      return jobs.start({
        kind: 'backup',
        label: input.passphrase === undefined ? 'Back up the store' : 'Back up the store (encrypted)',
        unit: 'bytes',
        waiting: true,
        run: (job) => runBackup(job, input.passphrase),
      });
    },

    /** `backup:inspect`: the manifest (null for an encrypted archive without its passphrase) and what a restore would replace. */
    async inspect(input: ParsedInput<'backup:inspect'>): Promise<ChannelOutput<'backup:inspect'>> {
      const resolved = await resolveSource(input.file);
      if (!resolved) throw new JobCancelledError('No file was chosen');
      let header;
      try {
        header = await readArchiveHeader(resolved.file);
      } catch (error) {
        throw cannotRead(error, resolved.file);
      }
      let manifest: BackupManifest | null = null;
      if (!header.encrypted || input.passphrase !== undefined) {
        try {
          const archive = await openArchive(resolved.file, input.passphrase);
          manifest = archive.manifest;
          await archive.close();
        } catch (error) {
          throw cannotRead(error, resolved.file);
        }
      }
      return { pickedId: resolved.pickedId, fileName: resolved.fileName, sizeBytes: header.sizeBytes, encrypted: header.encrypted, manifest, dataDir, replaces: present() };
    },

    /** `backup:restore`: the job's first status (kind `restore`). */
    restore(input: ParsedInput<'backup:restore'>): JobStatus {
      if (!options.store) throw new AppError('E_CONFLICT', 'This door cannot restore a store');
      if (jobs.list().some((j) => j.kind === 'restore' && !FINISHED_JOB_STATES.includes(j.state))) throw new AppError('E_CONFLICT', 'A restore is already running');
      return jobs.start({
        kind: 'restore',
        label: 'Restore the store from a backup',
        unit: 'bytes',
        waiting: input.file.source === 'file',
        run: async (job) => {
          try {
            return await runRestore(job, input);
          } finally {
            // An upload is used once, restored or refused; a picked file is forgotten.
            if (input.file.source === 'upload') await options.capabilities?.releaseUpload?.(input.file.uploadId).catch(() => undefined);
            if (input.file.source === 'picked') picked.delete(input.file.pickedId);
          }
        },
      });
    },
  };
}
export type BackupService = ReturnType<typeof createBackupService>;
