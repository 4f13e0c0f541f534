import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/hosts/cli/cli';
import { useCliDataDir } from './cli-harness';

const CREDENTIAL = 'gh-admin-CliCredential-Nn42xQ';

const cli = useCliDataDir('gatehouse-cli-remotes-');
const gh = cli.gh;

/** `gh` with standard input (the harness's `gh` has none). */
async function ghWithStdin(stdin: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--data-dir', cli.dataDir(), ...argv], { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, stdin: Readable.from([Buffer.from(stdin)]) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Every byte the CLI left in the data dir (database, WAL, key file), as text. */
const dataDirText = () =>
  fs
    .readdirSync(cli.dataDir())
    .map((f) => fs.readFileSync(path.join(cli.dataDir(), f)).toString('latin1'))
    .join('\n');

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function startGateway(): Promise<string> {
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/v1/health') return json(200, { protocol: 'gatehouse-v1', api_version: '1', server: 'cli-test-gateway' });
    if (req.url === '/v1/capabilities' && req.headers.authorization === `Bearer ${CREDENTIAL}`) {
      return json(200, {
        protocol: 'gatehouse-v1',
        api_version: '1',
        server: 'cli-test-gateway',
        principal: 'cli',
        limits: { max_workspaces: 8, max_keys_per_workspace: 4, max_name_length: 20 },
        max_page_size: 100,
        idempotency_ttl_s: 3600,
        change_retention_s: 3600,
      });
    }
    json(401, { type: 'urn:gatehouse:problem:unauthorized', title: 'Unauthorized', status: 401 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('gatehouse remotes add', () => {
  it('reads the admin key from stdin; it never appears in output or in plaintext in the data dir', async () => {
    const added = await ghWithStdin(`${CREDENTIAL}\n`, 'remotes', 'add', 'Prod', '--url', 'https://gateway.example.com', '--credential-stdin');
    expect(added).toMatchObject({ code: 0, err: '' });
    expect(added.out).toMatch(/^Added remote Prod \(rem-[a-f0-9]{16}\) at https:\/\/gateway\.example\.com\. Check it with: gatehouse remotes test "Prod"$/);
    const listed = await gh('remotes', 'list', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ name: 'Prod', kind: 'gatehouse-v1', baseUrl: 'https://gateway.example.com', hasCustomCa: false })]);
    for (const text of [added.out, added.err, listed.out, dataDirText()]) expect(text).not.toContain(CREDENTIAL);
  });

  it('reads it from --credential-file, and an extra CA from --ca-file', async () => {
    const keyFile = path.join(cli.dataDir(), '..', `${path.basename(cli.dataDir())}-admin-key.txt`);
    fs.writeFileSync(keyFile, `${CREDENTIAL}\r\n`);
    try {
      const r = await gh('remotes', 'add', 'Staging', '--url', 'http://127.0.0.1:9', '--kind', 'gatehouse-v1', '--credential-file', keyFile, '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ name: 'Staging', baseUrl: 'http://127.0.0.1:9' });
      expect(r.out).not.toContain(CREDENTIAL);
      const badCa = await gh('remotes', 'add', 'Other', '--url', 'https://b.example.com', '--credential-file', keyFile, '--ca-file', keyFile);
      expect(badCa).toMatchObject({ code: 1, err: 'E_VALIDATION: Not a PEM certificate (-----BEGIN CERTIFICATE-----)' });
      expect(badCa.err).not.toContain(CREDENTIAL);
      const missing = await gh('remotes', 'add', 'Other', '--url', 'https://b.example.com', '--credential-file', `${keyFile}.missing`);
      expect(missing).toMatchObject({ code: 1, err: expect.stringContaining('no such file') as string });
    } finally {
      fs.rmSync(keyFile, { force: true });
    }
  });

  it.each([
    ['--credential VALUE', ['--credential', CREDENTIAL]],
    ['--credential=VALUE', [`--credential=${CREDENTIAL}`]],
  ])('refuses %s with a clear message, never echoing it, before the store is opened', async (_label, flag) => {
    const r = await gh('remotes', 'add', 'Prod', '--url', 'https://gateway.example.com', ...flag);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^E_VALIDATION: The admin key is never taken from the command line .* --credential-stdin .* --credential-file FILE\.$/);
    expect(r.err).not.toContain(CREDENTIAL);
    expect(fs.readdirSync(cli.dataDir())).toEqual([]);
  });

  it('refuses a credential in `gatehouse call remotes:create` JSON too', async () => {
    const r = await gh('call', 'remotes:create', JSON.stringify({ name: 'Prod', baseUrl: 'https://a.example.com', credential: CREDENTIAL }));
    expect(r.code).toBe(2);
    expect(r.err).toContain('never taken from the command line');
    expect(r.err).not.toContain(CREDENTIAL);
  });

  it('usage errors exit 2: no name, no --url, no or two credential sources, unknown kind', async () => {
    expect((await gh('remotes', 'add', '--url', 'https://a.example.com', '--credential-stdin')).code).toBe(2);
    expect(await gh('remotes', 'add', 'Prod', '--credential-stdin')).toMatchObject({ code: 2, err: expect.stringContaining('--url URL is required') as string });
    expect(await gh('remotes', 'add', 'Prod', '--url', 'https://a.example.com')).toMatchObject({ code: 2, err: expect.stringContaining('exactly one of --credential-stdin or --credential-file') as string });
    expect((await gh('remotes', 'add', 'Prod', '--url', 'https://a.example.com', '--credential-stdin', '--credential-file', 'x')).code).toBe(2);
    expect(await gh('remotes', 'add', 'Prod', '--url', 'https://a.example.com', '--credential-stdin', '--kind', 'litellm')).toMatchObject({ code: 2, err: expect.stringContaining('Unknown --kind "litellm"') as string });
    expect((await gh('remotes', 'frobnicate')).code).toBe(2);
  });

  it('core refusals exit 1: plain http to a non-loopback host, an empty or multi-line stdin, a taken name', async () => {
    const plain = await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Prod', '--url', 'http://gateway.example.com', '--credential-stdin');
    expect(plain).toMatchObject({ code: 1, err: 'E_VALIDATION: HTTPS is required except for loopback addresses' });
    expect(await ghWithStdin('', 'remotes', 'add', 'Prod', '--url', 'https://a.example.com', '--credential-stdin')).toMatchObject({ code: 1, err: expect.stringContaining('Standard input is empty') as string });
    const twoLines = await ghWithStdin(`${CREDENTIAL}\nsecond line\n`, 'remotes', 'add', 'Prod', '--url', 'https://a.example.com', '--credential-stdin');
    expect(twoLines).toMatchObject({ code: 1, err: expect.stringContaining('more than one line') as string });
    expect(twoLines.err).not.toContain(CREDENTIAL);
    expect((await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Prod', '--url', 'https://a.example.com', '--credential-stdin')).code).toBe(0);
    expect(await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'PROD', '--url', 'https://b.example.com', '--credential-stdin')).toMatchObject({ code: 1, err: expect.stringMatching(/^E_CONFLICT: A remote named “Prod” already exists/) as string });
  });
});

describe('gatehouse remotes list | test | remove', () => {
  it('list prints a table, or says there is none', async () => {
    expect(await gh('remotes', 'list')).toMatchObject({ code: 0, out: expect.stringContaining('No remotes yet') as string });
    await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Prod', '--url', 'https://gateway.example.com', '--credential-stdin');
    const r = await gh('remotes', 'list');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^NAME\s+ID\s+KIND\s+URL\s+LIMITS \(WS\/KEYS\/NAME\)\s+LAST TESTED\s+LAST SYNC$/);
    expect(r.out).toMatch(/Prod\s+rem-[a-f0-9]{16}\s+gatehouse-v1\s+https:\/\/gateway\.example\.com\s+—\s+never\s+never/);
  });

  it('test NAME reports reachable, authenticated, protocol version and limits (exit 0), and stores the limits', async () => {
    const url = await startGateway();
    await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Local gateway', '--url', url, '--credential-stdin');
    const r = await gh('remotes', 'test', 'local GATEWAY');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(r.out).toContain(`Remote Local gateway (${url})`);
    expect(r.out).toMatch(/reachable:\s+yes/);
    expect(r.out).toMatch(/authenticated:\s+yes/);
    expect(r.out).toMatch(/protocol version:\s+1 \(cli-test-gateway\)/);
    expect(r.out).toMatch(/limits:\s+8 workspaces, 4 keys per workspace, names up to 20 characters/);
    expect(r.out).toMatch(/latency:\s+[\d.]+ ms/);
    expect(r.out).not.toContain(CREDENTIAL);
    expect(JSON.parse((await gh('remotes', 'list', '--json')).out)).toEqual([expect.objectContaining({ limits: { maxWorkspaces: 8, maxKeysPerWorkspace: 4, maxNameLength: 20 } })]);
  });

  it('test NAME exits 1 with the problem when the key is rejected or nothing listens', async () => {
    const url = await startGateway();
    await ghWithStdin('gh-admin-WrongKey-000000', 'remotes', 'add', 'Wrong', '--url', url, '--credential-stdin');
    const rejected = await gh('remotes', 'test', 'Wrong');
    expect(rejected.code).toBe(1);
    expect(rejected.out).toMatch(/authenticated:\s+no/);
    expect(rejected.out).toMatch(/problem:\s+The admin key was rejected \(401\)/);
    expect(rejected.out).not.toContain('WrongKey');

    await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Nobody', '--url', 'http://127.0.0.1:9', '--credential-stdin');
    const refused = await gh('remotes', 'test', 'Nobody');
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/reachable:\s+no/);
    expect(refused.out).toMatch(/problem:\s+Connection refused/);

    expect(await gh('remotes', 'test', 'Missing')).toMatchObject({ code: 1, err: expect.stringMatching(/^E_NOT_FOUND: No remote named “Missing”\. Known remotes: Nobody, Wrong\.$/) as string });
  });

  it('remove NAME deletes it', async () => {
    await ghWithStdin(CREDENTIAL, 'remotes', 'add', 'Prod', '--url', 'https://gateway.example.com', '--credential-stdin');
    const r = await gh('remotes', 'remove', 'prod');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Removed remote Prod \(rem-[a-f0-9]{16}\)/);
    expect(JSON.parse((await gh('remotes', 'list', '--json')).out)).toEqual([]);
    expect((await gh('remotes', 'remove', 'prod')).code).toBe(1);
  });

  it('--help lists the remotes commands', async () => {
    const r = await gh('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('remotes add NAME --url URL [--kind gatehouse-v1] (--credential-stdin | --credential-file FILE) [--ca-file FILE]');
    expect(r.out).toContain('remotes list [--json]');
    expect(r.out).toContain('remotes test NAME');
    expect(r.out).toContain('remotes remove NAME');
  });
});
