/**
 * The worker thread that owns the store: opens the core, answers invokes, forwards events, and
 * asks the door for what only the door has (dialogs) over the same port.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../../shared/contract/errors';
import { createCore, type Core } from '../core';
import type { HostCapabilities, HostRequestName } from '../host-capabilities';
import type { DoorToWorker, WorkerCoreOptions, WorkerToDoor } from './worker-protocol';

const port = parentPort;
if (!port) throw new Error('core-worker must run in a worker thread');
const options = workerData as WorkerCoreOptions;

const post = (message: WorkerToDoor) => port.postMessage(message);
let hostSeq = 0;
const pendingHost = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
const askDoor = (name: HostRequestName, args: unknown[]) =>
  new Promise<unknown>((resolve, reject) => {
    const seq = ++hostSeq;
    pendingHost.set(seq, { resolve, reject });
    post({ type: 'hostRequest', seq, name, args });
  });

const capabilities: HostCapabilities = {};
const remote = capabilities as Record<HostRequestName, (...args: unknown[]) => Promise<unknown>>;
for (const name of options.hostCapabilities) remote[name] = (...args: unknown[]) => askDoor(name, args);
if (options.savesForDownload) capabilities.savesForDownload = true;
if (options.osDataKey) capabilities.osDataKey = { key: Buffer.from(options.osDataKey), backend: options.osBackend };

let core: Core;
try {
  core = createCore({
    dataDir: options.dataDir,
    appVersion: options.appVersion,
    nativeBinding: options.nativeBinding,
    ...(options.localUserName ? { localUserName: options.localUserName } : {}),
    ...(options.externalChangePollMs !== undefined ? { externalChangePollMs: options.externalChangePollMs } : {}),
    // The door checked the sender before the call crossed over (only it knows the frame URL or token).
    isTrustedSender: () => true,
    capabilities,
    // A long-lived door: the first answer does not wait for a full read of a large store.
    integrityCheck: 'background',
  });
} catch (error) {
  const payload = error instanceof AppError ? error.toPayload() : { code: 'E_STORAGE', message: error instanceof Error ? error.message : String(error) };
  post({ type: 'openFailed', code: payload.code, message: payload.message });
  throw error;
}

core.on((event) => post({ type: 'event', event }));

port.on('message', (message: DoorToWorker) => {
  switch (message.type) {
    case 'invoke':
      // Answers may come back out of order (a channel waiting on the network); the door matches them by seq.
      void core.dispatcher.dispatchAsync(message.channel, message.input, message.sender).then((result) => post({ type: 'result', seq: message.seq, result }));
      return;
    case 'hostResult': {
      const waiting = pendingHost.get(message.seq);
      pendingHost.delete(message.seq);
      if (message.ok) waiting?.resolve(message.value);
      else waiting?.reject(new Error(message.message));
      return;
    }
    case 'close':
      void core.close().then(() => {
        post({ type: 'closed' });
        port.close();
      });
      return;
  }
});
post({ type: 'ready' });
