import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMutationLog } from '../../electron/core/store/mutation-log';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import fs from 'node:fs';

let core: TestCore;
let logged: Array<{ channel: string; error: unknown }>;
let otherId: string;

beforeEach(() => {
  logged = [];
  core = openTestCore({ logError: (channel, error) => logged.push({ channel, error }) });
  otherId = core.ok('workspaces:create', { name: 'Other Team', monthlyBudgetMinor: 100 }).id;
});
afterEach(() => core.dispose());

const count = (table: string) => core.db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

/** A TEMP trigger lives only on this connection and never shows up in sqlite_master (so not in dumpTables). */
function failInsertsInto(table: 'change_log' | 'audit_log') {
  core.db.exec(`CREATE TEMP TRIGGER fail_${table} BEFORE INSERT ON main.${table} BEGIN SELECT RAISE(ABORT, 'injected ${table} failure'); END;`);
  return () => core.db.exec(`DROP TRIGGER temp.fail_${table}`);
}

type Mutation = [string, () => ReturnType<TestCore['call']>];
const mutations = (): Mutation[] => [
  ['create', () => core.call('workspaces:create', { name: 'Brand New' })],
  ['update', () => core.call('workspaces:update', { id: otherId, changes: { name: 'Renamed', monthlyBudgetMinor: 5 } })],
  ['delete', () => core.call('workspaces:delete', { id: otherId, confirmName: 'Other Team' })],
];

describe('a failing change-log insert rolls back the whole mutation', () => {
  it.each(['create', 'update', 'delete'])('%s: workspaces, audit_log and change_log all unchanged, E_INTERNAL', (name) => {
    const run = mutations().find(([n]) => n === name)![1];
    const before = dumpTables(core);
    const auditBefore = count('audit_log');
    const restore = failInsertsInto('change_log');

    const result = run();
    expect(result).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toContain('injected');
    expect(dumpTables(core)).toEqual(before);
    expect(count('audit_log')).toBe(auditBefore);
    expect(core.db.inTransaction).toBe(false);
    // The failure really happened inside the mutation (after the row and the audit entry were written).
    expect(logged).toHaveLength(1);
    expect(String((logged[0]!.error as Error).message)).toContain('injected change_log failure');

    // Without the injected failure the same call succeeds and writes all three.
    restore();
    const changesBefore = count('change_log');
    expect(run().ok).toBe(true);
    expect(count('audit_log')).toBeGreaterThan(auditBefore);
    expect(count('change_log')).toBeGreaterThan(changesBefore);
  });
});

describe('a failing audit insert rolls back the whole mutation', () => {
  it.each(['create', 'update', 'delete'])('%s: nothing changes, E_INTERNAL', (name) => {
    const run = mutations().find(([n]) => n === name)![1];
    const before = dumpTables(core);
    failInsertsInto('audit_log');
    expect(run()).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('setActive (a preference: neither audited nor synced) needs no audit entry and writes none', () => {
    const auditBefore = count('audit_log');
    const changesBefore = count('change_log');
    failInsertsInto('audit_log');
    expect(core.call('workspaces:setActive', { id: otherId })).toMatchObject({ ok: true });
    expect(count('audit_log')).toBe(auditBefore);
    expect(count('change_log')).toBe(changesBefore);
    expect(core.ok('workspaces:getActive', {}).id).toBe(otherId);
  });
});

describe('a failing workspace write leaves no orphan log entries', () => {
  it('update: a trigger refusing the UPDATE on workspaces → no audit, no change', () => {
    core.db.exec(`CREATE TEMP TRIGGER fail_ws BEFORE UPDATE ON main.workspaces BEGIN SELECT RAISE(ABORT, 'injected'); END;`);
    const before = dumpTables(core);
    expect(core.call('workspaces:update', { id: otherId, changes: { name: 'Renamed' } })).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    expect(dumpTables(core)).toEqual(before);
  });

  it('delete of the active workspace: settings are not repointed when the log write fails', () => {
    core.ok('workspaces:setActive', { id: otherId });
    const before = dumpTables(core);
    failInsertsInto('change_log');
    expect(core.call('workspaces:delete', { id: otherId, confirmName: 'Other Team' }).ok).toBe(false);
    expect(dumpTables(core)).toEqual(before);
    expect(core.ok('workspaces:getActive', {}).id).toBe(otherId);
  });
});

describe('successful mutations log exactly once, in the same commit', () => {
  it('each successful workspace mutation adds one audit and one change entry for the workspace, with the same timestamp', () => {
    const ws = core.ok('workspaces:create', { name: 'Logged' });
    core.ok('workspaces:update', { id: ws.id, changes: { region: 'eu' } });
    core.ok('workspaces:delete', { id: ws.id, confirmName: 'Logged' });
    const ops = core.db.prepare("SELECT op FROM change_log WHERE entity_type = 'workspace' AND entity_id = ? ORDER BY seq").pluck().all(ws.id);
    expect(ops).toEqual(['create', 'update', 'delete']);
    const audit = core.db
      .prepare("SELECT action, at FROM audit_log WHERE entity_type = 'workspace' AND entity_id = ? ORDER BY id")
      .all(ws.id) as Array<{ action: string; at: string }>;
    const change = core.db.prepare("SELECT at FROM change_log WHERE entity_type = 'workspace' AND entity_id = ? ORDER BY seq").pluck().all(ws.id);
    expect(audit.map((a) => a.action)).toEqual(['workspace.create', 'workspace.update', 'workspace.delete']);
    expect(audit.map((a) => a.at)).toEqual(change);
  });

  it('mutation-log.record refuses to run outside a transaction', () => {
    const log = createMutationLog(core.db);
    const before = dumpTables(core);
    expect(() =>
      log.record({
        at: 'x',
        actor: 'a',
        action: 'workspace.create',
        entityType: 'workspace',
        entityId: 'ws-x',
        workspaceId: null,
        before: null,
        after: {},
        change: { op: 'create', payload: {}, baseVersion: null },
      }),
    ).toThrow(/inside the mutation transaction/);
    expect(dumpTables(core)).toEqual(before);
  });
});

describe('two doors writing the same store', () => {
  // Regression, fixed: every service mutation uses better-sqlite3's default DEFERRED transaction
  // (workspace-service.ts: `db.transaction(() => …)()` in create/update/delete/setActive). It reads
  // first (limit, name check) and only then writes. If another connection (the CLI, the browser host,
  // the app) commits in between, SQLite cannot upgrade the stale read snapshot in WAL mode and returns
  // SQLITE_BUSY_SNAPSHOT immediately — busy_timeout = 5000 is never consulted — so the user gets
  // E_INTERNAL "Something went wrong" for an ordinary concurrent save instead of waiting its turn.
  // `.immediate(...)` takes the write lock up front and lets busy_timeout serialise the two writers.
  it('a write committed by another connection during a create does not make the create fail', async () => {
    const dataDir = makeTempDir();
    const other = openTestCore({ dataDir });
    let armed = false;
    const app = openTestCore({
      dataDir,
      // now() is called inside the create transaction, after its reads and before its insert.
      now: () => {
        if (armed) {
          armed = false;
          other.db.pragma('busy_timeout = 0'); // this single thread cannot wait for itself
          try {
            other.ok('workspaces:create', { name: 'From The CLI' });
          } catch {
            // With the write lock already held by `app`, the other door would simply wait; here it gives up.
          }
        }
        return new Date();
      },
    });
    try {
      armed = true;
      const result = app.call('workspaces:create', { name: 'From The App' });
      expect(result).toMatchObject({ ok: true });
    } finally {
      await other.close();
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
