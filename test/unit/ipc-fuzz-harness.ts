/**
 * The IPC fuzzer (issue #12): drives a REAL core (real SQLite file in a temp dir, real job runner,
 * real gatehouse-v1 adapter against the reference gateway on 127.0.0.1) through its dispatcher,
 * exactly as a door does (`dispatchAsync`, a trusted sender), for every channel of
 * `shared/contract/contract.ts`. Channels are enumerated from the contract and valid payloads are
 * derived from each channel's input schema (its JSON Schema), so a new channel is fuzzed without
 * touching this file.
 *
 * Payload families: arbitrary JSON and structured-clone values; valid payloads (IDs, names and
 * secrets drawn from what the store holds now or held before: deleted things stay in the pool);
 * and valid payloads mutated (a field dropped, a wrong type, an extra key, own `__proto__` /
 * `constructor` / `prototype` keys, huge, pumped (ReDoS probe) and odd-unicode strings, lone
 * surrogates and NUL, NaN/±Infinity/-0/1e308/2^53+1, deep nesting, huge arrays, unknown IDs and
 * IDs of deleted things). Generated values are compact recipes (a huge string is `{hugeString}`
 * until the call), so a failure report stays readable.
 *
 * The oracle, for every call: nothing throws out of the dispatcher; the answer is ok (valid
 * against the output schema) or a typed error whose code is not E_INTERNAL and whose message and
 * issues hold no stack trace and no secret; a rejected call leaves the store exactly as it was
 * (`probeStore`: total_changes/schema/data_version marks, full table dumps compared when a mark
 * moved); jobs the call started end without E_INTERNAL; nothing is logged through `logError`; no
 * socket is opened to anything but a loopback address. Vitest-free: the unit test and the bench
 * both use it.
 */
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { inspect, isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { CHANNEL_NAMES, type ChannelName } from '../../shared/contract/channel-names';
import { contract } from '../../shared/contract/contract';
import { ERROR_CODES, type ErrorPayload, type Result } from '../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobStatus } from '../../shared/contract/job-schemas';
import type { Sender } from '../../electron/core/handlers/pipeline';
import type { HostCapabilities } from '../../electron/core/host-capabilities';
import { createGasaAdapter } from '../../electron/core/services/sync/gasa-adapter';
import { createHttpTransport, isLoopbackHost } from '../../electron/core/services/sync/http-transport';
import { makeTempDir, openTestCore, probeStore, type StoreProbe, type TestCore } from '../../electron/core/testing/temp-core';
import { startReferenceGateway, type ReferenceGateway } from '../reference-gateway/server';
import { ADMIN_A, ADMIN_B, createApi, type Api } from '../reference-gateway/test-kit';

const CLI: Sender = { kind: 'cli' };
const CONSOLE = { key: 'gha_fuzz-console-admin-key', label: 'console' };

// ---- Secrets the fuzzer hands in: none may ever come back out (or land in the store in clear) ----

/** Provider secrets and remote credentials the generators use; recognisable, ≥ 8 visible chars. */
export const FUZZ_SECRETS: readonly string[] = [
  ...Array.from({ length: 8 }, (_, i) => `sk-fuzz${i}-Q7r${'x'.repeat(i)}Z${(1_000_003 * (i + 7)).toString(36)}`),
  ...Array.from({ length: 4 }, (_, i) => `gha_fuzz-remote-credential-${i}-${(7_777_777 * (i + 3)).toString(36)}`),
  ADMIN_A.key,
  ADMIN_B.key,
];

// ---- Network guard -------------------------------------------------------------------------------

export interface NetworkGuard {
  /** Hosts something tried to connect to that are not loopback (the attempt was stopped). */
  blocked: string[];
  restore(): void;
}

/**
 * Stops (and records) every TCP/TLS connection to a non-loopback host made in this process, before
 * any DNS lookup: the fuzz run must never leave the machine whatever URL a payload names.
 */
export function guardNetwork(): NetworkGuard {
  const original = net.Socket.prototype.connect;
  const blocked: string[] = [];
  const patched = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let host: string | null = null;
    if (typeof first === 'object' && first !== null) {
      const options = first as { host?: string; path?: string };
      if (!options.path) host = options.host ?? 'localhost';
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      host = typeof args[1] === 'string' ? args[1] : 'localhost';
    }
    if (host !== null && !isLoopbackHost(host)) {
      blocked.push(host);
      process.nextTick(() => this.destroy(new Error(`ipc-fuzz: blocked a connection to ${host}`)));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = patched as unknown as typeof original;
  return {
    blocked,
    restore() {
      net.Socket.prototype.connect = original;
    },
  };
}

// ---- The pool: what the store holds now, and what it held ---------------------------------------

export interface Pool {
  /** Every ID ever seen (deleted ones stay): workspaces, members, keys, provider keys, remotes, runs, jobs, models, uploads, plan hashes. */
  ids: Set<string>;
  /** IDs present right now (so "deleted" = ids − live). */
  live: Set<string>;
  names: Set<string>;
  emails: Set<string>;
  vendors: string[];
  conflictKeys: Set<string>;
  auditIds: number[];
  /** API key secrets the core answered (keys:create / keys:rotate): for keys:verify, and never to be seen elsewhere. */
  apiKeySecrets: string[];
  version: number;
}

function emptyPool(): Pool {
  return { ids: new Set(), live: new Set(), names: new Set(), emails: new Set(), vendors: [], conflictKeys: new Set(), auditIds: [], apiKeySecrets: [], version: 0 };
}

// ---- The environment -------------------------------------------------------------------------------

export interface FuzzEnv {
  core: TestCore;
  gateway: ReferenceGateway;
  /** The gateway's admin API (another admin editing it directly). */
  api: Api;
  gatewayUrl: string;
  /** 127.0.0.1 on a port nothing listens on. */
  unreachableUrl: string;
  pool: Pool;
  guard: NetworkGuard;
  /** What the core logged through logError: an unexpected failure somewhere. */
  logged: string[];
  /** A real self-signed certificate (PEM) for `caCertificate`, or null without openssl. */
  caPem: string | null;
  refreshPool(): void;
  close(): Promise<void>;
}

async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const pick = <T>(list: readonly T[], n: number): T => list[Math.abs(n) % list.length]!;

/** A small usage CSV over the pool's workspaces/keys/models; `kind` picks valid, broken or edge files. */
function usageCsv(pool: Pool, kind: number, serial: number): string {
  const header = 'id,time,workspace_id,key_id,model_id,requests,input_tokens,output_tokens,cached_tokens,cost_micros,currency';
  const ws = [...pool.live].filter((id) => id.startsWith('ws-'));
  const keys = [...pool.live].filter((id) => id.startsWith('key-'));
  const models = ['gpt-4o', 'claude-sonnet-4', 'qwen3.7-max', 'unknown-model'];
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  const row = (i: number, over: Partial<Record<string, string>> = {}) => {
    const cells: Record<string, string> = {
      id: `fz-${serial}-${i}`,
      time: `${day(i % 40)}T${String(i % 24).padStart(2, '0')}:15:00Z`,
      workspace_id: ws.length ? pick(ws, i) : 'ws-gone0001',
      key_id: keys.length && i % 3 ? pick(keys, i) : '',
      model_id: pick(models, i),
      requests: String(1 + (i % 9)),
      input_tokens: String(100 * i),
      output_tokens: String(40 * i),
      cached_tokens: String(10 * i),
      cost_micros: String(1234 * i),
      currency: i % 7 === 0 ? 'EUR' : 'USD',
      ...over,
    };
    return header.split(',').map((c) => cells[c]).join(',');
  };
  switch (kind % 7) {
    case 0:
    case 1:
      return [header, ...Array.from({ length: 12 }, (_, i) => row(i + 1))].join('\n') + '\n';
    case 2: // one bad line: the whole import is refused
      return [header, row(1), row(2, { time: '2026-02-30T10:00:00Z' }), row(3)].join('\n') + '\n';
    case 3: // header only
      return header + '\n';
    case 4: // at the per-record caps
      return [header, row(1, { cost_micros: '1000000000000', input_tokens: '10000000000', cached_tokens: '10000000000', requests: '1000000000' })].join('\n') + '\n';
    case 5: // over a cap
      return [header, row(1, { cost_micros: '1000000000001' })].join('\n') + '\n';
    default: // not a CSV at all
      return '\u0000\uFFFD\u00ff,"unterminated\n' + 'x'.repeat(100);
  }
}

export async function openFuzzEnv(): Promise<FuzzEnv> {
  const guard = guardNetwork();
  const root = makeTempDir('gatehouse-fuzz-');
  const exportsDir = path.join(root, 'exports');
  const uploadsDir = path.join(root, 'uploads');
  fs.mkdirSync(exportsDir);
  fs.mkdirSync(uploadsDir);
  const gateway = await startReferenceGateway({ dataDir: path.join(root, 'gateway'), adminKeys: [ADMIN_A, ADMIN_B, CONSOLE] });
  const unreachableUrl = `http://127.0.0.1:${await unusedPort()}`;
  let caPem: string | null;
  try {
    const [key, cert] = [path.join(root, 'ca-key.pem'), path.join(root, 'ca.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    caPem = fs.readFileSync(cert, 'utf8');
  } catch {
    caPem = null; // no openssl: only unreadable certificates are fuzzed
  }
  const pool = emptyPool();
  let serial = 0;
  const fileFor = (kind: number): string => {
    const file = path.join(uploadsDir, `u-${++serial}.csv`);
    fs.writeFileSync(file, usageCsv(pool, kind, serial));
    return file;
  };
  const uploadKinds = new Map(Array.from({ length: 7 }, (_, i) => [`up-${i}`, i]));
  for (const id of uploadKinds.keys()) pool.ids.add(id);
  let opens = 0;
  let saves = 0;
  const capabilities: HostCapabilities = {
    // One in five save dialogs is dismissed; the others name a fresh file in the run's folder.
    chooseSavePath: ({ suggestedName, jobId }) => Promise.resolve(++saves % 5 === 0 ? null : path.join(exportsDir, `${jobId}-${suggestedName}`)),
    chooseOpenPath: () => Promise.resolve(++opens % 6 === 0 ? null : fileFor(opens)),
    resolveUpload: (uploadId) => Promise.resolve(uploadKinds.has(uploadId) ? fileFor(uploadKinds.get(uploadId)!) : null),
    releaseUpload: () => Promise.resolve(),
  };
  const logged: string[] = [];
  const core = openTestCore({
    dataDir: path.join(root, 'data'),
    capabilities,
    externalChangePollMs: 0,
    logError: (channel, error) => logged.push(`${channel}: ${error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : inspect(error)}`),
  });
  fs.mkdirSync(core.dataDir, { recursive: true });

  // Sync against anything but the live gateway fails fast: same real adapter and transport, but
  // an instant backoff (the default waits up to 8 s between six attempts to an unreachable host).
  const gatewayOrigin = new URL(gateway.url).origin;
  const remotes = core.services.remotes;
  const connect = remotes.connect.bind(remotes);
  remotes.connect = (id: string) => {
    const connection = connect(id);
    let origin: string | null;
    try {
      origin = new URL(connection.remote.baseUrl).origin;
    } catch {
      origin = null;
    }
    if (origin === gatewayOrigin) return connection;
    const adapter = createGasaAdapter({
      baseUrl: connection.remote.baseUrl,
      credential: 'gha_unused-for-an-unreachable-remote',
      transport: createHttpTransport({ timeoutMs: 2_000 }),
      sleep: () => Promise.resolve(),
      random: () => 1,
      now: () => new Date(),
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 4 },
    });
    return { ...connection, adapter, capabilities: () => adapter.capabilities() };
  };

  const refreshPool = () => {
    const db = core.db;
    const live = new Set<string>();
    const ids = (sql: string) => db.prepare(sql).pluck().all() as string[];
    for (const sql of [
      'SELECT id FROM workspaces',
      'SELECT id FROM members',
      'SELECT id FROM api_keys',
      'SELECT id FROM provider_keys',
      'SELECT id FROM sync_remotes',
      'SELECT id FROM sync_runs ORDER BY created_at DESC LIMIT 40',
      'SELECT plan_hash FROM sync_runs ORDER BY created_at DESC LIMIT 40',
    ]) {
      for (const id of ids(sql)) live.add(id);
    }
    for (const job of core.jobs.list()) live.add(job.jobId);
    for (const id of live) pool.ids.add(id);
    pool.live = live;
    for (const sql of ['SELECT name FROM workspaces', 'SELECT name FROM members', 'SELECT name FROM api_keys LIMIT 50', 'SELECT label FROM provider_keys', 'SELECT name FROM sync_remotes']) {
      for (const name of ids(sql)) pool.names.add(name);
    }
    for (const email of ids('SELECT email FROM members')) pool.emails.add(email);
    pool.auditIds = db.prepare('SELECT id FROM audit_log ORDER BY id DESC LIMIT 30').pluck().all() as number[];
    for (const planJson of ids("SELECT plan_json FROM sync_runs WHERE plan_json LIKE '%\"conflicts\":[{%' ORDER BY created_at DESC LIMIT 5")) {
      try {
        for (const conflict of (JSON.parse(planJson) as { conflicts?: { key: string }[] }).conflicts ?? []) pool.conflictKeys.add(conflict.key);
      } catch {
        // a plan the fuzzer cannot read is no pool material
      }
    }
    pool.version += 1;
  };

  // The catalog is static: its model IDs and vendors go in once.
  for (const id of core.db.prepare('SELECT id FROM models ORDER BY id LIMIT 600').pluck().all() as string[]) pool.ids.add(id);
  pool.vendors = core.db.prepare('SELECT DISTINCT vendor FROM models ORDER BY vendor').pluck().all() as string[];
  refreshPool();

  return {
    core,
    gateway,
    api: createApi(gateway.url, CONSOLE.key),
    gatewayUrl: gateway.url,
    unreachableUrl,
    pool,
    guard,
    logged,
    caPem,
    refreshPool,
    async close() {
      await settleJobs(core, 0);
      core.dispose();
      await gateway.close();
      guard.restore();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Waits until no job is waiting or running: each gets `graceMs`, then it is cancelled and awaited. */
export async function settleJobs(core: TestCore, graceMs: number): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const unfinished = core.jobs.list().filter((job) => !FINISHED_JOB_STATES.includes(job.state));
    if (unfinished.length === 0) return;
    for (const job of unfinished) {
      const settled = core.jobs.settled(job.jobId);
      const outcome = graceMs > 0 ? await Promise.race([settled, delay(graceMs).then(() => null)]) : null;
      if (outcome === null) {
        core.jobs.cancel(job.jobId);
        await settled;
      }
    }
  }
}

// ---- Realistic data first ---------------------------------------------------------------------------

async function must<T>(core: TestCore, channel: ChannelName, input: unknown): Promise<T> {
  const result = await core.dispatcher.dispatchAsync(channel, input, CLI);
  if (!result.ok) throw new Error(`seed: ${channel} failed: ${JSON.stringify(result.error)}`);
  return result.data as T;
}

async function mustJob(env: FuzzEnv, channel: ChannelName, input: unknown): Promise<JobStatus> {
  const started = await must<JobStatus>(env.core, channel, input);
  const done = await env.core.jobs.settled(started.jobId);
  if (done.state !== 'done') throw new Error(`seed: ${channel} job ${done.state}: ${JSON.stringify(done.error)}\n${env.logged.join('\n')}`);
  return done;
}

/**
 * Workspaces with budgets, owners, members and roles; keys (rotated, revoked); provider keys with
 * pins, two of them made unreadable (their ciphertext damaged, as a bad restore leaves them); model
 * grants and a quota; usage imported and generated; exports; a remote on the live gateway synced
 * once, then edited on both sides so the latest plan holds a conflict; a remote that is down; and
 * one of each thing deleted again (their IDs stay in the pool).
 */
export async function seedRealisticData(env: FuzzEnv): Promise<void> {
  const { core, pool } = env;
  type Ws = { id: string; name: string; version: number };
  const members: { id: string }[] = [];
  for (const [name, email] of [['Ana Admin', 'ana@example.com'], ['Bo Builder', 'bo@example.com'], ['Cy Auditor', 'cy@example.org'], ['Dee Ops', 'dee@example.net']] as const) {
    members.push(await must(core, 'members:create', { name, email }));
  }
  const workspaces: Ws[] = [];
  const specs = [
    { name: 'Search', environment: 'production', region: 'eu', monthlyBudgetMinor: 250_000, currency: 'USD' },
    { name: 'Billing', environment: 'production', region: 'us', monthlyBudgetMinor: 90_000, currency: 'EUR' },
    { name: 'Data Lake', environment: 'staging', region: 'global', monthlyBudgetMinor: 0 },
    { name: 'Bots (beta)', environment: 'sandbox', region: 'rw', monthlyBudgetMinor: 5_000, currency: 'JPY' },
  ];
  for (const [i, spec] of specs.entries()) workspaces.push(await must(core, 'workspaces:create', { ...spec, ownerMemberId: members[i % members.length]!.id, description: `Fuzz seed ${i}` }));
  for (const [i, ws] of workspaces.entries()) {
    await must(core, 'workspaceMembers:add', { workspaceId: ws.id, memberId: members[(i + 1) % members.length]!.id, role: pick(['admin', 'editor', 'viewer'], i) });
  }
  const keyIds: string[] = [];
  for (const [i, ws] of workspaces.entries()) {
    for (let k = 0; k < 2; k++) {
      const created = await must<{ key: { id: string }; secret: string }>(core, 'keys:create', {
        workspaceId: ws.id,
        name: `backend-${k}`,
        rpmLimit: k ? 600 : null,
        tpmLimit: k ? 100_000 : null,
        expiresAt: k ? new Date(Date.now() + (i + 1) * 86_400_000).toISOString() : null,
      });
      pool.apiKeySecrets.push(created.secret);
      keyIds.push(created.key.id);
    }
  }
  pool.apiKeySecrets.push((await must<{ secret: string }>(core, 'keys:rotate', { id: keyIds[0], graceSeconds: 3600 })).secret);
  await must(core, 'keys:revoke', { id: keyIds[1] });
  const providers = await must<{ vendors: string[] }>(core, 'providerKeys:list', {});
  const providerKeys: { id: string; vendor: string }[] = [];
  for (let i = 0; i < 5; i++) {
    providerKeys.push(await must(core, 'providerKeys:create', { vendor: pick(providers.vendors, i * 3), label: `prod-${i}`, secret: FUZZ_SECRETS[i] }));
  }
  await must(core, 'providerAccess:save', { workspaceId: workspaces[0]!.id, disabledKeyIds: [providerKeys[1]!.id], pins: [{ vendor: providerKeys[0]!.vendor, providerKeyId: providerKeys[0]!.id }] });
  // Damaged ciphertext: listed as `unreadable`, what providerKeys:forgetUnreadable is for.
  for (const pk of providerKeys.slice(3)) core.db.prepare('UPDATE provider_keys SET ciphertext = ? WHERE id = ?').run(Buffer.from('damaged ciphertext'), pk.id);
  const models = (core.db.prepare("SELECT id FROM models WHERE type = 'text' ORDER BY id LIMIT 6").pluck().all() as string[]);
  for (const ws of workspaces.slice(1, 3)) {
    await must(core, 'modelGrants:save', { workspaceId: ws.id, grants: models.slice(0, 4).map((modelId, i) => ({ modelId, rpmLimit: i ? 100 * i : null, tpmLimit: i % 2 ? 50_000 : null })) });
  }
  await must(core, 'models:setQuota', { modelId: models[0], tpmQuota: 1_000_000 });
  await must(core, 'budgets:update', { workspaceId: workspaces[0]!.id, thresholds: [50, 90, 120], mode: 'hard' });
  env.refreshPool();
  await mustJob(env, 'usage:import', { source: 'upload', uploadId: 'up-0' });
  await mustJob(env, 'usage:generateSample', { days: 30, rows: 300, seed: 7 });
  await mustJob(env, 'exports:start', { kind: 'workspaces' });

  // Things that existed once.
  const doomed = await must<Ws>(core, 'workspaces:create', { name: 'Doomed' });
  const doomedKey = await must<{ key: { id: string } }>(core, 'keys:create', { workspaceId: workspaces[2]!.id, name: 'doomed' });
  env.refreshPool();
  await must(core, 'workspaces:delete', { id: doomed.id, confirmName: 'Doomed' });
  await must(core, 'keys:revoke', { id: doomedKey.key.id });
  await must(core, 'keys:delete', { id: doomedKey.key.id });
  const doomedMember = await must<{ id: string }>(core, 'members:create', { name: 'Gone Person', email: 'gone@example.com' });
  const doomedProvider = await must<{ id: string }>(core, 'providerKeys:create', { vendor: providers.vendors[0], label: 'doomed', secret: FUZZ_SECRETS[6] });
  const doomedRemote = await must<{ id: string }>(core, 'remotes:create', { name: 'doomed', baseUrl: env.unreachableUrl, credential: FUZZ_SECRETS[9] });
  env.refreshPool();
  await must(core, 'members:delete', { id: doomedMember.id });
  await must(core, 'providerKeys:delete', { id: doomedProvider.id });
  await must(core, 'remotes:delete', { id: doomedRemote.id });

  // Sync: one remote on the live gateway, synced, then a conflicting edit on each side.
  const gw = await must<{ id: string }>(core, 'remotes:create', { name: 'gw', baseUrl: env.gatewayUrl, credential: ADMIN_A.key });
  await must(core, 'remotes:create', { name: 'offline', baseUrl: env.unreachableUrl, credential: FUZZ_SECRETS[8] });
  const first = await mustJob(env, 'sync:plan', { remoteId: gw.id });
  if (first.result?.kind !== 'sync-plan') throw new Error('seed: sync:plan gave no plan');
  await mustJob(env, 'sync:apply', { runId: first.result.runId, planHash: first.result.planHash });
  const target = workspaces[0]!;
  const remote = await env.api('GET', `/v1/workspaces/${target.id}`);
  if (remote.status === 200) {
    await env.api('PUT', `/v1/workspaces/${target.id}`, { ifMatch: remote.body.etag, body: { data: { ...remote.body.data, description: 'edited on the gateway' } } });
  }
  await must(core, 'workspaces:update', { id: target.id, changes: { description: 'edited on the laptop' } });
  await mustJob(env, 'sync:plan', { remoteId: gw.id });
  await settleJobs(core, 5_000);
  env.refreshPool();
}

// ---- Generators: from each channel's input schema -------------------------------------------------

/** A leaf resolved when the call is made: a value from the pool (matching `pattern` or from `bucket`), else `fallback`. */
export class PoolPick {
  constructor(
    readonly from: { pattern: string } | { bucket: 'names' | 'emails' | 'vendors' | 'conflictKeys' | 'apiKeySecrets' | 'auditIds' | 'anyId' | 'secrets' },
    readonly index: number,
    readonly fallback: unknown,
  ) {}
}

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
};

const ISO_INSTANTS = (): string[] => {
  const now = Date.now();
  return [
    new Date(now + 86_400_000 * 30).toISOString(),
    new Date(now - 86_400_000 * 10).toISOString(),
    new Date(now + 3_600_000).toISOString().replace('Z', '+02:00'),
    '2026-02-30T10:00:00Z',
    '2026-01-31T24:00:00Z',
    '2026-01-31T13:60:00Z',
    '2016-12-31T23:59:60Z',
    '2026-01-31T13:45:00',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00+23:59',
    '2026-1-3T1:2:3Z',
    '',
  ];
};
const DAYS = (): string[] => {
  const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
  return [day(0), day(3), day(20), day(45), day(400), day(-30), '2024-02-29', '2025-02-29', '2026-13-01', '0000-01-01', '9999-12-31'];
};
const PEMS = [
  '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----',
  '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ29ycnVwdA==\n-----END CERTIFICATE-----\n',
  'no certificate here',
  '-----BEGIN CERTIFICATE-----\n'.repeat(3),
];

/** Hints by property name, for what a JSON Schema cannot say (an email, an instant, a URL that must stay on this machine). */
function hinted(name: string, schema: JsonSchema, env: FuzzEnv): fc.Arbitrary<unknown> | null {
  const poolOr = (bucket: ConstructorParameters<typeof PoolPick>[0], fallback: fc.Arbitrary<unknown>) =>
    fc.tuple(fc.nat(), fallback).map(([index, value]) => new PoolPick(bucket, index, value));
  switch (name) {
    case 'baseUrl': {
      const gw = env.gatewayUrl;
      const host = new URL(gw).host;
      return fc.constantFrom(gw, `${gw}/`, gw.replace('127.0.0.1', 'localhost'), `${gw}/prefix`, env.unreachableUrl, env.unreachableUrl.replace('http:', 'https:'), `http://[::1]:${new URL(env.unreachableUrl).port}`, 'http://gateway.example.com', 'ftp://127.0.0.1/x', `http://${host}?q=1`, 'https://', 'http:// 127.0.0.1', `HTTP://${host}`);
    }
    case 'credential':
    case 'passphrase':
      return fc.constantFrom(...FUZZ_SECRETS);
    case 'secret':
      // Provider secrets (providerKeys:*) and API key secrets (keys:verify) share the name.
      return fc.oneof(fc.constantFrom(...FUZZ_SECRETS), poolOr({ bucket: 'apiKeySecrets' }, fc.constantFrom(...FUZZ_SECRETS)));
    case 'caCertificate':
      return fc.constantFrom(null, ...(env.caPem ? [env.caPem, env.caPem] : []), ...PEMS);
    case 'email':
      return fc.oneof(
        poolOr({ bucket: 'emails' }, fc.emailAddress()),
        { weight: 3, arbitrary: fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{0,12}$/), fc.nat(99_999), fc.constantFrom('example.com', 'example.org', 'corp.test')).map(([user, n, domain]) => `${user}${n}@${domain}`) },
        fc.emailAddress(),
        fc.constantFrom('not-an-email', 'a@b', 'ANA@EXAMPLE.COM', ' ana@example.com '),
      );
    case 'expectedVersion':
      return fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 4 }) }, integerArb(schema));
    case 'graceSeconds':
      return fc.constantFrom(0, 0, 1800, 3600, 86_400, 604_800, 1799, 604_801, -1);
    case 'expiresAt':
      return fc.constantFrom(...ISO_INSTANTS());
    case 'from':
    case 'to':
      return schema.pattern ? fc.constantFrom(...DAYS()) : fc.constantFrom(...ISO_INSTANTS());
    case 'name':
    case 'label':
    case 'confirmName':
    case 'actor':
    {
      // Existing names a third of the time (duplicates, confirmations), fresh ones otherwise.
      const fresh = schema.pattern ? fc.stringMatching(new RegExp(schema.pattern, 'u')) : fc.string({ minLength: 1, maxLength: 30 });
      return fc.oneof(poolOr({ bucket: 'names' }, fresh), fresh, fresh);
    }
    case 'vendor':
    case 'vendors':
      return poolOr({ bucket: 'vendors' }, fc.string({ maxLength: 20 }));
    case 'key':
      return poolOr({ bucket: 'conflictKeys' }, fc.string({ minLength: 3, maxLength: 40 }));
    case 'workspaceId':
    case 'workspaceIds':
    case 'modelIds':
    case 'keyIds':
      return schema.pattern ? null : poolOr({ bucket: 'anyId' }, fc.string({ maxLength: 20 }));
    case 'id':
    case 'beforeId':
      return schema.type === 'integer' ? poolOr({ bucket: 'auditIds' }, fc.integer({ min: 1, max: 5000 })) : null;
    case 'rows':
      return fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 1, max: 400 }) }, fc.constant(schema.maximum ?? 1), fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1 }));
    case 'days':
      return fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 60 }) }, fc.constant(schema.maximum ?? 1));
    default:
      return null;
  }
}

function integerArb(schema: JsonSchema): fc.Arbitrary<number> {
  const min = Math.max(schema.minimum ?? Number.MIN_SAFE_INTEGER, Number.MIN_SAFE_INTEGER);
  const max = Math.min(schema.maximum ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  const edges = [...new Set([min, max, min + 1, max - 1, 0, 1].filter((n) => n >= min && n <= max))];
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...edges) },
    { weight: 4, arbitrary: fc.integer({ min, max: Math.min(max, min + 1000) }) },
    { weight: 2, arbitrary: fc.integer({ min, max }) },
  );
}

/** A generator of valid-looking values for one JSON Schema node (`name` = the property it sits under). */
export function schemaArb(schema: JsonSchema, env: FuzzEnv, name = ''): fc.Arbitrary<unknown> {
  const hint = name ? hinted(name, schema, env) : null;
  if (hint && schema.type !== 'object' && schema.type !== 'array') return hint;
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) return fc.oneof(...branches.map((branch) => schemaArb(branch, env, name)));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'object': {
      const properties = schema.properties ?? {};
      const required = schema.required ?? [];
      const shape = Object.fromEntries(Object.entries(properties).map(([key, sub]) => [key, schemaArb(sub, env, key)]));
      return fc.record(shape, { requiredKeys: required, noNullPrototype: true });
    }
    case 'array': {
      const items = schema.items ? schemaArb(schema.items, env, name) : fc.jsonValue();
      const minLength = schema.minItems ?? 0;
      const small = fc.array(items, { minLength, maxLength: Math.max(minLength, Math.min(schema.maxItems ?? 3, 3)) });
      return minLength === 0 ? fc.oneof(fc.constant([]), small, small) : small;
    }
    case 'string': {
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 40, 40);
      if (schema.pattern) {
        const fallback = fc.stringMatching(new RegExp(schema.pattern, 'u'));
        return fc.tuple(fc.nat(), fallback, fc.nat(9)).map(([index, value, coin]) => (coin < 9 ? new PoolPick({ pattern: schema.pattern! }, index, value) : value));
      }
      return fc.oneof(
        fc.string({ minLength, maxLength: Math.max(minLength, maxLength) }),
        fc.tuple(fc.nat(), fc.string({ minLength, maxLength: Math.max(minLength, maxLength) })).map(([index, value]) => new PoolPick({ bucket: 'anyId' }, index, value)),
      );
    }
    case 'integer':
      return integerArb(schema);
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

const patternCache = new Map<string, { version: number; values: string[] }>();

function poolValues(from: PoolPick['from'], env: FuzzEnv): unknown[] {
  const pool = env.pool;
  if ('pattern' in from) {
    const cached = patternCache.get(from.pattern);
    if (cached && cached.version === pool.version) return cached.values;
    const re = new RegExp(from.pattern, 'u');
    const values = [...pool.ids].filter((id) => re.test(id));
    patternCache.set(from.pattern, { version: pool.version, values });
    return values;
  }
  switch (from.bucket) {
    case 'names':
      return [...pool.names];
    case 'emails':
      return [...pool.emails];
    case 'vendors':
      return pool.vendors;
    case 'conflictKeys':
      return [...pool.conflictKeys];
    case 'apiKeySecrets':
      return pool.apiKeySecrets;
    case 'secrets':
      return [...FUZZ_SECRETS];
    case 'auditIds':
      return pool.auditIds;
    case 'anyId':
      return [...pool.ids].filter((id) => !/^[a-z0-9._:/@+-]+$/.test(id) || /^(ws|key|mem|pk|rem|run|job)-/.test(id)).concat([...pool.ids].slice(0, 40));
  }
}

/** Resolves the pool picks of a recipe against the pool as it is now. */
export function materialize(value: unknown, env: FuzzEnv): unknown {
  if (value instanceof PoolPick) {
    const values = poolValues(value.from, env);
    return values.length > 0 ? values[value.index % values.length] : value.fallback;
  }
  if (Array.isArray(value)) return value.map((v) => materialize(v, env));
  if (value !== null && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v, env)]));
  }
  return value;
}

// ---- Mutations -----------------------------------------------------------------------------------

export const MUTATIONS = [
  'drop',
  'wrongType',
  'extraKey',
  'protoKey',
  'hugeString',
  'pumpedString',
  'oddUnicode',
  'specialNumber',
  'deepNesting',
  'hugeArray',
  'unknownId',
  'deletedId',
  'otherKindOfId',
  'root',
] as const;
export type MutationKind = (typeof MUTATIONS)[number];
export interface Mutation {
  kind: MutationKind;
  at: number;
  choice: number;
}

const WRONG_TYPES: unknown[] = [null, 0, '', [], {}, true, 'x', 1.5, '1', [null], { value: 'x' }];
const EXTRA_KEYS = ['bogus', 'id', 'isDefault', 'version', 'secret', 'ciphertext', '', ' ', 'toString', 'hasOwnProperty', 'valueOf', 'Name', 'nàme', 'a.b', '0'];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const ODD_STRINGS = [
  '\uD800',
  '\uDFFF',
  'ab\uD83Dcd',
  'a\u0000b',
  '\u0000',
  '\uFEFFname',
  'e\u0301',
  '\u202Egnp.exe',
  '\u2028\u2029',
  '＝cmd|calc',
  '=HYPERLINK("x")',
  '🧨💥👩‍👩‍👧‍👦',
  'Ω≈ç√∫',
  '   ',
  '\t\n\r',
  "'; DROP TABLE workspaces; --",
  '%s%n%x',
  '../../etc/passwd',
  'ｗｓ－ａｂｃｄ',
  'İstanbul',
];
const SPECIAL_NUMBERS: unknown[] = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  1e308,
  -1e308,
  2 ** 53 + 1,
  -(2 ** 53 + 1),
  Number.MAX_SAFE_INTEGER,
  Number.MIN_VALUE,
  1.5,
  -1,
  2 ** 31,
  2 ** 32,
  1e21,
  0.1 + 0.2,
  BigInt(7),
];

interface Slot {
  parent: Record<string, unknown> | unknown[] | null;
  key: string | number | null;
  value: unknown;
}

function slots(root: unknown): Slot[] {
  const out: Slot[] = [{ parent: null, key: null, value: root }];
  const walk = (value: unknown, depth: number) => {
    if (depth > 6 || value === null || typeof value !== 'object') return;
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.slice(0, 20).map((v, i) => [i, v]) : Object.entries(value).slice(0, 30);
    for (const [key, child] of entries) {
      out.push({ parent: value as Record<string, unknown>, key, value: child });
      walk(child, depth + 1);
    }
  };
  walk(root, 0);
  return out;
}

function nest(depth: number, asArray: boolean): unknown {
  let value: unknown = 'deep';
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

function idPrefix(value: unknown): string | null {
  return typeof value === 'string' ? (/^(ws|key|mem|pk|rem|run|job)-/.exec(value)?.[1] ?? null) : null;
}

/** Applies one mutation to a materialized payload (in place where it can; the new root is returned). */
export function mutate(root: unknown, mutation: Mutation, env: FuzzEnv): unknown {
  const all = slots(root);
  const choose = <T>(list: readonly T[]) => list[mutation.choice % list.length]!;
  const pickSlot = (filter: (slot: Slot) => boolean): Slot | null => {
    const matching = all.filter(filter);
    return matching.length ? matching[mutation.at % matching.length]! : null;
  };
  const replace = (slot: Slot | null, value: unknown): unknown => {
    if (!slot || slot.parent === null) return value;
    (slot.parent as Record<string | number, unknown>)[slot.key!] = value;
    return root;
  };
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const stringSlot = () => pickSlot((s) => typeof s.value === 'string') ?? pickSlot(() => true);
  switch (mutation.kind) {
    case 'drop': {
      const slot = pickSlot((s) => isObject(s.parent));
      if (slot) delete (slot.parent as Record<string, unknown>)[slot.key as string];
      return root;
    }
    case 'wrongType': {
      const slot = pickSlot(() => true);
      const wrong = WRONG_TYPES.filter((v) => typeof v !== typeof slot?.value || Array.isArray(v) !== Array.isArray(slot?.value));
      return replace(slot, choose(wrong));
    }
    case 'extraKey': {
      const slot = pickSlot((s) => isObject(s.value));
      if (!slot) return root;
      (slot.value as Record<string, unknown>)[choose(EXTRA_KEYS)] = choose(WRONG_TYPES);
      return root;
    }
    case 'protoKey': {
      const slot = pickSlot((s) => isObject(s.value));
      if (!slot) return root;
      // An own key named __proto__, as JSON.parse (HTTP, CLI) and structured clone (Electron) deliver it.
      Object.defineProperty(slot.value, choose(PROTO_KEYS), { value: { polluted: true, isDefault: true, toString: 'x' }, enumerable: true, writable: true, configurable: true });
      return root;
    }
    case 'hugeString':
      return replace(stringSlot(), choose(['A', 'é', '😀', ' ', '\u0000']).repeat(choose([100_001, 1 << 20])));
    case 'pumpedString': {
      // A valid prefix, one character repeated, then a character the pattern refuses: the classic
      // catastrophic-backtracking probe (its cost is what a slow call would show).
      const slot = stringSlot();
      const text = typeof slot?.value === 'string' && slot.value.length > 0 ? slot.value : 'http://a';
      return replace(slot, text + text.at(-1)!.repeat(choose([20_000, 60_000])) + choose([' ', '\u0000', '!', '\n', ' b', '#']));
    }
    case 'oddUnicode': {
      const slot = stringSlot();
      const odd = choose(ODD_STRINGS);
      return replace(slot, mutation.at % 2 && typeof slot?.value === 'string' ? slot.value + odd : odd);
    }
    case 'specialNumber':
      return replace(pickSlot((s) => typeof s.value === 'number') ?? pickSlot(() => true), choose(SPECIAL_NUMBERS));
    case 'deepNesting':
      return replace(pickSlot(() => true), nest(choose([200, 2_000, 5_000]), mutation.choice % 2 === 0));
    case 'hugeArray': {
      const slot = pickSlot((s) => Array.isArray(s.value)) ?? pickSlot(() => true);
      const sample = Array.isArray(slot?.value) && slot.value.length ? slot.value[0] : (slot?.value ?? 0);
      return replace(slot, new Array(choose([10_001, 100_001])).fill(sample));
    }
    case 'unknownId': {
      const slot = pickSlot((s) => idPrefix(s.value) !== null) ?? stringSlot();
      const prefix = idPrefix(slot?.value) ?? choose(['ws', 'key', 'mem', 'pk', 'rem', 'run', 'job']);
      const suffix = prefix === 'run' || prefix === 'job' ? (mutation.choice * 2654435761).toString(16).padStart(16, '0').slice(-16) : `zz${mutation.choice.toString(36)}9`.padEnd(6, '0');
      return replace(slot, `${prefix}-${suffix}`);
    }
    case 'deletedId': {
      const slot = pickSlot((s) => idPrefix(s.value) !== null) ?? stringSlot();
      const prefix = idPrefix(slot?.value);
      const gone = [...env.pool.ids].filter((id) => !env.pool.live.has(id) && (prefix === null || id.startsWith(`${prefix}-`)) && idPrefix(id) !== null);
      return gone.length ? replace(slot, choose(gone)) : root;
    }
    case 'otherKindOfId': {
      const slot = pickSlot((s) => idPrefix(s.value) !== null) ?? stringSlot();
      const prefix = idPrefix(slot?.value);
      const others = [...env.pool.live].filter((id) => idPrefix(id) !== null && idPrefix(id) !== prefix);
      return others.length ? replace(slot, choose(others)) : root;
    }
    case 'root':
      return choose<unknown>([null, undefined, [root], '{"name":"as a string"}', 42, true, '', new Date(0), new Map([['a', root]])]);
  }
}

// ---- Recipes: what fast-check generates ------------------------------------------------------------

export const FAMILIES = ['valid', 'mutated', 'json', 'clone'] as const;
export type Family = (typeof FAMILIES)[number];
export interface Recipe {
  channel: ChannelName;
  family: Family;
  base: unknown;
  mutations: Mutation[];
}

const inputSchemas = new Map<ChannelName, JsonSchema>();
function inputJsonSchema(channel: ChannelName): JsonSchema {
  let schema = inputSchemas.get(channel);
  if (!schema) {
    schema = z.toJSONSchema(contract[channel].input, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    inputSchemas.set(channel, schema);
  }
  return schema;
}

/** Every channel of the contract, each with its four payload families. */
export function recipeArb(env: FuzzEnv, channels: readonly ChannelName[] = CHANNEL_NAMES): fc.Arbitrary<Recipe> {
  const mutationArb: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom(...MUTATIONS), at: fc.nat(), choice: fc.nat() });
  const perChannel = new Map(channels.map((channel) => [channel, schemaArb(inputJsonSchema(channel), env)] as const));
  const clone = fc.anything({ maxDepth: 3, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true, withSparseArray: true, withBoxedValues: true });
  return fc.constantFrom(...channels).chain((channel) => {
    const valid = perChannel.get(channel)!;
    return fc.oneof(
      { weight: 5, arbitrary: valid.map((base) => ({ channel, family: 'valid' as const, base, mutations: [] })) },
      { weight: 4, arbitrary: fc.tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 3 })).map(([base, mutations]) => ({ channel, family: 'mutated' as const, base, mutations })) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((base) => ({ channel, family: 'json' as const, base, mutations: [] })) },
      { weight: 1, arbitrary: clone.map((base) => ({ channel, family: 'clone' as const, base, mutations: [] })) },
    );
  });
}

export function payloadOf(recipe: Recipe, env: FuzzEnv): unknown {
  // Arbitrary values go as they are (null prototypes, Maps, BigInts…); generated ones get their pool picks.
  if (recipe.family === 'json' || recipe.family === 'clone') return recipe.base;
  let payload = materialize(recipe.base, env);
  for (const mutation of recipe.mutations) payload = mutate(payload, mutation, env);
  return payload;
}

// ---- The oracle ------------------------------------------------------------------------------------

export type ViolationKind = 'threw' | 'malformed-answer' | 'E_INTERNAL' | 'stack-trace' | 'secret-leak' | 'changed-on-rejection' | 'job-E_INTERNAL' | 'logged-error' | 'network';
export interface Violation {
  kind: ViolationKind;
  channel: string;
  detail: string;
  payload: string;
}

const STACK = /\n\s+at\s|\bat\s+\S+\s+\(.*:\d+:\d+\)|\b(?:file|node):\/{0,3}\S+:\d+|[\w/\\-]+\.(?:ts|js|mjs|cjs):\d+/;

/** Short, safe text for a payload (huge strings and deep values cut). */
export function describe(value: unknown): string {
  return inspect(value, { depth: 4, maxArrayLength: 8, maxStringLength: 80, breakLength: Infinity }).slice(0, 600);
}

function messagesOf(error: ErrorPayload): string[] {
  return [error.message, ...(error.issues ?? []).flatMap((issue) => [issue.path, issue.message])];
}

function secretsIn(text: string, env: FuzzEnv): string[] {
  return [...FUZZ_SECRETS, ...env.pool.apiKeySecrets].filter((secret) => text.includes(secret));
}

function checkError(error: unknown, channel: string, payload: string, env: FuzzEnv, prefix: '' | 'job-' = ''): Violation[] {
  const out: Violation[] = [];
  const e = error as ErrorPayload;
  const wellFormed =
    e !== null &&
    typeof e === 'object' &&
    (ERROR_CODES as readonly string[]).includes(e.code) &&
    typeof e.message === 'string' &&
    e.message.length > 0 &&
    (e.issues === undefined || (Array.isArray(e.issues) && e.issues.every((i) => typeof i.path === 'string' && typeof i.message === 'string')));
  if (!wellFormed) return [{ kind: 'malformed-answer', channel, detail: `not a typed error: ${describe(error)}`, payload }];
  if (e.code === 'E_INTERNAL') out.push({ kind: prefix === 'job-' ? 'job-E_INTERNAL' : 'E_INTERNAL', channel, detail: e.message, payload });
  for (const text of messagesOf(e)) {
    if (STACK.test(text)) out.push({ kind: 'stack-trace', channel, detail: text.slice(0, 300), payload });
  }
  const leaked = secretsIn(JSON.stringify(e), env);
  if (leaked.length) out.push({ kind: 'secret-leak', channel, detail: `error carries ${leaked.length} secret(s)`, payload });
  return out;
}

export interface ChannelStats {
  payloads: number;
  ok: number;
  rejected: number;
  byCode: Record<string, number>;
  byFamily: Record<Family, number>;
  slowestMs: number;
  slowestPayload: string;
  /** Wall time of this channel's calls, the oracle's checks and job waits included. */
  totalMs: number;
}

export interface FuzzReport {
  seed: number;
  payloads: number;
  ok: number;
  rejected: number;
  internal: number;
  changedOnRejection: number;
  violations: Violation[];
  perChannel: Record<string, ChannelStats>;
  /** How many rejected calls needed a full dump comparison (a mark moved). */
  fullComparisons: number;
}

export function emptyReport(seed: number, channels: readonly ChannelName[] = CHANNEL_NAMES): FuzzReport {
  const perChannel: Record<string, ChannelStats> = {};
  for (const channel of channels) perChannel[channel] = { payloads: 0, ok: 0, rejected: 0, byCode: {}, byFamily: { valid: 0, mutated: 0, json: 0, clone: 0 }, slowestMs: 0, slowestPayload: '', totalMs: 0 };
  return { seed, payloads: 0, ok: 0, rejected: 0, internal: 0, changedOnRejection: 0, violations: [], perChannel, fullComparisons: 0 };
}

/** What a call is dispatched through; tests swap it to prove the oracle catches what it claims to. */
export type DispatchFn = (channel: string, input: unknown) => Promise<Result<unknown>>;

/** A call slower than this is printed as it happens (a finding to look at, never a test failure). */
const SLOW_CALL_MS = 1_000;

const checkedJobs = new WeakMap<FuzzEnv, Set<string>>();

/**
 * One call through the oracle. The store is probed before the call (no job running, so nothing
 * else writes meanwhile); a rejected call must leave it unchanged. Returns the violations found.
 */
export async function checkCall(env: FuzzEnv, channel: string, payload: unknown, options: { dispatch?: DispatchFn; report?: FuzzReport; family?: Family } = {}): Promise<Violation[]> {
  const { core } = env;
  const dispatch: DispatchFn = options.dispatch ?? ((c, input) => core.dispatcher.dispatchAsync(c, input, CLI));
  const shown = describe(payload);
  const violations: Violation[] = [];
  const callStarted = performance.now();
  const loggedBefore = env.logged.length;
  const blockedBefore = env.guard.blocked.length;
  await settleJobs(core, 300);
  const probe: StoreProbe = probeStore(core);
  const started = performance.now();
  let result: Result<unknown> | undefined;
  try {
    result = await dispatch(channel, payload);
  } catch (error) {
    probe.release();
    return [{ kind: 'threw', channel, detail: describe(error), payload: shown }];
  }
  const ms = performance.now() - started;
  if (ms > SLOW_CALL_MS) process.stderr.write(`ipc-fuzz: slow call ${channel} ${ms.toFixed(0)} ms: ${shown.slice(0, 300)}\n`);
  if (result === null || typeof result !== 'object' || typeof result.ok !== 'boolean') {
    probe.release();
    violations.push({ kind: 'malformed-answer', channel, detail: describe(result), payload: shown });
  } else if (result.ok) {
    probe.release();
    const parsed = contract[channel as ChannelName]?.output.safeParse(result.data);
    if (!parsed?.success) violations.push({ kind: 'malformed-answer', channel, detail: 'ok data fails the output schema', payload: shown });
    let data = result.data as Record<string, unknown>;
    if ((channel === 'keys:create' || channel === 'keys:rotate') && typeof data?.secret === 'string') {
      env.pool.apiKeySecrets.push(data.secret);
      data = { ...data, secret: '(the one-time secret)' };
    }
    const leaked = secretsIn(JSON.stringify(data) ?? '', env);
    if (leaked.length) violations.push({ kind: 'secret-leak', channel, detail: `answer carries ${leaked.length} secret(s)`, payload: shown });
  } else {
    violations.push(...checkError(result.error, channel, shown, env));
    const change = probe.settle();
    if (change) {
      if (options.report) options.report.fullComparisons += 1;
      if (!isDeepStrictEqual(change.before, change.after)) {
        const tables = Object.keys({ ...change.before, ...change.after }).filter((t) => !isDeepStrictEqual(change.before[t], change.after[t]));
        violations.push({ kind: 'changed-on-rejection', channel, detail: `${result.error.code} but tables changed: ${tables.join(', ')}`, payload: shown });
      }
    }
  }
  // The jobs this call started: give them time, then check how they ended.
  await settleJobs(core, 300);
  let seen = checkedJobs.get(env);
  if (!seen) checkedJobs.set(env, (seen = new Set()));
  for (const job of core.jobs.list()) {
    if (seen.has(job.jobId) || !FINISHED_JOB_STATES.includes(job.state)) continue;
    seen.add(job.jobId);
    if (job.error) violations.push(...checkError(job.error, `${channel} (job ${job.kind})`, shown, env, 'job-'));
  }
  for (const line of env.logged.slice(loggedBefore)) violations.push({ kind: 'logged-error', channel, detail: line.slice(0, 800), payload: shown });
  for (const host of env.guard.blocked.slice(blockedBefore)) violations.push({ kind: 'network', channel, detail: `tried to connect to ${host}`, payload: shown });

  const report = options.report;
  if (report && result && typeof result === 'object') {
    const stats = (report.perChannel[channel] ??= { payloads: 0, ok: 0, rejected: 0, byCode: {}, byFamily: { valid: 0, mutated: 0, json: 0, clone: 0 }, slowestMs: 0, slowestPayload: '', totalMs: 0 });
    stats.payloads += 1;
    report.payloads += 1;
    if (options.family) stats.byFamily[options.family] += 1;
    if (ms > stats.slowestMs) {
      stats.slowestMs = ms;
      stats.slowestPayload = shown.slice(0, 200);
    }
    stats.totalMs += performance.now() - callStarted;
    if (result.ok) {
      stats.ok += 1;
      report.ok += 1;
    } else {
      stats.rejected += 1;
      report.rejected += 1;
      stats.byCode[result.error.code] = (stats.byCode[result.error.code] ?? 0) + 1;
      if (result.error.code === 'E_INTERNAL') report.internal += 1;
    }
    if (violations.some((v) => v.kind === 'changed-on-rejection')) report.changedOnRejection += 1;
    report.violations.push(...violations);
  }
  return violations;
}

/** `a:,b:` keeps the channels starting with those prefixes, `!a:` drops them; empty = every channel. */
export function selectChannels(spec: string | undefined): ChannelName[] {
  const parts = (spec ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  const keep = parts.filter((p) => !p.startsWith('!'));
  const drop = parts.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return CHANNEL_NAMES.filter((c) => (keep.length === 0 || keep.some((p) => c.startsWith(p))) && !drop.some((p) => c.startsWith(p)));
}

// ---- The run ---------------------------------------------------------------------------------------

export interface FuzzRunOptions {
  numRuns: number;
  seed: number;
  channels?: readonly ChannelName[];
  /** Stop at the first violation (the unit test) or count them all (the bench). */
  stopOnViolation?: boolean;
  /** Called every `every` payloads (progress for the bench). */
  onProgress?: (report: FuzzReport) => void;
  progressEvery?: number;
  /** Filled as the run goes (so a failed run still has its counts); a fresh one by default. */
  report?: FuzzReport;
}

/** Runs `numRuns` payloads through `checkCall` with fast-check, one seed for the whole run. */
export async function runFuzz(env: FuzzEnv, options: FuzzRunOptions): Promise<FuzzReport> {
  const channels = options.channels ?? CHANNEL_NAMES;
  const report = options.report ?? emptyReport(options.seed, channels);
  const every = options.progressEvery ?? 1000;
  let calls = 0;
  const property = fc.asyncProperty(recipeArb(env, channels), async (recipe) => {
    if (calls % 10 === 0) env.refreshPool();
    calls += 1;
    const payload = payloadOf(recipe, env);
    const violations = await checkCall(env, recipe.channel, payload, { report, family: recipe.family });
    if (violations.length > 0 && options.stopOnViolation) {
      const lines = violations.map((v) => `${v.kind} on ${v.channel}: ${v.detail}`);
      throw new Error(`${lines.join('\n')}\n  payload: ${violations[0]!.payload}\n  replay: GATEHOUSE_FUZZ_SEED=${options.seed}`);
    }
    if (calls % 100 === 0) {
      // Export files and uploads of finished jobs pile up: keep the run's folders small.
      for (const dir of ['exports', 'uploads']) {
        const full = path.join(path.dirname(env.core.dataDir), dir);
        for (const file of fs.readdirSync(full)) fs.rmSync(path.join(full, file), { force: true });
      }
    }
    if (options.onProgress && calls % every === 0) options.onProgress(report);
  });
  await fc.assert(property, { numRuns: options.numRuns, seed: options.seed, endOnFailure: true, verbose: 0 });
  return report;
}

/** Every plaintext secret the run handed in or got back, searched for in every table of the store (blobs as text). */
export function secretsAtRest(env: FuzzEnv): { table: string; secrets: number }[] {
  const db = env.core.db;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  const secrets = [...FUZZ_SECRETS, ...env.pool.apiKeySecrets];
  const found: { table: string; secrets: number }[] = [];
  for (const table of tables) {
    const text = (db.prepare(`SELECT * FROM "${table}"`).raw().all() as unknown[][])
      .map((row) => row.map((cell) => (Buffer.isBuffer(cell) ? cell.toString('latin1') : String(cell))).join('\u0001'))
      .join('\n');
    const hits = secrets.filter((secret) => text.includes(secret)).length;
    if (hits) found.push({ table, secrets: hits });
  }
  return found;
}

/** One line per channel: payloads, ok, rejected by code, slowest call. */
export function formatReport(report: FuzzReport): string {
  const lines = Object.entries(report.perChannel).map(([channel, s]) => {
    const codes = Object.entries(s.byCode)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => `${code.replace('E_', '')} ${n}`)
      .join(', ');
    return `  ${channel.padEnd(30)} ${String(s.payloads).padStart(6)} payloads  ok ${String(s.ok).padStart(5)}  rejected ${String(s.rejected).padStart(5)}  (${codes})  slowest ${s.slowestMs.toFixed(0)} ms, total ${(s.totalMs / 1000).toFixed(1)} s`;
  });
  return [
    `IPC fuzz, seed ${report.seed}: ${report.payloads} payloads over ${Object.keys(report.perChannel).length} channels, ${report.ok} ok, ${report.rejected} rejected, E_INTERNAL ${report.internal}, changes on rejection ${report.changedOnRejection}, violations ${report.violations.length} (full dump comparisons: ${report.fullComparisons})`,
    ...lines,
  ].join('\n');
}
