import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode, type Result } from '../../../shared/contract/errors';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import { HOST_REQUESTS, type HostCapabilities } from '../host-capabilities';
import type { Sender } from '../handlers/pipeline';
import { FORBIDDEN, type CoreClient } from './core-client';
import type { DoorToWorker, WorkerCoreOptions, WorkerToDoor } from './worker-protocol';

export interface WorkerClientOptions {
  dataDir: string;
  appVersion: string;
  isTrustedSender: (sender: Sender) => boolean;
  nativeBinding?: string | undefined;
  localUserName?: string | undefined;
  externalChangePollMs?: number | undefined;
  /** Dialogs run in the door; the worker asks for them over the port. */
  capabilities?: Omit<HostCapabilities, 'osEncryption'>;
  /**
   * The worker's entry file. Default: core-worker.ts beside this file (run through tsx), or a
   * bundled core-worker.cjs the Electron build puts next to main.cjs.
   */
  workerEntry?: string;
  /** Called when the worker dies unexpectedly (the door shows an error and quits). */
  onCrash?: (error: Error) => void;
}

function defaultEntry(): string {
  // Read lazily: bundled as CommonJS (the Electron build) import.meta is empty, and the door then
  // passes `workerEntry` instead.
  const url = (import.meta as { url?: string }).url;
  if (!url) throw new Error('createWorkerClient needs workerEntry where import.meta.url is unavailable (a CommonJS bundle)');
  const here = path.dirname(fileURLToPath(url));
  const ts = path.join(here, 'core-worker.ts');
  return fs.existsSync(ts) ? ts : path.join(here, 'core-worker.cjs');
}

/**
 * Starts the worker. A TypeScript entry (tsx, tests) is loaded through tsx's ESM API: a loader
 * given as `--import` in execArgv is not yet active when the worker resolves its main module.
 */
function spawnWorker(entry: string, workerData: WorkerCoreOptions): Worker {
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  if (!entry.endsWith('.ts')) return new Worker(entry, { workerData, execArgv });
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(pathToFileURL(entry).href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData, execArgv });
}

/**
 * The core in a worker thread (Signal Desktop's split): the door's event loop never runs SQL.
 * Resolves once the store is open; rejects with the worker's typed error when it cannot open.
 */
export async function createWorkerClient(options: WorkerClientOptions): Promise<CoreClient> {
  const caps = options.capabilities ?? {};
  const workerData: WorkerCoreOptions = {
    dataDir: options.dataDir,
    appVersion: options.appVersion,
    nativeBinding: options.nativeBinding,
    localUserName: options.localUserName,
    externalChangePollMs: options.externalChangePollMs,
    hostCapabilities: HOST_REQUESTS.filter((name) => typeof caps[name] === 'function'),
    savesForDownload: caps.savesForDownload,
    osDataKey: caps.osDataKey ? new Uint8Array(caps.osDataKey.key) : undefined,
    osBackend: caps.osDataKey?.backend,
  };
  const worker = spawnWorker(options.workerEntry ?? defaultEntry(), workerData);

  let seq = 0;
  const pending = new Map<number, (result: Result<unknown>) => void>();
  const listeners = new Set<(event: CoreEvent) => void>();
  let closed = false;
  let closedResolve: () => void = () => {};
  const closedPromise = new Promise<void>((resolve) => {
    closedResolve = resolve;
  });

  const failAll = (message: string) => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'E_INTERNAL', message } });
    pending.clear();
  };

  const send = (message: DoorToWorker) => worker.postMessage(message);

  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: WorkerToDoor) => {
      switch (message.type) {
        case 'ready':
          resolve();
          return;
        case 'openFailed':
          reject(new AppError(message.code as ErrorCode, message.message));
          return;
        case 'result':
          pending.get(message.seq)?.(message.result);
          pending.delete(message.seq);
          return;
        case 'event':
          for (const listener of listeners) {
            try {
              listener(message.event);
            } catch {
              /* a faulty listener must not break the others */
            }
          }
          return;
        case 'hostRequest': {
          const fn = caps[message.name];
          const run = fn ? (fn as (...args: unknown[]) => Promise<unknown>)(...message.args) : Promise.reject(new Error(`${message.name} is not available here`));
          run.then(
            (value) => send({ type: 'hostResult', seq: message.seq, ok: true, value }),
            (error: unknown) => send({ type: 'hostResult', seq: message.seq, ok: false, message: error instanceof Error ? error.message : String(error) }),
          );
          return;
        }
        case 'closed':
          closed = true;
          closedResolve();
          return;
      }
    });
    worker.on('error', (error) => {
      reject(error);
      failAll(`The Gatehouse core stopped: ${error.message}`);
      if (!closed) options.onCrash?.(error);
    });
    worker.on('exit', (code) => {
      failAll('The Gatehouse core has stopped');
      if (!closed && code !== 0) options.onCrash?.(new Error(`The Gatehouse core exited with code ${code}`));
      closed = true;
      closedResolve();
    });
  });
  await ready;

  return {
    invoke(channel, input, sender) {
      if (!options.isTrustedSender(sender)) return Promise.resolve(FORBIDDEN);
      if (closed) return Promise.resolve({ ok: false, error: { code: 'E_INTERNAL', message: 'Gatehouse is closing' } });
      return new Promise((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        send({ type: 'invoke', seq: id, channel, input, sender });
      });
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (!closed) {
        send({ type: 'close' });
        await closedPromise;
      }
      await worker.terminate();
    },
  };
}
