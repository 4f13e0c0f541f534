import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import {
  RESOURCE_ORDER,
  WRITE_ONLY_FIELDS,
  etagOf,
  type RemoteResource,
  type ResourceType,
  type UsageRecordWire,
} from '../../shared/gateway-protocol/v1';

// The reference gateway's storage: one SQLite file, all SQL in this module. Every write the
// server makes goes through `transaction`, so a resource, its change-feed entry and the stored
// idempotent response commit together.

export const GATEWAY_DATABASE_FILE = 'gateway.sqlite';
export type GatewayDb = Database.Database;

export interface ResourceRow {
  type: ResourceType;
  /** '' for everything except workspace_member, whose id (a member id) is unique per workspace only. */
  scope: string;
  id: string;
  parent_id: string | null;
  version: number;
  /** The readable fields. */
  data: Record<string, unknown>;
  /** The write-only fields (hashes, provider secret): stored, never returned. */
  secret: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

export interface ChangeRow {
  seq: number;
  type: ResourceType;
  id: string;
  parent_id: string | null;
  op: 'upsert' | 'delete';
  version: number;
  resource: RemoteResource | null;
  changed_at: string;
  actor: string;
}

export interface IdempotencyRow {
  method: string;
  path: string;
  body_sha256: string;
  precondition: string;
  status: number;
  headers: Record<string, string>;
  body: string;
  created_ms: number;
}

export const scopeOf = (type: ResourceType, parentId: string | null): string => (type === 'workspace_member' ? (parentId ?? '') : '');

export function toRemote(row: ResourceRow): RemoteResource {
  return {
    type: row.type,
    id: row.id,
    parent_id: row.parent_id,
    version: row.version,
    etag: etagOf(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
    data: row.data as RemoteResource['data'],
  };
}

/** Splits a PUT body's data into readable and write-only parts. */
export function splitWriteOnly(type: ResourceType, data: Record<string, unknown>): { readable: Record<string, unknown>; secret: Record<string, unknown> } {
  const readable: Record<string, unknown> = {};
  const secret: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    if (WRITE_ONLY_FIELDS[type].includes(field)) secret[field] = value;
    else readable[field] = value;
  }
  return { readable, secret };
}

interface RawResource {
  type: ResourceType;
  scope: string;
  id: string;
  parent_id: string | null;
  version: number;
  data_json: string;
  secret_json: string;
  created_at: string;
  updated_at: string;
  updated_by: string;
}

const fromRaw = (raw: RawResource | undefined): ResourceRow | null =>
  raw
    ? {
        type: raw.type,
        scope: raw.scope,
        id: raw.id,
        parent_id: raw.parent_id,
        version: raw.version,
        data: JSON.parse(raw.data_json) as Record<string, unknown>,
        secret: JSON.parse(raw.secret_json) as Record<string, unknown>,
        created_at: raw.created_at,
        updated_at: raw.updated_at,
        updated_by: raw.updated_by,
      }
    : null;

export interface GatewayStore {
  db: GatewayDb;
  transaction<T>(fn: () => T): T;
  close(): void;
  get(type: ResourceType, scope: string, id: string): ResourceRow | null;
  insert(row: ResourceRow): void;
  update(row: ResourceRow): void;
  delete(row: Pick<ResourceRow, 'type' | 'scope' | 'id'>): void;
  /** A workspace's children, in delete order (reverse dependency order). */
  childrenOf(workspaceId: string): ResourceRow[];
  ofType(type: ResourceType): ResourceRow[];
  count(type: ResourceType): number;
  activeKeysIn(workspaceId: string): number;
  /** Keyset page by (type order, id, scope): stable while rows come and go. */
  page(after: { ord: number; id: string; scope: string } | null, limit: number): ResourceRow[];
  keysByHash(sha256: string): ResourceRow[];
  /** Appends a change-feed entry (in the caller's transaction) and prunes beyond the retention. */
  appendChange(change: Omit<ChangeRow, 'seq'>): void;
  /** The seq of the newest entry ever written (0 when none). */
  changeHead(): number;
  /** Entries with seq ≤ this are gone: a cursor older than it has expired. */
  prunedThrough(): number;
  changesAfter(seq: number, limit: number): ChangeRow[];
  idempotencyGet(principal: string, key: string): IdempotencyRow | null;
  idempotencyPut(principal: string, key: string, row: IdempotencyRow): void;
  idempotencyExpire(olderThanMs: number): void;
  insertUsage(record: Omit<UsageRecordWire, 'ingest_seq'>): void;
  usageAfter(seq: number, limit: number): UsageRecordWire[];
}

export function openGatewayStore(dataDir: string, options: { changeRetention: number }): GatewayStore {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db: GatewayDb = new Database(path.join(dataDir, GATEWAY_DATABASE_FILE));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS resources (
      type TEXT NOT NULL,
      scope TEXT NOT NULL,
      id TEXT NOT NULL,
      ord INTEGER NOT NULL,
      parent_id TEXT,
      version INTEGER NOT NULL,
      data_json TEXT NOT NULL,
      secret_json TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      updated_by TEXT NOT NULL,
      PRIMARY KEY (type, scope, id)
    ) STRICT;
    CREATE UNIQUE INDEX IF NOT EXISTS resources_keyset ON resources (ord, id, scope);
    CREATE INDEX IF NOT EXISTS resources_parent ON resources (parent_id, type);
    CREATE TABLE IF NOT EXISTS changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      type TEXT NOT NULL,
      id TEXT NOT NULL,
      parent_id TEXT,
      op TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
      version INTEGER NOT NULL,
      resource_json TEXT,
      changed_at TEXT NOT NULL,
      actor TEXT NOT NULL
    ) STRICT;
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
    INSERT OR IGNORE INTO meta (key, value) VALUES ('changes_pruned_through', 0);
    CREATE TABLE IF NOT EXISTS idempotency (
      principal TEXT NOT NULL,
      key TEXT NOT NULL,
      method TEXT NOT NULL,
      path TEXT NOT NULL,
      body_sha256 TEXT NOT NULL,
      precondition TEXT NOT NULL,
      status INTEGER NOT NULL,
      headers_json TEXT NOT NULL,
      body TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      PRIMARY KEY (principal, key)
    ) STRICT;
    CREATE INDEX IF NOT EXISTS idempotency_age ON idempotency (created_ms);
    CREATE TABLE IF NOT EXISTS usage_records (
      ingest_seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      occurred_at TEXT NOT NULL,
      workspace_id TEXT NOT NULL,
      key_id TEXT,
      model_id TEXT NOT NULL,
      requests INTEGER NOT NULL,
      input_tokens INTEGER NOT NULL,
      output_tokens INTEGER NOT NULL,
      cached_tokens INTEGER NOT NULL,
      cost_micros INTEGER NOT NULL,
      currency TEXT NOT NULL
    ) STRICT;
  `);

  const stmt = {
    get: db.prepare<[string, string, string], RawResource>('SELECT * FROM resources WHERE type = ? AND scope = ? AND id = ?'),
    insert: db.prepare(
      `INSERT INTO resources (type, scope, id, ord, parent_id, version, data_json, secret_json, created_at, updated_at, updated_by)
       VALUES (@type, @scope, @id, @ord, @parent_id, @version, @data_json, @secret_json, @created_at, @updated_at, @updated_by)`,
    ),
    update: db.prepare(
      `UPDATE resources SET version = @version, data_json = @data_json, secret_json = @secret_json, updated_at = @updated_at, updated_by = @updated_by
       WHERE type = @type AND scope = @scope AND id = @id`,
    ),
    delete: db.prepare<[string, string, string]>('DELETE FROM resources WHERE type = ? AND scope = ? AND id = ?'),
    children: db.prepare<[string, string], RawResource>('SELECT * FROM resources WHERE parent_id = ? AND type != ? ORDER BY ord DESC, id'),
    ofType: db.prepare<[string], RawResource>('SELECT * FROM resources WHERE type = ? ORDER BY id, scope'),
    count: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM resources WHERE type = ?'),
    activeKeys: db.prepare<[string], { n: number }>(
      "SELECT count(*) AS n FROM resources WHERE type = 'api_key' AND parent_id = ? AND json_extract(data_json, '$.status') = 'active'",
    ),
    page: db.prepare<[number, string, string, number], RawResource>(
      'SELECT * FROM resources WHERE (ord, id, scope) > (?, ?, ?) ORDER BY ord, id, scope LIMIT ?',
    ),
    keyByHash: db.prepare<[string, string], RawResource>(
      `SELECT * FROM resources WHERE type = 'api_key'
         AND (json_extract(secret_json, '$.secret_sha256') = ? OR json_extract(secret_json, '$.previous_secret_sha256') = ?)`,
    ),
    insertChange: db.prepare(
      `INSERT INTO changes (type, id, parent_id, op, version, resource_json, changed_at, actor)
       VALUES (@type, @id, @parent_id, @op, @version, @resource_json, @changed_at, @actor)`,
    ),
    changeHead: db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'changes'"),
    changesAfter: db.prepare<[number, number], Omit<ChangeRow, 'resource'> & { resource_json: string | null }>(
      'SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?',
    ),
    prunedThrough: db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'changes_pruned_through'"),
    prune: db.prepare<[number]>('DELETE FROM changes WHERE seq <= ?'),
    setPruned: db.prepare<[number]>("UPDATE meta SET value = max(value, ?) WHERE key = 'changes_pruned_through'"),
    idemGet: db.prepare<[string, string], Omit<IdempotencyRow, 'headers'> & { headers_json: string }>(
      'SELECT * FROM idempotency WHERE principal = ? AND key = ?',
    ),
    idemPut: db.prepare(
      `INSERT INTO idempotency (principal, key, method, path, body_sha256, precondition, status, headers_json, body, created_ms)
       VALUES (@principal, @key, @method, @path, @body_sha256, @precondition, @status, @headers_json, @body, @created_ms)
       ON CONFLICT (principal, key) DO UPDATE SET method = excluded.method, path = excluded.path, body_sha256 = excluded.body_sha256,
         precondition = excluded.precondition, status = excluded.status, headers_json = excluded.headers_json, body = excluded.body,
         created_ms = excluded.created_ms`,
    ),
    idemExpire: db.prepare<[number]>('DELETE FROM idempotency WHERE created_ms < ?'),
    usageInsert: db.prepare(
      `INSERT INTO usage_records (id, occurred_at, workspace_id, key_id, model_id, requests, input_tokens, output_tokens, cached_tokens, cost_micros, currency)
       VALUES (@id, @occurred_at, @workspace_id, @key_id, @model_id, @requests, @input_tokens, @output_tokens, @cached_tokens, @cost_micros, @currency)`,
    ),
    usageAfter: db.prepare<[number, number], UsageRecordWire>('SELECT * FROM usage_records WHERE ingest_seq > ? ORDER BY ingest_seq LIMIT ?'),
  };

  const raw = (row: ResourceRow) => ({
    type: row.type,
    scope: row.scope,
    id: row.id,
    ord: RESOURCE_ORDER[row.type],
    parent_id: row.parent_id,
    version: row.version,
    data_json: JSON.stringify(row.data),
    secret_json: JSON.stringify(row.secret),
    created_at: row.created_at,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
  });

  const changeHead = () => stmt.changeHead.get()?.seq ?? 0;

  return {
    db,
    transaction<T>(fn: () => T): T {
      return db.transaction(fn).immediate();
    },
    close() {
      if (db.open) db.close();
    },

    // ---- resources
    get(type: ResourceType, scope: string, id: string): ResourceRow | null {
      return fromRaw(stmt.get.get(type, scope, id));
    },
    insert(row: ResourceRow): void {
      stmt.insert.run(raw(row));
    },
    update(row: ResourceRow): void {
      stmt.update.run(raw(row));
    },
    delete(row: Pick<ResourceRow, 'type' | 'scope' | 'id'>): void {
      stmt.delete.run(row.type, row.scope, row.id);
    },
    /** A workspace's children, in delete order (reverse dependency order). */
    childrenOf(workspaceId: string): ResourceRow[] {
      return stmt.children.all(workspaceId, 'workspace').map((r) => fromRaw(r)!);
    },
    ofType(type: ResourceType): ResourceRow[] {
      return stmt.ofType.all(type).map((r) => fromRaw(r)!);
    },
    count(type: ResourceType): number {
      return stmt.count.get(type)!.n;
    },
    activeKeysIn(workspaceId: string): number {
      return stmt.activeKeys.get(workspaceId)!.n;
    },
    /** Keyset page by (type order, id, scope): stable while rows come and go. */
    page(after: { ord: number; id: string; scope: string } | null, limit: number): ResourceRow[] {
      const a = after ?? { ord: -1, id: '', scope: '' };
      return stmt.page.all(a.ord, a.id, a.scope, limit).map((r) => fromRaw(r)!);
    },
    keysByHash(sha256: string): ResourceRow[] {
      return stmt.keyByHash.all(sha256, sha256).map((r) => fromRaw(r)!);
    },

    // ---- change feed (the server-side outbox)
    appendChange(change: Omit<ChangeRow, 'seq'>): void {
      stmt.insertChange.run({ ...change, resource_json: change.resource ? JSON.stringify(change.resource) : null });
      const bound = changeHead() - options.changeRetention;
      if (bound > stmt.prunedThrough.get()!.value) {
        stmt.prune.run(bound);
        stmt.setPruned.run(bound);
      }
    },
    changeHead,
    /** Entries with seq ≤ this are gone: a cursor older than it has expired. */
    prunedThrough(): number {
      return stmt.prunedThrough.get()!.value;
    },
    changesAfter(seq: number, limit: number): ChangeRow[] {
      return stmt.changesAfter.all(seq, limit).map(({ resource_json, ...rest }) => ({
        ...rest,
        resource: resource_json ? (JSON.parse(resource_json) as RemoteResource) : null,
      }));
    },

    // ---- idempotency
    idempotencyGet(principal: string, key: string): IdempotencyRow | null {
      const row = stmt.idemGet.get(principal, key);
      if (!row) return null;
      const { headers_json, ...rest } = row;
      return { ...rest, headers: JSON.parse(headers_json) as Record<string, string> };
    },
    idempotencyPut(principal: string, key: string, row: IdempotencyRow): void {
      stmt.idemPut.run({ principal, key, ...row, headers_json: JSON.stringify(row.headers) });
    },
    idempotencyExpire(olderThanMs: number): void {
      stmt.idemExpire.run(olderThanMs);
    },

    // ---- usage
    insertUsage(record: Omit<UsageRecordWire, 'ingest_seq'>): void {
      stmt.usageInsert.run(record);
    },
    usageAfter(seq: number, limit: number): UsageRecordWire[] {
      return stmt.usageAfter.all(seq, limit);
    },
  };
}
