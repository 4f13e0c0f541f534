// `npm run bench sync` (or `npx tsx bench/sync.bench.ts`): the sync engine against the reference
// gateway on 127.0.0.1, each figure next to a baseline measured in the same run.
//   (a) plan over 20 workspaces × 20 keys × 100 grants — vs reading the same rows with plain SQL
//       and JSON.stringify of them;
//   (b) apply of ~10k operations — ops/s, vs raw node:http PUTs of the same bodies (same order, one
//       at a time, same headers) to a fresh gateway;
//   (c) usage pull of 1M records — records/s, vs better-sqlite3 inserting the same rows into the
//       same table in one transaction.
// The gateway runs in a child process (this file with --gateway-child), as a remote gateway would
// run elsewhere: it gets its own core, like the baselines' server side does. The Gatehouse side is a
// real core on a real SQLite file, driven through its dispatcher and job events like a door.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ChannelInput, ChannelName, ChannelOutput } from '../shared/contract';
import { FINISHED_JOB_STATES, type JobResult, type JobStatus } from '../shared/contract/job-schemas';
import type { Remote } from '../shared/contract/sync-schemas';
import { makeTempDir, openTestCore, type TestCore } from '../electron/core/testing/temp-core';
import { median } from './bench-timing';

const SELF = fileURLToPath(import.meta.url);
const ADMIN_KEY = 'gha_bench-sync-admin-key';
const USAGE_RECORDS = Number(process.env.GATEHOUSE_BENCH_USAGE_RECORDS ?? 1_000_000);

// ---- The gateway child --------------------------------------------------------------------------

async function gatewayChild() {
  const { startReferenceGateway } = await import('../test/reference-gateway/server');
  const gw = await startReferenceGateway({
    dataDir: process.argv[3]!,
    adminKeys: [{ key: ADMIN_KEY, label: 'bench' }],
    limits: { max_workspaces: 1000, max_keys_per_workspace: 1000, max_name_length: 64 },
    changeRetention: 1_000_000,
  });
  process.on('message', (message: { simulate?: number; close?: true }) => {
    if (message.simulate !== undefined) {
      let made = 0;
      // In slices, each its own transaction, so the gateway's memory stays flat.
      for (let seed = 1; made < message.simulate; seed++) made += gw.simulateTraffic(Math.min(100_000, message.simulate - made), { seed, lateFraction: 0.2 });
      process.send!({ simulated: made });
    }
    if (message.close) void gw.close().then(() => process.exit(0));
  });
  process.send!({ url: gw.url });
}

interface GatewayChild {
  url: string;
  dir: string;
  simulate(n: number): Promise<number>;
  close(): Promise<void>;
}

async function startGatewayChild(root: string, name: string): Promise<GatewayChild> {
  const dir = path.join(root, name);
  const child: ChildProcess = fork(SELF, ['--gateway-child', dir], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>() => new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`the gateway child exited (${code})`)));
  });
  const { url } = await next<{ url: string }>();
  return {
    url,
    dir,
    async simulate(n) {
      const answer = next<{ simulated: number }>();
      child.send({ simulate: n });
      return (await answer).simulated;
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send({ close: true });
      }),
  };
}

// ---- A laptop: a real core driven like a door ---------------------------------------------------

interface Laptop {
  core: TestCore;
  remote: Remote;
  ok<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>>;
  /** Starts a job channel, waits for it to finish; ms from the call to the finished event, and its progress events (ms since the call, done). */
  job<K extends JobResult['kind']>(channel: ChannelName, input: unknown, kind: K): Promise<{ ms: number; result: Extract<JobResult, { kind: K }>; progress: [number, number][] }>;
}

async function openLaptop(gatewayUrl: string): Promise<Laptop> {
  const core = openTestCore({ externalChangePollMs: 0 });
  const finished = new Map<string, (job: JobStatus) => void>();
  let progress: [number, number][] = [];
  let started = 0;
  core.on((event) => {
    if (event.type !== 'job') return;
    progress.push([performance.now() - started, event.job.done]);
    if (FINISHED_JOB_STATES.includes(event.job.state)) finished.get(event.job.jobId)?.(event.job);
  });
  const ok = async <C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> => {
    const result = await core.dispatcher.dispatchAsync(channel, input, { kind: 'cli' });
    if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
    return result.data as ChannelOutput<C>;
  };
  const remote = await ok('remotes:create', { name: 'bench', kind: 'gatehouse-v1', baseUrl: gatewayUrl, credential: ADMIN_KEY });
  // The remote's limits (1000 workspaces, 1000 keys each) become the local limits.
  const tested = await ok('remotes:test', { id: remote.id });
  if (!tested.authenticated) throw new Error(`remotes:test: ${tested.problem}`);
  return {
    core,
    remote,
    ok,
    async job<K extends JobResult['kind']>(channel: ChannelName, input: unknown, kind: K) {
      started = performance.now();
      progress = [];
      const status = (await ok(channel, input as never)) as unknown as JobStatus;
      if (!FINISHED_JOB_STATES.includes(status.state)) {
        const finishedNow = new Promise<JobStatus>((resolve) => finished.set(status.jobId, resolve));
        const current = await ok('jobs:status', { jobId: status.jobId });
        if (!FINISHED_JOB_STATES.includes(current.state)) await finishedNow;
      }
      const ms = performance.now() - started;
      finished.delete(status.jobId);
      const done = await ok('jobs:status', { jobId: status.jobId });
      if (done.state !== 'done' || done.result?.kind !== kind) throw new Error(`${channel}: ${done.state} ${JSON.stringify(done.error)}`);
      return { ms, result: done.result as Extract<JobResult, { kind: K }>, progress };
    },
  };
}

async function populate(laptop: Laptop, workspaces: number, keysPerWorkspace: number, grantsPerWorkspace: number) {
  const { items: models } = await laptop.ok('models:list', { search: '', vendors: [], types: ['text'], sort: { field: 'displayName', direction: 'asc' }, page: { index: 0, size: 200 } });
  if (models.length < grantsPerWorkspace) throw new Error(`only ${models.length} text models in the catalog`);
  for (let w = 0; w < workspaces; w++) {
    const ws = await laptop.ok('workspaces:create', { name: `Bench ${String(w).padStart(3, '0')}`, environment: 'production', region: 'eu', status: 'active', monthlyBudgetMinor: 0, currency: 'USD' });
    for (let k = 0; k < keysPerWorkspace; k++) await laptop.ok('keys:create', { workspaceId: ws.id, name: `key-${k}`, rpmLimit: 60 + k });
    await laptop.ok('modelGrants:save', {
      workspaceId: ws.id,
      grants: models.slice(0, grantsPerWorkspace).map((m, i) => ({ modelId: m.id, rpmLimit: 100 + i, tpmLimit: m.tokenMetered ? 10_000 + i : null })),
    });
  }
}

// ---- Helpers --------------------------------------------------------------------------------------

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => `${fmt(n, n < 100 ? 1 : 0)} ms`;
const ratio = (a: number, b: number) => `${fmt(a / b, a / b < 10 ? 2 : 0)}×`;

function timeMedian(fn: () => void, runs = 7): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return median(samples);
}

/** Records/s over the first and the last tenth of a job (from its progress events): flat, or slowing down as the table grows? */
function rateAlong(progress: [number, number][], total: number): string {
  const at = (done: number) => progress.find(([, d]) => d >= done)?.[0] ?? null;
  const tenth = Math.floor(total / 10);
  const t1 = at(tenth);
  const t9 = at(total - tenth);
  const t10 = at(total);
  if (t1 === null || t9 === null || t10 === null || t1 <= 0 || t10 <= t9) return 'progress events too sparse for a rate along the way';
  return `first tenth ${fmt(tenth / (t1 / 1000))} records/s, last tenth ${fmt(tenth / ((t10 - t9) / 1000))} records/s`;
}

/** The same PUT/DELETE, with node:http and a keep-alive agent, awaited one at a time. */
function rawWrite(agent: http.Agent, base: URL, request: { method: string; path: string; ifMatch?: string; ifNoneMatch?: string; body?: unknown }, key: string): Promise<number> {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${ADMIN_KEY}`, 'idempotency-key': `"${key}"`, accept: 'application/json' };
  if (request.ifMatch) headers['if-match'] = request.ifMatch;
  if (request.ifNoneMatch) headers['if-none-match'] = request.ifNoneMatch;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method: request.method, path: request.path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---- The bench ------------------------------------------------------------------------------------

async function main() {
  const root = makeTempDir('gatehouse-bench-sync-');
  const closers: (() => Promise<void> | void)[] = [];
  let failed = false;
  try {
    console.log(`cores: ${os.cpus().length}, node ${process.version}; gateway in a child process on 127.0.0.1`);

    // (a) Plan over 20 workspaces × 20 keys × 100 grants.
    {
      const gw = await startGatewayChild(root, 'gw-plan');
      closers.push(() => gw.close());
      const laptop = await openLaptop(gw.url);
      closers.push(() => laptop.core.dispose());
      await populate(laptop, 20, 20, 100);
      const db = laptop.core.db;
      const tables = ['members', 'workspaces', 'workspace_members', 'api_keys', 'workspace_model_grants', 'workspace_budgets', 'workspace_provider_access'];
      const counts = Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number]));
      const selects = tables.map((t) => db.prepare(`SELECT * FROM ${t}`));
      const baseline = timeMedian(() => {
        for (const s of selects) JSON.stringify(s.all());
      });

      const first = await laptop.job('sync:plan', { remoteId: laptop.remote.id }, 'sync-plan');
      const again: number[] = [];
      for (let i = 0; i < 5; i++) again.push((await laptop.job('sync:plan', { remoteId: laptop.remote.id }, 'sync-plan')).ms);
      const last = await laptop.job('sync:plan', { remoteId: laptop.remote.id }, 'sync-plan');
      const ops = last.result.create + last.result.update + last.result.delete + last.result.pull + last.result.conflict;
      const plan = await laptop.ok('sync:getPlan', { runId: last.result.runId });
      const applied = await laptop.job('sync:apply', { runId: plan.runId, planHash: plan.planHash }, 'sync-apply');
      if (applied.result.state !== 'applied') throw new Error(`apply (a): ${JSON.stringify(applied.result)}`);
      const steady: number[] = [];
      let empty = 0;
      for (let i = 0; i < 5; i++) {
        const p = await laptop.job('sync:plan', { remoteId: laptop.remote.id }, 'sync-plan');
        steady.push(p.ms);
        empty = p.result.create + p.result.update + p.result.delete + p.result.pull + p.result.conflict;
      }
      if (empty !== 0) failed = true;
      console.log(
        `\n(a) plan: ${counts.workspaces} workspaces (20 + the default), ${counts.api_keys} keys, ${fmt(counts.workspace_model_grants!)} model grants (100 per workspace) → ${fmt(ops)} operations`,
      );
      console.log(`  baseline: plain SQL of the same rows + JSON.stringify       ${ms(baseline)}`);
      console.log(`  first plan (full read of an empty remote)                    ${ms(first.ms)}  (${ratio(first.ms, baseline)} baseline)`);
      console.log(`  plan again, same ${fmt(ops)} ops (change feed), median of 5     ${ms(median(again))}  (${ratio(median(again), baseline)} baseline)`);
      console.log(`  after the apply: plan with nothing to do, median of 5        ${ms(median(steady))}  (${ratio(median(steady), baseline)} baseline)  ${empty === 0 ? 'empty ok' : `NOT EMPTY (${empty} ops)`}`);
      console.log(`  (the apply of those ${fmt(ops)} ops took ${ms(applied.ms)}: ${fmt(applied.result.done / (applied.ms / 1000))} ops/s)`);
      await gw.close();
      closers.pop();
      closers.pop();
      laptop.core.dispose();
    }

    // (b) Apply of ~10k operations, then (c) the usage pull of 1M records, on the same gateway.
    {
      const gw = await startGatewayChild(root, 'gw-apply');
      closers.push(() => gw.close());
      const laptop = await openLaptop(gw.url);
      closers.push(() => laptop.core.dispose());
      // 50 workspaces × 195 keys, 3 grants each: with each workspace's role, budget, provider access
      // and grants, the member and the default workspace, ~10k operations.
      await populate(laptop, 50, 195, 3);
      const planned = await laptop.job('sync:plan', { remoteId: laptop.remote.id }, 'sync-plan');
      const plan = await laptop.ok('sync:getPlan', { runId: planned.result.runId });
      const applied = await laptop.job('sync:apply', { runId: plan.runId, planHash: plan.planHash }, 'sync-apply');
      if (applied.result.state !== 'applied') throw new Error(`apply (b): ${JSON.stringify(applied.result)}`);
      const engineOps = applied.result.done;
      const engineRate = engineOps / (applied.ms / 1000);

      // Baseline: the journaled requests (method, path, preconditions, body), in the same order, raw.
      const requests = (laptop.core.db.prepare('SELECT request_json FROM sync_ops WHERE run_id = ? AND request_json IS NOT NULL ORDER BY ord').pluck().all(plan.runId) as string[]).map(
        (r) => JSON.parse(r) as { method: string; path: string; ifMatch?: string; ifNoneMatch?: string; body?: unknown },
      );
      const fresh = await startGatewayChild(root, 'gw-raw');
      closers.push(() => fresh.close());
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const base = new URL(fresh.url);
      const rawStart = performance.now();
      let rawOk = 0;
      for (const [i, request] of requests.entries()) if ((await rawWrite(agent, base, request, `raw-${i}`)) < 300) rawOk++;
      const rawMs = performance.now() - rawStart;
      agent.destroy();
      const rawRate = requests.length / (rawMs / 1000);
      await fresh.close();
      closers.pop();
      if (rawOk !== requests.length) failed = true;
      console.log(`\n(b) apply: ${fmt(engineOps)} operations (${fmt(requests.length)} requests) to the loopback gateway, one at a time`);
      console.log(`  baseline: raw node:http PUTs of the same bodies, keep-alive  ${fmt(rawRate)} ops/s  (${ms(rawMs)}, ${fmt(rawOk)} 2xx)`);
      console.log(`  sync apply (journal → send → commit per op)                  ${fmt(engineRate)} ops/s  (${ms(applied.ms)}; ${ratio(rawRate, engineRate)} slower than raw)`);

      // (c) Usage pull of 1M records.
      const made = await gw.simulate(USAGE_RECORDS);
      const pulled = await laptop.job('sync:pullUsage', { remoteId: laptop.remote.id }, 'sync-usage');
      const pullRate = pulled.result.inserted / (pulled.ms / 1000);
      if (pulled.result.inserted !== made) failed = true;
      // Baseline: the same rows (as pulled, read back) into the same table of a fresh store, one transaction.
      const target = openTestCore({ externalChangePollMs: 0 });
      closers.push(() => target.dispose());
      const columns = (laptop.core.db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all('usage_records') as string[]).filter((c) => c !== 'rowid');
      const rows = laptop.core.db.prepare(`SELECT ${columns.join(', ')} FROM usage_records`).raw().all() as unknown[][];
      const insert = target.db.prepare(`INSERT INTO usage_records (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      target.db.pragma('foreign_keys = OFF');
      const insertStart = performance.now();
      target.db.transaction(() => {
        for (const row of rows) insert.run(...row);
      })();
      const insertMs = performance.now() - insertStart;
      const insertRate = rows.length / (insertMs / 1000);
      console.log(`\n(c) usage pull: ${fmt(made)} records simulated on the gateway, ${fmt(pulled.result.pages)} pages`);
      console.log(`  baseline: better-sqlite3, the same ${fmt(rows.length)} rows, one transaction  ${fmt(insertRate)} records/s  (${ms(insertMs)})`);
      console.log(`  sync usage pull (HTTP pages of 1000, rows + rollup + cursor)     ${fmt(pullRate)} records/s  (${ms(pulled.ms)}; ${ratio(insertRate, pullRate)} slower than the insert)`);
      console.log(`  inserted ${fmt(pulled.result.inserted)}, duplicates ${fmt(pulled.result.duplicates)}; ${rateAlong(pulled.progress, made)}`);
    }
  } finally {
    for (const close of closers.reverse()) await close();
    fs.rmSync(root, { recursive: true, force: true });
  }
  if (failed) {
    console.error('sync bench: a check failed (see above)');
    process.exitCode = 1;
  }
}

if (process.argv[2] === '--gateway-child') await gatewayChild();
else await main();
