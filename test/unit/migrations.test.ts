import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseTooNewError, openDatabase, schemaVersion, type Db } from '../../electron/core/store/database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, runMigrations, type Migration } from '../../electron/core/store/migrations';
import { makeTempDir, openTestCore } from '../../electron/core/testing/temp-core';

let dir: string;
let file: string;
const open: Db[] = [];

beforeEach(() => {
  dir = makeTempDir('gatehouse-migrations-');
  file = path.join(dir, 'gatehouse.sqlite');
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function raw(options?: Database.Options): Db {
  const db = new Database(file, options);
  open.push(db);
  return db;
}

const userVersion = (db: Db) => db.pragma('user_version', { simple: true }) as number;

function objects(db: Db, type: 'table' | 'index' | 'trigger'): string[] {
  return db
    .prepare("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all(type) as string[];
}

function schemaSql(db: Db): Array<{ type: string; name: string; sql: string | null }> {
  return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as Array<{
    type: string;
    name: string;
    sql: string | null;
  }>;
}

/**
 * What each migration adds. A new migration without an entry here fails "has an expectation",
 * so every migration gets its own test.
 */
const EXPECTED: Record<number, { tables: string[]; indexes: string[]; triggers: string[]; check?: (db: Db) => void }> = {
  1: {
    tables: ['audit_log', 'change_log', 'settings', 'workspaces'],
    indexes: ['audit_log_entity', 'audit_log_workspace', 'change_log_pending', 'workspaces_one_default'],
    triggers: ['audit_log_no_delete', 'audit_log_no_update'],
    check(db) {
      expect(db.prepare('SELECT * FROM settings').all()).toEqual([
        { id: 1, max_workspaces: 20, max_active_keys_per_workspace: 20, local_user_name: null, active_workspace_id: null },
      ]);
      const strict = db.prepare("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'").all() as Array<{
        name: string;
        strict: number;
      }>;
      for (const table of ['settings', 'workspaces', 'audit_log', 'change_log']) {
        expect(strict.find((t) => t.name === table)?.strict, `${table} is STRICT`).toBe(1);
      }
      const unique = db.prepare("SELECT \"unique\" FROM pragma_index_list('workspaces') WHERE origin = 'u'").pluck().all();
      expect(unique).toEqual([1]); // name_key UNIQUE
      const insert = db.prepare(
        `INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at, is_default)
         VALUES (?, ?, ?, ?, 'global', 'active', 'o', 't', 't', ?)`,
      );
      expect(() => insert.run('ws-bad', 'Bad', 'bad', 'prod', 0)).toThrow(/CHECK/);
      insert.run('ws-a', 'A', 'a', 'production', 1);
      expect(() => insert.run('ws-b', 'B', 'b', 'production', 1)).toThrow(/UNIQUE/); // one default only
      expect(() => insert.run('ws-c', 'a', 'a', 'production', 0)).toThrow(/UNIQUE/); // name_key
      expect(() => db.prepare('INSERT INTO settings (id) VALUES (2)').run()).toThrow(/CHECK/);
    },
  },
  2: {
    tables: ['api_keys'],
    indexes: ['api_keys_workspace'],
    triggers: [],
    check(db) {
      db.exec(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at)
               VALUES ('ws-k', 'K', 'k', 'production', 'global', 'active', 'o', 't', 't')`);
      const key = db.prepare(
        `INSERT INTO api_keys (id, workspace_id, name, secret_prefix, last4, secret_hash, created_at, updated_at)
         VALUES (?, ?, 'n', 'gh_', '1234', ?, 't', 't')`,
      );
      key.run('key-1', 'ws-k', 'h1');
      expect(() => key.run('key-2', 'ws-k', 'h1')).toThrow(/UNIQUE/); // secret_hash
      db.pragma('foreign_keys = ON');
      expect(() => key.run('key-3', 'ws-missing', 'h3')).toThrow(/FOREIGN KEY/);
      db.exec("DELETE FROM workspaces WHERE id = 'ws-k'");
      expect(db.prepare('SELECT COUNT(*) FROM api_keys').pluck().get()).toBe(0); // ON DELETE CASCADE
    },
  },
  3: {
    tables: [],
    indexes: ['audit_log_action', 'audit_log_actor', 'audit_log_at'],
    triggers: [],
  },
  4: {
    tables: ['members', 'workspace_members'],
    indexes: ['members_one_local_user', 'workspace_members_member'],
    triggers: [],
    check(db) {
      const member = db.prepare(
        "INSERT INTO members (id, name, email, email_key, is_local_user, created_at, updated_at) VALUES (?, 'n', ?, ?, ?, 't', 't')",
      );
      member.run('m-1', 'a@x', 'a@x', 1);
      expect(() => member.run('m-2', 'b@x', 'b@x', 1)).toThrow(/UNIQUE/); // one local user
      expect(() => member.run('m-3', 'A@x', 'a@x', 0)).toThrow(/UNIQUE/); // email_key
      db.pragma('foreign_keys = ON');
      db.exec(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at)
               VALUES ('ws-m', 'M', 'm', 'production', 'global', 'active', 'o', 't', 't')`);
      const link = db.prepare("INSERT INTO workspace_members (workspace_id, member_id, role, created_at, updated_at) VALUES (?, ?, ?, 't', 't')");
      expect(() => link.run('ws-m', 'm-1', 'owner')).toThrow(/CHECK/);
      expect(() => link.run('ws-missing', 'm-1', 'admin')).toThrow(/FOREIGN KEY/);
      link.run('ws-m', 'm-1', 'admin');
      db.exec("DELETE FROM workspaces WHERE id = 'ws-m'");
      expect(db.prepare('SELECT COUNT(*) FROM workspace_members').pluck().get()).toBe(0);
    },
  },
  5: {
    tables: [],
    indexes: ['workspaces_owner'],
    triggers: [],
    check(db) {
      db.pragma('foreign_keys = ON');
      db.exec("INSERT INTO members (id, name, email, email_key, created_at, updated_at) VALUES ('m-o', 'Owner', 'o@x', 'o@x', 't', 't')");
      const ws = db.prepare(
        `INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, owner_member_id, created_at, updated_at)
         VALUES (?, ?, ?, 'production', 'global', 'active', 'o', ?, 't', 't')`,
      );
      expect(() => ws.run('ws-x', 'X', 'x', 'm-missing')).toThrow(/FOREIGN KEY/);
      ws.run('ws-o', 'O', 'o', 'm-o');
      expect(() => db.exec("DELETE FROM members WHERE id = 'm-o'")).toThrow(/FOREIGN KEY/); // an owner cannot vanish
    },
  },
  6: {
    tables: ['model_quotas', 'models', 'workspace_model_grants', 'workspace_model_permissions'],
    indexes: ['models_name_key', 'models_type', 'models_vendor', 'workspace_model_grants_model'],
    triggers: ['workspace_model_grants_tpm_insert', 'workspace_model_grants_tpm_update'],
    check(db) {
      // Seeded from the bundled catalog: 493 models, 28 vendors, searchable by lowercased name.
      expect(db.prepare('SELECT COUNT(*) FROM models').pluck().get()).toBe(493);
      expect(db.prepare('SELECT COUNT(DISTINCT vendor) FROM models').pluck().get()).toBe(28);
      expect(db.prepare("SELECT DISTINCT source || ' ' || catalog_version FROM models").pluck().all()).toEqual(['bundled 2026-11-23']);
      expect(db.prepare("SELECT name_key FROM models WHERE id = 'qwen-image'").pluck().get()).toBe('qwen-image qwen-image');
      db.pragma('foreign_keys = ON');
      db.exec(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at)
               VALUES ('ws-g', 'G', 'g', 'production', 'global', 'active', 'o', 't', 't')`);
      const grant = db.prepare("INSERT INTO workspace_model_grants (workspace_id, model_id, rpm_limit, tpm_limit, created_at, updated_at) VALUES (?, ?, ?, ?, 't', 't')");
      expect(() => grant.run('ws-g', 'qwen-image', 10, 100)).toThrow(/not token-metered/);
      expect(() => grant.run('ws-g', 'qwen3.7-max', 0, null)).toThrow(/CHECK/);
      expect(() => grant.run('ws-g', 'no-such-model', 1, null)).toThrow(/FOREIGN KEY/);
      grant.run('ws-g', 'qwen-image', 10, null);
      grant.run('ws-g', 'qwen3.7-max', 10, 1000);
      expect(() => db.exec("UPDATE workspace_model_grants SET tpm_limit = 5 WHERE model_id = 'qwen-image'")).toThrow(/not token-metered/);
      expect(() => db.exec("DELETE FROM models WHERE id = 'qwen-image'")).toThrow(/FOREIGN KEY/); // granted models cannot vanish
      db.exec("INSERT INTO workspace_model_permissions VALUES ('ws-g', 1, 't')");
      db.exec("DELETE FROM workspaces WHERE id = 'ws-g'");
      expect(db.prepare('SELECT COUNT(*) FROM workspace_model_grants').pluck().get()).toBe(0); // ON DELETE CASCADE
      expect(db.prepare('SELECT COUNT(*) FROM workspace_model_permissions').pluck().get()).toBe(0);
      expect(() => db.prepare("INSERT INTO model_quotas VALUES ('qwen3.7-max', 0, 't')").run()).toThrow(/CHECK/);
    },
  },
  7: {
    tables: ['provider_keys', 'workspace_provider_access'],
    indexes: ['provider_keys_vendor_label', 'workspace_provider_access_key', 'workspace_provider_access_one_pin'],
    triggers: [],
    check(db) {
      db.pragma('foreign_keys = ON');
      const strict = db.prepare("SELECT strict FROM pragma_table_list WHERE name IN ('provider_keys', 'workspace_provider_access')").pluck().all();
      expect(strict).toEqual([1, 1]);
      db.exec(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at)
               VALUES ('ws-p', 'P', 'p', 'production', 'global', 'active', 'o', 't', 't')`);
      const key = db.prepare(
        `INSERT INTO provider_keys (id, vendor, label, label_key, scheme, ciphertext, last4, created_at, updated_at)
         VALUES (?, ?, ?, lower(?), ?, ?, '1234', 't', 't')`,
      );
      key.run('pk-a', 'OpenAI', 'A', 'A', 'local-key-file', Buffer.of(1, 2, 3));
      key.run('pk-b', 'OpenAI', 'B', 'B', 'os-keychain', Buffer.of(1, 2, 3));
      key.run('pk-c', 'Anthropic', 'A', 'A', 'local-key-file', Buffer.of(1));
      expect(() => key.run('pk-d', 'OpenAI', 'a', 'a', 'local-key-file', Buffer.of(1))).toThrow(/UNIQUE/); // label per vendor
      expect(() => key.run('pk-e', 'OpenAI', 'E', 'E', 'plain', Buffer.of(1))).toThrow(/CHECK/); // known schemes only
      expect(() => key.run('pk-f', 'OpenAI', 'F', 'F', 'local-key-file', Buffer.alloc(0))).toThrow(/CHECK/);
      expect(() => key.run('pk-g', 'OpenAI', 'G', 'G', 'local-key-file', 'text')).toThrow(/cannot store TEXT/); // STRICT BLOB
      const access = db.prepare("INSERT INTO workspace_provider_access (workspace_id, provider_key_id, vendor, mode, created_at) VALUES (?, ?, ?, ?, 't')");
      access.run('ws-p', 'pk-a', 'OpenAI', 'pinned');
      expect(() => access.run('ws-p', 'pk-b', 'OpenAI', 'pinned')).toThrow(/UNIQUE/); // one pin per vendor
      expect(() => access.run('ws-p', 'pk-a', 'OpenAI', 'disabled')).toThrow(/UNIQUE/); // pinned and disabled at once
      expect(() => access.run('ws-p', 'pk-c', 'OpenAI', 'disabled')).toThrow(/FOREIGN KEY/); // vendor must match the key's
      expect(() => access.run('ws-p', 'pk-b', 'OpenAI', 'hidden')).toThrow(/CHECK/);
      access.run('ws-p', 'pk-b', 'OpenAI', 'disabled');
      access.run('ws-p', 'pk-c', 'Anthropic', 'pinned');
      db.exec("DELETE FROM provider_keys WHERE id = 'pk-a'");
      expect(db.prepare('SELECT provider_key_id FROM workspace_provider_access ORDER BY 1').pluck().all()).toEqual(['pk-b', 'pk-c']);
      db.exec("DELETE FROM workspaces WHERE id = 'ws-p'");
      expect(db.prepare('SELECT COUNT(*) FROM workspace_provider_access').pluck().get()).toBe(0);
    },
  },
  8: {
    tables: ['usage_daily', 'usage_records'],
    indexes: ['usage_records_at'],
    triggers: [],
    check(db) {
      const record = db.prepare(
        `INSERT INTO usage_records (id, at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
         VALUES (?, '2026-01-02T03:04:05.000Z', 'ws-gone', NULL, 'm', ?, 1, 1, 0, 5, 'USD')`,
      );
      record.run('r-1', 1); // no FK: history outlives a deleted workspace
      expect(() => record.run('r-1', 1)).toThrow(/UNIQUE/); // the same record is stored once
      expect(() => record.run('r-2', -1)).toThrow(/CHECK/);
      const daily = db.prepare(
        `INSERT INTO usage_daily (day, workspace_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
         VALUES ('2026-01-02', 'ws', 'm', 'USD', 1, 1, 1, 1, 0, 5)`,
      );
      daily.run();
      expect(() => daily.run()).toThrow(/UNIQUE|PRIMARY KEY/);
      expect(db.prepare('SELECT key_id FROM usage_daily').pluck().get()).toBe(''); // unknown key groups as ''
      const strict = db.prepare("SELECT name FROM pragma_table_list WHERE name LIKE 'usage_%' AND strict = 1 ORDER BY name").pluck().all();
      expect(strict).toEqual(['usage_daily', 'usage_records']);
    },
  },
  9: {
    tables: ['workspace_budgets'],
    indexes: [],
    triggers: [],
    check(db) {
      db.pragma('foreign_keys = ON');
      db.exec(
        `INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at)
         VALUES ('ws-b', 'B', 'b', 'production', 'global', 'active', 'o', 't', 't')`,
      );
      const budget = db.prepare("INSERT OR REPLACE INTO workspace_budgets (workspace_id, thresholds, mode, version, updated_at) VALUES (?, ?, ?, 1, 't')");
      budget.run('ws-b', '[50,80,100]', 'hard');
      expect(() => budget.run('ws-b', '[50]', 'block')).toThrow(/CHECK/);
      expect(() => budget.run('ws-b', 'not json', 'alert')).toThrow(/CHECK/);
      expect(() => budget.run('ws-b', '[]', 'alert')).toThrow(/CHECK/);
      expect(() => budget.run('ws-missing', '[50]', 'alert')).toThrow(/FOREIGN KEY/);
      db.exec("DELETE FROM workspaces WHERE id = 'ws-b'");
      expect(db.prepare('SELECT COUNT(*) FROM workspace_budgets').pluck().get()).toBe(0); // budgets belong to the workspace
    },
  },
  10: {
    // Data only (see "010 backfills workspace owners" below); on a fresh store there is nothing to backfill.
    tables: [],
    indexes: [],
    triggers: [],
    check(db) {
      expect(db.prepare('SELECT COUNT(*) FROM workspaces').pluck().get()).toBe(0);
    },
  },
  // Usage import staging + journal; its own tests are in usage-import-migration.test.ts.
  11: { tables: ['usage_import_rows', 'usage_imports'], indexes: [], triggers: [] },
  12: {
    tables: ['sync_cursors', 'sync_links', 'sync_ops', 'sync_remote_cache', 'sync_remotes', 'sync_resolutions', 'sync_runs'],
    indexes: ['sync_runs_remote'],
    triggers: [],
    check: (db) => {
      // The journal's idempotency keys are unique: one key, one request.
      db.prepare(`INSERT INTO sync_remotes (id, name, name_key, kind, base_url, credential_scheme, credential_ciphertext, created_at, updated_at)
        VALUES ('rem-1', 'r', 'r', 'gatehouse-v1', 'http://127.0.0.1', 'local-key-file', x'01', 't', 't')`).run();
      db.prepare(`INSERT INTO sync_runs (id, remote_id, state, plan_json, plan_hash, change_seq_high, created_at) VALUES ('run-1', 'rem-1', 'planned', '{}', 'h', 0, 't')`).run();
      const op = db.prepare(`INSERT INTO sync_ops (run_id, ord, entity_type, local_id, kind, idempotency_key, state, updated_at) VALUES ('run-1', ?, 'workspace', 'ws', 'create', 'k', 'pending', 't')`);
      op.run(1);
      expect(() => op.run(2)).toThrow(/UNIQUE/);
    },
  },
  // Per-currency usage totals (the exact-sum guard); seeding from existing usage is tested in usage-totals-migration.test.ts.
  13: {
    tables: ['usage_totals'],
    indexes: [],
    triggers: [],
    check: (db) => expect(db.prepare('SELECT COUNT(*) FROM usage_totals').pluck().get()).toBe(0),
  },
  // Workspace runtime policy (issue #14): routes and guardrails, all owned by their workspace.
  14: {
    tables: ['guardrail_defaults', 'workspace_guardrails', 'workspace_routes', 'workspace_routing'],
    indexes: [],
    triggers: [],
    check: (db) => {
      db.prepare(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at) VALUES ('ws-p', 'P', 'p', 'production', 'global', 'active', 'o', 't', 't')`).run();
      const insertRoute = db.prepare(
        `INSERT INTO workspace_routes (workspace_id, alias, strategy, targets_json, retries, timeout_ms, failover_on_json, expected_rpm, created_at, updated_at)
         VALUES ('ws-p', ?, ?, ?, 1, 30000, '[]', NULL, 't', 't')`,
      );
      insertRoute.run('chat', 'priority', '[{"target":"gpt-4o","weight":1}]');
      expect(() => insertRoute.run('chat', 'priority', '[{"target":"gpt-4o","weight":1}]')).toThrow(/UNIQUE|PRIMARY/);
      expect(() => insertRoute.run('b', 'random', '[{"target":"gpt-4o","weight":1}]')).toThrow(/CHECK/);
      expect(() => insertRoute.run('c', 'priority', '[]')).toThrow(/CHECK/); // at least one target
      db.prepare("INSERT INTO workspace_routing (workspace_id, version, updated_at) VALUES ('ws-p', 1, 't')").run();
      const guard = db.prepare("INSERT INTO workspace_guardrails (workspace_id, inherits, policy_json, version, updated_at) VALUES ('ws-p', ?, ?, 1, 't')");
      expect(() => guard.run(0, null)).toThrow(/CHECK/); // its own policy needs one
      guard.run(1, null);
      expect(() => db.prepare("INSERT INTO guardrail_defaults (id, policy_json, version, updated_at) VALUES (2, '{}', 1, 't')").run()).toThrow(/CHECK/);
      db.exec("DELETE FROM workspaces WHERE id = 'ws-p'");
      for (const table of ['workspace_routes', 'workspace_routing', 'workspace_guardrails']) {
        expect(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get(), table).toBe(0); // they belong to the workspace
      }
    },
  },
};

describe('each migration', () => {
  it('has an expectation and is numbered in order', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    for (const m of MIGRATIONS) expect(EXPECTED[m.version], `EXPECTED has no entry for ${m.name}`).toBeDefined();
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it.each(MIGRATIONS.map((m) => [m.name, m.version] as const))('%s: running up to it creates its objects and sets user_version', (_name, version) => {
    const db = raw();
    runMigrations(db, MIGRATIONS, version);
    expect(userVersion(db)).toBe(version);
    const want = (key: 'tables' | 'indexes' | 'triggers', upTo: number) =>
      Object.entries(EXPECTED)
        .filter(([v]) => Number(v) <= upTo)
        .flatMap(([, e]) => e[key])
        .sort();
    expect(objects(db, 'table')).toEqual(want('tables', version));
    expect(objects(db, 'index')).toEqual(want('indexes', version));
    expect(objects(db, 'trigger')).toEqual(want('triggers', version));
    EXPECTED[version]?.check?.(db);
  });

  it.each(MIGRATIONS.map((m) => [m.name, m.version] as const))('%s: upgrading from the version before it gives the same schema as a fresh install', (_name, version) => {
    const stepwise = raw();
    runMigrations(stepwise, MIGRATIONS, version - 1);
    expect(userVersion(stepwise)).toBe(version - 1);
    runMigrations(stepwise, MIGRATIONS);
    const freshFile = path.join(dir, 'fresh.sqlite');
    const fresh = new Database(freshFile);
    open.push(fresh);
    runMigrations(fresh, MIGRATIONS);
    expect(schemaSql(stepwise)).toEqual(schemaSql(fresh));
    expect(userVersion(stepwise)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('running migrations again is a no-op', () => {
    const db = raw();
    runMigrations(db, MIGRATIONS);
    db.prepare("UPDATE settings SET local_user_name = 'kept'").run();
    const before = schemaSql(db);
    runMigrations(db, MIGRATIONS);
    expect(schemaSql(db)).toEqual(before);
    expect(db.prepare('SELECT local_user_name FROM settings').pluck().get()).toBe('kept');
  });
});

describe('data migrations', () => {
  const seedWorkspace = (db: Db, id: string, ownerMemberId: string | null, version = 1) =>
    db
      .prepare(
        `INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, owner_member_id, version, created_at, updated_at)
         VALUES (?, ?, lower(?), 'production', 'global', 'active', 'free text', ?, ?, 't', 't')`,
      )
      .run(id, id, id, ownerMemberId, version);
  const seedMember = (db: Db, id: string, isLocal: boolean) =>
    db
      .prepare("INSERT INTO members (id, name, email, email_key, is_local_user, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 't', 't')")
      .run(id, id, `${id}@x`, `${id}@x`, isLocal ? 1 : 0);
  const owners = (db: Db) => db.prepare('SELECT id, owner_member_id AS owner, version FROM workspaces ORDER BY id').all();

  it('010 backfills workspace owners: unowned workspaces go to the local user, owned ones and versions stay', () => {
    const db = raw();
    runMigrations(db, MIGRATIONS, 9);
    seedMember(db, 'm-local', true);
    seedMember(db, 'm-bo', false);
    seedWorkspace(db, 'ws-legacy', null, 3);
    seedWorkspace(db, 'ws-bo', 'm-bo', 2);
    seedWorkspace(db, 'ws-mine', 'm-local');
    runMigrations(db, MIGRATIONS, 10);
    expect(userVersion(db)).toBe(10);
    expect(owners(db)).toEqual([
      { id: 'ws-bo', owner: 'm-bo', version: 2 },
      { id: 'ws-legacy', owner: 'm-local', version: 3 },
      { id: 'ws-mine', owner: 'm-local', version: 1 },
    ]);
  });

  it('010 leaves workspaces unowned when the store has no local user yet (first run gives them one)', () => {
    const db = raw();
    runMigrations(db, MIGRATIONS, 9);
    seedMember(db, 'm-bo', false);
    seedWorkspace(db, 'ws-legacy', null);
    runMigrations(db, MIGRATIONS, 10);
    expect(owners(db)).toEqual([{ id: 'ws-legacy', owner: null, version: 1 }]);
  });

  it('a store upgraded from before members: opening it makes the local user owner and Admin, audited', async () => {
    const db = raw();
    runMigrations(db, MIGRATIONS, 3);
    db.exec(`INSERT INTO workspaces (id, name, name_key, environment, region, status, owner, created_at, updated_at, is_default)
             VALUES ('ws-oldstore0001', 'Old', 'old', 'production', 'global', 'active', 'someone', 't', 't', 1)`);
    db.prepare("UPDATE settings SET local_user_name = 'alice', active_workspace_id = 'ws-oldstore0001'").run();
    db.close();
    const core = openTestCore({ dataDir: dir, localUserName: 'alice' });
    try {
      const local = core.ok('members:getLocalUser', {});
      expect(core.ok('workspaces:get', { id: 'ws-oldstore0001' })).toMatchObject({ ownerMemberId: local.id, owner: 'alice', version: 1 });
      expect(core.ok('workspaceMembers:list', { workspaceId: 'ws-oldstore0001' }).items).toEqual([expect.objectContaining({ memberId: local.id, role: 'admin' })]);
      const audit = core.db.prepare('SELECT actor, action, entity_id AS entityId FROM audit_log ORDER BY id').all();
      expect(audit).toEqual([
        { actor: 'alice', action: 'member.create', entityId: local.id },
        { actor: 'alice', action: 'workspace.assignOwner', entityId: 'ws-oldstore0001' },
        { actor: 'alice', action: 'workspace_member.add', entityId: `ws-oldstore0001/${local.id}` },
      ]);
    } finally {
      await core.close();
    }
  });
});

describe('openDatabase', () => {
  it('sets and keeps the required pragmas, and migrates to the latest version', () => {
    const db = openDatabase(file);
    open.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(64 * 1024 * 1024);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
  });

  it('creates missing parent directories and reopens an existing store without re-running migrations', () => {
    const nested = path.join(dir, 'a', 'b', 'store.sqlite');
    const first = openDatabase(nested);
    first.prepare("UPDATE settings SET local_user_name = 'alice'").run();
    first.close();
    const second = openDatabase(nested);
    open.push(second);
    expect(second.prepare('SELECT local_user_name FROM settings').pluck().get()).toBe('alice');
    expect(second.prepare('SELECT COUNT(*) FROM settings').pluck().get()).toBe(1);
    // WAL is persistent in the file, pragmas still re-applied on every open.
    expect(second.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('a database newer than this app → DatabaseTooNewError, user_version and schema untouched', () => {
    const seed = raw();
    seed.exec('CREATE TABLE from_the_future (x INTEGER); INSERT INTO from_the_future VALUES (42);');
    seed.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    const schemaBefore = schemaSql(seed);
    seed.close();

    let thrown: unknown;
    try {
      openDatabase(file).close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatabaseTooNewError);
    expect(thrown).toMatchObject({ fileVersion: LATEST_SCHEMA_VERSION + 1, appVersion: LATEST_SCHEMA_VERSION });
    expect((thrown as Error).message).toMatch(/newer Gatehouse/);

    const after = raw({ readonly: true });
    expect(userVersion(after)).toBe(LATEST_SCHEMA_VERSION + 1);
    expect(schemaSql(after)).toEqual(schemaBefore);
    expect(after.prepare('SELECT x FROM from_the_future').pluck().all()).toEqual([42]);
  });

  it('the connection is closed when opening fails (the file can be removed and reopened)', () => {
    const seed = raw();
    seed.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    seed.close();
    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError);
    // A leaked connection would keep the WAL/SHM files busy; a fresh writer must be able to take the lock at once.
    const writer = raw({ timeout: 0 });
    expect(() => writer.exec('BEGIN IMMEDIATE; CREATE TABLE t (x); COMMIT;')).not.toThrow();
  });
});

describe('runMigrations failure handling', () => {
  const m1: Migration = {
    version: 1,
    name: 't1',
    up: (db) => db.exec("CREATE TABLE one (x TEXT); INSERT INTO one VALUES ('kept');"),
  };
  const failing: Migration = {
    version: 2,
    name: 't2-fails',
    up(db) {
      db.exec("CREATE TABLE two (x); INSERT INTO two VALUES (1); ALTER TABLE one ADD COLUMN y TEXT; UPDATE one SET x = 'changed';");
      throw new Error('migration 2 exploded midway');
    },
  };

  it('a migration that throws midway rolls back everything it did; earlier migrations stay committed', () => {
    const db = raw();
    expect(() => runMigrations(db, [m1, failing])).toThrow('migration 2 exploded midway');
    expect(userVersion(db)).toBe(1);
    expect(objects(db, 'table')).toEqual(['one']);
    expect(db.prepare('SELECT * FROM one').all()).toEqual([{ x: 'kept' }]);
    expect(db.inTransaction).toBe(false);
  });

  it('starting from an existing version, a failing migration leaves user_version and data unchanged', () => {
    const db = raw();
    runMigrations(db, [m1]);
    const before = schemaSql(db);
    expect(() => runMigrations(db, [m1, failing])).toThrow();
    expect(userVersion(db)).toBe(1);
    expect(schemaSql(db)).toEqual(before);
    // And it can be retried once fixed.
    const fixed: Migration = { version: 2, name: 't2-fixed', up: (d) => d.exec('CREATE TABLE two (x)') };
    runMigrations(db, [m1, fixed]);
    expect(userVersion(db)).toBe(2);
  });

  it('a failing real migration (via SQL error) leaves a fresh file at user_version 0 with no tables', () => {
    const broken: Migration = { version: 1, name: 'broken', up: (d) => d.exec('CREATE TABLE ok (x); CREATE TABLE ok (x);') };
    const db = raw();
    expect(() => runMigrations(db, [broken])).toThrow(/already exists/);
    expect(userVersion(db)).toBe(0);
    expect(objects(db, 'table')).toEqual([]);
  });

  it('refuses a mis-numbered list before touching the file', () => {
    const db = raw();
    expect(() => runMigrations(db, [{ ...m1, version: 2 }])).toThrow(/numbered 2, expected 1/);
    expect(userVersion(db)).toBe(0);
    expect(objects(db, 'table')).toEqual([]);
  });

  // Regression, fixed: runMigrations reads user_version outside the migration transaction (migrations/index.ts,
  // `const current = db.pragma('user_version')` before the deferred `db.transaction`). When two
  // processes (e.g. the app and a CLI call, or two CLI calls) open a fresh data dir at once, the
  // loser re-runs 001 on an already-migrated file and fails with "table settings already exists".
  it('two processes opening a fresh store at once both succeed (version read under the write lock)', () => {
    const a = raw();
    let raced = false;
    // Simulate the other process winning the race right after this connection read user_version.
    const racing = new Proxy(a, {
      get(target, prop) {
        if (prop === 'pragma') {
          return (source: string, options?: Database.PragmaOptions) => {
            const value = target.pragma(source, options);
            if (!raced && source.trim() === 'user_version') {
              raced = true;
              const b = new Database(file, { timeout: 0 });
              try {
                runMigrations(b, MIGRATIONS);
              } catch {
                // If this connection already holds the write lock, the other process simply waits its turn.
              } finally {
                b.close();
              }
            }
            return value;
          };
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    expect(() => runMigrations(racing, MIGRATIONS)).not.toThrow();
    expect(userVersion(a)).toBe(LATEST_SCHEMA_VERSION);
  });
});

describe('audit log is append-only', () => {
  function seeded(): Db {
    const db = openDatabase(file);
    open.push(db);
    db.prepare(
      `INSERT INTO audit_log (at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json)
       VALUES ('2024-01-01T00:00:00.000Z', 'alice', 'workspace.create', 'workspace', 'ws-1', 'ws-1', NULL, '{}')`,
    ).run();
    return db;
  }

  it('UPDATE is refused by the trigger', () => {
    const db = seeded();
    const before = db.prepare('SELECT * FROM audit_log').all();
    expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory'").run()).toThrow(/audit log entries cannot be changed/);
    expect(() => db.prepare("UPDATE audit_log SET after_json = NULL WHERE id = 1").run()).toThrow(/cannot be changed/);
    expect(db.prepare('SELECT * FROM audit_log').all()).toEqual(before);
  });

  it('DELETE is refused by the trigger, including a full-table delete', () => {
    const db = seeded();
    expect(() => db.prepare('DELETE FROM audit_log WHERE id = 1').run()).toThrow(/audit log entries cannot be deleted/);
    expect(() => db.exec('DELETE FROM audit_log')).toThrow(/cannot be deleted/);
    expect(db.prepare('SELECT COUNT(*) FROM audit_log').pluck().get()).toBe(1);
  });

  it('an UPSERT cannot rewrite an entry (it goes through the UPDATE trigger)', () => {
    const db = seeded();
    expect(() =>
      db
        .prepare(
          `INSERT INTO audit_log (id, at, actor, action, entity_type, entity_id) VALUES (1, 'x', 'mallory', 'forged', 'workspace', 'ws-1')
           ON CONFLICT (id) DO UPDATE SET actor = excluded.actor`,
        )
        .run(),
    ).toThrow(/cannot be changed/);
    expect(db.prepare('SELECT actor FROM audit_log WHERE id = 1').pluck().get()).toBe('alice');
  });

  // BUG (low): the append-only guarantee has a hole. `INSERT OR REPLACE` (or `REPLACE INTO`) with an
  // existing id deletes the old row through conflict resolution, and SQLite fires DELETE triggers for
  // that only when recursive_triggers is on (it is off; database.ts REQUIRED_PRAGMAS does not set it),
  // so 001-initial.ts's audit_log_no_delete never runs and the entry is silently rewritten.
  it('INSERT OR REPLACE cannot overwrite an entry either', () => {
    const db = seeded();
    const forge = () =>
      db
        .prepare(`REPLACE INTO audit_log (id, at, actor, action, entity_type, entity_id) VALUES (1, 'x', 'mallory', 'forged', 'workspace', 'ws-1')`)
        .run();
    expect(forge).toThrow(/audit log entries cannot be/);
    expect(db.prepare('SELECT actor FROM audit_log WHERE id = 1').pluck().get()).toBe('alice');
  });
});
