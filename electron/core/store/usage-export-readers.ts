/**
 * The raw usage export read by worker threads: each worker has its own read-only better-sqlite3
 * connection and renders disjoint `seq` ranges ("tasks") of the export as CSV bytes, which the job
 * writes in task order. SQLite's page rendering and the plain-page check run off the core's thread
 * and in parallel; the core's thread only writes bytes it is handed (no re-encoding).
 *
 * Why several connections still give the same rows as one (the snapshot question): each worker
 * reads in its own snapshot, but the export only reads rows with `seq` in [first, last], fixed by
 * one aggregate when the export starts, and those rows never change while it runs:
 * `usage_records` is append-only (no statement in the app updates or deletes a record; the
 * rollup and store totals depend on that, and usage-export-readers.test.ts
 * guards it), and a new record gets `seq` = max(seq) + 1 > last (INTEGER PRIMARY KEY, no
 * explicit seq anywhere). So every snapshot taken after the start holds the same rows in that
 * range, which is also what the single-connection export has always relied on (one snapshot per
 * page). As a last line, the export fails if it wrote a different number of rows than it counted.
 *
 * Memory stays flat: at most QUEUE_TASKS_PER_WORKER tasks per worker are asked for ahead of the
 * one being written (a task is ≤ TASK_SEQS records, ~0.7 MB of CSV).
 *
 * The worker body is plain JavaScript evaluated by `new Worker(…, { eval: true })`: no file to
 * resolve or bundle, no TypeScript loader in the worker, the same in tsx, vitest, the CLI and
 * the Electron bundles. Its SQL and plain-page pattern come from workerData (defined once, in
 * usage-export-repository.ts and export-sources.ts). A task the worker cannot render as a plain
 * page (quoting or neutralising needed) or any worker failure is answered `{ plain: false }` /
 * an error, and the job renders that task on its own connection (the in-process path).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { moduleFrom } from './worker-module';

/** Records (seq values) per task: ~10 pages. */
export const TASK_SEQS = 6_000;
/** Tasks asked of each worker ahead of the one being written: enough to keep it busy, bounded. */
const QUEUE_TASKS_PER_WORKER = 1;
/** Below this many records the workers' start-up (~30 ms) is not worth it. */
export const PARALLEL_MIN_ROWS = 50_000;
const MAX_WORKERS = 4;
const WORKER_YOUNG_MB = 1;
/** A task's CSV is ~0.7 MB; buffers this big are reused for every task that fits. */
const TASK_BUFFER_BYTES = 1024 * 1024;
const WORKER_OLD_MB = 16;

export interface UsageRawWorkerConfig {
  /** The store file (the core's connection is not shareable across threads). */
  file: string;
  nativeBinding?: string | undefined;
  /** Aggregated page statement (text, count, last seq), named parameters after/last/fromIso/toIso. */
  pageSql: string;
  pageRows: number;
  /** RegExp source a page must match to be written as rendered (see isPlainCsvPage). */
  plainPattern: string;
  fromIso: string;
  toIso: string;
}

/** One task: records with after < seq ≤ last. */
export interface UsageRawTask {
  after: number;
  last: number;
}

export type UsageRawTaskResult = { plain: true; rows: number; bytes: Uint8Array; worker: number } | { plain: false };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const config = workerData;
const Database = createRequire(config.moduleFrom)('better-sqlite3');
const db = new Database(config.file, { readonly: true, fileMustExist: true, ...(config.nativeBinding ? { nativeBinding: config.nativeBinding } : {}) });
db.pragma('busy_timeout = 5000');
const page = db.prepare(config.pageSql).raw(true);
const plain = new RegExp(config.plainPattern);
// Buffers come back once written (see recycle): a steady export allocates none, so neither thread piles up garbage.
const free = [];
parentPort.on('message', (task) => {
  if (task.recycle) return void free.push(task.recycle);
  try {
    const params = { after: task.after, last: task.last, fromIso: config.fromIso, toIso: config.toIso };
    const parts = [];
    let rows = 0;
    let size = 0;
    for (;;) {
      const [text, count, lastSeq] = page.get(params);
      if (!count) break;
      if (!plain.test(text)) return parentPort.postMessage({ id: task.id, plain: false });
      parts.push(text);
      size += Buffer.byteLength(text, 'utf8');
      rows += count;
      if (count < config.pageRows) break;
      params.after = lastSeq;
    }
    // One buffer of its own per task (transferred, not copied), filled page by page: no joined copy.
    let i = free.findIndex((b) => b.byteLength >= size);
    const buffer = i === -1 ? new ArrayBuffer(Math.max(size, config.bufferBytes)) : free.splice(i, 1)[0];
    const bytes = Buffer.from(buffer, 0, size);
    let offset = 0;
    for (const text of parts) offset += bytes.write(text, offset, 'utf8');
    parentPort.postMessage({ id: task.id, plain: true, rows, bytes: new Uint8Array(buffer, 0, size) }, [buffer]);
  } catch (error) {
    parentPort.postMessage({ id: task.id, error: String(error && error.message || error) });
  }
});
`;

export function usageRawWorkerCount(): number {
  return Math.max(1, Math.min(MAX_WORKERS, os.availableParallelism()));
}

/**
 * A pool of readers answering tasks by id. `run(task)` resolves with the task's CSV bytes, or
 * `{ plain: false }` when the caller must render it itself; it rejects when the worker failed
 * (the caller then renders that task and the rest itself). `close()` terminates the workers.
 */
export function startUsageRawWorkers(config: UsageRawWorkerConfig, count = usageRawWorkerCount()) {
  // Fails here (before any worker) if better-sqlite3 cannot be resolved: the caller falls back.
  const from = moduleFrom();
  createRequire(from).resolve('better-sqlite3');
  const waiting = new Map<number, { resolve: (r: UsageRawTaskResult) => void; reject: (e: Error) => void }>();
  let failed: Error | null = null;
  const failAll = (error: Error) => {
    failed ??= error;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  const workers = Array.from({ length: count }, (_x, index) => {
    // Small heaps: a worker holds one task's pages at a time; the default young generation alone costs ~30 MB of RSS per worker.
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { ...config, moduleFrom: from, bufferBytes: TASK_BUFFER_BYTES },
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB, maxOldGenerationSizeMb: WORKER_OLD_MB },
    });
    worker.on('message', (m: { id: number; error?: string; plain?: boolean; rows?: number; bytes?: Uint8Array }) => {
      const w = waiting.get(m.id);
      if (!w) return;
      waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(m.error));
      else if (m.plain) w.resolve({ plain: true, rows: m.rows!, bytes: m.bytes!, worker: index });
      else w.resolve({ plain: false });
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (waiting.size > 0) failAll(new Error(`usage export worker exited (${code})`));
    });
    // Not unref()'d: while the job waits for a task, the workers are what keeps the process alive.
    return worker;
  });
  let nextId = 0;
  let closed = false;
  return {
    workers: count,
    run(task: UsageRawTask, index: number): Promise<UsageRawTaskResult> {
      if (failed) return Promise.reject(failed);
      if (closed) return Promise.reject(new Error('usage export workers closed'));
      const id = nextId++;
      const result = new Promise<UsageRawTaskResult>((resolve, reject) => waiting.set(id, { resolve, reject }));
      workers[index % count]!.postMessage({ id, after: task.after, last: task.last });
      return result;
    },
    /** Hands a task's buffer back to its worker once the file write of its bytes has finished. */
    recycle(result: Extract<UsageRawTaskResult, { plain: true }>): void {
      if (!closed && !failed) workers[result.worker]!.postMessage({ recycle: result.bytes.buffer }, [result.bytes.buffer as ArrayBuffer]);
    },
    async close(): Promise<void> {
      closed = true;
      waiting.clear();
      await Promise.all(workers.map((w) => w.terminate()));
    },
    queueDepth: count * QUEUE_TASKS_PER_WORKER,
  };
}
export type UsageRawWorkers = ReturnType<typeof startUsageRawWorkers>;
