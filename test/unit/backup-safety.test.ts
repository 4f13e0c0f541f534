import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArchive } from '../../electron/core/services/backup-archive';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { runCli } from '../../electron/hosts/cli/cli';
import { allBytes, logged, openDoorCore, secretOccurrences, seedStore, type DoorCore, type Seeded } from './backup-harness';

const repoRoot = path.resolve(__dirname, '../..');
const PASS = 'secret-scan passphrase 4711';
let root: string;

beforeAll(() => {
  root = makeTempDir('gatehouse-backup-safety-');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The CLI in-process with captured output (and stdin). */
async function gh(dataDir: string, args: string[], stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', dataDir, ...args], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: {},
    ...(stdin !== undefined ? { stdin: Readable.from([Buffer.from(stdin)]) } : {}),
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('permissions whatever the umask', () => {
  it('archive 0600; restored store, WAL files and key file 0600; data dir and before-restore folder 0700', async () => {
    const previous = process.umask(0);
    try {
      const source = path.join(root, 'perm-source');
      expect((await gh(source, ['workspaces', 'create', '--name', 'Perm'])).code).toBe(0);
      expect((await gh(source, ['call', 'providerKeys:create', '{"vendor":"OpenAI","label":"P"}', '--secret-stdin'], 'sk-proj-PermissionCheck0001')).code).toBe(0);
      const archive = path.join(root, 'perm.ghbackup');
      const backup = await gh(source, ['backup', '--out', archive]);
      expect(backup.code, backup.err).toBe(0);
      expect(mode(archive)).toBe(0o600);
      const encrypted = path.join(root, 'perm-enc.ghbackup');
      expect((await gh(source, ['backup', '--out', encrypted, '--passphrase-stdin'], `${PASS}\n`)).code).toBe(0);
      expect(mode(encrypted)).toBe(0o600);

      const target = path.join(root, 'perm-target');
      expect((await gh(target, ['workspaces', 'create', '--name', 'Before'])).code).toBe(0);
      const restore = await gh(target, ['restore', archive, '--yes']);
      expect(restore.code, restore.err).toBe(0);
      expect(mode(target)).toBe(0o700);
      for (const name of fs.readdirSync(target)) {
        const file = path.join(target, name);
        if (fs.statSync(file).isDirectory()) {
          expect(name).toMatch(/^before-restore-/);
          expect(mode(file)).toBe(0o700);
          for (const inner of fs.readdirSync(file)) expect([inner, mode(path.join(file, inner))]).toEqual([inner, 0o600]);
        } else {
          expect([name, mode(file)]).toEqual([name, 0o600]);
        }
      }
      expect(fs.readdirSync(target).filter((n) => !n.startsWith('before-restore-')).sort()).toEqual(
        expect.arrayContaining(['gatehouse.sqlite', 'provider-keys.key']),
      );
    } finally {
      process.umask(previous);
    }
  }, 60_000);
});

describe('CLI guards', () => {
  it('refuses a passphrase on argv (never echoing it), a restore without --yes, both passphrase sources at once', async () => {
    const dataDir = path.join(root, 'cli-guards');
    for (const args of [
      ['backup', '--out', path.join(root, 'x.ghbackup'), '--passphrase', 'hunter2hunter2'],
      ['backup', '--out', path.join(root, 'x.ghbackup'), '--passphrase=hunter2hunter2'],
      ['call', 'backup:create', '{"passphrase":"hunter2hunter2"}'],
    ]) {
      const run = await gh(dataDir, args);
      expect(run.code).toBe(2);
      expect(run.err).toMatch(/--passphrase-stdin|--secret-stdin/);
      expect(run.out + run.err).not.toContain('hunter2hunter2');
    }
    expect(fs.existsSync(path.join(root, 'x.ghbackup'))).toBe(false);
    const noYes = await gh(dataDir, ['restore', path.join(root, 'x.ghbackup')]);
    expect(noYes.code).toBe(2);
    expect(noYes.err).toMatch(/--yes/);
    const both = await gh(dataDir, ['backup', '--out', path.join(root, 'x.ghbackup'), '--passphrase-stdin', '--passphrase-file', '/dev/null']);
    expect(both.code).toBe(2);
    const warned = await gh(dataDir, ['backup', '--out', path.join(root, 'warn.ghbackup')]);
    expect(warned.code).toBe(0);
    expect(warned.err).toMatch(/not encrypted.*anyone with the file can read the provider secrets/);
  }, 30_000);
});

describe('secret scan', () => {
  let h: DoorCore;
  let seeded: Seeded;
  const remoteCredential = 'gha_SecretScanRemoteCredential0001';

  beforeAll(async () => {
    h = openDoorCore(path.join(root, 'scan-source'));
    seeded = await seedStore(h, 'Scan');
    await h.ok('remotes:create', { name: 'scan-remote', baseUrl: 'http://127.0.0.1:9', credential: remoteCredential });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('0 plaintext secrets (utf-8, hex, base64) in the archives, the restored data dir and every output and log', async () => {
    const secrets = [...seeded.secrets.apiKeys, ...seeded.secrets.providerSecrets, remoteCredential, PASS];
    const outputs: string[] = [];
    h.door.saveTo = path.join(root, 'scan-plain.ghbackup');
    outputs.push(JSON.stringify(await h.job('backup:create', {})));
    h.door.saveTo = path.join(root, 'scan-enc.ghbackup');
    outputs.push(JSON.stringify(await h.job('backup:create', { passphrase: PASS })));
    // The CLI on the same store (stdout, stderr), backup and restore, with the passphrase on stdin.
    const cliBackup = await gh(h.core.dataDir, ['backup', '--out', path.join(root, 'scan-cli.ghbackup'), '--passphrase-stdin'], `${PASS}\n`);
    expect(cliBackup.code, cliBackup.err).toBe(0);
    outputs.push(cliBackup.out, cliBackup.err);
    const restoredDir = path.join(root, 'scan-restored');
    const cliRestore = await gh(restoredDir, ['restore', path.join(root, 'scan-cli.ghbackup'), '--yes', '--passphrase-stdin'], `${PASS}\n`);
    expect(cliRestore.code, cliRestore.err).toBe(0);
    outputs.push(cliRestore.out, cliRestore.err);
    const wrong = await gh(restoredDir, ['restore', path.join(root, 'scan-cli.ghbackup'), '--yes', '--passphrase-stdin'], 'a wrong passphrase here\n');
    expect(wrong.code).toBe(1);
    outputs.push(wrong.out, wrong.err);
    outputs.push(JSON.stringify(await h.ok('audit:list', { limit: 500 })), logged.join('\n'));
    const restoredCore = openDoorCore(restoredDir);
    try {
      // The restored store really holds the secrets (they decrypt), it just never shows them at rest.
      expect(restoredCore.core.services.providerKeys.secretForUpstream(seeded.providerKeyIds[0]!)).toBe(seeded.secrets.providerSecrets[0]);
      outputs.push(JSON.stringify(await restoredCore.ok('audit:list', { limit: 500 })));
    } finally {
      await restoredCore.close();
    }

    const places: Record<string, Buffer> = {
      'plain archive': fs.readFileSync(path.join(root, 'scan-plain.ghbackup')),
      'encrypted archive': fs.readFileSync(path.join(root, 'scan-enc.ghbackup')),
      'CLI archive': fs.readFileSync(path.join(root, 'scan-cli.ghbackup')),
      'restored data dir (with before-restore)': allBytes(restoredDir),
      'source data dir': allBytes(h.core.dataDir),
      'outputs, job statuses, audit, logs': Buffer.from(outputs.join('\n')),
    };
    const counts = Object.fromEntries(Object.entries(places).map(([where, bytes]) => [where, secrets.reduce((n, s) => n + secretOccurrences(bytes, s), 0)]));
    console.log(`secret scan: ${secrets.length} secrets × 5 encodings over`, Object.fromEntries(Object.entries(places).map(([w, b]) => [w, `${b.length} bytes`])), counts);
    expect(counts).toEqual(Object.fromEntries(Object.keys(places).map((k) => [k, 0])));
    // The scanner finds what it looks for (it is not blind): a secret in the text is counted in every form.
    const probe = Buffer.from(`x ${PASS} ${Buffer.from(PASS).toString('hex')} ${Buffer.from(PASS).toString('base64')}`);
    expect(secretOccurrences(probe, PASS)).toBe(3);
  }, 90_000);
});

describe('backup while another process writes', () => {
  it('is a consistent snapshot: the members the writer made form an unbroken prefix, all acknowledged ones before the start included', async () => {
    const dataDir = path.join(root, 'concurrent');
    const h = openDoorCore(dataDir, { saveTo: path.join(root, 'concurrent.ghbackup'), openFrom: null }, { now: () => new Date() });
    try {
      // Big enough (several MiB) that the copy takes many steps while the writer commits.
      expect((await h.job('usage:generateSample', { days: 60, rows: 40_000, seed: 1 })).state).toBe('done');
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/unit/fixtures/backup-crash-child.ts'), 'writes', dataDir, 'conc'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      const acked: string[] = [];
      let buffer = '';
      child.stdout.on('data', (c: Buffer) => {
        buffer += c.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) if (line.startsWith('ACK ')) acked.push(line.slice(4));
      });
      const exited = new Promise((resolve) => child.on('close', resolve));
      while (acked.length < 20) await new Promise((r) => setTimeout(r, 20));
      const ackedAtStart = acked.length;
      const job = await h.job('backup:create', {});
      const ackedAtEnd = acked.length;
      child.kill('SIGKILL');
      await exited;
      expect(job.state, JSON.stringify(job.error)).toBe('done');
      expect(ackedAtEnd).toBeGreaterThan(ackedAtStart); // the writer really wrote during the backup

      const work = makeTempDir('gatehouse-backup-conc-');
      const archive = await openArchive(path.join(root, 'concurrent.ghbackup'), undefined);
      await archive.extract({ open: (name) => fs.promises.open(path.join(work, name), 'w'), checkpoint: async () => {} });
      await archive.close();
      const db = new Database(path.join(work, 'gatehouse.sqlite'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const numbers = (db.prepare("SELECT name FROM members WHERE name LIKE 'conc-%'").pluck().all() as string[]).map((n) => Number(n.slice(5))).sort((a, b) => a - b);
        expect(numbers.length).toBeGreaterThanOrEqual(ackedAtStart);
        expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
        // And the usage rows are whole too (the snapshot is one point in time).
        expect(db.prepare('SELECT count(*) FROM usage_records').pluck().get()).toBe(h.core.db.prepare('SELECT count(*) FROM usage_records').pluck().get());
      } finally {
        db.close();
        fs.rmSync(work, { recursive: true, force: true });
      }
    } finally {
      await h.close();
    }
  }, 120_000);
});

describe('leftovers of killed processes', () => {
  it('a backup removes temp files a killed backup left beside its target; an open removes abandoned restore work folders (live ones stay)', async () => {
    const dataDir = path.join(root, 'leftovers');
    const out = path.join(root, 'leftovers-out');
    fs.mkdirSync(out);
    const dead = 4_194_000; // above Linux's default pid_max: no such process
    const deadTemps = [`b.ghbackup.${dead}-0123456789ab.part`, `.b.ghbackup.${dead}-0123456789ab.snapshot`, `.b.ghbackup.${dead}-0123456789ab.key`];
    const liveTemp = `b.ghbackup.${process.pid}-0123456789ab.part`;
    for (const name of [...deadTemps, liveTemp, 'unrelated.part']) fs.writeFileSync(path.join(out, name), 'x');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.mkdirSync(path.join(dataDir, `.restore-${dead}-0123456789abcdef`));
    fs.mkdirSync(path.join(dataDir, `.restore-${process.pid}-0123456789abcdef`));
    fs.writeFileSync(path.join(dataDir, `restore-journal.json.${dead}.tmp`), '{');
    const h = openDoorCore(dataDir, { saveTo: path.join(out, 'b.ghbackup'), openFrom: null });
    try {
      expect(fs.readdirSync(dataDir).filter((n) => n.startsWith('.restore-') || n.startsWith('restore-journal'))).toEqual([`.restore-${process.pid}-0123456789abcdef`]);
      expect((await h.job('backup:create', {})).state).toBe('done');
      expect(fs.readdirSync(out).sort()).toEqual(['b.ghbackup', liveTemp, 'unrelated.part'].sort());
    } finally {
      await h.close();
    }
  });
});
