/**
 * `usage:import` as a job: streamed, flat in memory, resumable, and all-or-nothing for the user.
 *
 * Phase 1 ("checking") streams the file through the CSV validator and stages valid rows in
 * `usage_import_rows`, each chunk its own short transaction. Any problem, a cancel or a crash in
 * this phase discards the staged rows: nothing of the import reaches `usage_records`.
 * Phase 2 ("writing") starts by committing the journal as `applying`, together with the room for
 * every staged row in the store totals (`reserveImport`: refused with E_LIMIT and nothing imported
 * when a per-currency total would pass 2^53 − 1, so every report stays exact, and no concurrent
 * write can take that room later); from then on the import is the user's committed decision:
 * chunks move staged rows into `usage_records` + `usage_daily` (the repository's insertBatch)
 * and advance the journal in the same transaction, so a crash between chunks resumes at the next
 * open exactly where it stopped, without counting any row twice. A cancel in this phase is
 * deferred (the job says so and finishes). The last chunk writes the one `usage.import` audit
 * entry and deletes the journal.
 */
import { randomBytes, randomInt } from 'node:crypto';
import fs from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { threadId } from 'node:worker_threads';
import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { JobResult, JobStatus } from '../../../shared/contract/job-schemas';
import { USAGE_IMPORT_MAX_BYTES } from '../../../shared/contract/usage-schemas';
import type { HostCapabilities } from '../host-capabilities';
import { JobCancelledError, type JobHandle, type JobRunner } from '../jobs/job-runner';
import { toStorageError } from '../store/storage-errors';
import {
  addToCurrency,
  type UsageImportJournal,
  type UsageImportOwner,
  type UsageRecord,
  type UsageRepository,
  type UsageTotalsByCurrency,
} from '../store/usage-repository';
import { readUsageCsvFile, type UsageCsvProgress } from './usage-csv-import';
import type { ServiceContext } from './service-context';

/**
 * Rows per staging / apply transaction: 5,000 to start (a few tens of ms on a laptop), then
 * adjusted so each transaction takes about CHUNK_TARGET_MS — a slow or busy machine gets smaller
 * chunks and never holds the write lock near the ~200 ms budget.
 */
export const CHUNK_ROWS = 5_000;
const CHUNK_TARGET_MS = 50;
const CHUNK_ROWS_MIN = 250;
const CHUNK_ROWS_MAX = 20_000;
const DISCARD_CHUNK_ROWS = 20_000;
/** An import whose owner has not committed a chunk for this long is taken over even if its PID is alive (PID reuse). */
const STALE_HEARTBEAT_MS = 10 * 60_000;
/** Parsing yields to the event loop at least this often (a read chunk is parsed in one go, so keep it small too). */
const YIELD_EVERY_MS = 20;
const READ_CHUNK_BYTES = 64 * 1024;
/** Apply chunks that hit another process's write lock (after the 5 s busy timeout) are retried this often. */
const BUSY_RETRIES = 4;

/** Owner tokens of the imports running in this thread (see `isOrphaned`). */
const runningHere = new Set<string>();

export type UsageImportInput = ParsedInput<'usage:import'>;
type ImportResult = Extract<JobResult, { kind: 'usage-import' }>;

export interface UsageImportDeps {
  ctx: ServiceContext;
  usage: UsageRepository;
  jobs: JobRunner;
  capabilities?: HostCapabilities | undefined;
  logError?: ((context: string, error: unknown) => void) | undefined;
}

function formatBytes(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  const rounded = gib >= 1 ? `${gib.toFixed(gib >= 10 ? 0 : 1)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${rounded} (${bytes.toLocaleString('en-US')} bytes)`;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/**
 * An import whose owner is gone: its process has exited, or it was this thread's and is no
 * longer running here, or it has been silent for 10 minutes. An import run by another thread of
 * this process (or another live process) is left alone: opening a second door on the same store
 * never discards or resumes an import that is still running.
 */
function isOrphaned(journal: UsageImportJournal): boolean {
  if (Date.now() - journal.heartbeatMs > STALE_HEARTBEAT_MS) return true;
  if (journal.ownerPid === process.pid) return journal.ownerThread === threadId && !runningHere.has(journal.ownerToken);
  return !processExists(journal.ownerPid);
}

/** The next chunk's row count, from how long the last ones took. */
function chunkSizer() {
  let rows = CHUNK_ROWS;
  return {
    get rows() {
      return rows;
    },
    /** Runs one chunk of `count` rows; a full chunk's time sets the next size (at most ×2 or ÷2 per step). */
    timed<T>(count: number, fn: () => T): T {
      const started = performance.now();
      const result = fn();
      const ms = performance.now() - started;
      if (count >= rows) {
        const ideal = (count * CHUNK_TARGET_MS) / Math.max(ms, 1);
        rows = Math.round(Math.min(CHUNK_ROWS_MAX, rows * 2, Math.max(CHUNK_ROWS_MIN, rows / 2, ideal)));
      }
      return result;
    },
  };
}

function newOwner(): UsageImportOwner {
  return { pid: process.pid, thread: threadId, token: randomBytes(12).toString('hex'), heartbeatMs: Date.now() };
}

const lostImport = () =>
  new AppError('E_CONFLICT', 'Another Gatehouse window or command took over this import; it finishes the import there');

/** Errors from the file system or SQLite the user can act on; others stay as they are (E_INTERNAL). */
function typed(error: unknown, file: string | null): unknown {
  if (error instanceof AppError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (file !== null && (code === 'ENOENT' || code === 'ENOTDIR')) return new AppError('E_NOT_FOUND', `There is no file ${file}`);
  if (file !== null && (code === 'EACCES' || code === 'EPERM')) return new AppError('E_VALIDATION', `Gatehouse may not read ${file}`);
  if (file !== null && code === 'EISDIR') return new AppError('E_VALIDATION', `${file} is a folder, not a CSV file`);
  return toStorageError(error) ?? error;
}

export function createUsageImports(deps: UsageImportDeps) {
  const { ctx, usage, jobs, capabilities } = deps;

  const beat = (owner: UsageImportOwner) => {
    owner.heartbeatMs = Date.now();
    return owner;
  };

  /** Deletes an import's staged rows in chunks, then its journal row. Never throws (a leftover is discarded at the next open). */
  async function discard(id: number, owner: UsageImportOwner): Promise<void> {
    try {
      while (ctx.db.open && ctx.write(() => usage.deleteStagedRows(id, DISCARD_CHUNK_ROWS)) === DISCARD_CHUNK_ROWS) await yieldToEventLoop();
      if (ctx.db.open) ctx.write(() => usage.deleteImportJournal(id, owner));
    } catch (error) {
      deps.logError?.('usage import cleanup', error);
    }
  }

  /**
   * Phase 1: validate every row, staging valid ones while the file has no problem. Returns the
   * rows staged and their amounts per currency (what the writing phase reserves in the store totals).
   */
  async function stage(job: JobHandle, id: number, owner: UsageImportOwner, file: string): Promise<{ rows: number; totals: UsageTotalsByCurrency }> {
    const progress: UsageCsvProgress = { rowsChecked: 0, problems: 0 };
    const totals: UsageTotalsByCurrency = new Map();
    let batch: UsageRecord[] = [];
    let nextSeq = 1;
    let sinceFlush = 0;
    let lastYield = performance.now();
    const sizer = chunkSizer();
    const flush = () => {
      if (progress.problems > 0 || batch.length === 0) return;
      const rows = batch;
      batch = [];
      if (!sizer.timed(rows.length, () => ctx.write(() => usage.stageRows(id, beat(owner), nextSeq, rows)))) throw lostImport();
      nextSeq += rows.length;
    };
    job.setMessage('Checking rows');
    // A file without quotes takes the plain path (same records and problems, see usage-csv-import.ts).
    for await (const records of readUsageCsvFile(file, progress, READ_CHUNK_BYTES)) {
      for (const record of records) {
        // After the first problem nothing more is staged (it will all be discarded), but every row is still checked.
        if (record && progress.problems === 0) {
          batch.push(record);
          addToCurrency(totals, record.currency, record);
        }
        if (++sinceFlush >= sizer.rows) {
          sinceFlush = 0;
          flush();
          job.progress(progress.rowsChecked, null);
          await job.checkpoint();
          lastYield = performance.now();
        }
      }
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        job.progress(progress.rowsChecked, null);
        await job.checkpoint();
        lastYield = performance.now();
      }
    }
    flush();
    job.progress(progress.rowsChecked, null);
    return { rows: nextSeq - 1, totals };
  }

  /**
   * Phase 2, also what a resumed import runs: moves the staged rows after the journal's
   * `applied_seq` into the store, one transaction per chunk, and finishes with the audit entry.
   */
  async function apply(job: JobHandle, journal: UsageImportJournal, owner: UsageImportOwner): Promise<ImportResult> {
    try {
      return await applyChunks(job, journal, owner);
    } catch (error) {
      const failure = typed(error, null);
      if (failure instanceof AppError && (failure.code === 'E_CANCELLED' || failure.code === 'E_CONFLICT')) throw failure;
      if (!(failure instanceof AppError)) deps.logError?.('usage import', error);
      // The journal stays `applying`: say what is stored and that it completes, whatever stopped it.
      let done = journal.appliedSeq;
      try {
        done = usage.importJournal(journal.id)?.appliedSeq ?? done;
      } catch {
        /* the store is gone (closed, unreadable): report the last known progress */
      }
      const reason = failure instanceof AppError ? ` (${failure.message.replace(/\.$/, '')})` : '';
      throw new AppError(
        failure instanceof AppError ? failure.code : 'E_INTERNAL',
        `Writing the import stopped after ${done} of ${journal.rows} rows${reason}; it finishes the next time Gatehouse opens`,
      );
    }
  }

  /** Runs one apply chunk's transaction; waits and retries a few times while another process holds the write lock. */
  async function retryWhileBusy<T>(write: () => T): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return write();
      } catch (error) {
        const failure = typed(error, null);
        if (attempt >= BUSY_RETRIES || !(failure instanceof AppError && failure.code === 'E_BUSY')) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  async function applyChunks(job: JobHandle, journal: UsageImportJournal, owner: UsageImportOwner): Promise<ImportResult> {
    const { id, rows } = journal;
    let { appliedSeq, inserted, duplicates } = journal;
    // The total first: the phase's (unthrottled) message event then carries it.
    job.progress(appliedSeq, rows);
    job.setMessage('Writing records');
    let toldTooLate = false;
    const sizer = chunkSizer();
    for (;;) {
      if (!ctx.db.open) throw new JobCancelledError('Gatehouse closed while writing the import; it finishes the next time Gatehouse opens');
      if (job.signal.aborted && !toldTooLate) {
        toldTooLate = true;
        job.setMessage('Writing records: too late to cancel, the import finishes');
      }
      const size = sizer.rows;
      // Timed with its commit: what the write lock is held for.
      const step = await retryWhileBusy(() => sizer.timed(size, () => ctx.write(() => {
        // IDs already stored — earlier imports, or earlier in this file — are skipped and counted; the rollup only adds inserted rows.
        const moved = usage.applyStagedChunk(id, appliedSeq, size);
        const counts = { inserted: moved.inserted, duplicates: moved.duplicates };
        const last = moved.last;
        if (moved.rows > 0 && !usage.markStagedApplied(id, beat(owner), last, counts)) throw lostImport();
        const finished = moved.rows < size;
        if (finished) {
          const totals = { rows, inserted: inserted + counts.inserted, duplicates: duplicates + counts.duplicates };
          ctx.record({
            at: ctx.now().toISOString(),
            actor: ctx.actor(),
            action: 'usage.import',
            entityType: 'usage',
            entityId: 'usage.import',
            workspaceId: null,
            before: null,
            after: totals,
          });
          if (!usage.deleteImportJournal(id, owner)) throw lostImport();
        }
        return { finished, last, counts };
      })));
      appliedSeq = step.last;
      inserted += step.counts.inserted;
      duplicates += step.counts.duplicates;
      job.progress(appliedSeq, rows);
      if (step.finished) return { kind: 'usage-import', rows, inserted, duplicates };
      // Not job.checkpoint(): a cancel no longer stops the import.
      await yieldToEventLoop();
    }
  }

  async function importFile(job: JobHandle, file: string): Promise<ImportResult> {
    try {
      return await checkAndImport(job, file);
    } catch (error) {
      throw typed(error, file);
    }
  }

  async function checkAndImport(job: JobHandle, file: string): Promise<ImportResult> {
    const stat = await fs.promises.stat(file);
    if (!stat.isFile()) throw new AppError('E_VALIDATION', `${file} is not a file`);
    const size = stat.size;
    if (size > USAGE_IMPORT_MAX_BYTES) {
      throw new AppError('E_LIMIT', `The file is ${formatBytes(size)}; at most 2 GiB (${USAGE_IMPORT_MAX_BYTES.toLocaleString('en-US')} bytes) can be imported at once. Split it and import the parts.`);
    }
    if (size === 0) throw AppError.field('E_VALIDATION', 'csv', 'The file is empty');
    job.throwIfCancelled();

    const owner = newOwner();
    const id = randomInt(1, 2 ** 48);
    runningHere.add(owner.token);
    try {
      ctx.write(() => usage.createImportJournal(id, owner, ctx.now().toISOString()));
      let rows: number;
      try {
        const staged = await stage(job, id, owner, file);
        rows = staged.rows;
        job.throwIfCancelled(); // the last moment a cancel leaves nothing
        ctx.write(() => {
          if (!usage.markImportApplying(id, beat(owner), rows)) throw lostImport();
          // With the commitment to write, the room for every staged row in the store totals, or nothing.
          try {
            usage.reserveImport(staged.totals);
          } catch (error) {
            if (error instanceof AppError && error.code === 'E_LIMIT') throw AppError.field('E_LIMIT', 'csv', error.message);
            throw error;
          }
        });
      } catch (error) {
        await discard(id, owner);
        throw error;
      }
      return await apply(job, { ...usage.importJournal(id)!, rows }, owner);
    } finally {
      runningHere.delete(owner.token);
    }
  }

  /** Where the CSV is: the door's open dialog / CLI argument, or the browser host's upload. */
  async function locate(input: UsageImportInput): Promise<string> {
    if (input.source === 'file') {
      const chosen = await capabilities!.chooseOpenPath!({ title: 'Import usage CSV', extensions: ['csv'] });
      if (chosen === null) throw new JobCancelledError('No file was chosen');
      return chosen;
    }
    const uploaded = await capabilities!.resolveUpload!(input.uploadId);
    if (uploaded === null) throw AppError.field('E_NOT_FOUND', 'uploadId', 'The upload is gone (it expired or was already imported); upload the file again');
    return uploaded;
  }

  return {
    /** `usage:import`: starts the import job and returns its first status (kind 'usage-import'). */
    start(input: UsageImportInput): JobStatus {
      if (input.source === 'file' && !capabilities?.chooseOpenPath) {
        throw AppError.field('E_VALIDATION', 'source', 'This Gatehouse door cannot open files; upload the file instead');
      }
      if (input.source === 'upload' && !capabilities?.resolveUpload) {
        throw AppError.field('E_VALIDATION', 'source', 'This Gatehouse door takes no uploads; choose the file instead');
      }
      return jobs.start({
        kind: 'usage-import',
        label: 'Import usage CSV',
        waiting: true,
        async run(job) {
          const file = await locate(input);
          job.throwIfCancelled();
          job.setRunning();
          return importFile(job, file);
        },
        async cleanup() {
          if (input.source === 'upload') await capabilities?.releaseUpload?.(input.uploadId);
        },
      });
    },

    /**
     * At open: finishes imports interrupted while writing and discards those interrupted while
     * checking, each as a job. Reads first and writes nothing when there is nothing to do (or the
     * store is read-only).
     */
    resumeInterrupted(): JobStatus[] {
      if (ctx.db.readonly) return [];
      let journals: UsageImportJournal[];
      try {
        journals = usage.importJournals();
      } catch (error) {
        deps.logError?.('usage import resume', error); // never a reason not to open
        return [];
      }
      return journals
        .filter(isOrphaned)
        .map((found) =>
          jobs.start({
            kind: 'usage-import',
            label: found.state === 'applying' ? 'Finishing an interrupted usage import' : 'Discarding an interrupted usage import',
            total: found.state === 'applying' ? found.rows : null,
            async run(job) {
              const owner = newOwner();
              runningHere.add(owner.token);
              try {
                if (!ctx.write(() => usage.claimImport(found.id, found.ownerToken, owner))) throw lostImport();
                const journal = usage.importJournal(found.id)!;
                if (journal.state === 'applying') return await apply(job, journal, owner);
                job.setMessage('Discarding the rows it had checked');
                await discard(found.id, owner);
                throw new JobCancelledError('An import interrupted while its rows were being checked was discarded; nothing was imported. Import the file again.');
              } catch (error) {
                throw typed(error, null);
              } finally {
                runningHere.delete(owner.token);
              }
            },
          }),
        );
    },
  };
}
export type UsageImports = ReturnType<typeof createUsageImports>;
