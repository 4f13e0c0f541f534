// kill -9 of a CLI `sync apply` at each named crash point of the engine (GH_SYNC_CRASH_AT, see
// sync-engine.ts `crashPoint`), then resume: the same final state as an uninterrupted run, nothing
// lost, nothing written twice on the gateway (the op left `sent` is settled by replaying its
// idempotency key).
//
// One template laptop (a remote, a first sync, then unsynced local changes: creates, updates and
// deletes of workspaces, keys, grants, roles, a budget and a provider secret, plus a remote edit to
// pull) and the template gateway it synced with are copied for every trial. The CLI runs as a real
// child process (`node bin/gatehouse.mjs`), always against the same URL: a small recording router in
// this process that forwards to the trial's own reference gateway and notes every write's answer
// (status, Idempotent-Replayed).
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';
import { startReferenceGateway, type ReferenceGateway } from '../reference-gateway/server';
import { createApi } from '../reference-gateway/test-kit';

const REPO = path.resolve(import.meta.dirname, '../..');
const ADMIN_KEY = 'gha_sync-crash-test-admin-key';
const REMOTE = 'Crash GW';
const PROVIDER_SECRET = 'sk-crash-test-provider-secret-0001';
const PROVIDER_SECRET_2 = 'sk-crash-test-provider-secret-0002';
const HOOKS = ['before-send', 'after-send-before-commit', 'after-commit'] as const;

// ---- A recording router: one stable URL for every trial's gateway ------------------------------

interface WriteSeen {
  method: string;
  path: string;
  key: string;
  status: number;
  replayed: boolean;
}

interface Router {
  url: string;
  target: string | null;
  writes: WriteSeen[];
  close(): Promise<void>;
}

async function startRouter(): Promise<Router> {
  const router: Router = { url: '', target: null, writes: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {});
    res.on('error', () => {});
    req.on('end', () => {
      if (!router.target) {
        res.writeHead(503).end();
        return;
      }
      const target = new URL(router.target);
      const headers = { ...req.headers, host: target.host };
      delete headers.connection;
      const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: false }, (answer) => {
        const body: Buffer[] = [];
        answer.on('data', (c: Buffer) => body.push(c));
        answer.on('end', () => {
          const method = req.method ?? 'GET';
          if (method === 'PUT' || method === 'DELETE') {
            // Recorded even when the client was killed meanwhile: what the gateway did is what counts.
            router.writes.push({
              method,
              path: req.url ?? '',
              key: String(req.headers['idempotency-key'] ?? '').replace(/^"|"$/g, ''),
              status: answer.statusCode ?? 0,
              replayed: answer.headers['idempotent-replayed'] === 'true',
            });
          }
          if (res.destroyed) return;
          const out = { ...answer.headers };
          delete out.connection;
          delete out['transfer-encoding'];
          res.writeHead(answer.statusCode ?? 502, out);
          res.end(Buffer.concat(body));
        });
      });
      upstream.on('error', () => {
        if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
      });
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  router.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  router.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return router;
}

// ---- The CLI: in-process for the setup, a child process for everything under test ---------------

async function ghInProcess(dataDir: string, argv: string[], stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', dataDir, ...argv], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }),
  });
  if (code !== 0 && !(argv[0] === 'sync' && argv[1] === 'plan' && code === 2)) throw new Error(`gatehouse ${argv.join(' ')} → ${code}\n${err.join('\n')}`);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
const call = async <T = any>(dataDir: string, channel: string, input: unknown): Promise<T> => JSON.parse((await ghInProcess(dataDir, ['call', channel, JSON.stringify(input)])).out) as T;
/** For inputs holding a secret, which the CLI never takes from argv: the JSON on standard input. */
const callWithStdin = async <T = any>(dataDir: string, channel: string, input: unknown): Promise<T> =>
  JSON.parse((await ghInProcess(dataDir, ['call', channel, '-'], JSON.stringify(input))).out) as T;

interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function gatehouse(dataDir: string, args: string[], crashAt?: string): Promise<ChildRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GH_SYNC_CRASH_AT;
  if (crashAt) env.GH_SYNC_CRASH_AT = crashAt;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gatehouse.mjs', '--data-dir', dataDir, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

// ---- Snapshots of both sides --------------------------------------------------------------------

const copyDir = (from: string, to: string) => fs.cpSync(from, to, { recursive: true });

function withDb<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The gateway's resources by type/id/data (write-only values included), without versions or timestamps. */
const remoteResources = (gw: ReferenceGateway) =>
  gw.db.prepare('SELECT type, scope, id, parent_id, data_json, secret_json FROM resources ORDER BY ord, id, scope').all() as Record<string, unknown>[];
const idempotencyKeys = (gw: ReferenceGateway) => (gw.db.prepare('SELECT key FROM idempotency ORDER BY key').all() as { key: string }[]).map((r) => r.key);

const DOMAIN_TABLES = [
  'members',
  'workspaces',
  'workspace_members',
  'api_keys',
  'workspace_model_grants',
  'workspace_model_permissions',
  'workspace_budgets',
  'workspace_provider_access',
  'provider_keys',
  'model_quotas',
  'usage_records',
] as const;

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z/g;
/** Times written during this trial (e.g. `updated_at` of a pulled row) read `<this run>`; older ones stay as they are. */
function maskTimesSince<T>(value: T, since: string): T {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'string' ? v.replace(ISO_TIME, (t) => (t >= since ? '<this run>' : t)) : v))) as T;
}

/** What a sync may leave behind locally, minus what differs between any two runs (run ids, their times). */
function localState(dataDir: string, since: string) {
  return maskTimesSince(localStateRaw(dataDir), since);
}
function localStateRaw(dataDir: string) {
  return withDb(path.join(dataDir, 'gatehouse.sqlite'), (db) => {
    const rows = (sql: string) => db.prepare(sql).all();
    // Sorted by content: some of these tables have no rowid.
    const sorted = (list: unknown[]) => list.map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r) as unknown);
    const tables = Object.fromEntries(DOMAIN_TABLES.map((t) => [t, sorted(rows(`SELECT * FROM ${t}`))]));
    return {
      tables,
      changeLog: rows('SELECT seq, entity_type, entity_id, op, payload_json, synced_at IS NULL AS pending FROM change_log ORDER BY seq'),
      links: rows('SELECT entity_type, local_id, remote_ref, base_json FROM sync_links ORDER BY entity_type, local_id'),
      cache: (rows('SELECT entity_type, remote_ref, resource_json FROM sync_remote_cache ORDER BY entity_type, remote_ref') as { entity_type: string; remote_ref: string; resource_json: string }[]).map(
        (r) => {
          const { type, id, parent_id, data } = JSON.parse(r.resource_json) as Record<string, unknown>;
          return { entity_type: r.entity_type, remote_ref: r.remote_ref, type, id, parent_id, data };
        },
      ),
      // Every audit entry but the per-run `sync.apply` summary (a crashed run adds one of its own).
      audit: rows("SELECT actor, action, entity_type, entity_id, workspace_id, before_json, after_json FROM audit_log WHERE action != 'sync.apply' ORDER BY id"),
    };
  });
}

interface JournalRow {
  run_id: string;
  ord: number;
  entity_type: string;
  kind: string;
  state: string;
  idempotency_key: string;
  message: string | null;
}
const journal = (dataDir: string) =>
  withDb(path.join(dataDir, 'gatehouse.sqlite'), (db) => ({
    runs: db.prepare('SELECT id, state, message FROM sync_runs ORDER BY created_at, rowid').all() as { id: string; state: string; message: string | null }[],
    ops: db.prepare('SELECT run_id, ord, entity_type, kind, state, idempotency_key, message FROM sync_ops ORDER BY run_id, ord').all() as JournalRow[],
  }));

// ---- Setup: the template laptop and gateway -----------------------------------------------------

let root: string;
let router: Router;
let templateLaptop: string;
let templateGateway: string;
let templateIdempotencyKeys: Set<string>;

async function startGateway(dataDir: string): Promise<ReferenceGateway> {
  const gw = await startReferenceGateway({ dataDir, adminKeys: [{ key: ADMIN_KEY, label: 'admin' }] });
  router.target = gw.url;
  router.writes = [];
  return gw;
}

async function stopGateway(gw: ReferenceGateway) {
  router.target = null;
  await gw.close();
}

beforeAll(async () => {
  root = makeTempDir('gatehouse-sync-crash-');
  router = await startRouter();
  templateLaptop = path.join(root, 'template-laptop');
  templateGateway = path.join(root, 'template-gateway');
  fs.mkdirSync(templateLaptop);
  const gw = await startGateway(templateGateway);
  const lap = templateLaptop;

  await ghInProcess(lap, ['remotes', 'add', REMOTE, '--url', router.url, '--credential-stdin'], `${ADMIN_KEY}\n`);
  const bea = await call(lap, 'members:create', { name: 'Bea Builder', email: 'bea@example.com' });
  const ws = async (name: string) => (await call(lap, 'workspaces:create', { name, environment: 'staging', region: 'eu' })).id as string;
  const key = async (workspaceId: string, name: string) => (await call(lap, 'keys:create', { workspaceId, name })).key.id as string;
  const grants = (workspaceId: string, list: [string, number | null][]) =>
    call(lap, 'modelGrants:save', { workspaceId, grants: list.map(([modelId, rpmLimit]) => ({ modelId, rpmLimit, tpmLimit: null })) });
  const alpha = await ws('Alpha');
  const beta = await ws('Beta');
  const gamma = await ws('Gamma');
  const alphaKey1 = await key(alpha, 'alpha-backend');
  await key(alpha, 'alpha-batch');
  await key(beta, 'beta-backend');
  await key(gamma, 'gamma-backend');
  await grants(alpha, [['gpt-4o', 100], ['claude-haiku-4-5', null]]);
  await grants(beta, [['gpt-4o', 50]]);
  await call(lap, 'workspaceMembers:add', { workspaceId: beta, memberId: bea.id, role: 'viewer' });
  const pk = await callWithStdin(lap, 'providerKeys:create', { vendor: 'OpenAI', label: 'OpenAI prod', secret: PROVIDER_SECRET });
  await ghInProcess(lap, ['sync', 'apply', '--remote', REMOTE, '--yes']);
  expect((await ghInProcess(lap, ['sync', 'plan', '--remote', REMOTE])).code).toBe(0);

  // Someone edits Beta on the gateway directly: a field not edited here, to be pulled.
  const api = createApi(gw.url, ADMIN_KEY);
  const current = await api('GET', `/v1/workspaces/${beta}`);
  const edited = await api('PUT', `/v1/workspaces/${beta}`, { ifMatch: current.body.etag, body: { data: { ...current.body.data, description: 'Edited on the gateway' } } });
  expect(edited.status).toBe(200);

  // Local changes not yet synced: creates, updates and deletes of every kind of thing.
  await call(lap, 'workspaces:update', { id: alpha, changes: { name: 'Alpha Prime' } });
  await call(lap, 'keys:revoke', { id: alphaKey1 });
  await grants(alpha, [['gpt-4o', 200], ['claude-haiku-4-5', null], ['chatgpt-4o-latest', 10]]);
  const delta = await ws('Delta');
  await key(delta, 'delta-backend');
  await key(delta, 'delta-batch');
  await grants(delta, [['claude-haiku-4-5', 30]]);
  await call(lap, 'workspaceMembers:add', { workspaceId: delta, memberId: bea.id, role: 'editor' });
  await call(lap, 'budgets:update', { workspaceId: beta, thresholds: [25, 75, 100], mode: 'hard' });
  await callWithStdin(lap, 'providerKeys:update', { id: pk.id, secret: PROVIDER_SECRET_2 });
  await call(lap, 'providerAccess:save', { workspaceId: delta, disabledKeyIds: [pk.id], pins: [] });
  await call(lap, 'workspaces:delete', { id: gamma, confirmName: 'Gamma' });

  templateIdempotencyKeys = new Set(idempotencyKeys(gw));
  await stopGateway(gw);
}, 120_000);

afterAll(async () => {
  await router?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

// ---- Trials ---------------------------------------------------------------------------------------

interface Outcome {
  remote: Record<string, unknown>[];
  local: ReturnType<typeof localState>;
  /** Writes the gateway executed (replays excluded), and the idempotency records it stored, in this trial. */
  gatewayWrites: number;
  newIdempotencyKeys: string[];
  routerWrites: WriteSeen[];
  atCrash: ReturnType<typeof journal> | null;
  after: ReturnType<typeof journal>;
  crashRuns: ChildRun[];
}

/** Copies the templates, runs `sync apply --remote --yes` killed at each of `crashes` in turn, then once undisturbed, then plans. */
async function trial(name: string, crashes: string[]): Promise<Outcome> {
  const laptop = path.join(root, `${name}-laptop`);
  const gatewayDir = path.join(root, `${name}-gateway`);
  copyDir(templateLaptop, laptop);
  copyDir(templateGateway, gatewayDir);
  const gw = await startGateway(gatewayDir);
  const since = new Date().toISOString();
  try {
    const crashRuns: ChildRun[] = [];
    let atCrash: ReturnType<typeof journal> | null = null;
    for (const crashAt of crashes) {
      crashRuns.push(await gatehouse(laptop, ['sync', 'apply', '--remote', REMOTE, '--yes'], crashAt));
      atCrash ??= journal(laptop);
    }
    const applied = await gatehouse(laptop, ['sync', 'apply', '--remote', REMOTE, '--yes']);
    expect(applied.code, `${name}: sync apply\n${applied.stdout}\n${applied.stderr}`).toBe(0);
    const plan = await gatehouse(laptop, ['sync', 'plan', '--remote', REMOTE]);
    expect(plan.code, `${name}: sync plan afterwards\n${plan.stdout}\n${plan.stderr}`).toBe(0);
    expect(plan.stdout).toContain('No changes: this laptop and the remote agree.');
    return {
      remote: remoteResources(gw),
      local: localState(laptop, since),
      gatewayWrites: gw.counts().writes,
      newIdempotencyKeys: idempotencyKeys(gw).filter((k) => !templateIdempotencyKeys.has(k)),
      routerWrites: router.writes,
      atCrash,
      after: journal(laptop),
      crashRuns,
    };
  } finally {
    await stopGateway(gw);
    fs.rmSync(laptop, { recursive: true, force: true });
    fs.rmSync(gatewayDir, { recursive: true, force: true });
  }
}

/** Same end state as the uninterrupted run, on both sides, and no write executed twice. */
function expectSameEndState(label: string, outcome: Outcome, baseline: Outcome) {
  expect(outcome.remote, `${label}: remote resources`).toEqual(baseline.remote);
  expect(outcome.local.tables, `${label}: local tables`).toEqual(baseline.local.tables);
  expect(outcome.local.links, `${label}: sync links`).toEqual(baseline.local.links);
  expect(outcome.local.cache, `${label}: remote cache`).toEqual(baseline.local.cache);
  expect(outcome.local.changeLog, `${label}: change log`).toEqual(baseline.local.changeLog);
  expect(outcome.local.audit, `${label}: audit (pulled changes written once)`).toEqual(baseline.local.audit);
  // Nothing written twice: the gateway executed exactly as many writes as the uninterrupted run,
  // stored one idempotency record per executed write, and every other answer was a replay.
  expect(outcome.gatewayWrites, `${label}: writes executed`).toBe(baseline.gatewayWrites);
  expect(outcome.newIdempotencyKeys, `${label}: idempotency records`).toHaveLength(baseline.gatewayWrites);
  const executed = outcome.routerWrites.filter((w) => !w.replayed);
  expect(executed.length, label).toBe(baseline.gatewayWrites);
  expect(new Set(executed.map((w) => w.key)).size, `${label}: one execution per key`).toBe(executed.length);
  expect(executed.every((w) => w.status < 300), `${label}: every executed write succeeded`).toBe(true);
}

describe('sync apply under kill -9 (GH_SYNC_CRASH_AT)', () => {
  let baseline: Outcome;
  let sends = 0;

  it('an uninterrupted run: creates, updates, deletes and a pull, then an empty plan', async () => {
    baseline = await trial('baseline', []);
    // The baseline really did something of every kind, and converged.
    const baseOps = baseline.after.ops.filter((o) => o.run_id === baseline.after.runs.filter((r) => r.state === 'applied').at(-1)!.id);
    const kinds = new Set(baseOps.map((o) => o.kind));
    expect([...kinds].sort()).toEqual(['create', 'delete', 'pull', 'update']);
    expect(baseOps.every((o) => o.state === 'done')).toBe(true);
    sends = baseOps.filter((o) => o.kind !== 'pull').length;
    expect(sends).toBeGreaterThanOrEqual(10);
    expect(baseline.gatewayWrites).toBe(sends);
    expect(baseline.newIdempotencyKeys).toHaveLength(sends);
    expect(baseline.routerWrites.filter((w) => w.replayed)).toEqual([]);
    expect(baseline.local.changeLog.filter((c) => (c as { pending: number }).pending)).toEqual([]);
    // No duplicates on the gateway: one workspace per name, one key per name.
    const names = (type: string) => baseline.remote.filter((r) => r.type === type).map((r) => (JSON.parse(r.data_json as string) as { name: string }).name);
    expect(names('workspace').sort()).toEqual(['Alpha Prime', 'Beta', 'Default Workspace', 'Delta']);
    expect(new Set(names('api_key')).size).toBe(names('api_key').length);
    expect(baseline.local.tables.workspaces!.find((w) => (w as { name: string }).name === 'Beta')).toMatchObject({ description: 'Edited on the gateway' });
    console.log(`sync crash baseline: ${sends} writes (${baseOps.map((o) => `${o.kind} ${o.entity_type}`).join(', ')})`);
  }, 120_000);

  it('resumes from every crash point to the state of an uninterrupted run, with nothing written twice', async () => {
    expect(baseline, 'the uninterrupted run').toBeDefined();

    const points = [...new Set([1, Math.ceil(sends / 2), sends])];
    const tried: string[] = [];
    for (const hook of HOOKS) {
      for (const n of points) {
        const label = `${hook}:${n}`;
        const outcome = await trial(label.replace(':', '-'), [label]);
        tried.push(label);
        // It died there, by SIGKILL, with the journal in the state that crash point implies.
        expect(outcome.crashRuns[0], label).toMatchObject({ code: null, signal: 'SIGKILL' });
        const crashed = outcome.atCrash!.runs.find((r) => r.state === 'applying');
        expect(crashed, `${label}: a run left applying`).toBeDefined();
        const crashedOps = outcome.atCrash!.ops.filter((o) => o.run_id === crashed!.id && o.kind !== 'pull');
        const sent = crashedOps.filter((o) => o.state === 'sent');
        expect(sent.length, `${label}: ops left sent`).toBe(hook === 'after-commit' ? 0 : 1);
        expect(crashedOps.filter((o) => o.state === 'done').length, `${label}: ops done before the crash`).toBe(hook === 'after-commit' ? n : n - 1);

        // The resume settled the crashed run: interrupted, its in-flight op done.
        const after = outcome.after;
        expect(after.runs.find((r) => r.id === crashed!.id)?.state, label).toBe('interrupted');
        for (const op of sent) {
          const settled = after.ops.find((o) => o.run_id === crashed!.id && o.ord === op.ord)!;
          expect(settled.state, `${label}: ${op.entity_type} ${op.ord}`).toBe('done');
          // Its idempotency key went out again; after a committed send the gateway answered with a replay.
          const answers = outcome.routerWrites.filter((w) => w.key === op.idempotency_key);
          if (hook === 'after-send-before-commit') {
            expect(answers.map((w) => w.replayed), label).toEqual([false, true]);
            expect(settled.message).toMatch(/^Replayed/);
          } else {
            expect(answers.map((w) => w.replayed), label).toEqual([false]);
          }
        }

        expectSameEndState(label, outcome, baseline);
        expect(outcome.routerWrites.filter((w) => w.replayed).length, label).toBe(hook === 'after-send-before-commit' ? 1 : 0);
      }
    }
    expect(tried).toHaveLength(HOOKS.length * points.length);
    console.log(`sync crash trials: ${tried.join(', ')}: all resumed to the uninterrupted state`);
  }, 10 * 60_000);

  it('a second kill -9 while the resume replays the in-flight request still converges, the key replayed each time', async () => {
    expect(baseline, 'the uninterrupted run').toBeDefined();
    const n = Math.ceil(sends / 2);
    // Killed after the gateway answered op n; the resume's replay of that key is killed before it commits too.
    const outcome = await trial('twice', [`after-send-before-commit:${n}`, 'after-send-before-commit:1']);
    expect(outcome.crashRuns.map((r) => r.signal)).toEqual(['SIGKILL', 'SIGKILL']);
    const crashed = outcome.atCrash!.runs.find((r) => r.state === 'applying')!;
    const inFlight = outcome.atCrash!.ops.filter((o) => o.run_id === crashed.id && o.state === 'sent');
    expect(inFlight).toHaveLength(1);
    expect(outcome.routerWrites.filter((w) => w.key === inFlight[0]!.idempotency_key).map((w) => w.replayed)).toEqual([false, true, true]);
    expect(outcome.after.runs.find((r) => r.id === crashed.id)?.state).toBe('interrupted');
    expectSameEndState('twice', outcome, baseline);
  }, 120_000);
});
