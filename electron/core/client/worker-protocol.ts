import type { Result } from '../../../shared/contract/errors';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import type { Sender } from '../handlers/pipeline';
import type { HostRequestName } from '../host-capabilities';

/** What the worker needs to open the core: plain data only (functions cannot cross threads). */
export interface WorkerCoreOptions {
  dataDir: string;
  appVersion: string;
  nativeBinding?: string | undefined;
  localUserName?: string | undefined;
  externalChangePollMs?: number | undefined;
  /** Which door capabilities exist; each is requested from the door over the port. */
  hostCapabilities: HostRequestName[];
  savesForDownload?: boolean | undefined;
  /** Envelope encryption: the OS-protected data key, unwrapped by the door at start (32 bytes). */
  osDataKey?: Uint8Array | undefined;
  /** Describes the OS protection behind `osDataKey` (e.g. the Linux keyring backend). */
  osBackend?: string | undefined;
}

export type DoorToWorker =
  | { type: 'invoke'; seq: number; channel: string; input: unknown; sender: Sender }
  | { type: 'hostResult'; seq: number; ok: true; value: unknown }
  | { type: 'hostResult'; seq: number; ok: false; message: string }
  | { type: 'close' };

export type WorkerToDoor =
  | { type: 'ready' }
  | { type: 'openFailed'; code: string; message: string }
  | { type: 'result'; seq: number; result: Result<unknown> }
  | { type: 'event'; event: CoreEvent }
  | { type: 'hostRequest'; seq: number; name: HostRequestName; args: unknown[] }
  | { type: 'closed' };
