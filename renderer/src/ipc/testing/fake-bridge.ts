/**
 * A scripted core for renderer component tests: answers invokes from handlers, records calls,
 * and pushes core events to whoever subscribed, like the preload or the browser host's stream.
 */
import type { Result } from '../../../../shared/contract/errors';
import type { CoreEvent } from '../../../../shared/contract/event-schemas';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { setBridgeForTests, type CoreEventListener, type TestBridge, type UploadOptions } from '../bridge';

type Handler = (input: any) => Result<unknown> | Promise<Result<unknown>>;

export interface FakeBridge {
  calls: Array<{ channel: string; input: unknown }>;
  /** How many listeners are subscribed to core events now. */
  readonly listeners: number;
  emit(event: CoreEvent): void;
  emitJob(job: JobStatus): void;
  /** As after a reconnect of the event stream. */
  resync(): void;
  callsTo(channel: string): unknown[];
}

export function installFakeBridge(
  handlers: Record<string, Handler>,
  extra: { upload?: (file: Blob, options?: UploadOptions) => Promise<Result<{ uploadId: string }>>; download?: (jobId: string, fileName: string) => Promise<number> } = {},
): FakeBridge {
  const listeners = new Set<CoreEventListener>();
  const resyncs = new Set<() => void>();
  const calls: FakeBridge['calls'] = [];
  const bridge: TestBridge = {
    async invoke(channel, input) {
      calls.push({ channel, input });
      const handler = handlers[channel];
      if (!handler) return { ok: false, error: { code: 'E_NOT_FOUND', message: `No fake for ${channel}` } };
      return handler(input);
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onResync(listener) {
      resyncs.add(listener);
      return () => resyncs.delete(listener);
    },
    ...extra,
  };
  setBridgeForTests(bridge);
  return {
    calls,
    get listeners() {
      return listeners.size;
    },
    emit(event) {
      for (const listener of [...listeners]) listener(event);
    },
    emitJob(job) {
      for (const listener of [...listeners]) listener({ type: 'job', job });
    },
    resync() {
      for (const listener of [...resyncs]) listener();
    },
    callsTo(channel) {
      return calls.filter((c) => c.channel === channel).map((c) => c.input);
    },
  };
}

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });

/** A job status with sensible defaults. */
export function jobStatus(patch: Partial<JobStatus> & Pick<JobStatus, 'jobId'>): JobStatus {
  return {
    kind: 'export',
    label: 'Export usage records 2026-11-01 – 2026-11-30',
    state: 'running',
    done: 0,
    total: null,
    unit: 'rows',
    ratePerSecond: null,
    etaSeconds: null,
    message: null,
    startedAt: '2026-11-30T10:00:00.000Z',
    finishedAt: null,
    error: null,
    result: null,
    ...patch,
  };
}
