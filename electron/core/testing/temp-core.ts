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
    call,
    ok(channel, input) {
      const result = call(channel, input);
      if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
      return result.data;
    },
    dispose() {
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
  const tables = core.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  return Object.fromEntries(tables.map((t) => [t, core.db.prepare(`SELECT * FROM "${t}"`).all()]));
}

/**
 * The same content as `dumpTables` as one string, one line per row (`table<TAB>cell<TAB>cell…`,
 * after a header line per table naming its columns), for suites that compare the whole store
 * hundreds of times: a string compares in microseconds where a deep equal of ~10k values takes
 * milliseconds, and a failing comparison still diffs line by line, i.e. by row. The encoding is
 * exact and unambiguous per SQLite type (NULL, numbers incl. -0 and ±Infinity, `5n` bigints,
 * JSON-quoted text, `x'…'` blobs), so two snapshots are equal exactly when the dumps are.
 */
export function snapshotTables(core: Core): string {
  const tables = core.db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all() as string[];
  const lines: string[] = [];
  for (const table of tables) {
    const select = core.db.prepare(`SELECT * FROM "${table}"`).raw(true);
    lines.push(`# ${table}\t${select.columns().map((c) => c.name).join('\t')}`);
    for (const row of select.all() as unknown[][]) lines.push(`${table}\t${row.map(encodeCell).join('\t')}`);
  }
  return lines.join('\n');
}

function encodeCell(value: unknown): string {
  if (value === null) return 'NULL';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return `x'${value.toString('hex')}'`;
  throw new Error(`snapshotTables: unexpected SQLite value ${String(value)}`);
}
