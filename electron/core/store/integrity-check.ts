/**
 * `PRAGMA quick_check` of the store in a worker thread, on its own read-only connection, so a
 * large store answers its first question at once instead of after a full read of every page
 * (~0.8 s at 1M usage records, seconds at 10M, more with a cold disk). The core starts it right
 * after opening a current store and switches to read-only if it reports damage (see core.ts).
 *
 * The worker body is plain JavaScript evaluated with `eval: true` (as the export readers do): no
 * file to resolve or bundle. The worker is unref'd: a pending check never keeps a process alive.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { quickCheckProblem } from './database';
import { moduleFrom } from './worker-module';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
try {
  const Database = createRequire(workerData.moduleFrom)('better-sqlite3');
  const db = new Database(workerData.file, { readonly: true, fileMustExist: true, ...(workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {}) });
  db.pragma('busy_timeout = 5000');
  try {
    parentPort.postMessage({ messages: db.pragma('quick_check(3)', { simple: false }).map((r) => r.quick_check) });
  } catch (error) {
    const code = String(error && error.code || '');
    parentPort.postMessage(code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' ? { corrupt: String(error.message) } : { error: String(error && error.message || error) });
  }
  db.close();
} catch (error) {
  parentPort.postMessage({ error: String(error && error.message || error) });
}
`;

export interface IntegrityCheck {
  /** null: the store passed; a string: what is damaged. Rejects when the check itself could not run. */
  result: Promise<string | null>;
  /** Stops a check still running (its answer is then never delivered). */
  cancel(): void;
}

export function checkIntegrityInBackground(file: string, nativeBinding?: string): IntegrityCheck {
  const from = moduleFrom();
  let worker: Worker | null = null;
  let cancel = () => {};
  const result = new Promise<string | null>((resolve, reject) => {
    createRequire(from).resolve('better-sqlite3'); // throws here (the caller falls back) when it cannot be found
    const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { file, nativeBinding, moduleFrom: from } });
    worker = w;
    w.unref();
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void w.terminate();
    };
    cancel = () => settle(() => reject(new Error('integrity check cancelled')));
    w.on('message', (m: { messages?: string[]; corrupt?: string; error?: string }) => {
      if (m.messages) settle(() => resolve(quickCheckProblem(m.messages!)));
      else if (m.corrupt !== undefined) settle(() => resolve(m.corrupt!));
      else settle(() => reject(new Error(m.error ?? 'integrity check failed')));
    });
    w.on('error', (error) => settle(() => reject(error)));
    w.on('exit', (code) => settle(() => reject(new Error(`integrity check worker exited (${code})`))));
  });
  return {
    result,
    cancel: () => {
      if (worker) cancel();
    },
  };
}
