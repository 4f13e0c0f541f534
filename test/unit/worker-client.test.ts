/**
 * The door → core boundary end to end: a real worker thread (core-worker.ts) on a real SQLite file,
 * driven only through the CoreClient (invoke, events, a job with cancel, a door request, shutdown),
 * plus the in-process client with the same basics.
 */
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { coreEventSchema, type ChangedEvent, type CoreEvent, type JobEvent } from '../../shared/contract/event-schemas';
import { jobStatusSchema, type JobStatus } from '../../shared/contract/job-schemas';
import type { Result } from '../../shared/contract/errors';
import type { CoreClient, Sender } from '../../electron/core/client/core-client';
import { createInProcessClient } from '../../electron/core/client/in-process-client';
import { createWorkerClient } from '../../electron/core/client/worker-client';
import { makeTempDir } from '../../electron/core/testing/temp-core';

// Every Worker the client starts is recorded, so a test can see the thread is really gone.
const spawned = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class TrackedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      spawned.push(this);
    }
  }
  return { ...actual, Worker: TrackedWorker };
});

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const trusted: Sender = { kind: 'web', tokenValid: true };
const untrusted: Sender = { kind: 'web', tokenValid: false };
/** The browser host's trust rule: only callers that presented the launch token. */
const isTrustedSender = (sender: Sender) => sender.kind === 'web' && sender.tokenValid;

/** Collects a client's events (each checked against the contract) and waits for one that matches. */
function recordEvents(client: CoreClient) {
  const events: CoreEvent[] = [];
  const invalid: unknown[] = [];
  const waiters = new Set<{ match: (e: CoreEvent) => boolean; resolve: (e: CoreEvent) => void }>();
  const stop = client.on((event) => {
    if (!coreEventSchema.safeParse(event).success) invalid.push(event);
    events.push(event);
    for (const waiter of waiters) {
      if (waiter.match(event)) {
        waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  });
  function next<E extends CoreEvent>(match: (e: CoreEvent) => e is E, what: string, timeoutMs?: number): Promise<E>;
  function next(match: (e: CoreEvent) => boolean, what: string, timeoutMs?: number): Promise<CoreEvent>;
  function next(match: (e: CoreEvent) => boolean, what: string, timeoutMs = 15_000): Promise<CoreEvent> {
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (e: CoreEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no ${what} event within ${timeoutMs} ms; saw ${JSON.stringify(events.map((e) => (e.type === 'job' ? `job ${e.job.state} ${e.job.done}` : `changed ${e.origin} ${e.entityTypes.join(',')}`)))}`));
      }, timeoutMs);
      waiters.add(waiter);
    });
  }
  return { events, invalid, next, stop, clear: () => (events.length = 0) };
}

const isChanged = (e: CoreEvent): e is ChangedEvent => e.type === 'changed';
const isJob = (e: CoreEvent): e is JobEvent => e.type === 'job';
const finished = (state: JobStatus['state']) => state === 'done' || state === 'cancelled' || state === 'failed';

async function ok<T = unknown>(client: CoreClient, channel: string, input: unknown): Promise<T> {
  const result = await client.invoke(channel, input, trusted);
  if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
  return result.data as T;
}

/** A job's first status as the channel answered it: must be a JobStatus with a job ID. */
function asJob(data: unknown): JobStatus {
  const parsed = jobStatusSchema.safeParse(data);
  if (!parsed.success) throw new Error(`expected a JobStatus, got ${JSON.stringify(data)}`);
  return parsed.data;
}

/** Waits until the job is over, from its events, falling back to `jobs:status` (events are throttled, never lost at the end). */
async function settle(client: CoreClient, events: ReturnType<typeof recordEvents>, jobId: string, timeoutMs = 20_000): Promise<JobStatus> {
  const event = await events.next((e): e is JobEvent => isJob(e) && e.job.jobId === jobId && finished(e.job.state), `finished job ${jobId}`, timeoutMs);
  const status = await ok<JobStatus>(client, 'jobs:status', { jobId });
  expect(status.state).toBe(event.job.state);
  return status;
}

function runCliProcess(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'electron/hosts/cli/main.ts', '--data-dir', dataDir, ...args], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Three workspaces with an active key each, so sample usage has somewhere to go. */
async function seedWorkspaces(client: CoreClient): Promise<void> {
  for (const name of ['Search Team', 'Billing Team']) await ok(client, 'workspaces:create', { name });
  const { items } = await ok<{ items: Array<{ id: string }> }>(client, 'workspaces:list', {});
  for (const ws of items) await ok(client, 'keys:create', { workspaceId: ws.id, name: 'service' });
}

describe('worker client: the core in a worker thread', () => {
  let dataDir: string;
  let client: CoreClient;
  let events: ReturnType<typeof recordEvents>;
  const saveRequests: Array<{ suggestedName: string; jobId: string }> = [];
  let savePathAnswer: (request: { suggestedName: string; jobId: string }) => string | null = () => null;

  beforeAll(async () => {
    dataDir = makeTempDir('gatehouse-worker-client-');
    client = await createWorkerClient({
      dataDir,
      appVersion: '0.0.0-test',
      localUserName: 'test-admin',
      isTrustedSender,
      externalChangePollMs: 100,
      capabilities: {
        // The door's save dialog: answered in this thread, requested from the worker over the port.
        chooseSavePath: (request) => {
          saveRequests.push(request);
          return Promise.resolve(savePathAnswer(request));
        },
      },
    });
    events = recordEvents(client);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers invokes: data, typed errors, and E_FORBIDDEN from the door trust rule', async () => {
    const info = await client.invoke('app:info', {}, trusted);
    expect(info).toMatchObject({ ok: true, data: { version: '0.0.0-test' } });

    const active = await ok<{ id: string; name: string }>(client, 'workspaces:getActive', {});
    expect(active.id).toMatch(/^ws-/);

    expect(await client.invoke('workspaces:create', { name: '' }, trusted)).toMatchObject({
      ok: false,
      error: { code: 'E_VALIDATION', issues: expect.arrayContaining([expect.objectContaining({ path: 'name' })]) },
    });
    expect(await client.invoke('workspaces:get', { id: 'ws-missing000000' }, trusted)).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(await client.invoke('nope:nope', {}, trusted)).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });

    // The door refuses before anything crosses to the worker: no write, no event.
    events.clear();
    const before = (await ok<{ total: number }>(client, 'workspaces:list', {})).total;
    const refused = await client.invoke('workspaces:create', { name: 'Sneaky' }, untrusted);
    expect(refused).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.any(String) } });
    expect(await client.invoke('app:info', {}, { kind: 'cli' })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    expect((await ok<{ total: number }>(client, 'workspaces:list', {})).total).toBe(before);
    expect(events.events.filter(isChanged)).toEqual([]);
  });

  it('emits `changed` after a committed write, naming the entity types and the entity', async () => {
    events.clear();
    const created = await ok<{ id: string }>(client, 'workspaces:create', { name: 'Platform Team' });
    const changed = await events.next((e): e is ChangedEvent => isChanged(e) && e.entities.some((x) => x.entityId === created.id), 'changed for the new workspace');
    expect(changed.origin).toBe('this-core');
    expect(changed.entityTypes).toContain('workspace');
    expect(changed.entityTypes).toEqual([...new Set(changed.entityTypes)].sort());
    expect(changed.entities).toContainEqual({ entityType: 'workspace', entityId: created.id, workspaceId: created.id });

    // A refused write commits nothing and announces nothing.
    events.clear();
    expect((await client.invoke('workspaces:create', { name: 'Platform Team' }, trusted)).ok).toBe(false);
    await ok(client, 'app:info', {});
    expect(events.events.filter(isChanged)).toEqual([]);
    expect(events.invalid).toEqual([]);
  });

  it('emits `changed` with origin other-process when a second process (the CLI) writes the same store', async () => {
    events.clear();
    const cli = await runCliProcess(dataDir, ['workspaces', 'create', '--name', 'Made By CLI', '--json']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const made = JSON.parse(cli.stdout) as { id: string; name: string };
    expect(made.name).toBe('Made By CLI');

    const changed = await events.next((e): e is ChangedEvent => isChanged(e) && e.origin === 'other-process', 'other-process changed', 10_000);
    expect(changed.entityTypes).toContain('workspace');
    expect(changed.entities.map((e) => e.entityId)).toContain(made.id);
    // Our own earlier writes are not re-announced as someone else's.
    expect(events.events.filter(isChanged).every((e) => e.origin === 'other-process')).toBe(true);
    // And the worker's reads see the other process's commit.
    const { items } = await ok<{ items: Array<{ id: string }> }>(client, 'workspaces:list', { search: 'Made By CLI' });
    expect(items.map((w) => w.id)).toEqual([made.id]);
  }, 60_000);

  it('asks the door for a save path over the port and writes where the door answered', async () => {
    const target = path.join(dataDir, 'chosen', 'workspaces-export.csv');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    savePathAnswer = () => target;
    saveRequests.length = 0;
    const started = asJob(await ok(client, 'exports:start', { kind: 'workspaces' }));
    const done = await settle(client, events, started.jobId);
    expect(done).toMatchObject({ state: 'done', error: null });
    expect(saveRequests).toEqual([{ suggestedName: expect.stringMatching(/\.csv$/), jobId: started.jobId }]);
    const csv = fs.readFileSync(target, 'utf8');
    expect(csv.startsWith('\uFEFFid,name,')).toBe(true);
    expect(csv).toContain('Platform Team');
    expect(csv).toContain('Made By CLI');
    expect(done.result).toMatchObject({ kind: 'export', rowsWritten: csv.trim().split('\r\n').length - 1 });

    // The door's "no file chosen" travels back too: the job ends cancelled and writes nothing.
    savePathAnswer = () => null;
    const dismissed = asJob(await ok(client, 'exports:start', { kind: 'workspaces' }));
    expect(await settle(client, events, dismissed.jobId)).toMatchObject({ state: 'cancelled' });
    expect(saveRequests.map((r) => r.jobId)).toEqual([started.jobId, dismissed.jobId]);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['workspaces-export.csv']);
  });

  it('runs a long job in chunks, keeps answering meanwhile, and cancels it', async () => {
    await seedWorkspaces(client);
    events.clear();
    const job = await startLongJob(client);
    expect(['waiting', 'running']).toContain(job.state);

    // Progress arrives as events while the job works, and other calls are answered between chunks.
    const progressed = await events.next((e): e is JobEvent => isJob(e) && e.job.jobId === job.jobId && e.job.state === 'running' && e.job.done > 0, 'progress');
    expect(progressed.job.kind).toBe(job.kind);
    const info = await client.invoke('app:info', {}, trusted);
    expect(info.ok).toBe(true);
    const meanwhile = await ok<JobStatus>(client, 'jobs:status', { jobId: job.jobId });
    expect(meanwhile.state).toBe('running');

    const cancelAnswer = await ok<JobStatus>(client, 'jobs:cancel', { jobId: job.jobId });
    expect(cancelAnswer.jobId).toBe(job.jobId);
    const cancelled = await settle(client, events, job.jobId);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error?.code).toBe('E_CANCELLED');
    expect(cancelled.result).toBeNull();
    expect(cancelled.total).not.toBeNull();
    expect(cancelled.done).toBeLessThan(cancelled.total!);
    expect((await ok<{ items: JobStatus[] }>(client, 'jobs:list', {})).items.find((j) => j.jobId === job.jobId)?.state).toBe('cancelled');
    expect(events.invalid).toEqual([]);
    // Still healthy after the cancel.
    expect((await client.invoke('workspaces:list', {}, trusted)).ok).toBe(true);
  }, 60_000);
});

/** A job that runs long enough to be cancelled mid-way: a big sample generation, a chunked job. */
async function startLongJob(client: CoreClient): Promise<JobStatus> {
  return asJob(await ok(client, 'usage:generateSample', { days: 90, rows: 5_000_000, seed: 3 }));
}

describe('worker client: shutdown', () => {
  it('close() cancels the running job, resolves, ends the thread, and leaves a sound store', async () => {
    const dataDir = makeTempDir('gatehouse-worker-close-');
    try {
      const crashes: Error[] = [];
      const firstWorker = spawned.length;
      const client = await createWorkerClient({ dataDir, appVersion: '0.0.0-test', localUserName: 'test-admin', isTrustedSender, onCrash: (e) => crashes.push(e) });
      const worker = spawned[firstWorker];
      expect(worker).toBeDefined();
      const exited = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
      const events = recordEvents(client);
      await seedWorkspaces(client);

      const job = asJob(await ok(client, 'usage:generateSample', { days: 90, rows: 5_000_000, seed: 11 }));
      await events.next((e) => isJob(e) && e.job.jobId === job.jobId && e.job.done > 0, 'progress');

      await client.close();
      // The job did not run to its end: it was cancelled at a chunk boundary before the store closed.
      const last = events.events.filter(isJob).filter((e) => e.job.jobId === job.jobId).at(-1);
      expect(last?.job.state).toBe('cancelled');
      // (The client terminates the thread once the core said `closed`, so its exit code is not meaningful.)
      await exited;
      expect(worker!.threadId).toBe(-1);
      expect(crashes).toEqual([]);

      // Later calls answer an error instead of hanging, and close() again is harmless.
      const after: Result<unknown> = await Promise.race([
        client.invoke('app:info', {}, trusted),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('invoke after close hung')), 5_000)),
      ]);
      expect(after).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^E_/), message: expect.any(String) } });
      await client.close();

      // The store closed cleanly: it reopens, passes integrity_check, and holds what was committed.
      const db = new Database(path.join(dataDir, 'gatehouse.sqlite'));
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const workspaces = db.prepare('SELECT COUNT(*) FROM workspaces').pluck().get() as number;
        expect(workspaces).toBe(3);
        const records = db.prepare('SELECT COUNT(*) FROM usage_records').pluck().get() as number;
        expect(records).toBeLessThan(5_000_000);
        // The rollup matches what was committed (chunks are whole transactions, records + rollup together).
        const rolled = db.prepare('SELECT COALESCE(SUM(record_count), 0) AS records, COALESCE(SUM(requests), 0) AS requests FROM usage_daily').get();
        const raw = db.prepare('SELECT COUNT(*) AS records, COALESCE(SUM(requests), 0) AS requests FROM usage_records').get();
        expect(rolled).toEqual(raw);
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a store that cannot be opened rejects createWorkerClient with a typed error and ends the thread', async () => {
    const dataDir = makeTempDir('gatehouse-worker-bad-');
    try {
      fs.writeFileSync(path.join(dataDir, 'gatehouse.sqlite'), 'this is not a database, just text long enough to fill a header page '.repeat(20));
      const firstWorker = spawned.length;
      await expect(createWorkerClient({ dataDir, appVersion: '0.0.0-test', isTrustedSender })).rejects.toMatchObject({ code: 'E_STORAGE' });
      const worker = spawned[firstWorker]!;
      if (worker.threadId !== -1) await new Promise((resolve) => worker.once('exit', resolve));
      expect(worker.threadId).toBe(-1);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('in-process client', () => {
  it('answers invokes, applies the door trust rule, and emits changed events', async () => {
    const dataDir = makeTempDir('gatehouse-inproc-client-');
    const client = createInProcessClient({ dataDir, appVersion: '0.0.0-test', localUserName: 'test-admin', isTrustedSender, logError: () => {}, externalChangePollMs: 0 });
    try {
      const events = recordEvents(client);
      expect(await client.invoke('app:info', {}, trusted)).toMatchObject({ ok: true, data: { version: '0.0.0-test' } });
      expect(await client.invoke('workspaces:create', { name: '' }, trusted)).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: expect.arrayContaining([expect.objectContaining({ path: 'name' })]) } });
      expect(await client.invoke('workspaces:create', { name: 'Sneaky' }, untrusted)).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.any(String) } });
      expect(events.events).toEqual([]);

      const created = await ok<{ id: string }>(client, 'workspaces:create', { name: 'Data Team' });
      const changed = await events.next((e): e is ChangedEvent => isChanged(e) && e.entities.some((x) => x.entityId === created.id), 'changed', 2_000);
      expect(changed.origin).toBe('this-core');
      expect(changed.entityTypes).toContain('workspace');
      const { items } = await ok<{ items: Array<{ name: string }> }>(client, 'workspaces:list', {});
      expect(items.map((w) => w.name)).toContain('Data Team');
      expect(events.invalid).toEqual([]);
    } finally {
      await client.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    // Closed means closed: the in-process core's store handle is gone.
    expect(client.core.db.open).toBe(false);
  });
});
