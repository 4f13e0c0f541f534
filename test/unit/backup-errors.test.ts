import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_MAGIC, openArchive, writeArchive, sha256File } from '../../electron/core/services/backup-archive';
import { LATEST_SCHEMA_VERSION } from '../../electron/core/store/migrations';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { RESTORE_LOCK_NAME } from '../../electron/core/services/backup-restore-journal';
import { FIXED_NOW, openDoorCore, seedStore, snapshotDir, type DoorCore } from './backup-harness';

// Every way a restore can be refused: a typed error, and the data dir in force byte for byte as it was.
const repoRoot = path.resolve(__dirname, '../..');
const PASS = 'a long enough passphrase';
let root: string;
let source: DoorCore;
let target: DoorCore;
let plain: string;
let encrypted: string;

beforeAll(async () => {
  root = makeTempDir('gatehouse-backup-err-');
  source = openDoorCore(path.join(root, 'source'));
  await seedStore(source, 'Src');
  // Over one encrypted block (1 MiB), so block boundaries can be tested.
  expect((await source.job('usage:generateSample', { days: 30, rows: 6000, seed: 3 })).state).toBe('done');
  source.door.saveTo = path.join(root, 'plain.ghbackup');
  expect((await source.job('backup:create', {})).state).toBe('done');
  source.door.saveTo = path.join(root, 'encrypted.ghbackup');
  expect((await source.job('backup:create', { passphrase: PASS })).state).toBe('done');
  plain = path.join(root, 'plain.ghbackup');
  encrypted = path.join(root, 'encrypted.ghbackup');
  target = openDoorCore(path.join(root, 'target'));
  await target.ok('workspaces:create', { name: 'Must survive' });
  await target.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Kept', secret: 'sk-proj-MustSurvive000001' });
}, 60_000);

afterAll(async () => {
  await source?.close();
  await target?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** Restores `file` into the target and expects a typed failure with the data dir unchanged. */
async function refused(file: string, passphrase: string | undefined) {
  const dirBefore = snapshotDir(target.core.dataDir);
  target.door.openFrom = file;
  const job = await target.job('backup:restore', { file: { source: 'file' }, confirm: true, ...(passphrase ? { passphrase } : {}) });
  expect(job.state).toBe('failed');
  expect(snapshotDir(target.core.dataDir)).toEqual(dirBefore);
  expect((await target.ok('workspaces:list', { search: 'Must survive' })).items).toHaveLength(1);
  // The error never carries the passphrase.
  if (passphrase) expect(JSON.stringify(job)).not.toContain(passphrase);
  return job.error!;
}

const mutated = (from: string, name: string, change: (bytes: Buffer) => Buffer) => {
  const file = path.join(root, name);
  fs.writeFileSync(file, change(fs.readFileSync(from)));
  return file;
};

describe('restore refuses, changing nothing', () => {
  it('a wrong passphrase, a missing one, one for an unencrypted backup', async () => {
    const wrong = await refused(encrypted, 'not the right passphrase');
    expect(wrong).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'passphrase' }] });
    expect(wrong.message).toMatch(/passphrase is not right/);
    expect(await refused(encrypted, undefined)).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/encrypted; enter its passphrase/) });
    expect(await refused(plain, PASS)).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'passphrase' }] });
  }, 30_000);

  it('a file that is not a Gatehouse backup (text, empty, a bare SQLite file, a folder, missing)', async () => {
    fs.writeFileSync(path.join(root, 'notes.txt'), 'hello, this is not a backup\n');
    fs.writeFileSync(path.join(root, 'empty.ghbackup'), '');
    for (const name of ['notes.txt', 'empty.ghbackup']) {
      expect(await refused(path.join(root, name), undefined)).toMatchObject({ code: 'E_VALIDATION', issues: [{ path: 'file' }], message: expect.stringMatching(/not a Gatehouse backup/) });
    }
    const sqlite = path.join(root, 'bare.sqlite');
    new Database(sqlite).exec('CREATE TABLE t (x)');
    expect(await refused(sqlite, undefined)).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/not a Gatehouse backup/) });
    expect(await refused(root, undefined)).toMatchObject({ code: 'E_VALIDATION', message: expect.stringMatching(/is a folder/) });
    expect(await refused(path.join(root, 'missing.ghbackup'), undefined)).toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('truncated anywhere (header, manifest, inside the store, at an encrypted block boundary, last byte)', async () => {
    for (const [file, passphrase] of [
      [plain, undefined],
      [encrypted, PASS],
    ] as const) {
      const size = fs.statSync(file).size;
      for (const keep of [12, 40, 200, Math.floor(size / 2), size - 17, size - 16, size - 1]) {
        const cut = mutated(file, `cut-${keep}-${passphrase ? 'e' : 'p'}`, (b) => b.subarray(0, keep));
        const error = await refused(cut, passphrase);
        expect(error.code === 'E_STORAGE' || error.code === 'E_VALIDATION', JSON.stringify(error)).toBe(true);
        expect(error.message).toMatch(/damaged|not a Gatehouse backup/);
      }
    }
    // Cut exactly after the first encrypted block: its tag is valid, but it was not sealed as the last block.
    const headerBytes = 57;
    const cut = mutated(encrypted, 'cut-block', (b) => b.subarray(0, headerBytes + 1024 * 1024 + 16));
    expect(fs.statSync(encrypted).size).toBeGreaterThan(headerBytes + 1024 * 1024 + 16);
    expect(await refused(cut, PASS)).toMatchObject({ code: 'E_STORAGE', message: expect.stringMatching(/damaged.*cut short/) });
  }, 60_000);

  it('one flipped byte anywhere (header, manifest, store pages, key file, encrypted blocks, tag)', async () => {
    for (const [file, passphrase] of [
      [plain, undefined],
      [encrypted, PASS],
    ] as const) {
      const size = fs.statSync(file).size;
      for (const at of [9, 60, 300, Math.floor(size / 3), size - 40, size - 1]) {
        const flipped = mutated(file, `flip-${at}-${passphrase ? 'e' : 'p'}`, (b) => {
          const copy = Buffer.from(b);
          copy[at] = copy[at]! ^ 0x01;
          return copy;
        });
        const error = await refused(flipped, passphrase);
        expect(['E_STORAGE', 'E_VALIDATION', 'E_CONFLICT'], JSON.stringify(error)).toContain(error.code);
      }
    }
  }, 120_000);

  it('a backup from a newer Gatehouse (manifest says so; or the store inside is newer than the manifest claims)', async () => {
    const archive = await openArchive(plain, undefined);
    const work = makeTempDir('gatehouse-backup-newer-');
    await archive.extract({ open: (name) => fs.promises.open(path.join(work, name), 'w'), checkpoint: async () => {} });
    await archive.close();
    const db = new Database(path.join(work, 'gatehouse.sqlite'));
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const entries = await Promise.all(
      archive.manifest.entries.map(async (e) => ({ name: e.name, path: path.join(work, e.name), ...(await sha256File(path.join(work, e.name))) })),
    );
    for (const [name, claimed] of [
      ['newer-manifest.ghbackup', LATEST_SCHEMA_VERSION + 1],
      ['newer-store.ghbackup', LATEST_SCHEMA_VERSION],
    ] as const) {
      const handle = await fs.promises.open(path.join(root, name), 'w');
      await writeArchive({ handle, manifest: { ...archive.manifest, schemaVersion: claimed, entries: entries.map(({ name: n, size, sha256 }) => ({ name: n, size, sha256 })) }, entries, checkpoint: async () => {} });
      await handle.close();
      const error = await refused(path.join(root, name), undefined);
      expect(error.code).toBe('E_CONFLICT');
      expect(error.message).toMatch(/newer Gatehouse/);
      expect(error.message).toContain(`schema ${LATEST_SCHEMA_VERSION + 1}`);
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('restore and backup refuse without a confirmation or with a bad input, naming the field', async () => {
    const noConfirm = await target.call('backup:restore', { file: { source: 'file' } });
    expect(noConfirm).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'confirm' }] } });
    const short = await target.call('backup:create', { passphrase: 'short' });
    expect(short).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'passphrase' }] } });
    expect(JSON.stringify(short)).not.toContain('"short"');
    expect(await target.call('backup:create', { passphrase: PASS, extra: 1 })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
  });

  it('does not take an archive whose magic is right but whose format is newer', async () => {
    const newer = mutated(plain, 'format-2.ghbackup', (b) => {
      const copy = Buffer.from(b);
      copy[ARCHIVE_MAGIC.length] = 2;
      return copy;
    });
    expect(await refused(newer, undefined)).toMatchObject({ code: 'E_CONFLICT', message: expect.stringMatching(/newer Gatehouse \(archive format 2/) });
  });

  it('another live process restoring the same data dir (its restore.lock) → E_CONFLICT naming it; its journal is not settled under it', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => other.once('spawn', resolve));
      const lock = path.join(target.core.dataDir, RESTORE_LOCK_NAME);
      fs.writeFileSync(lock, String(other.pid));
      const error = await refused(plain, undefined);
      expect(error).toMatchObject({ code: 'E_CONFLICT', message: expect.stringContaining(`pid ${other.pid}) is restoring this store`) });
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(other.pid)); // not ours to remove
      fs.rmSync(lock);

      // A journal whose work folder belongs to that live process is left alone by an opening core.
      const work = `.restore-${other.pid}-0123456789abcdef`;
      fs.mkdirSync(path.join(root, 'journal-dir', work), { recursive: true });
      const dir = path.join(root, 'journal-dir');
      fs.writeFileSync(path.join(dir, 'restore-journal.json'), JSON.stringify({
        restoreId: 'a'.repeat(32), workDir: work, keptAside: 'before-restore-20260315T120000Z', keyFilesInBackup: [], backupCreatedAt: FIXED_NOW.toISOString(), schemaVersion: LATEST_SCHEMA_VERSION, migratedFrom: null,
      }));
      const opened = openDoorCore(dir);
      await opened.ok('workspaces:list', {});
      await opened.close();
      expect(fs.existsSync(path.join(dir, 'restore-journal.json'))).toBe(true);
      expect(fs.existsSync(path.join(dir, work))).toBe(true);
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((resolve) => (other.exitCode !== null || other.signalCode !== null ? resolve(null) : other.once('exit', resolve)));
    // Once that process is gone, its leftovers are settled (discarded: no marker in the store) at the next open.
    const reopened = openDoorCore(path.join(root, 'journal-dir'));
    await reopened.ok('workspaces:list', {});
    await reopened.close();
    expect(fs.existsSync(path.join(root, 'journal-dir', 'restore-journal.json'))).toBe(false);
  });

  it('a restore.lock left by a process that is gone is taken over; the restore runs and removes it', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const dir = path.join(root, 'stale-lock');
    const door = openDoorCore(dir);
    try {
      await door.ok('workspaces:create', { name: 'Replaced by the backup' });
      fs.writeFileSync(path.join(dir, RESTORE_LOCK_NAME), dead.stdout);
      door.door.openFrom = plain;
      const job = await door.job('backup:restore', { file: { source: 'file' }, confirm: true });
      expect(job.state).toBe('done');
      expect(fs.existsSync(path.join(dir, RESTORE_LOCK_NAME))).toBe(false);
      expect((await door.ok('workspaces:list', { search: 'Replaced by the backup' })).items).toHaveLength(0);
    } finally {
      await door.close();
    }
  });
});

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** The CLI in a child process, optionally as nobody or under a file-size limit (ulimit -f, in KiB). */
function cli(dataDir: string, args: string[], options: { asNobody?: boolean; fileSizeKib?: number; stdin?: string } = {}) {
  const command = [process.execPath, '--import', 'tsx', 'electron/hosts/cli/main.ts', '--data-dir', dataDir, ...args];
  const run = options.fileSizeKib
    ? spawnSync('bash', ['-c', `ulimit -f ${options.fileSizeKib}; exec "$@"`, 'cli', ...command], { cwd: repoRoot, encoding: 'utf8', input: options.stdin ?? '', timeout: 60_000 })
    : spawnSync(command[0]!, command.slice(1), {
        cwd: repoRoot,
        encoding: 'utf8',
        input: options.stdin ?? '',
        timeout: 60_000,
        ...(options.asNobody ? { uid: NOBODY, gid: NOBODY, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp' } } : {}),
      });
  return run;
}

describe('real storage faults', () => {
  it('a file-size limit hit while extracting (disk-full-like: EFBIG) → E_STORAGE, the data dir unchanged', async () => {
    const dataDir = path.join(root, 'limited');
    const seed = cli(dataDir, ['workspaces', 'create', '--name', 'Limited']);
    expect(seed.status, seed.stderr).toBe(0);
    const before = snapshotDir(dataDir);
    // The archive's store is over 1 MiB; the limit lets the process write 200 KiB per file.
    const run = cli(dataDir, ['restore', plain, '--yes'], { fileSizeKib: 200 });
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr.trim().split('\n').pop()).toMatch(/^E_STORAGE: Cannot restore into .*: the disk is full or the file is larger than this process may write; nothing was changed\.$/);
    expect(snapshotDir(dataDir)).toEqual(before);
    // And a backup under the same limit leaves no file behind.
    const out = path.join(root, 'limited-out');
    fs.mkdirSync(out);
    const backup = cli(dataDir, ['backup', '--out', path.join(out, 'b.ghbackup')], { fileSizeKib: 100 });
    expect(backup.status).toBe(1);
    expect(backup.stderr).toMatch(/E_STORAGE/);
    expect(fs.readdirSync(out)).toEqual([]);
  }, 60_000);

  it.skipIf(!isRoot)('a read-only data dir (as nobody) → E_STORAGE, nothing changed; a read-only --out folder → no file', async () => {
    const dataDir = path.join(root, 'readonly');
    const seed = cli(dataDir, ['workspaces', 'create', '--name', 'Read only']);
    expect(seed.status, seed.stderr).toBe(0);
    fs.chmodSync(root, 0o755);
    fs.chmodSync(plain, 0o644);
    for (const name of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, name), 0o444);
    fs.chmodSync(dataDir, 0o555);
    const before = snapshotDir(dataDir);
    const run = cli(dataDir, ['restore', plain, '--yes'], { asNobody: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/E_STORAGE: .*(read-only|permission denied)/);
    expect(snapshotDir(dataDir)).toEqual(before);
    fs.chmodSync(dataDir, 0o700);
    const out = path.join(root, 'ro-out');
    fs.mkdirSync(out, { mode: 0o555 });
    fs.chmodSync(out, 0o555);
    const backup = cli(dataDir, ['backup', '--out', path.join(out, 'b.ghbackup')], { asNobody: true });
    expect(backup.status).toBe(1);
    expect(backup.stderr).toMatch(/E_STORAGE/);
    expect(fs.readdirSync(out)).toEqual([]);
    fs.chmodSync(root, 0o700);
  }, 60_000);
});
