import os from 'node:os';
import path from 'node:path';
import type { ChannelName } from '../../shared/contract/channel-names';
import type { Result } from '../../shared/contract/errors';
import { MAX_CHANGED_ENTITIES, type ChangedEntity } from '../../shared/contract/event-schemas';
import { createEventHub, type CoreEventListener } from './events/event-hub';
import { watchExternalChanges } from './events/external-changes';
import { appFeature } from './handlers/app-handlers';
import { auditFeature } from './handlers/audit-handlers';
import { backupFeature } from './handlers/backup-handlers';
import { budgetsFeature } from './handlers/budget-handlers';
import { exportsFeature } from './handlers/export-handlers';
import { jobsFeature } from './handlers/job-handlers';
import { keysFeature } from './handlers/key-handlers';
import { membersFeature } from './handlers/member-handlers';
import { modelsFeature } from './handlers/model-handlers';
import { createDispatcher, type Dispatcher, type HandlerMap, type Sender } from './handlers/pipeline';
import { providerKeysFeature } from './handlers/provider-key-handlers';
import { remotesFeature } from './handlers/remote-handlers';
import { routingFeature } from './handlers/routing-handlers';
import { guardrailsFeature } from './handlers/guardrail-handlers';
import { syncFeature } from './handlers/sync-handlers';
import { usageFeature } from './handlers/usage-handlers';
import { workspacesFeature } from './handlers/workspace-handlers';
import type { HostCapabilities } from './host-capabilities';
import { createJobRunner, JobCancelledError, type JobRunner } from './jobs/job-runner';
import { FINISHED_JOB_STATES } from '../../shared/contract/job-schemas';
import { createCoreServices, type CoreServices } from './services/core-services';
import type { StoreControl } from './services/backup-service';
import { settleRestore, type RestoreCompletion } from './services/backup-restore-journal';
import { createServiceContext, type CoreServiceContext } from './services/service-context';
import { createChangeFeedRepository } from './store/change-feed-repository';
import { DATABASE_FILE_NAME, openDatabase, storeHealth, type Db } from './store/database';
import { checkIntegrityInBackground, type IntegrityCheck } from './store/integrity-check';
import { toStorageError } from './store/storage-errors';

export interface CoreOptions {
  dataDir: string;
  appVersion: string;
  /** Each door states which callers it trusts. */
  isTrustedSender: (sender: Sender) => boolean;
  nativeBinding?: string | undefined;
  localUserName?: string;
  now?: () => Date;
  logError?: (channel: string, error: unknown) => void;
  /** What the door offers beyond plain Node (OS encryption, save dialog). */
  capabilities?: HostCapabilities;
  /** How often other processes' commits are looked for (ms); 0 turns the watcher off. */
  externalChangePollMs?: number;
  /**
   * Run `PRAGMA quick_check` at open (default true). Long-lived doors check once per launch; the
   * CLI skips it (0.5–0.8 s at 1M usage records, seconds at 10M, for every one-shot command) and
   * still gets a typed E_STORAGE from any damaged page it reads.
   */
  quickCheck?: boolean;
  /**
   * `background` (long-lived doors): a current store answers at once and is checked by a worker on
   * its own connection; damage found switches the core to read-only (as an at-open failure would)
   * and announces a `store` change. A store that needs an upgrade is still checked before it.
   * Default `at-open`. Ignored when `quickCheck` is false.
   */
  integrityCheck?: 'at-open' | 'background';
  /** Resume interrupted imports at open (default true); one-shot CLI commands other than import skip it. */
  resumeInterruptedWork?: boolean;
  /** Crash tests only: `<sync crash point>:<n>` SIGKILLs this process there (the CLI reads GH_SYNC_CRASH_AT). */
  syncCrashAt?: string;
}

export interface Core {
  /** The store handle, for tests and benchmarks only; doors go through the dispatcher. A restore replaces it. */
  readonly db: Db;
  dataDir: string;
  dispatcher: Dispatcher;
  jobs: JobRunner;
  readonly services: CoreServices;
  /** Job progress and committed changes (this core's and other processes'). */
  on(listener: CoreEventListener): () => void;
  /** Cancels running jobs, waits for them to stop at their next chunk, then closes the store. */
  close(): Promise<void>;
}

export function defaultLocalUserName(): string {
  try {
    return os.userInfo().username || 'Local admin';
  } catch {
    return 'Local admin';
  }
}

/** Every domain of the core; each owns its slice of the handler map. */
const FEATURES = [
  appFeature,
  workspacesFeature,
  keysFeature,
  membersFeature,
  auditFeature,
  modelsFeature,
  providerKeysFeature,
  usageFeature,
  budgetsFeature,
  exportsFeature,
  jobsFeature,
  remotesFeature,
  syncFeature,
  routingFeature,
  guardrailsFeature,
  backupFeature,
] as const;

/** The store and everything built on it; replaced as a whole when a restore reopens the store. */
interface StoreRuntime {
  db: Db;
  ctx: CoreServiceContext;
  services: CoreServices;
  dispatcher: Dispatcher;
  stopWatching: () => void;
  restore: RestoreCompletion | null;
}

/** Opens the store and wires services → features → the dispatcher. No Electron here. */
export function createCore(options: CoreOptions): Core {
  const databasePath = path.join(options.dataDir, DATABASE_FILE_NAME);
  const classifyError = (error: unknown) => toStorageError(error, { path: databasePath });
  const logError = options.logError ?? ((channel, error) => console.error(`[gatehouse] ${channel} failed:`, error instanceof Error ? error.message : error));
  const hub = createEventHub();

  const announce = (origin: 'this-core' | 'other-process', entities: ChangedEntity[], truncated = false) => {
    const listed = entities.slice(0, MAX_CHANGED_ENTITIES);
    hub.emit({
      type: 'changed',
      origin,
      entityTypes: [...new Set(entities.map((e) => e.entityType))].sort(),
      entities: listed,
      truncated: truncated || entities.length > listed.length,
    });
  };

  const now = options.now ?? (() => new Date());
  // One runner across reopenings: a restore job outlives the store it replaced.
  const jobs = createJobRunner({ now, onEvent: (job) => hub.emit({ type: 'job', job }), logError, classifyError });
  const pollMs = options.externalChangePollMs ?? 500;

  const openRuntime = (openOptions: { quickCheck?: boolean | 'before-migrating'; knownDamage?: string; resumeInterruptedWork?: boolean | undefined }): StoreRuntime => {
    const db = openDatabase(databasePath, {
      nativeBinding: options.nativeBinding,
      ...(openOptions.quickCheck !== undefined ? { quickCheck: openOptions.quickCheck } : {}),
      ...(openOptions.knownDamage !== undefined ? { knownDamage: openOptions.knownDamage } : {}),
    });
    const ctx = createServiceContext({ db, now, onCommitted: (entities) => announce('this-core', entities) });
    let services: CoreServices;
    let restore: RestoreCompletion | null = null;
    try {
      services = createCoreServices(ctx, {
        appVersion: options.appVersion,
        dataDir: options.dataDir,
        databasePath,
        localUserName: options.localUserName ?? defaultLocalUserName(),
        storeHealth: () => storeHealth(db),
        capabilities: options.capabilities,
        jobs,
        logError,
        resumeInterruptedWork: openOptions.resumeInterruptedWork,
        syncCrashAt: options.syncCrashAt,
        nativeBinding: options.nativeBinding,
        store: storeControl,
      });
      // A restore a crash interrupted is finished or discarded before anything reads the store.
      if (!db.readonly) restore = settleRestore(options.dataDir, db, ctx.actor, now);
    } catch (error) {
      db.close();
      // e.g. a first-run write on a read-only store, or a damaged page read during setup
      throw classifyError(error) ?? error;
    }
    const handlers = Object.assign({}, ...FEATURES.map((feature) => feature(services).handlers)) as HandlerMap;
    const dispatcher = createDispatcher(handlers, {
      isTrustedSender: options.isTrustedSender,
      logError,
      classifyError,
      afterCall: () => ctx.flushCommitted(),
    });
    const stopWatching =
      pollMs > 0
        ? watchExternalChanges({ feed: createChangeFeedRepository(db), intervalMs: pollMs, isOwnAuditId: ctx.isOwnAuditId, onChanged: (entities, truncated) => announce('other-process', entities, truncated) })
        : () => {};
    return { db, ctx, services, dispatcher, stopWatching, restore };
  };

  const closeRuntime = (r: StoreRuntime) => {
    r.stopWatching();
    if (r.db.open) r.db.close();
  };

  /** While the store is being replaced every call answers this (nothing reaches the closed store). */
  let replacing = false;
  const REPLACING: Result<unknown> = { ok: false, error: { code: 'E_BUSY', message: 'Gatehouse is restoring a backup; try again in a moment. Nothing was changed.' } };

  // The close/reopen path of a restore: stop serving, close, swap, reopen (the old store when the swap failed).
  const storeControl: StoreControl = {
    async replaceStore(swap) {
      replacing = true;
      try {
        closeRuntime(runtime);
        try {
          await swap();
        } finally {
          runtime = openRuntime({ quickCheck: false, resumeInterruptedWork: false });
          announce('this-core', [{ entityType: 'store', entityId: 'store', workspaceId: null }]);
        }
        return { ctx: runtime.ctx, restore: runtime.restore };
      } finally {
        replacing = false;
      }
    },
  };

  const background = options.quickCheck !== false && options.integrityCheck === 'background';
  let runtime = openRuntime({
    ...(options.quickCheck === false ? { quickCheck: false } : background ? { quickCheck: 'before-migrating' as const } : {}),
    resumeInterruptedWork: options.resumeInterruptedWork,
  });

  // The background integrity check of the store just opened (when it was not checked at open).
  let integrity: IntegrityCheck | null = null;
  if (background && !runtime.db.readonly && storeHealth(runtime.db).integrity === 'ok') {
    const checked = runtime;
    try {
      integrity = checkIntegrityInBackground(databasePath, options.nativeBinding);
    } catch (error) {
      logError('store:integrity', error);
    }
    integrity?.result.then(
      (damage) => {
        // A restore (or a close) replaced the store meanwhile: this answer is about a store no longer in use.
        if (damage === null || runtime !== checked || replacing || closing) return;
        for (const job of jobs.list()) {
          if (!FINISHED_JOB_STATES.includes(job.state)) jobs.cancel(job.jobId, new JobCancelledError('The store failed its integrity check; Gatehouse switched it to read-only. Nothing more was written.'));
        }
        closeRuntime(runtime);
        runtime = openRuntime({ knownDamage: damage, resumeInterruptedWork: false });
        announce('this-core', [{ entityType: 'store', entityId: 'store', workspaceId: null }]);
      },
      (error: unknown) => {
        if (!closing && !(error instanceof Error && error.message === 'integrity check cancelled')) logError('store:integrity', error);
      },
    );
  }

  // The job channels read only the runner (not the store): they keep answering during the swap, so a door can follow the restore.
  const held = (channel: string) => replacing && !channel.startsWith('jobs:');
  const dispatcher: Dispatcher = {
    channels: runtime.dispatcher.channels,
    dispatch: (channel, input, sender) => (held(channel) ? REPLACING : runtime.dispatcher.dispatch(channel, input, sender)),
    dispatchAsync: (channel, input, sender) => (held(channel) ? Promise.resolve(REPLACING) : runtime.dispatcher.dispatchAsync(channel, input, sender)),
  };

  let closing: Promise<void> | null = null;
  return {
    get db() {
      return runtime.db;
    },
    dataDir: options.dataDir,
    dispatcher,
    jobs,
    get services() {
      return runtime.services;
    },
    on: hub.on,
    close() {
      if (closing) return closing;
      integrity?.cancel();
      const unfinished = jobs.list().some((j) => j.state === 'running' || j.state === 'waiting');
      if (!unfinished) {
        closeRuntime(runtime); // nothing to wait for: close now, synchronously
        closing = Promise.resolve();
      } else {
        closing = jobs.dispose().then(() => closeRuntime(runtime));
      }
      return closing;
    },
  };
}

export type { ChannelName };
