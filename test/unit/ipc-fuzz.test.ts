/**
 * The IPC fuzz suite (issue #12): every channel of the contract, driven through the real core's
 * dispatcher with thousands of generated payloads (see ipc-fuzz-harness.ts for the families and
 * the oracle). One seed per run: GATEHOUSE_FUZZ_SEED=<n> (default fixed, so CI is repeatable;
 * `random` picks one) and GATEHOUSE_FUZZ_RUNS=<n> to go bigger; `npm run bench ipc-fuzz` runs 100k.
 * A failure names the channel, the payload and the seed to replay it with.
 */
import Database from 'better-sqlite3';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../../shared/contract/contract';
import { remoteUrlSchema } from '../../shared/contract/sync-schemas';
import {
  checkCall,
  emptyReport,
  FAMILIES,
  formatReport,
  FUZZ_SECRETS,
  openFuzzEnv,
  runFuzz,
  secretsAtRest,
  selectChannels,
  seedRealisticData,
  type FuzzEnv,
  type FuzzReport,
} from './ipc-fuzz-harness';

const SEED = process.env.GATEHOUSE_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.GATEHOUSE_FUZZ_SEED ?? 20261202);
const RUNS = Number(process.env.GATEHOUSE_FUZZ_RUNS ?? 3000);
/** GATEHOUSE_FUZZ_CHANNELS=sync:,remotes: fuzzes only those (`!backup:` leaves them out); default every channel. */
const CHANNELS = selectChannels(process.env.GATEHOUSE_FUZZ_CHANNELS);

let env: FuzzEnv;
beforeAll(async () => {
  env = await openFuzzEnv();
  await seedRealisticData(env);
}, 60_000);
afterAll(async () => {
  await env?.close();
});

const rejectWith = (code: string, message = 'Refused') => () => Promise.resolve({ ok: false as const, error: { code: code as 'E_VALIDATION', message } });
const aWorkspace = () => env.core.db.prepare('SELECT id FROM workspaces WHERE is_default = 0 LIMIT 1').pluck().get() as string;

describe('the oracle catches what it claims to', () => {
  it('a rejected call that wrote a row is a change on rejection; one whose write was rolled back is not', async () => {
    const id = aWorkspace();
    const wrote = await checkCall(env, 'workspaces:update', {}, {
      dispatch: () => {
        env.core.db.prepare("UPDATE workspaces SET description = description || '!' WHERE id = ?").run(id);
        return rejectWith('E_VALIDATION')();
      },
    });
    expect(wrote.map((v) => v.kind)).toEqual(['changed-on-rejection']);
    expect(wrote[0]!.detail).toContain('workspaces');

    const rolledBack = await checkCall(env, 'workspaces:update', {}, {
      dispatch: () => {
        try {
          env.core.db.transaction(() => {
            env.core.db.prepare("UPDATE workspaces SET description = 'rolled back' WHERE id = ?").run(id);
            throw new Error('undo');
          })();
        } catch {
          // rolled back
        }
        return rejectWith('E_CONFLICT')();
      },
    });
    expect(rolledBack).toEqual([]);
  });

  it('a commit by another connection during a rejected call is caught too', async () => {
    const other = new Database(env.core.db.name);
    try {
      const violations = await checkCall(env, 'members:create', {}, {
        dispatch: () => {
          other.prepare("UPDATE members SET name = name || '?' WHERE rowid = (SELECT min(rowid) FROM members)").run();
          return rejectWith('E_NOT_FOUND')();
        },
      });
      expect(violations.map((v) => v.kind)).toEqual(['changed-on-rejection']);
    } finally {
      other.close();
    }
  });

  it('E_INTERNAL, a stack trace, a secret in a message, a throw and a malformed answer are each reported', async () => {
    const kinds = async (dispatch: () => Promise<unknown>) => (await checkCall(env, 'app:info', {}, { dispatch: dispatch as never })).map((v) => v.kind);
    expect(await kinds(rejectWith('E_INTERNAL', 'Something went wrong'))).toEqual(['E_INTERNAL']);
    expect(await kinds(rejectWith('E_VALIDATION', 'Bad\n    at parse (/work/main/electron/core/x.ts:10:5)'))).toEqual(['stack-trace']);
    expect(await kinds(rejectWith('E_CONFLICT', 'at Object.<anonymous> (file:///x.js:1:2)'))).toEqual(['stack-trace']);
    expect(await kinds(rejectWith('E_VALIDATION', `Secret ${FUZZ_SECRETS[2]} is wrong`))).toEqual(['secret-leak']);
    expect(await kinds(() => Promise.resolve({ ok: true, data: { ...(env.core.ok('app:info', {}) as object), note: FUZZ_SECRETS[0] } }))).toEqual(['malformed-answer', 'secret-leak']);
    expect(await kinds(() => Promise.reject(new Error('boom')))).toEqual(['threw']);
    expect(await kinds(() => Promise.resolve({ ok: false, error: { code: 'E_WHATEVER', message: 'x' } }))).toEqual(['malformed-answer']);
    expect(await kinds(() => Promise.resolve({ ok: false, error: { code: 'E_LIMIT', message: '' } }))).toEqual(['malformed-answer']);
  });

  it('a connection to anything but loopback is stopped before it leaves and reported', async () => {
    const attempt = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host, port: 9 });
        socket.on('error', (error) => resolve(error.message));
        socket.on('connect', () => {
          socket.destroy();
          resolve('connected');
        });
      });
    const before = env.guard.blocked.length;
    expect(await attempt('192.0.2.1')).toContain('ipc-fuzz: blocked');
    expect(await attempt('gateway.example.com')).toContain('ipc-fuzz: blocked');
    expect(env.guard.blocked.slice(before)).toEqual(['192.0.2.1', 'gateway.example.com']);
    expect(await attempt('127.0.0.1')).not.toContain('blocked'); // refused by the OS, not by the guard
    env.guard.blocked.splice(before);
  });
});

describe('IPC fuzz over every channel of the contract', () => {
  let report: FuzzReport;

  it(`${RUNS} payloads (seed ${SEED}): no throw, no E_INTERNAL, no stack or secret in an error, no change on rejection, no network`, async () => {
    report = emptyReport(SEED, CHANNELS);
    try {
      await runFuzz(env, { numRuns: RUNS, seed: SEED, channels: CHANNELS, stopOnViolation: true, report });
    } finally {
      console.log(formatReport(report));
    }
    expect(report.violations).toEqual([]);
    expect(report.payloads).toBe(RUNS);
    expect(report.internal).toBe(0);
    expect(report.changedOnRejection).toBe(0);
    expect(env.guard.blocked).toEqual([]);
    expect(env.logged).toEqual([]);
  }, 240_000);

  it('reached every channel, both its write path and its refusals, with every payload family', () => {
    expect(report, 'the fuzz run above did not finish').toBeDefined();
    expect(Object.keys(report.perChannel).sort()).toEqual([...CHANNELS].sort());
    const minimum = Math.floor(RUNS / CHANNELS.length / 3);
    for (const [channel, stats] of Object.entries(report.perChannel)) {
      expect(stats.payloads, channel).toBeGreaterThanOrEqual(minimum);
      expect(stats.rejected, `${channel} never refused a payload`).toBeGreaterThan(0);
    }
    // The write path too: a channel that needs several fields to agree with the store at once
    // (sync:apply = a run and its hash, the latest plan, nothing changed since; workspaces:delete =
    // an ID and its name) may miss it in a short run; nine in ten channels must have accepted some.
    const neverAccepted = Object.entries(report.perChannel).filter(([, s]) => s.ok === 0).map(([c]) => c);
    expect(neverAccepted.length, `never accepted a payload: ${neverAccepted.join(', ')}`).toBeLessThanOrEqual(Math.ceil(CHANNELS.length * 0.1));
    const families = Object.fromEntries(FAMILIES.map((f) => [f, Object.values(report.perChannel).reduce((n, s) => n + s.byFamily[f], 0)]));
    for (const family of FAMILIES) expect(families[family], family).toBeGreaterThan(0);
  });

  it('after the run no plaintext secret is anywhere in the store', () => {
    expect(secretsAtRest(env)).toEqual([]);
  });
});

describe('regressions the fuzzer found', () => {
  it('remotes:create with a ~1 MiB URL is refused at once (the URL pattern backtracked quadratically: ~40 min for 1 MiB)', () => {
    // Runs in milliseconds now; before the fix this test ran into its timeout.
    const url = `http://127.0.0.1:1/${'a'.repeat(1_000_000)} b`;
    const result = env.core.call('remotes:create', { name: 'huge', baseUrl: url, credential: FUZZ_SECRETS[9]! });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(result.ok ? [] : result.error.issues!.map((issue) => issue.path)).toEqual(['baseUrl', 'baseUrl']);
  }, 10_000);

  it('the linear URL pattern accepts and refuses exactly what the old one did', () => {
    const old = /^https?:\/\/[^\s/?#]+[^\s]*$/i;
    const samples = ['http://127.0.0.1:8787', 'https://a', 'https://a/b?c#d', 'http://', 'http:///x', 'http://?x', 'http://#', 'https://x y', 'HTTPS://X', 'ftp://x', 'http://a\tb', 'http://a/ ', 'http://é.example'];
    for (const sample of samples) expect(remoteUrlSchema.safeParse(sample).success, sample).toBe(old.test(sample.trim()) && sample.trim().length <= 2000);
    expect(contract['remotes:update'].input.safeParse({ id: 'rem-abcd1234', baseUrl: `https://${'a'.repeat(1_000_000)}#` }).success).toBe(false);
  }, 10_000);

  it('usage:report ending on 9999-12-31 answers (the bucket loop never ended: past 9999 a label sorts before 9999-…)', () => {
    // Before the fix this call hung the core for good; the test ran into its timeout.
    expect(env.core.ok('usage:report', { from: '9999-12-31', to: '9999-12-31' }).buckets).toEqual(['9999-12-31']);
    expect(env.core.ok('usage:report', { from: '9999-12-25', to: '9999-12-31', bucket: 'week' }).buckets).toEqual(['9999-12-20', '9999-12-27']);
    expect(env.core.ok('usage:report', { from: '0000-01-01', to: '9999-12-31', bucket: 'month' }).buckets).toHaveLength(120_000);
  }, 10_000);

  it('a report over more periods than a report may have rows is E_LIMIT before any work', () => {
    const result = env.core.call('usage:report', { from: '0000-01-01', to: '9999-12-31', bucket: 'day' });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_LIMIT', issues: [{ path: 'to' }] } });
    expect(env.core.call('usage:report', { from: '1500-01-01', to: '2026-12-31', bucket: 'week' }).ok).toBe(true);
  }, 10_000);
});
