/**
 * Shared helpers of the sync integration tests: a real reference gateway (SQLite in a temp dir)
 * behind the fault-injecting proxy, both on 127.0.0.1, and "laptops": real cores on real SQLite
 * files, driven through their dispatcher like a door (`remotes:create`, `sync:plan` as a job
 * followed through the job events and `jobs:status`, `sync:getPlan`, `sync:apply`, `sync:resolve`,
 * `sync:pullUsage`, and the domain channels for edits).
 *
 * The one thing swapped is the remote adapter's clock: each laptop's sync adapter is the real
 * gatehouse-v1 adapter over the real HTTP transport, but with a recorded, instant `sleep`, a
 * fixed `random` (no jitter), a fixed `now` for Retry-After dates and a short request timeout, so
 * retries and Retry-After waits are exact and fast. It is put in place by wrapping the core's
 * `remotes.connect` (what the sync engine calls for every plan, apply and usage pull).
 */
import fs from 'node:fs';
import { afterEach, expect } from 'vitest';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../shared/contract';
import type { ErrorPayload, Result } from '../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobResult, type JobStatus } from '../../shared/contract/job-schemas';
import type { PlanConflict, Remote, SyncPlan } from '../../shared/contract/sync-schemas';
import { resourcePath, type RemoteResource, type ResourceType } from '../../shared/gateway-protocol/v1';
import { createGasaAdapter, type RetryPolicy } from '../../electron/core/services/sync/gasa-adapter';
import { createHttpTransport } from '../../electron/core/services/sync/http-transport';
import { openTestCoreFromTemplate, type TestCore } from '../../electron/core/testing/temp-core';
import { fault, startFaultyProxy, type FaultAction, type FaultyProxy } from '../reference-gateway/faulty-proxy';
import { startReferenceGateway, type GatewayLimits, type ReferenceGateway } from '../reference-gateway/server';
import { ADMIN_A, ADMIN_B, createApi, makeTempDir, type Api } from '../reference-gateway/test-kit';

export { ADMIN_A, ADMIN_B };
/** A third admin: "someone else" editing the gateway directly (its console, another tool). */
export const CONSOLE = { key: 'gha_test-admin-key-console', label: 'console' };

export type SyncApplyResult = Extract<JobResult, { kind: 'sync-apply' }>;
export type SyncUsageResult = Extract<JobResult, { kind: 'sync-usage' }>;

// ---- The gateway and its proxy --------------------------------------------------------------

export interface RemoteRow {
  type: ResourceType;
  id: string;
  parentId: string | null;
  version: number;
  data: Record<string, unknown>;
  /** The write-only fields as the gateway stored them (hashes, provider secrets). */
  secret: Record<string, unknown>;
  updatedBy: string;
}

export interface SyncEnv {
  gateway: ReferenceGateway;
  proxy: FaultyProxy;
  /** The gateway's admin API, direct (not through the proxy), as CONSOLE. */
  api: Api;
  dataDir: string;
  /** Every live resource on the gateway, read from its SQLite file. */
  remoteRows(type?: ResourceType): RemoteRow[];
  remoteRow(type: ResourceType, id: string, parentId?: string | null): RemoteRow | null;
  /** The gateway's change feed (every version each resource went through). */
  remoteChanges(): { seq: number; type: ResourceType; id: string; parentId: string | null; op: 'upsert' | 'delete'; version: number; actor: string }[];
  close(): Promise<void>;
}

export async function startSyncEnv(options: { limits?: Partial<GatewayLimits>; changeRetention?: number } = {}): Promise<SyncEnv> {
  const dataDir = makeTempDir();
  const gateway = await startReferenceGateway({
    dataDir,
    adminKeys: [ADMIN_A, ADMIN_B, CONSOLE],
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.changeRetention ? { changeRetention: options.changeRetention } : {}),
  });
  const proxy = await startFaultyProxy({ target: gateway.url });
  const toRow = (raw: { type: ResourceType; id: string; parent_id: string | null; version: number; data_json: string; secret_json: string; updated_by: string }): RemoteRow => ({
    type: raw.type,
    id: raw.id,
    parentId: raw.parent_id,
    version: raw.version,
    data: JSON.parse(raw.data_json) as Record<string, unknown>,
    secret: JSON.parse(raw.secret_json) as Record<string, unknown>,
    updatedBy: raw.updated_by,
  });
  type Raw = Parameters<typeof toRow>[0];
  return {
    gateway,
    proxy,
    api: createApi(gateway.url, CONSOLE.key),
    dataDir,
    remoteRows(type) {
      const rows = (type
        ? gateway.db.prepare('SELECT * FROM resources WHERE type = ? ORDER BY ord, id, scope').all(type)
        : gateway.db.prepare('SELECT * FROM resources ORDER BY ord, id, scope').all()) as Raw[];
      return rows.map(toRow);
    },
    remoteRow(type, id, parentId = null) {
      const raw = gateway.db
        .prepare('SELECT * FROM resources WHERE type = ? AND id = ? AND (? IS NULL OR parent_id = ?)')
        .get(type, id, parentId, parentId) as Raw | undefined;
      return raw ? toRow(raw) : null;
    },
    remoteChanges() {
      return (gateway.db.prepare('SELECT seq, type, id, parent_id AS parentId, op, version, actor FROM changes ORDER BY seq').all() as ReturnType<SyncEnv['remoteChanges']>);
    },
    async close() {
      await proxy.close();
      await gateway.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** GET a resource from the gateway (direct) and PUT it back with one field changed, If-Match its ETag. */
export async function remoteEdit(env: SyncEnv, type: ResourceType, id: string, parentId: string | null, change: Record<string, unknown>): Promise<RemoteResource> {
  const path = resourcePath(type, id, parentId);
  const current = await env.api('GET', path);
  if (current.status !== 200) throw new Error(`remoteEdit: GET ${path} → ${current.status} ${current.text}`);
  const answer = await env.api('PUT', path, { ifMatch: current.body.etag, body: { data: { ...current.body.data, ...change } } });
  if (answer.status !== 200) throw new Error(`remoteEdit: PUT ${path} → ${answer.status} ${answer.text}`);
  return answer.body as RemoteResource;
}

/** DELETE a resource on the gateway (direct), If-Match its current ETag. */
export async function remoteDelete(env: SyncEnv, type: ResourceType, id: string, parentId: string | null): Promise<void> {
  const path = resourcePath(type, id, parentId);
  const current = await env.api('GET', path);
  if (current.status !== 200) throw new Error(`remoteDelete: GET ${path} → ${current.status} ${current.text}`);
  const answer = await env.api('DELETE', path, { ifMatch: current.body.etag });
  if (answer.status !== 204) throw new Error(`remoteDelete: DELETE ${path} → ${answer.status} ${answer.text}`);
}

// ---- Laptops ----------------------------------------------------------------------------------

export interface LaptopOptions {
  /** Remote name (also the `sync: <name>` audit actor of pulls). */
  remoteName?: string;
  admin?: { key: string; label: string };
  /** The laptop user's name; laptops with different names get different ids for their defaults. */
  localUserName?: string;
  /** Through the fault proxy (default) or straight to the gateway. */
  via?: 'proxy' | 'direct';
  retry?: Partial<RetryPolicy>;
  /** Per-request timeout of the sync adapter (ms). */
  timeoutMs?: number;
  /** The adapter's clock (Retry-After dates are measured against it); default the real clock. */
  adapterNow?: () => Date;
}

export interface Laptop {
  core: TestCore;
  remote: Remote;
  credential: string;
  /** Every wait the sync adapter asked for (backoff and Retry-After), in ms, in order. */
  sleeps: number[];
  /** What the core logged through logError (channel, message). */
  logs: string[];
  /** Every job status seen in the core's job events. */
  jobEvents: JobStatus[];
  invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<Result<ChannelOutput<C>>>;
  ok<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  /** Expects an error result and returns its payload. */
  fails<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ErrorPayload>;
  /** Starts a job channel and waits (job events, then `jobs:status`) until it finished. */
  job<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<JobStatus>;
  /** `sync:plan` → the stored plan (`sync:getPlan`); fails the test when the job fails. */
  plan(): Promise<SyncPlan>;
  /** `sync:apply` of this plan → the result; fails the test when the job fails. */
  apply(plan: SyncPlan): Promise<SyncApplyResult>;
  /** Plan, then apply whatever is runnable (nothing when the plan is empty or only conflicts). */
  sync(): Promise<{ plan: SyncPlan; result: SyncApplyResult | null }>;
  resolveAll(plan: SyncPlan, choice: 'keep-local' | 'take-remote', only?: (c: PlanConflict) => boolean): Promise<number>;
  pullUsage(): Promise<SyncUsageResult>;
  defaultWorkspaceId(): string;
  dispose(): void;
}

const CREDENTIALS = new Map([
  [ADMIN_A.label, ADMIN_A.key],
  [ADMIN_B.label, ADMIN_B.key],
  [CONSOLE.label, CONSOLE.key],
]);

/** Fast, deterministic retries: no jitter (random = 1 → the full backoff), tiny base delay. */
export const FAST_RETRY: Partial<RetryPolicy> = { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 8, retryAfterCapMs: 60_000 };

export async function openLaptop(env: SyncEnv, options: LaptopOptions = {}): Promise<Laptop> {
  const admin = options.admin ?? ADMIN_A;
  const logs: string[] = [];
  const core = openTestCoreFromTemplate({
    localUserName: options.localUserName ?? `user of ${admin.label}`,
    externalChangePollMs: 0,
    logError: (channel, error) => logs.push(`${channel}: ${error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error)}`),
  });
  const sleeps: number[] = [];
  const jobEvents: JobStatus[] = [];
  const finished = new Map<string, (job: JobStatus) => void>();
  core.on((event) => {
    if (event.type !== 'job') return;
    jobEvents.push(event.job);
    if (FINISHED_JOB_STATES.includes(event.job.state)) finished.get(event.job.jobId)?.(event.job);
  });
  const sender = { kind: 'cli' } as const;
  const invoke = <C extends ChannelName>(channel: C, input: ChannelInput<C>) => core.dispatcher.dispatchAsync(channel, input, sender) as Promise<Result<ChannelOutput<C>>>;
  const ok = async <C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> => {
    const result = await invoke(channel, input);
    if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
    return result.data;
  };
  const fails = async <C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ErrorPayload> => {
    const result = await invoke(channel, input);
    if (result.ok) throw new Error(`${channel} succeeded, expected an error: ${JSON.stringify(result.data)}`);
    return result.error;
  };
  const job = async <C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<JobStatus> => {
    const started = (await ok(channel, input)) as unknown as JobStatus;
    const done = new Promise<JobStatus>((resolve) => finished.set(started.jobId, resolve));
    const now = await ok('jobs:status', { jobId: started.jobId });
    if (!FINISHED_JOB_STATES.includes(now.state)) await done;
    finished.delete(started.jobId);
    return ok('jobs:status', { jobId: started.jobId });
  };

  const credential = CREDENTIALS.get(admin.label) ?? admin.key;
  const baseUrl = options.via === 'direct' ? env.gateway.url : env.proxy.url;
  const remote = await ok('remotes:create', { name: options.remoteName ?? 'gw', kind: 'gatehouse-v1', baseUrl, credential });

  // The engine connects through `remotes.connect` for every job: keep its remote and capabilities
  // (stored, their limits become local limits), swap in the same adapter with a test clock. The
  // swapped adapter keeps the credential given here: `remotes:update` of the credential reaches
  // only `remotes:test` and the capabilities read (the first request of every plan).
  // (A CoreOptions hook for the adapter's clock would make this wrapping unnecessary.)
  const remotes = core.services.remotes;
  const connect = remotes.connect.bind(remotes);
  const transport = createHttpTransport({ timeoutMs: options.timeoutMs ?? 2_000 });
  const adapter = createGasaAdapter({
    baseUrl,
    credential,
    transport,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 1,
    now: options.adapterNow ?? (() => new Date()),
    retry: { ...FAST_RETRY, ...options.retry },
  });
  remotes.connect = (id: string) => ({ ...connect(id), adapter });

  const laptop: Laptop = {
    core,
    remote,
    credential,
    sleeps,
    logs,
    jobEvents,
    invoke,
    ok,
    fails,
    job,
    async plan() {
      const status = await job('sync:plan', { remoteId: remote.id });
      if (status.state !== 'done' || status.result?.kind !== 'sync-plan') throw new Error(`sync:plan ${status.state}: ${JSON.stringify(status.error)}`);
      const plan = await ok('sync:getPlan', { runId: status.result.runId });
      expect(plan.planHash).toBe(status.result.planHash);
      return plan;
    },
    async apply(plan) {
      const status = await job('sync:apply', { runId: plan.runId, planHash: plan.planHash });
      if (status.state !== 'done' || status.result?.kind !== 'sync-apply') throw new Error(`sync:apply ${status.state}: ${JSON.stringify(status.error)}`);
      return status.result;
    },
    async sync() {
      const plan = await laptop.plan();
      const runnable = plan.ops.some((op) => op.kind !== 'conflict');
      return { plan, result: runnable ? await laptop.apply(plan) : null };
    },
    async resolveAll(plan, choice, only = () => true) {
      let n = 0;
      for (const c of plan.conflicts.filter(only)) {
        await ok('sync:resolve', { remoteId: remote.id, key: c.key, choice });
        n += 1;
      }
      return n;
    },
    async pullUsage() {
      const status = await job('sync:pullUsage', { remoteId: remote.id });
      if (status.state !== 'done' || status.result?.kind !== 'sync-usage') throw new Error(`sync:pullUsage ${status.state}: ${JSON.stringify(status.error)}`);
      return status.result;
    },
    defaultWorkspaceId() {
      return core.db.prepare('SELECT id FROM workspaces WHERE is_default = 1').pluck().get() as string;
    },
    dispose() {
      transport.close();
      core.dispose();
    },
  };
  return laptop;
}

/**
 * For a test file's top level: returns `laptop(options)`, which opens a laptop on the env the test
 * has started (`currentEnv()`); after each test every laptop opened so is disposed and the env closed.
 */
export function laptopsClosedAfterEach(currentEnv: () => SyncEnv | undefined): (options?: LaptopOptions) => Promise<Laptop> {
  const open: Laptop[] = [];
  afterEach(async () => {
    for (const laptop of open.splice(0)) laptop.dispose();
    await currentEnv()?.close();
  });
  return async (options: LaptopOptions = {}) => {
    const env = currentEnv();
    if (!env) throw new Error('start the sync env (startSyncEnv) before opening a laptop');
    const l = await openLaptop(env, options);
    open.push(l);
    return l;
  };
}

/**
 * Plans, resolves every conflict with `choice`, applies, until a plan is empty (at most `rounds`
 * plans). Returns the plans seen; fails the test when it does not converge.
 */
export async function converge(laptop: Laptop, choice: 'keep-local' | 'take-remote' = 'keep-local', rounds = 6): Promise<SyncPlan[]> {
  const plans: SyncPlan[] = [];
  for (let i = 0; i < rounds; i++) {
    const plan = await laptop.plan();
    plans.push(plan);
    if (plan.ops.length === 0) return plans;
    if (plan.conflicts.length > 0) {
      await laptop.resolveAll(plan, choice);
      continue;
    }
    await laptop.apply(plan);
  }
  throw new Error(`no empty plan after ${rounds} rounds; last: ${JSON.stringify(plans.at(-1)?.ops.map((op) => [op.kind, op.type, op.localId, op.fields.map((f) => f.path)]))}`);
}

/** How many mutating requests reached the gateway through the proxy since `mark`. */
export const writesSince = (env: SyncEnv, mark: number) => env.proxy.forwardedWrites() - mark;

/** A compact view of the plan's ops: `kind type localId` (for readable assertions). */
export const opsOf = (plan: SyncPlan) => plan.ops.map((op) => `${op.kind} ${op.type} ${op.localId}`);

// ---- Random faults ----------------------------------------------------------------------------

/** mulberry32: a small seeded PRNG, so a failing run can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FAULTS: { weight: number; make: (now: Date) => FaultAction | 'dropResponseAfterCommit' | 'timeoutBeforeCommit' | 'duplicateDelivery' }[] = [
  { weight: 20, make: () => 'dropResponseAfterCommit' },
  { weight: 8, make: () => 'timeoutBeforeCommit' },
  { weight: 12, make: () => fault.status(500, 'before') },
  { weight: 12, make: () => fault.status(502, 'after') },
  { weight: 8, make: () => fault.status(500, 'after') },
  { weight: 10, make: () => fault.status(503, 'before', '1') },
  { weight: 8, make: () => fault.status429('2') },
  { weight: 6, make: (now) => fault.status429(new Date(now.getTime() + 5_000)) },
  { weight: 16, make: () => 'duplicateDelivery' },
];

/** Rules for the first `n` writes: each one faulted with probability `rate`, the kind by weight. */
export function faultSchedule(proxy: SyncEnv['proxy'], random: () => number, n: number, rate: number): number {
  const total = FAULTS.reduce((sum, f) => sum + f.weight, 0);
  let scheduled = 0;
  for (let nth = 1; nth <= n; nth++) {
    if (random() >= rate) continue;
    let pick = random() * total;
    const kind = FAULTS.find((f) => (pick -= f.weight) < 0) ?? FAULTS[0]!;
    proxy.addRule({ path: /^\/v1\/(workspaces|members|provider-keys)\//, nth, action: kind.make(new Date()) });
    scheduled += 1;
  }
  return scheduled;
}

