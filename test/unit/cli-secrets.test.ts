import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { KEY_FILE_NAME } from '../../electron/core/services/secret-box';
import { runCli } from '../../electron/hosts/cli/cli';
import { useCliDataDir } from './cli-harness';

// Issue #12: no secret on the command line. Secrets come from stdin or a file; a secret in a JSON
// argument is refused before the store is opened, and no message ever echoes it.
const SECRET = 'sk-proj-CliSecretsTest-Vb81';
const SECRET_2 = 'sk-proj-CliSecretsRotated-Wc92';
const ADMIN_KEY = 'gh-admin-CliSecretsTest-Xd03';

const cli = useCliDataDir('gatehouse-cli-secrets-');
const gh = cli.gh;
const repoRoot = path.resolve(import.meta.dirname, '../..');
const CLI_MAIN = path.join(repoRoot, 'electron/hosts/cli/main.ts');

async function ghWithStdin(stdin: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', cli.dataDir(), ...argv], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, stdin: Readable.from([Buffer.from(stdin)]) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every byte the CLI left in the data dir, as text (the plaintext must not be among them). */
const dataDirText = () =>
  fs
    .readdirSync(cli.dataDir())
    .map((f) => fs.readFileSync(path.join(cli.dataDir(), f)).toString('latin1'))
    .join('\n');

const listKeys = async () => {
  const r = await gh('provider-keys', 'list', '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as Array<{ id: string; vendor: string; label: string; last4: string; secretStatus: string }>;
};

/** A file outside the data dir (the data dir must hold only what the CLI wrote). */
function secretFile(content: string): string {
  const file = path.join(path.dirname(cli.dataDir()), `${path.basename(cli.dataDir())}-secret.txt`);
  fs.writeFileSync(file, content, { mode: 0o600 });
  return file;
}

describe('gatehouse provider-keys', () => {
  it('add --secret-stdin stores the key; list shows the last 4; the plaintext is nowhere in the output or the data dir', async () => {
    const added = await ghWithStdin(`${SECRET}\n`, 'provider-keys', 'add', '--vendor', 'openai', '--label', 'prod', '--secret-stdin');
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toMatch(/^Added the OpenAI key “prod” \(pk-[a-f0-9]{16}, ••••Vb81\), protected by local key file$/);
    expect(await listKeys()).toEqual([expect.objectContaining({ vendor: 'OpenAI', label: 'prod', last4: 'Vb81', secretStatus: 'ok' })]);
    const table = await gh('provider-keys', 'list');
    expect(table.out).toMatch(/OpenAI\s+prod\s+pk-[a-f0-9]{16}\s+••••Vb81\s+Local key file\s+ok\s+0/);
    for (const text of [added.out, added.err, table.out, dataDirText()]) expect(text).not.toContain(SECRET.slice(0, -4));
  });

  it('add --secret-file and rotate ID --secret-file; remove ID', async () => {
    const file = secretFile(`${SECRET}\r\n`);
    try {
      expect(await gh('provider-keys', 'add', '--vendor', 'Anthropic', '--label', 'claude', '--secret-file', file)).toMatchObject({ code: 0 });
      const [key] = await listKeys();
      fs.writeFileSync(file, SECRET_2);
      const rotated = await gh('provider-keys', 'rotate', key!.id, '--secret-file', file, '--json');
      expect(rotated.code, rotated.err).toBe(0);
      expect(JSON.parse(rotated.out)).toMatchObject({ id: key!.id, last4: 'Wc92', version: 2, secretStatus: 'ok' });
      expect(await ghWithStdin(SECRET, 'provider-keys', 'rotate', key!.id, '--secret-stdin')).toMatchObject({ code: 0, out: `Replaced the secret of “claude” (${key!.id}); it now ends in Vb81` });
      expect(await gh('provider-keys', 'remove', key!.id)).toMatchObject({ code: 0, out: `Removed provider key ${key!.id}` });
      expect(await listKeys()).toEqual([]);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('input problems exit 2 before the store is opened and never echo the secret', async () => {
    const noSecret = await gh('provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x');
    expect(noSecret).toMatchObject({ code: 2, err: expect.stringContaining('--secret-stdin') as string });
    expect(await ghWithStdin('', 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', '--secret-stdin')).toMatchObject({ code: 2, err: expect.stringContaining('Standard input is empty') as string });
    const twoLines = await ghWithStdin(`${SECRET}\n${SECRET_2}\n`, 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', '--secret-stdin');
    expect(twoLines).toMatchObject({ code: 2, err: expect.stringContaining('more than one line') as string });
    expect(await gh('provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', '--secret-file', path.join(cli.dataDir(), 'nope.txt'))).toMatchObject({ code: 2, err: expect.stringContaining('no such file') as string });
    expect((await ghWithStdin(SECRET, 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', '--secret-stdin', '--secret-file', 'f')).code).toBe(2);
    expect((await gh('provider-keys', 'forget-unreadable')).code).toBe(2);
    expect((await ghWithStdin(SECRET, 'workspaces', 'list', '--secret-stdin')).code).toBe(2);
    for (const r of [twoLines]) expect(r.err).not.toContain(SECRET.slice(0, -4));
    expect(fs.readdirSync(cli.dataDir())).toEqual([]);
  });

  it('a secret the core refuses exits 1 with the field message, without the value', async () => {
    const r = await ghWithStdin('short', 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', '--secret-stdin');
    expect(r.code).toBe(1);
    expect(r.err).toBe('E_VALIDATION: Secret must be at least 8 characters');
    expect(r.err).not.toContain('short');
  });
});

describe('gatehouse call: secrets from stdin, never from the JSON argument', () => {
  it('`call <channel> -` reads the JSON input from stdin', async () => {
    const r = await ghWithStdin(JSON.stringify({ vendor: 'OpenAI', label: 'piped', secret: SECRET }), 'call', 'providerKeys:create', '-');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ vendor: 'OpenAI', label: 'piped', last4: 'Vb81' });
    expect(r.out).not.toContain(SECRET.slice(0, -4));
    // Any channel, not only those with secrets.
    const ws = await ghWithStdin('{"name":"From stdin"}', 'call', 'workspaces:create', '-');
    expect(JSON.parse(ws.out)).toMatchObject({ name: 'From stdin' });
  });

  it('`call <channel> <json without the secret> --secret-stdin | --secret-file FILE` adds the secret field', async () => {
    const created = await ghWithStdin(SECRET, 'call', 'providerKeys:create', '{"vendor":"OpenAI","label":"flag"}', '--secret-stdin');
    expect(created.code, created.err).toBe(0);
    const { id } = JSON.parse(created.out) as { id: string };
    const file = secretFile(SECRET_2);
    try {
      const updated = await gh('call', 'providerKeys:update', JSON.stringify({ id }), '--secret-file', file);
      expect(JSON.parse(updated.out)).toMatchObject({ id, last4: 'Wc92' });
    } finally {
      fs.rmSync(file, { force: true });
    }
    const remote = await ghWithStdin(ADMIN_KEY, 'call', 'remotes:create', '{"name":"gw","kind":"gatehouse-v1","baseUrl":"http://127.0.0.1:9"}', '--secret-stdin');
    expect(remote.code, remote.err).toBe(0);
    expect(dataDirText()).not.toContain(ADMIN_KEY);
    expect(dataDirText()).not.toContain(SECRET.slice(0, -4));
  });

  it.each([
    ['providerKeys:create', JSON.stringify({ vendor: 'OpenAI', label: 'argv', secret: SECRET }), 'secret'],
    ['providerKeys:update', JSON.stringify({ id: 'pk-0123456789abcdef', secret: SECRET }), 'secret'],
    ['remotes:create', JSON.stringify({ name: 'gw', kind: 'gatehouse-v1', baseUrl: 'http://127.0.0.1:9', credential: SECRET }), 'credential'],
    ['remotes:update', JSON.stringify({ id: 'rem-0123456789abcdef', credential: SECRET }), 'credential'],
    ['keys:verify', JSON.stringify({ secret: SECRET }), 'secret'],
    // An escaped key is the same key once parsed.
    ['providerKeys:create', `{"vendor":"OpenAI","label":"argv","sec\\u0072et":"${SECRET}"}`, 'secret'],
  ])('%s with the secret in the JSON argument: exit 2, names --secret-stdin, nothing opened or stored (%#)', async (channel, json, field) => {
    const r = await gh('call', channel, json);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`The "${field}" of ${channel} is never taken from the command line`);
    expect(r.err).toContain('--secret-stdin');
    expect(r.err + r.out).not.toContain(SECRET.slice(0, -4));
    expect(fs.readdirSync(cli.dataDir())).toEqual([]);
  });

  it('invalid JSON for a channel with a secret says where, never what; --secret VALUE is refused unparsed', async () => {
    const broken = await gh('call', 'providerKeys:create', `{"vendor":"OpenAI","secret":"${SECRET}" oops}`);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^E_VALIDATION: The input is not valid JSON at position \d+ \(the text is not shown: it may hold a secret\)$/);
    const piped = await ghWithStdin(`{"secret":"${SECRET}"`, 'call', 'providerKeys:create', '-');
    expect(piped.code).toBe(2);
    expect(piped.err).not.toContain(SECRET.slice(0, -4));
    for (const argv of [['--secret', SECRET], [`--secret=${SECRET}`]]) {
      const r = await gh('provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'x', ...argv);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^E_VALIDATION: A secret is never taken from the command line .*--secret-stdin/);
      expect(r.err).not.toContain(SECRET.slice(0, -4));
    }
    expect(await ghWithStdin(SECRET, 'call', 'workspaces:create', '{"name":"x"}', '--secret-stdin')).toMatchObject({ code: 2, err: expect.stringContaining('takes no secret') as string });
    expect(await ghWithStdin('{}', 'call', 'providerKeys:create', '-', '--secret-stdin')).toMatchObject({ code: 2, err: expect.stringContaining('not both') as string });
    expect(fs.readdirSync(cli.dataDir())).toEqual([]);
  });
});

describe('the process list (ps) never shows a secret', () => {
  /**
   * Runs the real CLI as a child; while it waits for stdin, reads its argv the way `ps` does
   * (/proc/<pid>/cmdline, and `ps -o args=` where ps exists), then sends `stdin` and waits for the exit.
   */
  async function argvWhileRunning(args: string[], stdin: string): Promise<{ argv: string[]; ps: string | null; code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, '--data-dir', cli.dataDir(), ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const argv = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    let ps: string | null;
    try {
      ps = execFileSync('ps', ['-o', 'args=', '-p', String(child.pid)], { encoding: 'utf8' });
    } catch {
      ps = null; // no procps here: /proc is what ps reads anyway
    }
    child.stdin.end(stdin);
    return { argv, ps, code: await exited, stderr };
  }

  it('provider-keys add --secret-stdin and call providerKeys:create -: argv holds no secret, the key is stored', async () => {
    const viaFlag = await argvWhileRunning(['provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'ps-flag', '--secret-stdin'], `${SECRET}\n`);
    expect(viaFlag.argv).toContain('provider-keys');
    expect(viaFlag.argv.join(' ')).not.toContain(SECRET.slice(0, -4));
    if (viaFlag.ps !== null) expect(viaFlag.ps).toMatch(/provider-keys add .*--secret-stdin/);
    if (viaFlag.ps !== null) expect(viaFlag.ps).not.toContain(SECRET.slice(0, -4));
    expect(viaFlag.code, viaFlag.stderr).toBe(0);

    const viaJson = await argvWhileRunning(['call', 'providerKeys:create', '-'], JSON.stringify({ vendor: 'OpenAI', label: 'ps-json', secret: SECRET_2 }));
    expect(viaJson.argv).toContain('providerKeys:create');
    expect(viaJson.argv.join(' ')).not.toContain(SECRET_2.slice(0, -4));
    if (viaJson.ps !== null) expect(viaJson.ps).not.toContain(SECRET_2.slice(0, -4));
    expect(viaJson.code, viaJson.stderr).toBe(0);

    expect((await listKeys()).map((k) => [k.label, k.last4])).toEqual([
      ['ps-flag', 'Vb81'],
      ['ps-json', 'Wc92'],
    ]);
  });
});

describe('a lost key file', () => {
  it('add is refused with E_STORAGE naming the file and the backup; forget-unreadable --yes deletes the unreadable keys; then add works', async () => {
    expect(await ghWithStdin(SECRET, 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'old', '--secret-stdin')).toMatchObject({ code: 0 });
    const keyFile = path.join(cli.dataDir(), KEY_FILE_NAME);
    fs.rmSync(keyFile);
    const refused = await ghWithStdin(SECRET_2, 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'new', '--secret-stdin');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(new RegExp(`^E_STORAGE: The key file ${keyFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} is missing, but 1 provider secret stored here was encrypted with it`));
    expect(refused.err).toContain('Restore provider-keys.key from a backup of the data folder');
    expect(refused.err).toContain('gatehouse provider-keys forget-unreadable --yes');
    expect(fs.existsSync(keyFile)).toBe(false);
    expect((await listKeys()).map((k) => [k.label, k.secretStatus])).toEqual([['old', 'unreadable']]);

    const forgot = await gh('provider-keys', 'forget-unreadable', '--yes');
    expect(forgot).toMatchObject({ code: 0, out: 'Forgot the OpenAI key “old” (••••Vb81)' });
    expect(await ghWithStdin(SECRET_2, 'provider-keys', 'add', '--vendor', 'OpenAI', '--label', 'new', '--secret-stdin')).toMatchObject({ code: 0 });
    expect((await listKeys()).map((k) => [k.label, k.secretStatus])).toEqual([['new', 'ok']]);
    expect(await gh('provider-keys', 'forget-unreadable', '--yes')).toMatchObject({ code: 0, out: 'No provider key is unreadable here; nothing was deleted.' });
  });
});
