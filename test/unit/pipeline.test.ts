import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES, type ChannelName } from '../../shared/contract/channel-names';
import { contract } from '../../shared/contract/contract';
import { AppError, ERROR_CODES, type Result } from '../../shared/contract/errors';
import { createDispatcher, type HandlerMap, type Sender } from '../../electron/core/handlers/pipeline';
import { dumpTables, openTestCoreFromTemplate, probeStore, removeTemplates, templateDataDir, type StoreProbe, type TestCore } from '../../electron/core/testing/temp-core';

let core: TestCore;
let defaultId: string;
let otherId: string;

// ~850 cases each get a fresh store: a copy of one migrated template, not a migration from scratch.
beforeAll(() => {
  templateDataDir();
});
afterAll(() => removeTemplates());
beforeEach(() => {
  core = openTestCoreFromTemplate();
  defaultId = core.ok('workspaces:getActive', {}).id;
  otherId = core.ok('workspaces:create', { name: 'Other Team' }).id;
});
afterEach(() => core.dispose());

const cli: Sender = { kind: 'cli' };

/**
 * Every row of every table is as it was when the probe started: the same check as comparing
 * `dumpTables` before and after, made without reading the store when it provably did not change.
 */
function expectStoreUnchanged(probe: StoreProbe) {
  const change = probe.settle();
  if (change) expect(change.after).toEqual(change.before);
}
const dispatch = (channel: string, input: unknown, sender: Sender = cli) => core.dispatcher.dispatch(channel, input, sender);

/** A payload is only "bad" if the channel refuses it with E_VALIDATION, field issues, and no write. */
function expectValidationError(channel: string, input: unknown, expectedPath?: string) {
  const probe = probeStore(core);
  const result = dispatch(channel, input);
  expect(result.ok, `${channel} accepted ${safeJson(input)}`).toBe(false);
  if (result.ok) return;
  expect(result.error.code).toBe('E_VALIDATION');
  expect(typeof result.error.message).toBe('string');
  expect(result.error.message.length).toBeGreaterThan(0);
  expect(Array.isArray(result.error.issues)).toBe(true);
  expect(result.error.issues!.length).toBeGreaterThan(0);
  for (const issue of result.error.issues!) {
    expect(typeof issue.path).toBe('string');
    expect(issue.path.length).toBeGreaterThan(0);
    expect(typeof issue.message).toBe('string');
  }
  if (expectedPath !== undefined) expect(result.error.issues!.map((i) => i.path)).toContain(expectedPath);
  expectStoreUnchanged(probe);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 120) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `JSON.parse` keeps `__proto__` as an own key, exactly as a payload arriving over HTTP or the CLI would. */
const json = (text: string): unknown => JSON.parse(text);
const HUGE = 'A'.repeat(1_000_000);

describe('generic bad shapes are refused by every channel', () => {
  // null/undefined mean "no input" (the pipeline treats them as {}); every other non-object is refused.
  const shapes: Array<[string, unknown]> = [
    ['an array', []],
    ['an array of objects', [{ name: 'x' }]],
    ['a string', 'workspaces'],
    ['an empty string', ''],
    ['a number', 42],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a boolean', true],
    ['false', false],
    ['an unknown key', { bogus: 1 }],
    ['a __proto__ key', json('{"__proto__":{"polluted":true}}')],
    ['a constructor key', json('{"constructor":{"prototype":{"polluted":true}}}')],
    ['a huge unknown key', { [HUGE]: 1 }],
  ];
  for (const channel of CHANNEL_NAMES) {
    it.each(shapes)(`${channel}: %s → E_VALIDATION, store unchanged`, (_label, input) => {
      expectValidationError(channel, input);
    });
  }

  it('prototype-pollution payloads never reach Object.prototype', () => {
    dispatch('workspaces:create', json('{"name":"Polluter","__proto__":{"polluted":true}}'));
    dispatch('workspaces:update', json(`{"id":"${otherId}","changes":{"name":"P2","__proto__":{"polluted":true}}}`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(core.ok('workspaces:list', {}).items.map((w) => w.name)).not.toContain('Polluter');
  });
});

describe('channel-specific bad payloads', () => {
  const validCreate = { name: 'Valid Name' };

  it.each<[string, unknown, string]>([
    ['no name', {}, 'name'],
    ['name null', { name: null }, 'name'],
    ['name number', { name: 12 }, 'name'],
    ['name array', { name: ['a'] }, 'name'],
    ['name object', { name: { toString: 'x' } }, 'name'],
    ['name huge', { name: HUGE }, 'name'],
    ['name with newline', { name: 'a\nb' }, 'name'],
    ['description huge', { ...validCreate, description: HUGE }, 'description'],
    ['description number', { ...validCreate, description: 5 }, 'description'],
    ['owner not a member ID', { ...validCreate, ownerMemberId: 'Alice' }, 'ownerMemberId'],
    ['owner ID empty', { ...validCreate, ownerMemberId: '' }, 'ownerMemberId'],
    ['environment unknown', { ...validCreate, environment: 'prod' }, 'environment'],
    ['environment by label', { ...validCreate, environment: 'Staging' }, 'environment'],
    ['region unknown', { ...validCreate, region: 'mars' }, 'region'],
    ['status unknown', { ...validCreate, status: 'archived' }, 'status'],
    ['currency lowercase', { ...validCreate, currency: 'usd' }, 'currency'],
    ['currency unknown', { ...validCreate, currency: 'BTC' }, 'currency'],
    ['budget negative', { ...validCreate, monthlyBudgetMinor: -1 }, 'monthlyBudgetMinor'],
    ['budget fractional', { ...validCreate, monthlyBudgetMinor: 1.5 }, 'monthlyBudgetMinor'],
    ['budget NaN', { ...validCreate, monthlyBudgetMinor: Number.NaN }, 'monthlyBudgetMinor'],
    ['budget Infinity', { ...validCreate, monthlyBudgetMinor: Number.POSITIVE_INFINITY }, 'monthlyBudgetMinor'],
    ['budget string', { ...validCreate, monthlyBudgetMinor: '100' }, 'monthlyBudgetMinor'],
    ['budget too large', { ...validCreate, monthlyBudgetMinor: 1_000_000_000_001 }, 'monthlyBudgetMinor'],
    ['budget unsafe integer', { ...validCreate, monthlyBudgetMinor: 2 ** 60 }, 'monthlyBudgetMinor'],
    ['extra key', { ...validCreate, bogus: 1 }, '(input)'],
    ['extra key isDefault', { ...validCreate, isDefault: true }, '(input)'],
    ['extra key id', { ...validCreate, id: 'ws-chosen1234' }, '(input)'],
    ['extra key version', { ...validCreate, version: 99 }, '(input)'],
    ['__proto__ key', json('{"name":"Valid Name","__proto__":{"isDefault":true}}'), '(input)'],
  ])('workspaces:create with %s', (_label, input, path) => {
    expectValidationError('workspaces:create', input, path);
  });

  it.each<[string, (ids: { defaultId: string; otherId: string }) => unknown, string]>([
    ['no id', () => ({ changes: { name: 'New' } }), 'id'],
    ['id number', () => ({ id: 1, changes: { name: 'New' } }), 'id'],
    ['id malformed', () => ({ id: 'WS-ABCD', changes: { name: 'New' } }), 'id'],
    ['id with SQL', ({ otherId }) => ({ id: `${otherId}' OR '1'='1`, changes: { name: 'New' } }), 'id'],
    ['id huge', () => ({ id: `ws-${'a'.repeat(1_000_000)}`, changes: { name: 'New' } }), 'id'],
    ['no changes', ({ otherId }) => ({ id: otherId }), 'changes'],
    ['changes null', ({ otherId }) => ({ id: otherId, changes: null }), 'changes'],
    ['changes array', ({ otherId }) => ({ id: otherId, changes: [{ name: 'New' }] }), 'changes'],
    ['changes string', ({ otherId }) => ({ id: otherId, changes: 'name=New' }), 'changes'],
    ['changes empty', ({ otherId }) => ({ id: otherId, changes: {} }), 'changes'],
    ['changes only undefined', ({ otherId }) => ({ id: otherId, changes: { name: undefined } }), 'changes'],
    ['nested unknown key', ({ otherId }) => ({ id: otherId, changes: { name: 'New', bogus: 1 } }), 'changes'],
    ['nested isDefault', ({ otherId }) => ({ id: otherId, changes: { isDefault: true } }), 'changes'],
    ['nested id', ({ otherId }) => ({ id: otherId, changes: { id: 'ws-hijacked1' } }), 'changes'],
    ['nested version', ({ otherId }) => ({ id: otherId, changes: { name: 'New', version: 1 } }), 'changes'],
    ['nested keyCount', ({ otherId }) => ({ id: otherId, changes: { name: 'New', keyCount: 1 } }), 'changes'],
    ['nested __proto__', ({ otherId }) => json(`{"id":"${otherId}","changes":{"name":"New","__proto__":{"isDefault":true}}}`), 'changes'],
    ['nested deeper unknown', ({ otherId }) => ({ id: otherId, changes: { name: 'New', meta: { a: { b: 1 } } } }), 'changes'],
    ['name empty', ({ otherId }) => ({ id: otherId, changes: { name: '' } }), 'changes.name'],
    ['name huge', ({ otherId }) => ({ id: otherId, changes: { name: HUGE } }), 'changes.name'],
    ['budget NaN', ({ otherId }) => ({ id: otherId, changes: { monthlyBudgetMinor: Number.NaN } }), 'changes.monthlyBudgetMinor'],
    ['budget 1.5', ({ otherId }) => ({ id: otherId, changes: { monthlyBudgetMinor: 1.5 } }), 'changes.monthlyBudgetMinor'],
    ['environment wrong type', ({ otherId }) => ({ id: otherId, changes: { environment: 1 } }), 'changes.environment'],
    ['expectedVersion 0', ({ otherId }) => ({ id: otherId, expectedVersion: 0, changes: { name: 'New' } }), 'expectedVersion'],
    ['expectedVersion 1.5', ({ otherId }) => ({ id: otherId, expectedVersion: 1.5, changes: { name: 'New' } }), 'expectedVersion'],
    ['expectedVersion string', ({ otherId }) => ({ id: otherId, expectedVersion: '1', changes: { name: 'New' } }), 'expectedVersion'],
    ['expectedVersion NaN', ({ otherId }) => ({ id: otherId, expectedVersion: Number.NaN, changes: { name: 'New' } }), 'expectedVersion'],
    ['top-level extra key', ({ otherId }) => ({ id: otherId, changes: { name: 'New' }, force: true }), '(input)'],
    ['top-level __proto__', ({ otherId }) => json(`{"id":"${otherId}","changes":{"name":"New"},"__proto__":{"x":1}}`), '(input)'],
  ])('workspaces:update with %s', (_label, build, path) => {
    expectValidationError('workspaces:update', build({ defaultId, otherId }), path);
  });

  it.each<[string, (ids: { otherId: string }) => unknown, string]>([
    ['no confirmName', ({ otherId }) => ({ id: otherId }), 'confirmName'],
    ['empty confirmName', ({ otherId }) => ({ id: otherId, confirmName: '' }), 'confirmName'],
    ['confirmName number', ({ otherId }) => ({ id: otherId, confirmName: 1 }), 'confirmName'],
    ['no id', () => ({ confirmName: 'Other Team' }), 'id'],
    ['id array', ({ otherId }) => ({ id: [otherId], confirmName: 'Other Team' }), 'id'],
    ['extra key', ({ otherId }) => ({ id: otherId, confirmName: 'Other Team', force: true }), '(input)'],
  ])('workspaces:delete with %s', (_label, build, path) => {
    expectValidationError('workspaces:delete', build({ otherId }), path);
  });

  for (const channel of ['workspaces:get', 'workspaces:setActive'] as const) {
    it.each<[string, (ids: { otherId: string }) => unknown, string]>([
      ['no id', () => ({}), 'id'],
      ['id null', () => ({ id: null }), 'id'],
      ['id number', () => ({ id: 7 }), 'id'],
      ['id too short', () => ({ id: 'ws-a' }), 'id'],
      ['id uppercase', ({ otherId }) => ({ id: otherId.toUpperCase() }), 'id'],
      ['id with trailing space', ({ otherId }) => ({ id: `${otherId} ` }), 'id'],
      ['id huge', () => ({ id: HUGE }), 'id'],
      ['extra key', ({ otherId }) => ({ id: otherId, extra: 1 }), '(input)'],
    ])(`${channel} with %s`, (_label, build, path) => {
      expectValidationError(channel, build({ otherId }), path);
    });
  }

  it.each<[string, unknown, string]>([
    ['page.size 0', { page: { index: 0, size: 0 } }, 'page.size'],
    ['page.size 501', { page: { index: 0, size: 501 } }, 'page.size'],
    ['page.size 1.5', { page: { index: 0, size: 1.5 } }, 'page.size'],
    ['page.size NaN', { page: { index: 0, size: Number.NaN } }, 'page.size'],
    ['page.size string', { page: { index: 0, size: '10' } }, 'page.size'],
    ['page.size missing', { page: { index: 0 } }, 'page.size'],
    ['page.index -1', { page: { index: -1, size: 10 } }, 'page.index'],
    ['page.index 0.5', { page: { index: 0.5, size: 10 } }, 'page.index'],
    ['page.index too large', { page: { index: 100_001, size: 10 } }, 'page.index'],
    ['page extra key', { page: { index: 0, size: 10, offset: 5 } }, 'page'],
    ['page null', { page: null }, 'page'],
    ['sort.field SQL', { sort: { field: 'name; DROP TABLE workspaces', direction: 'asc' } }, 'sort.field'],
    ['sort.field column', { sort: { field: 'name_key', direction: 'asc' } }, 'sort.field'],
    ['sort.direction', { sort: { field: 'name', direction: 'up' } }, 'sort.direction'],
    ['sort extra key', { sort: { field: 'name', direction: 'asc', nulls: 'first' } }, 'sort'],
    ['search huge', { search: HUGE }, 'search'],
    ['search 101 chars', { search: 's'.repeat(101) }, 'search'],
    ['search number', { search: 5 }, 'search'],
    ['extra key', { filter: { environment: 'production' } }, '(input)'],
  ])('workspaces:list with %s', (_label, input, path) => {
    expectValidationError('workspaces:list', input, path);
  });

  it.each(['app:info', 'overview:summary', 'workspaces:getActive'] as const)('%s refuses any key at all', (channel) => {
    expectValidationError(channel, { id: defaultId }, '(input)');
    expectValidationError(channel, { verbose: true }, '(input)');
  });

  it('the first issue message is the error message, and issue paths are dotted', () => {
    const result = dispatch('workspaces:list', { page: { index: 0, size: 0 } });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.issues![0]!.path).toBe('page.size');
      expect(result.error.message).toBe(result.error.issues![0]!.message);
    }
  });

  it('null and undefined mean "no input": channels without required fields still answer, the others refuse', () => {
    expect(dispatch('workspaces:list', null).ok).toBe(true);
    expect(dispatch('app:info', undefined).ok).toBe(true);
    expectValidationError('workspaces:create', null, 'name');
    expectValidationError('workspaces:update', undefined, 'id');
    expectValidationError('workspaces:delete', null, 'id');
  });

  it('a valid near-twin of each bad payload is accepted (the cases above fail for the stated reason)', () => {
    expect(dispatch('workspaces:create', { name: 'Valid Name', environment: 'staging', monthlyBudgetMinor: 1 }).ok).toBe(true);
    expect(dispatch('workspaces:update', { id: otherId, expectedVersion: 1, changes: { name: 'New' } }).ok).toBe(true);
    expect(dispatch('workspaces:list', { page: { index: 0, size: 500 }, sort: { field: 'name', direction: 'desc' }, search: 's'.repeat(100) }).ok).toBe(true);
    expect(dispatch('workspaces:delete', { id: otherId, confirmName: 'New' }).ok).toBe(true);
  });
});

describe('callers and channels', () => {
  it('an untrusted sender gets E_FORBIDDEN on every channel and nothing is written', () => {
    const guarded = openTestCoreFromTemplate({ isTrustedSender: (s) => s.kind === 'web' && s.tokenValid });
    try {
      const probe = probeStore(guarded);
      const senders: Sender[] = [{ kind: 'web', tokenValid: false }, { kind: 'cli' }, { kind: 'electron', frameUrl: 'https://evil.example/' }];
      for (const sender of senders) {
        for (const channel of CHANNEL_NAMES) {
          const input = channel === 'workspaces:create' ? { name: 'Sneaky' } : {};
          const result = guarded.dispatcher.dispatch(channel, input, sender);
          expect(result).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: expect.any(String) } });
        }
        // Even unknown channels do not reveal which names exist.
        expect(guarded.dispatcher.dispatch('nope:nope', {}, sender)).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
      }
      expectStoreUnchanged(probe);
      expect(guarded.dispatcher.dispatch('workspaces:create', { name: 'Allowed' }, { kind: 'web', tokenValid: true }).ok).toBe(true);
    } finally {
      guarded.dispose();
    }
  });

  it.each(['workspaces:drop', 'WORKSPACES:LIST', 'workspaces:list ', '', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'app', ':'])(
    'unknown channel %j → E_NOT_FOUND, nothing written',
    (channel) => {
      const probe = probeStore(core);
      const result = dispatch(channel, { name: 'x' });
      expect(result).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
      expectStoreUnchanged(probe);
    },
  );

  it('a non-string channel → E_NOT_FOUND without throwing', () => {
    for (const channel of [42, null, undefined, { toString: () => 'app:info' }, ['app:info']]) {
      expect(dispatch(channel as unknown as string, {})).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    }
  });
});

describe('the store-unchanged check used above (probeStore)', () => {
  const rename = (db: Database.Database, description: string) => db.prepare('UPDATE workspaces SET description = ? WHERE id = ?').run(description, otherId);

  it('answers null when nothing was written, also after reads and refused calls', () => {
    const probe = probeStore(core);
    core.ok('workspaces:list', {});
    expect(dispatch('workspaces:create', { name: '' }).ok).toBe(false);
    expect(probe.settle()).toBeNull();
    expect(() => probe.settle()).toThrow(/already been settled/);
  });

  it('a committed write through a channel: full dumps, "before" as it was, "after" with the change', () => {
    const reference = dumpTables(core);
    const probe = probeStore(core);
    core.ok('workspaces:create', { name: 'Third Team' });
    const change = probe.settle();
    expect(change).not.toBeNull();
    expect(change!.before).toEqual(reference);
    expect(change!.after).toEqual(dumpTables(core));
    expect(change!.after).not.toEqual(change!.before);
  });

  it('a write that was rolled back: dumps are compared and are equal', () => {
    const probe = probeStore(core);
    expect(() =>
      core.db.transaction(() => {
        rename(core.db, 'rolled back');
        throw new Error('undo');
      })(),
    ).toThrow('undo');
    const change = probe.settle();
    expect(change).not.toBeNull();
    expect(change!.after).toEqual(change!.before);
  });

  it('an uncommitted change in a transaction left open is seen, as dumpTables on the core sees it', () => {
    const probe = probeStore(core);
    core.db.exec('BEGIN');
    try {
      rename(core.db, 'uncommitted');
      const change = probe.settle();
      expect(change).not.toBeNull();
      expect(change!.after).not.toEqual(change!.before);
    } finally {
      core.db.exec('ROLLBACK');
    }
    // Started inside a transaction with uncommitted changes: "before" is the core's own view of
    // them (a snapshot would not see them), so it dumps in full, and nothing changed since.
    core.db.exec('BEGIN');
    try {
      rename(core.db, 'uncommitted before the probe');
      const inside = probeStore(core);
      const change = inside.settle();
      expect(change).not.toBeNull();
      expect(change!.before).toEqual(dumpTables(core));
      expect(change!.after).toEqual(change!.before);
    } finally {
      core.db.exec('ROLLBACK');
    }
  });

  it('a commit by another connection, and a schema change, are caught', () => {
    const other = new Database(core.db.name);
    try {
      const probe = probeStore(core);
      rename(other, 'from another connection');
      const change = probe.settle();
      expect(change).not.toBeNull();
      expect(change!.after).not.toEqual(change!.before);
    } finally {
      other.close();
    }
    const probe = probeStore(core);
    core.db.exec('CREATE TABLE probe_check (x)');
    const change = probe.settle();
    expect(change).not.toBeNull();
    expect(Object.keys(change!.after)).toContain('probe_check');
    expect(Object.keys(change!.before)).not.toContain('probe_check');
  });
});

describe('a dispatcher with fake handlers', () => {
  /** A real workspace DTO from the real core: valid against the current output schema, whatever fields it has. */
  let workspace: Record<string, unknown>;
  beforeEach(() => {
    workspace = core.ok('workspaces:getActive', {}) as unknown as Record<string, unknown>;
  });

  function fakeDispatcher(overrides: Partial<Record<ChannelName, (input: any) => unknown>>) {
    const logError = vi.fn<(channel: string, error: unknown) => void>();
    const notUsed = vi.fn(() => {
      throw new Error('not used in this test');
    });
    const handlers = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, overrides[c] ?? notUsed])) as unknown as HandlerMap;
    const dispatcher = createDispatcher(handlers, { isTrustedSender: (s) => s.kind === 'cli', logError });
    return { dispatcher, logError };
  }

  it('the handler sees parsed input with defaults applied, never the raw payload', () => {
    const seen: unknown[] = [];
    const { dispatcher } = fakeDispatcher({
      'workspaces:create': (input) => {
        seen.push(input);
        return workspace;
      },
    });
    expect(dispatcher.dispatch('workspaces:create', { name: '  Fake  ' }, cli).ok).toBe(true);
    expect(seen).toEqual([contract['workspaces:create'].input.parse({ name: 'Fake' })]);
    expect(seen[0]).toMatchObject({ name: 'Fake', environment: 'production', region: 'global', monthlyBudgetMinor: 0 });
  });

  it('the handler is not called for invalid input or an untrusted sender', () => {
    const handler = vi.fn(() => workspace);
    const { dispatcher } = fakeDispatcher({ 'workspaces:create': handler });
    dispatcher.dispatch('workspaces:create', { name: 'Fake', bogus: 1 }, cli);
    dispatcher.dispatch('workspaces:create', { name: 'Fake' }, { kind: 'web', tokenValid: true });
    expect(handler).not.toHaveBeenCalled();
  });

  it('a handler throwing a plain Error → E_INTERNAL with a generic message; the details only go to logError', () => {
    const { dispatcher, logError } = fakeDispatcher({
      'workspaces:get': () => {
        throw new Error('SQLITE_CORRUPT at /home/alice/secret/gatehouse.sqlite');
      },
    });
    const result = dispatcher.dispatch('workspaces:get', { id: workspace.id }, cli);
    expect(result).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toMatch(/SQLITE|alice|secret/);
    expect(logError).toHaveBeenCalledTimes(1);
    expect(logError.mock.calls[0]![0]).toBe('workspaces:get');
    expect((logError.mock.calls[0]![1] as Error).message).toContain('SQLITE_CORRUPT');
  });

  it.each<[string, unknown]>([
    ['a string', 'raw string secret'],
    ['null', null],
    ['an object', { secret: 'raw object secret' }],
    ['a TypeError', new TypeError('Cannot read properties of undefined (secret)')],
  ])('a handler throwing %s → E_INTERNAL without leaking it', (_label, thrown) => {
    const { dispatcher } = fakeDispatcher({
      'app:info': () => {
        throw thrown;
      },
    });
    const result = dispatcher.dispatch('app:info', {}, cli);
    expect(result).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secret');
  });

  it('a handler throwing AppError passes its code, message and issues through', () => {
    const { dispatcher, logError } = fakeDispatcher({
      'workspaces:create': () => {
        throw AppError.field('E_CONFLICT', 'name', 'Taken');
      },
    });
    expect(dispatcher.dispatch('workspaces:create', { name: 'Fake' }, cli)).toEqual({
      ok: false,
      error: { code: 'E_CONFLICT', message: 'Taken', issues: [{ path: 'name', message: 'Taken' }] },
    });
    expect(logError).not.toHaveBeenCalled();
  });

  it('output with an extra key (secretHash) fails its schema → E_INTERNAL, and the secret is never returned or logged', () => {
    const { dispatcher, logError } = fakeDispatcher({
      'workspaces:get': () => ({ ...workspace, secretHash: 'sha256:TOPSECRETVALUE' }),
    });
    const result = dispatcher.dispatch('workspaces:get', { id: workspace.id }, cli);
    expect(result).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toMatch(/TOPSECRETVALUE|secretHash/);
    expect(logError).toHaveBeenCalledTimes(1);
    expect(String((logError.mock.calls[0]![1] as Error).message)).not.toContain('TOPSECRETVALUE');
  });

  it.each<[string, () => unknown]>([
    ['a missing field', () => ({ ...workspace, name: undefined })],
    ['a wrong type', () => ({ ...workspace, monthlyBudgetMinor: '0' })],
    ['a non-integer', () => ({ ...workspace, version: 1.5 })],
    ['an unknown enum value', () => ({ ...workspace, environment: 'moon' })],
    ['undefined', () => undefined],
    ['an array', () => [workspace]],
  ])('output with %s → E_INTERNAL', (_label, output) => {
    const { dispatcher } = fakeDispatcher({ 'workspaces:getActive': output });
    expect(dispatcher.dispatch('workspaces:getActive', {}, cli)).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
  });

  it('valid output is returned as data', () => {
    const { dispatcher } = fakeDispatcher({ 'workspaces:getActive': () => workspace });
    expect(dispatcher.dispatch('workspaces:getActive', {}, cli)).toEqual({ ok: true, data: workspace });
  });
});

describe('property: arbitrary JSON never breaks the pipeline', () => {
  const knownCreateKeys = ['name', 'description', 'environment', 'region', 'status', 'ownerMemberId', 'monthlyBudgetMinor', 'currency'];
  const plausible = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,28}$/),
    fc.constantFrom('production', 'staging', 'sandbox', 'eu', 'us', 'rw', 'global', 'active', 'review', 'USD', 'JPY', 'me'),
    fc.integer({ min: -10, max: 2_000_000 }),
    fc.jsonValue(),
  );
  const fieldsArb = fc.dictionary(fc.constantFrom(...knownCreateKeys, 'bogus', '__proto__', 'isDefault', 'id'), plausible, { maxKeys: 6 });
  const validFieldsArb = fc.record(
    {
      name: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,28}$/),
      description: fc.string({ maxLength: 40 }),
      environment: fc.constantFrom('production', 'staging', 'sandbox'),
      region: fc.constantFrom('global', 'us', 'eu', 'rw'),
      monthlyBudgetMinor: fc.integer({ min: 0, max: 10_000_000 }),
    },
    { requiredKeys: [] },
  );
  /** Mostly-valid objects with a few random fields mixed in: reaches both the write path and the refusals. */
  const objectArb = fc.oneof(
    fieldsArb,
    validFieldsArb,
    fc.tuple(validFieldsArb, fieldsArb).map(([valid, noise]) => ({ ...valid, ...noise })),
  );

  function expectTyped(channel: ChannelName, result: Result<unknown>) {
    expect(typeof result.ok).toBe('boolean');
    if (result.ok) {
      expect(contract[channel].output.safeParse(result.data).success).toBe(true);
    } else {
      expect(ERROR_CODES).toContain(result.error.code);
      expect(typeof result.error.message).toBe('string');
      expect(result.error.code).not.toBe('E_INTERNAL');
      if (result.error.issues !== undefined) {
        for (const issue of result.error.issues) {
          expect(typeof issue.path).toBe('string');
          expect(typeof issue.message).toBe('string');
        }
      }
    }
  }

  function check(channel: ChannelName, input: unknown): boolean {
    // What an HTTP or CLI door would hand over: JSON round-tripped.
    const wire = input === undefined ? undefined : JSON.parse(JSON.stringify(input));
    const probe = probeStore(core);
    let result: Result<unknown> | undefined;
    expect(() => {
      result = dispatch(channel, wire);
    }).not.toThrow();
    expectTyped(channel, result!);
    if (result!.ok) probe.release();
    else expectStoreUnchanged(probe);
    return result!.ok;
  }

  it('workspaces:create', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), objectArb), (input) => {
        if (check('workspaces:create', input)) accepted += 1;
      }),
      { numRuns: 300 },
    );
    // The generator must reach the write path too, or the "unchanged unless ok" half proves nothing.
    expect(accepted).toBeGreaterThan(0);
  });

  it('workspaces:update', () => {
    const idArb = fc.oneof(fc.constant(() => defaultId), fc.constant(() => otherId), fc.constant(() => 'ws-missing1234'), fc.jsonValue().map((v) => () => v));
    const updateArb = fc.oneof(
      fc.jsonValue().map((v) => () => v),
      fc
        .record(
          { id: idArb, expectedVersion: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.jsonValue()), changes: fc.oneof(objectArb, fc.jsonValue()) },
          { requiredKeys: ['id', 'changes'] },
        )
        .map(({ id, ...rest }) => () => ({ id: id(), ...rest })),
    );
    let accepted = 0;
    fc.assert(
      fc.property(updateArb, (build) => {
        if (check('workspaces:update', build())) accepted += 1;
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('every channel', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CHANNEL_NAMES), fc.jsonValue(), (channel, input) => {
        check(channel, input);
      }),
      { numRuns: 300 },
    );
  });
});
