import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../core';
import { DATABASE_FILE_NAME } from '../store/database';
import type { ChannelInput, ChannelName, ChannelOutput } from '../../../shared/contract';
import type { Result } from '../../../shared/contract/errors';

export function makeTempDir(prefix = 'gatehouse-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface TestCore extends Core {
  call<C extends ChannelName>(channel: C, input: ChannelInput<C>): Result<ChannelOutput<C>>;
  /** Calls and unwraps, failing the test with the error payload on error. */
  ok<C extends ChannelName>(channel: C, input: ChannelInput<C>): ChannelOutput<C>;
  /** Closes the core and removes its temp dir (if it made one). Synchronous unless a job is running. */
  dispose(): void;
}

/** A real core on a real SQLite file in a fresh temp dir, trusted as the CLI. */
export function openTestCore(overrides: Partial<CoreOptions> = {}): TestCore {
  const ownsDataDir = !overrides.dataDir;
  return openCoreIn(overrides.dataDir ?? makeTempDir(), ownsDataDir, overrides);
}

/**
 * Like `openTestCore`, but the store starts as a copy of a migrated template (built once per test
 * file, see `templateDataDir`) instead of being created and migrated from scratch: a fresh store
 * costs a migration run and the catalog seed, a copy a file copy. The copy holds exactly what a
 * first open writes (default workspace, local user, their audit and change-log entries), so the
 * core opens it as an existing, current store. Same temp-dir ownership as `openTestCore`.
 */
export function openTestCoreFromTemplate(overrides: Omit<Partial<CoreOptions>, 'dataDir' | 'now'> = {}): TestCore {
  if ('now' in overrides) throw new Error('openTestCoreFromTemplate: the template was written by the real clock; use openTestCore for a fake one');
  const dataDir = makeTempDir();
  fs.copyFileSync(path.join(templateDataDir({ localUserName: overrides.localUserName }), DATABASE_FILE_NAME), path.join(dataDir, DATABASE_FILE_NAME));
  return openCoreIn(dataDir, true, overrides);
}

const templates = new Map<string, string>();

/**
 * A data dir holding one freshly created, fully migrated store with an empty WAL (checkpointed and
 * closed, so `gatehouse.sqlite` alone is the whole store and can be copied). Cached per process
 * (vitest: per test file) and per local user name; removed when the process exits.
 */
export function templateDataDir(options: { localUserName?: string | undefined } = {}): string {
  const localUserName = options.localUserName ?? TEST_LOCAL_USER;
  const cached = templates.get(localUserName);
  if (cached && fs.existsSync(path.join(cached, DATABASE_FILE_NAME))) return cached;
  const dir = makeTempDir('gatehouse-template-');
  const core = openCoreIn(dir, false, { localUserName });
  core.db.pragma('wal_checkpoint(TRUNCATE)');
  void core.close(); // no jobs: closes synchronously
  if (core.db.open) throw new Error('the template core did not close synchronously');
  for (const leftover of ['-wal', '-shm']) {
    const file = path.join(dir, DATABASE_FILE_NAME + leftover);
    if (fs.existsSync(file) && fs.statSync(file).size > 0) throw new Error(`the template store left a non-empty ${DATABASE_FILE_NAME}${leftover}`);
  }
  if (templates.size === 0) process.once('exit', removeTemplates);
  templates.set(localUserName, dir);
  return dir;
}

/** Deletes the cached templates now (they are also deleted when the process exits). */
export function removeTemplates(): void {
  for (const dir of templates.values()) fs.rmSync(dir, { recursive: true, force: true });
  templates.clear();
}

const TEST_LOCAL_USER = 'test-admin';

function openCoreIn(dataDir: string, ownsDataDir: boolean, overrides: Partial<CoreOptions>): TestCore {
  const core = createCore({
    appVersion: '0.0.0-test',
    isTrustedSender: () => true,
    localUserName: TEST_LOCAL_USER,
    logError: () => {},
    ...overrides,
    dataDir,
  });
  const call = <C extends ChannelName>(channel: C, input: ChannelInput<C>) =>
    core.dispatcher.dispatch(channel, input, { kind: 'cli' }) as Result<ChannelOutput<C>>;
  const removeDir = () => {
    if (ownsDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    ...core,
    // Getters, not the values at open: a restore or a failed background integrity check replaces them.
    get db() {
      return core.db;
    },
    get services() {
      return core.services;
    },
    call,
    ok(channel, input) {
      const result = call(channel, input);
      if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
      return result.data;
    },
    dispose() {
      closeProbe(core.db);
      // The store is deleted right after: its closing checkpoint need not reach the disk first.
      if (ownsDataDir && core.db.open) core.db.pragma('synchronous = OFF');
      const closing = core.close();
      // Without a running job the store is closed by now and the dir goes at once; otherwise once
      // the jobs have stopped at a chunk boundary.
      if (!core.db.open) removeDir();
      else void closing.then(removeDir, removeDir);
    },
  };
}

/** Every row of every user table: compare before/after a failed call to prove nothing changed. */
export function dumpTables(core: Core): Record<string, unknown[]> {
  return dumpDb(core.db);
}

function dumpDb(db: Database.Database): Record<string, unknown[]> {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]));
}

export interface StoreProbe {
  /**
   * Null when the store provably holds exactly what it held when the probe started; otherwise both
   * full dumps (`dumpTables` shape), for the caller to deep-compare as it would have anyway.
   */
  settle(): { before: Record<string, unknown[]>; after: Record<string, unknown[]> } | null;
  /** Ends the probe without checking (the call succeeded and was meant to write). */
  release(): void;
}

const watchers = new WeakMap<Database.Database, Database.Database>();

/**
 * Proves a call wrote nothing — what `expect(dumpTables(core)).toEqual(before)` proves — without
 * reading the whole store (the ~500-row model catalog included) twice per call. A second,
 * read-only connection holds a read snapshot of the store as it was when the probe started (WAL
 * keeps that snapshot stable while the core writes). At `settle()` the content is provably
 * unchanged when the core's connection changed no row (`total_changes()` counts every row an
 * INSERT/UPDATE/DELETE touched, by triggers too, committed, rolled back or still pending), changed
 * no schema and saw no other connection commit (`data_version`). Otherwise
 * `settle()` dumps the snapshot (the "before") and the core's view (the "after") in full.
 * TestCore.dispose() closes the probe connection.
 */
export function probeStore(core: Core): StoreProbe {
  const db = core.db;
  if (db.inTransaction) {
    // The core's view includes uncommitted changes a snapshot would not see: compare in full.
    const before = dumpDb(db);
    return { settle: () => ({ before, after: dumpDb(db) }), release: () => {} };
  }
  let watcher = watchers.get(db);
  if (!watcher) {
    watcher = new Database(db.name, { readonly: true, fileMustExist: true });
    watchers.set(db, watcher);
  }
  const reader = watcher;
  if (reader.inTransaction) reader.exec('ROLLBACK'); // an earlier probe whose test failed before settling
  reader.exec('BEGIN');
  reader.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // takes the read snapshot now
  const marks = () => [
    db.prepare('SELECT total_changes()').pluck().get(),
    db.pragma('schema_version', { simple: true }),
    db.pragma('data_version', { simple: true }),
  ];
  const start = marks();
  let open = true;
  const end = () => {
    if (open && reader.inTransaction) reader.exec('COMMIT');
    open = false;
  };
  return {
    settle() {
      if (!open) throw new Error('probeStore: this probe has already been settled or released');
      const now = marks();
      if (now.every((mark, i) => mark === start[i])) {
        end();
        return null;
      }
      const before = dumpDb(reader);
      end();
      return { before, after: dumpDb(db) };
    },
    release: end,
  };
}

function closeProbe(db: Database.Database): void {
  watchers.get(db)?.close();
  watchers.delete(db);
}
