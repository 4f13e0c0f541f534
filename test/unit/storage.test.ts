import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { DATABASE_FILE_NAME, openDatabase, storeHealth, type Db } from '../../electron/core/store/database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, runMigrations } from '../../electron/core/store/migrations';
import { BUSY_MESSAGE, DISK_FULL_MESSAGE, toStorageError } from '../../electron/core/store/storage-errors';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

let dataDir: string;
let file: string;
const children: ChildProcess[] = [];
const cores: TestCore[] = [];
const dbs: Db[] = [];

beforeEach(() => {
  dataDir = makeTempDir('gatehouse-storage-');
  file = path.join(dataDir, DATABASE_FILE_NAME);
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
  for (const core of cores.splice(0)) if (core.db.open) await core.close();
  for (const db of dbs.splice(0)) if (db.open) db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function openCore(): TestCore {
  const core = openTestCore({ dataDir });
  cores.push(core);
  return core;
}

/** A set-up store (first run done, one extra workspace), closed again: its WAL is checkpointed away. */
async function seedStore(): Promise<void> {
  const core = openTestCore({ dataDir });
  core.ok('workspaces:create', { name: 'Seen' });
  await core.close();
}

/** Another process (plain node + better-sqlite3) takes the write lock and keeps it until released. */
async function holdWriteLock(target: string): Promise<() => Promise<void>> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    const release = () => { db.exec('ROLLBACK'); db.close(); process.exit(0); };
    process.stdin.on('data', release);
    process.stdin.on('end', release);
    setTimeout(release, 30000).unref();
  `;
  const child = spawn(process.execPath, ['-e', script, target], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin!.end('release\n');
    });
}

function raw(target: string, options?: Database.Options): Db {
  const db = new Database(target, options);
  dbs.push(db);
  return db;
}

describe('another process holds the write lock', () => {
  it('the core still opens and reads; a write answers E_BUSY after the busy timeout and changes nothing', async () => {
    await seedStore();
    const release = await holdWriteLock(file);
    // With the default 5 s busy timeout: an open that tried to write would fail here with E_BUSY.
    const core = openCore();
    const list = core.ok('workspaces:list', {});
    expect(list.items.map((w) => w.name).sort()).toEqual(['Default Workspace', 'Seen']);
    expect(storeHealth(core.db)).toEqual({ writable: true, integrity: 'ok', problem: null });

    core.db.pragma('busy_timeout = 150');
    const before = dumpTables(core);
    const started = Date.now();
    expect(core.call('workspaces:create', { name: 'Blocked' })).toEqual({ ok: false, error: { code: 'E_BUSY', message: BUSY_MESSAGE } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(dumpTables(core)).toEqual(before);

    await release();
    expect(core.ok('workspaces:create', { name: 'After' }).name).toBe('After');
  });

  it('openDatabase takes busyTimeoutMs, keeps 5000 as default, and a current store opens without the lock', async () => {
    await seedStore();
    const release = await holdWriteLock(file);
    const db = openDatabase(file, { busyTimeoutMs: 150 });
    dbs.push(db);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(150);
    let thrown: unknown;
    try {
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      thrown = error;
    }
    expect((thrown as { code?: string }).code).toBe('SQLITE_BUSY');
    expect(toStorageError(thrown)).toMatchObject({ code: 'E_BUSY', message: BUSY_MESSAGE });
    const withDefault = openDatabase(file);
    dbs.push(withDefault);
    expect(withDefault.pragma('busy_timeout', { simple: true })).toBe(5000);
    await release();
  });

  it('a store that needs a migration waits for the lock, then fails with E_BUSY untouched (and migrates once free)', async () => {
    const seed = raw(file);
    runMigrations(seed, MIGRATIONS, LATEST_SCHEMA_VERSION - 1);
    seed.close();
    const release = await holdWriteLock(file);
    let thrown: unknown;
    try {
      openDatabase(file, { busyTimeoutMs: 150 }).close();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'E_BUSY', message: BUSY_MESSAGE });
    expect(raw(file, { readonly: true }).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION - 1);
    await release();
    const db = openDatabase(file);
    dbs.push(db);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  });
});

describe('opening a current store writes nothing', () => {
  it('no commit (data_version), the file and its WAL unchanged, though the core read and served calls', async () => {
    await seedStore();
    // An observer keeps the store open so the WAL stays (the last connection to close checkpoints it).
    const observer = raw(file);
    const dataVersion = () => observer.pragma('data_version', { simple: true }) as number;
    observer.prepare('SELECT COUNT(*) FROM workspaces').get();
    const versionBefore = dataVersion();
    const stat = (f: string) => {
      const s = fs.statSync(f);
      return { size: s.size, mtimeMs: s.mtimeMs };
    };
    const fileBefore = stat(file);
    const walBefore = stat(`${file}-wal`);

    const core = openCore();
    expect(core.ok('workspaces:list', {}).total).toBe(2);
    core.ok('members:getLocalUser', {});
    await core.close();

    expect(dataVersion()).toBe(versionBefore);
    expect(stat(file)).toEqual(fileBefore);
    expect(stat(`${file}-wal`)).toEqual(walBefore);
  });

  it('readonly: true opens an existing store read-only and says so in storeHealth; a missing store is E_STORAGE', async () => {
    expect(() => openDatabase(file, { readonly: true })).toThrow(expect.objectContaining({ code: 'E_STORAGE', message: expect.stringContaining(file) }));
    await seedStore();
    const db = openDatabase(file, { readonly: true });
    dbs.push(db);
    expect(storeHealth(db)).toEqual({ writable: false, integrity: 'ok', problem: null });
    expect(() => db.exec("UPDATE settings SET local_user_name = 'x'")).toThrow(expect.objectContaining({ code: 'SQLITE_READONLY' }));
  });

  it('journal_mode is only switched to WAL on a new store; journal_size_limit is set', () => {
    const db = openDatabase(file);
    dbs.push(db);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(64 * 1024 * 1024);
  });
});

describe('disk full', () => {
  it('a write that runs out of pages answers E_STORAGE "disk is full" and the store is unchanged', () => {
    const core = openCore();
    // The store may not grow past its current size: the first write that needs a new page fails with SQLITE_FULL.
    core.db.pragma(`max_page_count = ${core.db.pragma('page_count', { simple: true }) as number}`);
    let before = dumpTables(core);
    let result: ReturnType<typeof core.call<'members:create'>> | undefined;
    for (let i = 0; i < 2000; i++) {
      result = core.call('members:create', { name: `Member ${i} ${'x'.repeat(60)}`, email: `member-${i}@example.com` });
      if (!result.ok) break;
      before = dumpTables(core);
    }
    expect(result).toEqual({ ok: false, error: { code: 'E_STORAGE', message: DISK_FULL_MESSAGE } });
    expect(DISK_FULL_MESSAGE).toMatch(/disk is full/);
    expect(dumpTables(core)).toEqual(before); // the member, its audit entry and its change-log entry all rolled back
    expect(core.db.inTransaction).toBe(false);
  });
});

describe.skipIf(!isRoot)('a store this user cannot write (child process as nobody)', () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'electron/hosts/cli/main.ts', '--data-dir', dataDir, ...args], {
      cwd: repoRoot,
      uid: NOBODY,
      gid: NOBODY,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', GATEHOUSE_DATA_DIR: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  /** storeHealth() of a store opened by a process that cannot write it. */
  const healthAsNobody = () => {
    const scriptDir = makeTempDir('gatehouse-storage-script-');
    try {
      fs.chmodSync(scriptDir, 0o755);
      const script = path.join(scriptDir, 'health.ts');
      const database = path.join(repoRoot, 'electron/core/store/database.ts');
      fs.writeFileSync(script, `import { openDatabase, storeHealth } from ${JSON.stringify(database)};\nprocess.stdout.write(JSON.stringify(storeHealth(openDatabase(${JSON.stringify(file)}))));\n`);
      fs.chmodSync(script, 0o644);
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, uid: NOBODY, gid: NOBODY, env: { PATH: process.env.PATH ?? '', HOME: '/tmp' }, encoding: 'utf8' });
      expect(run.stderr).toBe('');
      return JSON.parse(run.stdout) as unknown;
    } finally {
      fs.rmSync(scriptDir, { recursive: true, force: true });
    }
  };
  const lockDown = () => {
    for (const name of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, name), 0o444);
    fs.chmodSync(dataDir, 0o555);
  };

  it('closed store, folder 0555 and files 0444 (no -shm): list works, create says E_STORAGE naming the file', async () => {
    await seedStore();
    expect(fs.existsSync(`${file}-shm`)).toBe(false);
    lockDown();
    const list = cli('workspaces', 'list', '--json');
    expect(list.stderr).toBe('');
    expect(list.status).toBe(0);
    expect((JSON.parse(list.stdout) as Array<{ name: string }>).map((w) => w.name).sort()).toEqual(['Default Workspace', 'Seen']);

    const create = cli('workspaces', 'create', '--name', 'Nope');
    expect(create.status).toBe(1);
    expect(create.stderr.trim()).toMatch(/^E_STORAGE: /);
    expect(create.stderr).toContain(file);
    expect(create.stderr).toMatch(/read-only/);
    expect(fs.readdirSync(dataDir).sort()).toEqual([DATABASE_FILE_NAME]); // not even a -shm was left behind

    expect(healthAsNobody()).toEqual({
      writable: false,
      integrity: 'ok',
      problem: `The store ${file} is read-only for this user (no permission to write ${dataDir}). Gatehouse opened it read-only: you can look and export, not change anything. It shows the store as it was when opened.`,
    });
  });

  it('store open in another process (its -shm exists, not writable for us): list works, create says E_STORAGE', async () => {
    await seedStore();
    const holder = raw(file);
    holder.prepare('SELECT COUNT(*) FROM workspaces').get();
    expect(fs.existsSync(`${file}-shm`)).toBe(true);
    lockDown();
    const list = cli('workspaces', 'list', '--json');
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(2);
    const create = cli('workspaces', 'create', '--name', 'Nope');
    expect(create.stderr.trim()).toMatch(/^E_STORAGE: .*read-only/);
    expect(create.stderr).toContain(file);
    expect(healthAsNobody()).toMatchObject({ writable: false, integrity: 'ok', problem: expect.not.stringContaining('as it was when opened') });
  });

  it('un-checkpointed commits in -wal without a -shm cannot be read read-only: a clear E_STORAGE', async () => {
    await seedStore();
    // A writer that dies (SIGKILL) leaves its commits in -wal; then the -shm is gone too.
    const script = `
      const Database = require('better-sqlite3');
      const db = new Database(process.argv[1]);
      db.pragma('wal_autocheckpoint = 0');
      db.prepare("UPDATE workspaces SET description = 'only in the WAL' WHERE name = 'Seen'").run();
      process.kill(process.pid, 'SIGKILL');
    `;
    spawnSync(process.execPath, ['-e', script, file], { cwd: repoRoot });
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    fs.rmSync(`${file}-shm`, { force: true });
    lockDown();
    const list = cli('workspaces', 'list');
    expect(list.status).toBe(1);
    expect(list.stderr.trim()).toMatch(/^E_STORAGE: Gatehouse cannot read the store .* read-only: its latest changes are still in .*-wal/);
    expect(list.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
  });
});

describe('integrity', () => {
  /** Overwrites the middle of one page of `table` in the closed store file with garbage. */
  function corruptPageOf(table: string): void {
    const db = raw(file, { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const page = db.prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 1").pluck().get(table) as number;
    db.close();
    expect(page).toBeGreaterThan(1);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(pageSize - 200, 0xa5), 0, pageSize - 200, (page - 1) * pageSize + 100);
    fs.closeSync(fd);
  }

  it('a store that fails quick_check opens read-only: reads work, writes and damaged reads say E_STORAGE', async () => {
    await seedStore();
    corruptPageOf('models');
    const core = openCore();
    const health = storeHealth(core.db);
    expect(health).toMatchObject({ writable: false, integrity: 'failed' });
    expect(health.problem).toMatch(/failed its integrity check .* read-only: export what you need, then restore the store from a backup/);
    expect(core.db.readonly).toBe(true);

    expect(core.ok('workspaces:list', {}).total).toBe(2);
    const workspaceRows = () => core.db.prepare('SELECT * FROM workspaces ORDER BY id').all();
    const before = workspaceRows();
    const create = core.call('workspaces:create', { name: 'Nope' });
    expect(create).toMatchObject({ ok: false, error: { code: 'E_STORAGE', message: expect.stringMatching(/cannot write its store.*nothing was changed/) } });
    expect(workspaceRows()).toEqual(before);
    // The damaged table itself: a typed answer saying what to do, not E_INTERNAL.
    const models = core.call('models:list', { page: { index: 0, size: 100 } });
    expect(models).toMatchObject({ ok: false, error: { code: 'E_STORAGE', message: expect.stringMatching(/damaged \(SQLITE_CORRUPT.*Restore it from a backup/) } });
  });

  it('background check (long-lived doors): a damaged store answers at once, then switches to read-only and announces it', async () => {
    await seedStore();
    corruptPageOf('models');
    const core = openTestCore({ dataDir, integrityCheck: 'background' });
    cores.push(core);
    const events: string[][] = [];
    core.on((event) => {
      if (event.type === 'changed') events.push(event.entityTypes);
    });
    // Opened writable, not checked yet: the first answer did not wait for a read of every page.
    expect(core.db.readonly).toBe(false);
    expect(core.ok('workspaces:list', {}).total).toBe(2);
    await expect.poll(() => storeHealth(core.db).integrity, { timeout: 20_000 }).toBe('failed');
    expect(core.db.readonly).toBe(true);
    expect(storeHealth(core.db).problem).toMatch(/failed its integrity check .* read-only/);
    expect(events).toContainEqual(['store']);
    expect(core.call('workspaces:create', { name: 'Nope' })).toMatchObject({ ok: false, error: { code: 'E_STORAGE' } });
    expect(core.ok('workspaces:list', {}).total).toBe(2);
  });

  it('background check: a sound store stays writable and nothing is announced', async () => {
    await seedStore();
    const core = openTestCore({ dataDir, integrityCheck: 'background' });
    cores.push(core);
    const db = core.db;
    await new Promise((resolve) => setTimeout(resolve, 1500)); // a tiny store is checked in well under this
    expect(core.db).toBe(db); // not reopened
    expect(storeHealth(core.db)).toEqual({ writable: true, integrity: 'ok', problem: null });
    expect(core.ok('workspaces:create', { name: 'Still writable' }).name).toBe('Still writable');
  });

  it('background check: a store that needs an upgrade is checked before it is migrated', async () => {
    await seedStore();
    corruptPageOf('models');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION - 1}`);
    raw.close();
    expect(() => openTestCore({ dataDir, integrityCheck: 'background' })).toThrow(/damaged .* from an older Gatehouse, so it cannot be upgraded/);
  });

  it('a store whose header is destroyed fails to open with E_STORAGE and a message, not a stack', async () => {
    await seedStore();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(100, 0x42), 0, 100, 0);
    fs.closeSync(fd);
    let thrown: unknown;
    try {
      openCore();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AppError);
    expect(thrown).toMatchObject({ code: 'E_STORAGE' });
    expect((thrown as Error).message).toMatch(new RegExp(`store ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(SQLITE_NOTADB\\).*Restore it from a backup`));

    const err: string[] = [];
    const code = await runCli(['--data-dir', dataDir, 'workspaces', 'list'], { out: () => {}, err: (t) => err.push(t), env: {} });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^E_STORAGE: The Gatehouse store .* is damaged/);
  });
});

describe('toStorageError', () => {
  const sqlite = (code: string) => new Database.SqliteError(`sqlite says ${code}`, code);
  const errno = (code: string) => Object.assign(new Error(`${code}: nope`), { code, path: '/somewhere/else' });
  const at = { path: '/data/gatehouse.sqlite' };

  it.each(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT', 'SQLITE_LOCKED', 'SQLITE_LOCKED_SHAREDCACHE'])('%s → E_BUSY', (code) => {
    expect(toStorageError(sqlite(code), at)?.toPayload()).toEqual({ code: 'E_BUSY', message: BUSY_MESSAGE });
  });

  it.each([
    ['SQLITE_FULL', sqlite('SQLITE_FULL')],
    ['ENOSPC', errno('ENOSPC')],
    ['EDQUOT', errno('EDQUOT')],
  ])('%s → E_STORAGE disk full', (_code, error) => {
    expect(toStorageError(error, at)?.toPayload()).toEqual({ code: 'E_STORAGE', message: DISK_FULL_MESSAGE });
  });

  it.each(['SQLITE_CORRUPT', 'SQLITE_CORRUPT_INDEX', 'SQLITE_NOTADB'])('%s → E_STORAGE damaged, restore from a backup, export while readable', (code) => {
    const mapped = toStorageError(sqlite(code), at);
    expect(mapped?.code).toBe('E_STORAGE');
    expect(mapped?.message).toContain(`/data/gatehouse.sqlite is damaged (${code})`);
    expect(mapped?.message).toMatch(/Restore it from a backup.*export/);
  });

  it.each([
    ['SQLITE_READONLY', sqlite('SQLITE_READONLY')],
    ['SQLITE_READONLY_DIRECTORY', sqlite('SQLITE_READONLY_DIRECTORY')],
    ['SQLITE_READONLY_DBMOVED', sqlite('SQLITE_READONLY_DBMOVED')],
    ['SQLITE_PERM', sqlite('SQLITE_PERM')],
    ['EACCES', errno('EACCES')],
    ['EPERM', errno('EPERM')],
    ['EROFS', errno('EROFS')],
  ])('%s → E_STORAGE read-only, naming the store file', (_code, error) => {
    const mapped = toStorageError(error, at);
    expect(mapped?.code).toBe('E_STORAGE');
    expect(mapped?.message).toMatch(/^Gatehouse cannot write its store \/data\/gatehouse\.sqlite: it is read-only .*nothing was changed/);
  });

  it('SQLITE_CANTOPEN and SQLITE_IOERR* → E_STORAGE naming the file', () => {
    expect(toStorageError(sqlite('SQLITE_CANTOPEN'), at)?.message).toMatch(/^Gatehouse cannot open its store \/data\/gatehouse\.sqlite;/);
    expect(toStorageError(sqlite('SQLITE_IOERR_WRITE'), at)).toMatchObject({ code: 'E_STORAGE', message: expect.stringMatching(/disk error \(SQLITE_IOERR_WRITE\)/) });
  });

  it('anything else is not a storage error (the pipeline answers E_INTERNAL); storage AppErrors pass through', () => {
    expect(toStorageError(sqlite('SQLITE_CONSTRAINT_UNIQUE'), at)).toBeNull();
    expect(toStorageError(sqlite('SQLITE_ERROR'), at)).toBeNull();
    expect(toStorageError(new Error('boom'), at)).toBeNull();
    expect(toStorageError('a string', at)).toBeNull();
    expect(toStorageError(null, at)).toBeNull();
    expect(toStorageError(new AppError('E_VALIDATION', 'bad'), at)).toBeNull();
    const storage = new AppError('E_STORAGE', 'already typed');
    expect(toStorageError(storage, at)).toBe(storage);
  });
});
