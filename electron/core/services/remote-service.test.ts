import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES } from '../../../shared/contract/channel-names';
import { AppError, type Result } from '../../../shared/contract/errors';
import { remoteTestSchema, type RemoteTest } from '../../../shared/contract/sync-schemas';
import { WORKSPACE_NAME_MAX } from '../../../shared/domain/workspace-rules';
import { createDispatcher, type HandlerMap } from '../handlers/pipeline';
import { DATABASE_FILE_NAME } from '../store/database';
import { dumpTables, makeTempDir, openTestCore, type TestCore } from '../testing/temp-core';
import { remoteCredentialContext } from './remote-service';
import { createSecretProtection } from './secret-box';

const CREDENTIAL = 'gh-admin-Rem0teCredential-Zx81';

/** A real self-signed certificate (PEM), or null without openssl. */
const pem: string | null = (() => {
  const tmp = makeTempDir('gatehouse-ca-');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(tmp, 'k.pem'), '-out', path.join(tmp, 'c.pem'), '-days', '2', '-subj', '/CN=gateway.example.com'], { stdio: 'ignore' });
    return fs.readFileSync(path.join(tmp, 'c.pem'), 'utf8');
  } catch {
    return null;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
})();
const NEW_CREDENTIAL = 'gh-admin-RotatedCredential-Qw55';

let dir: string;
let core: TestCore;

beforeEach(() => {
  dir = makeTempDir('gatehouse-remotes-');
  core = openTestCore({ dataDir: dir });
});
afterEach(async () => {
  core.dispose();
  for (const s of servers.splice(0)) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// ---- a tiny gatehouse-v1 gateway: health and capabilities ------------------------------------------

interface Gateway {
  url: string;
  /** Authorization headers it received on /v1/capabilities. */
  authorizations: string[];
  close(): Promise<void>;
}
const servers: Gateway[] = [];

const LIMITS = { max_workspaces: 3, max_keys_per_workspace: 2, max_name_length: 12 };

async function startGateway(options: { acceptedKey?: string; limits?: typeof LIMITS; notGatehouse?: boolean } = {}): Promise<Gateway> {
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (options.notGatehouse) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<h1>Not Found</h1>');
      return;
    }
    if (req.url === '/v1/health') return json(200, { protocol: 'gatehouse-v1', api_version: '1', server: 'tiny-gateway/1' });
    if (req.url === '/v1/capabilities') {
      authorizations.push(req.headers.authorization ?? '');
      if (req.headers.authorization !== `Bearer ${options.acceptedKey ?? CREDENTIAL}`) {
        return json(401, { type: 'urn:gatehouse:problem:unauthorized', title: 'Unauthorized', status: 401 });
      }
      return json(200, {
        protocol: 'gatehouse-v1',
        api_version: '1',
        server: 'tiny-gateway/1',
        principal: 'laptop A',
        limits: options.limits ?? LIMITS,
        max_page_size: 500,
        idempotency_ttl_s: 86400,
        change_retention_s: 86400,
      });
    }
    json(404, { type: 'urn:gatehouse:problem:not-found', title: 'Not found', status: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gateway: Gateway = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(gateway);
  return gateway;
}

const testRemote = async (id: string): Promise<RemoteTest> => {
  const result = (await core.dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' })) as Result<RemoteTest>;
  if (!result.ok) throw new Error(`remotes:test failed: ${JSON.stringify(result.error)}`);
  expect(remoteTestSchema.safeParse(result.data).success).toBe(true);
  return result.data;
};

const storedCredential = (id: string) => core.db.prepare('SELECT credential_scheme AS scheme, credential_ciphertext AS ciphertext FROM sync_remotes WHERE id = ?').get(id) as { scheme: 'local-key-file' | 'os-keychain'; ciphertext: Buffer };
const decrypt = (id: string) => {
  const { scheme, ciphertext } = storedCredential(id);
  return createSecretProtection(dir, undefined).decrypt(scheme, ciphertext, remoteCredentialContext(id));
};
const changeLogCount = () => core.db.prepare('SELECT COUNT(*) FROM change_log').pluck().get() as number;
const remoteAudit = () =>
  core.db.prepare("SELECT action, before_json AS beforeJson, after_json AS afterJson FROM audit_log WHERE entity_type = 'remote' ORDER BY id").all() as Array<{ action: string; beforeJson: string | null; afterJson: string | null }>;

/** Every table as text (BLOBs as their bytes in hex and latin1) plus the raw database files. */
function everythingStored(): string {
  const tables = JSON.stringify(dumpTables(core), (_key, value: unknown) => {
    if (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer') {
      const bytes = Buffer.from((value as { data: number[] }).data);
      return `${bytes.toString('hex')} ${bytes.toString('latin1')}`;
    }
    return value;
  });
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.startsWith(DATABASE_FILE_NAME))
    .map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'));
  return [tables, ...files].join('\n');
}

describe('remotes: the credential', () => {
  it('is stored only as ciphertext (bound to the remote id): never in any table, the DB files, a response, audit or change log', () => {
    const changesBefore = changeLogCount();
    const remote = core.ok('remotes:create', { name: 'Prod', baseUrl: 'https://gateway.example.com/', credential: `  ${CREDENTIAL}\n` });
    expect(remote).toMatchObject({ name: 'Prod', kind: 'gatehouse-v1', baseUrl: 'https://gateway.example.com', hasCustomCa: false, limits: null, protocolVersion: null, version: 1 });
    expect(remote.id).toMatch(/^rem-[a-f0-9]{16}$/);
    expect(decrypt(remote.id)).toBe(CREDENTIAL);
    // A ciphertext copied onto another remote's row does not decrypt there.
    expect(() => createSecretProtection(dir, undefined).decrypt('local-key-file', storedCredential(remote.id).ciphertext, remoteCredentialContext('rem-0000000000000000'))).toThrow();

    const listed = core.ok('remotes:list', {});
    for (const text of [JSON.stringify(remote), JSON.stringify(listed), everythingStored()]) {
      expect(text).not.toContain(CREDENTIAL);
      expect(text).not.toContain(CREDENTIAL.slice(0, 16));
      expect(text).not.toContain(Buffer.from(CREDENTIAL).toString('base64'));
      expect(text).not.toContain(Buffer.from(CREDENTIAL).toString('hex'));
    }
    expect(changeLogCount()).toBe(changesBefore);
    const [audit] = remoteAudit();
    expect(audit!.action).toBe('remote.create');
    expect(JSON.parse(audit!.afterJson!)).toEqual({ id: remote.id, name: 'Prod', kind: 'gatehouse-v1', baseUrl: 'https://gateway.example.com', hasCustomCa: false });
  });

  it('update keeps the credential when omitted and replaces it when given; neither reaches audit or the change log', () => {
    const changesBefore = changeLogCount();
    const remote = core.ok('remotes:create', { name: 'Prod', baseUrl: 'https://gateway.example.com', credential: CREDENTIAL });
    const cipherBefore = storedCredential(remote.id).ciphertext;

    const renamed = core.ok('remotes:update', { id: remote.id, expectedVersion: 1, name: 'Production' });
    expect(renamed).toMatchObject({ name: 'Production', version: 2 });
    expect(storedCredential(remote.id).ciphertext.equals(cipherBefore)).toBe(true);
    expect(decrypt(remote.id)).toBe(CREDENTIAL);

    const rekeyed = core.ok('remotes:update', { id: remote.id, credential: NEW_CREDENTIAL });
    expect(rekeyed.version).toBe(3);
    expect(decrypt(remote.id)).toBe(NEW_CREDENTIAL);

    // Nothing changed: no write, no audit entry.
    expect(core.ok('remotes:update', { id: remote.id, name: 'Production', baseUrl: 'https://gateway.example.com/' }).version).toBe(3);

    expect(remoteAudit().map((a) => a.action)).toEqual(['remote.create', 'remote.update', 'remote.replace_credential']);
    const stored = everythingStored();
    expect(stored).not.toContain(CREDENTIAL);
    expect(stored).not.toContain(NEW_CREDENTIAL);
    expect(changeLogCount()).toBe(changesBefore);
  });

  it('error messages never echo a refused credential', () => {
    const result = core.call('remotes:create', { name: 'Prod', baseUrl: 'https://gateway.example.com', credential: 'short' });
    expect(result).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'credential' }] } });
    expect(JSON.stringify(result)).not.toContain('"short"');
    const spaced = core.call('remotes:create', { name: 'Prod', baseUrl: 'https://gateway.example.com', credential: 'has a space in it' });
    expect(JSON.stringify(spaced)).not.toContain('has a space');
  });
});

describe('remotes: rules', () => {
  it('names are unique, case-insensitively (E_CONFLICT on name)', () => {
    core.ok('remotes:create', { name: 'Prod', baseUrl: 'https://a.example.com', credential: CREDENTIAL });
    const twin = core.call('remotes:create', { name: ' PROD ', baseUrl: 'https://b.example.com', credential: CREDENTIAL });
    expect(twin).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', issues: [{ path: 'name' }] } });
    const other = core.ok('remotes:create', { name: 'Staging', baseUrl: 'https://b.example.com', credential: CREDENTIAL });
    expect(core.call('remotes:update', { id: other.id, name: 'prod' })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT', issues: [{ path: 'name' }] } });
    // A change of case of its own name is fine.
    expect(core.ok('remotes:update', { id: other.id, name: 'STAGING' }).name).toBe('STAGING');
  });

  it('HTTPS is required except for loopback (E_VALIDATION on baseUrl)', () => {
    const refused = core.call('remotes:create', { name: 'Plain', baseUrl: 'http://gateway.example.com', credential: CREDENTIAL });
    expect(refused).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', message: 'HTTPS is required except for loopback addresses', issues: [{ path: 'baseUrl' }] } });
    expect(core.ok('remotes:create', { name: 'Local', baseUrl: 'http://127.0.0.1:8787', credential: CREDENTIAL }).baseUrl).toBe('http://127.0.0.1:8787');
    const local = core.ok('remotes:list', {}).remotes[0]!;
    expect(core.call('remotes:update', { id: local.id, baseUrl: 'http://10.1.2.3' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'baseUrl' }] } });
    expect(core.ok('remotes:list', {}).remotes).toHaveLength(1);
  });

  it('an extra CA must be a readable PEM certificate; null removes it', () => {
    const bad = core.call('remotes:create', { name: 'CA', baseUrl: 'https://a.example.com', credential: CREDENTIAL, caCertificate: '-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'caCertificate' }] } });
    expect(core.ok('remotes:list', {}).remotes).toHaveLength(0);
    if (!pem) return; // no openssl to make a certificate with
    const remote = core.ok('remotes:create', { name: 'CA', baseUrl: 'https://a.example.com', credential: CREDENTIAL, caCertificate: pem });
    expect(remote.hasCustomCa).toBe(true);
    expect(core.db.prepare('SELECT ca_certificate FROM sync_remotes WHERE id = ?').pluck().get(remote.id)).toBe(pem.trim());
    expect(core.ok('remotes:update', { id: remote.id, caCertificate: null })).toMatchObject({ hasCustomCa: false, version: 2 });
    const audit = remoteAudit();
    expect(JSON.parse(audit[1]!.beforeJson!)).toMatchObject({ hasCustomCa: true });
    expect(JSON.parse(audit[1]!.afterJson!)).toMatchObject({ hasCustomCa: false });
    expect(audit[1]!.afterJson).not.toContain('BEGIN CERTIFICATE');
  });

  it('stale expectedVersion → E_CONFLICT; unknown id → E_NOT_FOUND; delete is audited and leaves local data alone', () => {
    const remote = core.ok('remotes:create', { name: 'Prod', baseUrl: 'https://a.example.com', credential: CREDENTIAL });
    core.ok('remotes:update', { id: remote.id, name: 'Prod 2' });
    expect(core.call('remotes:update', { id: remote.id, expectedVersion: 1, name: 'Prod 3' })).toMatchObject({ ok: false, error: { code: 'E_CONFLICT' } });
    const workspaces = core.ok('workspaces:list', {}).total;
    expect(core.ok('remotes:delete', { id: remote.id })).toEqual({ id: remote.id });
    expect(core.call('remotes:delete', { id: remote.id })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.call('remotes:test', { id: remote.id })).toMatchObject({ ok: false, error: { code: 'E_NOT_FOUND' } });
    expect(core.ok('workspaces:list', {}).total).toBe(workspaces);
    const audit = remoteAudit();
    expect(audit.map((a) => a.action)).toEqual(['remote.create', 'remote.update', 'remote.delete']);
    expect(JSON.parse(audit[2]!.beforeJson!)).toEqual({ id: remote.id, name: 'Prod 2', kind: 'gatehouse-v1', baseUrl: 'https://a.example.com', hasCustomCa: false });
  });
});

describe('remotes:test against a gateway on 127.0.0.1', () => {
  it('reachable, authenticated, protocol version, limits and latency; the answer is stored', async () => {
    const gateway = await startGateway();
    const remote = core.ok('remotes:create', { name: 'Local', baseUrl: gateway.url, credential: CREDENTIAL });
    const test = await testRemote(remote.id);
    expect(test).toEqual({
      reachable: true,
      authenticated: true,
      protocolVersion: '1',
      server: 'tiny-gateway/1',
      limits: { maxWorkspaces: 3, maxKeysPerWorkspace: 2, maxNameLength: 12 },
      latencyMs: expect.any(Number) as number,
      problem: null,
    });
    // The stored ciphertext was decrypted for the request, and only for it.
    expect(gateway.authorizations).toEqual([`Bearer ${CREDENTIAL}`]);
    const listed = core.ok('remotes:list', {}).remotes[0]!;
    expect(listed).toMatchObject({ limits: { maxWorkspaces: 3, maxKeysPerWorkspace: 2, maxNameLength: 12 }, protocolVersion: '1', version: 1 });
    expect(listed.lastTestedAt).not.toBeNull();
    expect(everythingStored()).not.toContain(CREDENTIAL);
  });

  it('a rejected admin key: reachable, not authenticated, "The admin key was rejected (401)"; old limits kept', async () => {
    const gateway = await startGateway({ acceptedKey: 'gh-admin-SomethingElse-0000' });
    const remote = core.ok('remotes:create', { name: 'Local', baseUrl: gateway.url, credential: CREDENTIAL });
    const test = await testRemote(remote.id);
    expect(test).toMatchObject({ reachable: true, authenticated: false, protocolVersion: '1', limits: null, problem: 'The admin key was rejected (401)' });
    expect(JSON.stringify(test)).not.toContain(CREDENTIAL);
    expect(core.ok('remotes:list', {}).remotes[0]!.lastTestedAt).not.toBeNull();
  });

  it('nothing listening: not reachable, "Connection refused"', async () => {
    const gateway = await startGateway();
    await gateway.close();
    const remote = core.ok('remotes:create', { name: 'Gone', baseUrl: gateway.url, credential: CREDENTIAL });
    expect(await testRemote(remote.id)).toMatchObject({ reachable: false, authenticated: false, protocolVersion: null, limits: null, latencyMs: null, problem: 'Connection refused' });
  });

  it('something else answering: reachable, but no gatehouse-v1 gateway', async () => {
    const gateway = await startGateway({ notGatehouse: true });
    const remote = core.ok('remotes:create', { name: 'Web', baseUrl: gateway.url, credential: CREDENTIAL });
    const test = await testRemote(remote.id);
    expect(test).toMatchObject({ reachable: true, authenticated: false });
    expect(test.problem).toMatch(/^No gatehouse-v1 gateway answers at http:\/\/127\.0\.0\.1:\d+: The gateway at .* answered 404: HTTP 404 Not Found$/);
  });

  it('the synchronous dispatch refuses the asynchronous channel (doors use dispatchAsync)', async () => {
    const gateway = await startGateway();
    const remote = core.ok('remotes:create', { name: 'Local', baseUrl: gateway.url, credential: CREDENTIAL });
    expect(core.call('remotes:test', { id: remote.id })).toMatchObject({ ok: false, error: { code: 'E_INTERNAL', message: expect.stringContaining('asynchronously') as string } });
    await testRemote(remote.id); // and the async path works on the same core
  });

  it('connect() gives the engine an adapter and stores the capabilities it reads', async () => {
    const gateway = await startGateway({ limits: { max_workspaces: 7, max_keys_per_workspace: 9, max_name_length: 40 } });
    const remote = core.ok('remotes:create', { name: 'Local', baseUrl: gateway.url, credential: CREDENTIAL });
    const connection = core.services.remotes.connect(remote.id);
    expect(connection.remote.id).toBe(remote.id);
    const first = connection.capabilities();
    expect(connection.capabilities()).toBe(first); // fetched once per connection
    expect((await first).limits.max_workspaces).toBe(7);
    expect(core.ok('remotes:list', {}).remotes[0]).toMatchObject({ limits: { maxWorkspaces: 7 }, lastTestedAt: null });
    expect(await connection.adapter.health()).toMatchObject({ protocol: 'gatehouse-v1' });
  });
});

describe("a remote's limits become the local limits", () => {
  it('workspaces, keys per workspace and name length: the stricter of the settings row and every tested remote', async () => {
    const before = core.ok('app:info', {}).limits;
    const gateway = await startGateway();
    const remote = core.ok('remotes:create', { name: 'Tight', baseUrl: gateway.url, credential: CREDENTIAL });
    // Untested: no limits yet.
    expect(core.ok('app:info', {}).limits).toEqual(before);
    await testRemote(remote.id);
    expect(core.ok('app:info', {}).limits).toEqual({ maxWorkspaces: 3, maxActiveKeysPerWorkspace: 2 });

    // Name length: 12 (the remote) instead of WORKSPACE_NAME_MAX.
    expect(WORKSPACE_NAME_MAX).toBeGreaterThan(12);
    const long = core.call('workspaces:create', { name: 'Thirteen char' });
    expect(long).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', message: 'Name must be at most 12 characters (the limit of remote “Tight”)', issues: [{ path: 'name' }] } });
    const ws = core.ok('workspaces:create', { name: 'Twelve chars' });
    expect(core.call('workspaces:update', { id: ws.id, changes: { name: 'Much too long a name' } })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'name' }] } });
    expect(core.ok('workspaces:update', { id: ws.id, changes: { description: 'unrelated edits still work' } }).name).toBe('Twelve chars');

    // Workspaces: 3 including the default.
    core.ok('workspaces:create', { name: 'Third' });
    expect(core.call('workspaces:create', { name: 'Fourth' })).toMatchObject({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('at most 3 workspaces (the limit of remote “Tight”)') as string } });
    expect(core.ok('workspaces:list', {}).limit).toBe(3);

    // Keys: 2 active per workspace, names within 12 characters.
    expect(core.call('keys:create', { workspaceId: ws.id, name: 'a key name too long' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION', issues: [{ path: 'name' }] } });
    core.ok('keys:create', { workspaceId: ws.id, name: 'one' });
    core.ok('keys:create', { workspaceId: ws.id, name: 'two' });
    expect(core.call('keys:create', { workspaceId: ws.id, name: 'three' })).toMatchObject({ ok: false, error: { code: 'E_LIMIT', message: expect.stringContaining('at most 2 active API keys (the limit of remote “Tight”)') as string } });
    expect(core.ok('keys:list', { workspaceId: ws.id }).activeLimit).toBe(2);

    // Removing the remote gives the defaults back.
    core.ok('remotes:delete', { id: remote.id });
    expect(core.ok('app:info', {}).limits).toEqual(before);
    core.ok('workspaces:create', { name: 'Fourth' });
  });

  it("a remote's account limits replace the settings row's defaults, but names never outgrow the local rule", async () => {
    const gateway = await startGateway({ limits: { max_workspaces: 10_000, max_keys_per_workspace: 10_000, max_name_length: 500 } });
    const remote = core.ok('remotes:create', { name: 'Roomy', baseUrl: gateway.url, credential: CREDENTIAL });
    await testRemote(remote.id);
    expect(core.ok('app:info', {}).limits).toEqual({ maxWorkspaces: 10_000, maxActiveKeysPerWorkspace: 10_000 });
    expect(core.call('workspaces:create', { name: 'x'.repeat(WORKSPACE_NAME_MAX + 1) })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
  });

  it('moving a remote to another URL forgets its limits until the next test', async () => {
    const gateway = await startGateway();
    const remote = core.ok('remotes:create', { name: 'Tight', baseUrl: gateway.url, credential: CREDENTIAL });
    await testRemote(remote.id);
    expect(core.ok('app:info', {}).limits.maxWorkspaces).toBe(3);
    expect(core.ok('remotes:update', { id: remote.id, baseUrl: 'https://elsewhere.example.com' })).toMatchObject({ limits: null, lastTestedAt: null });
    expect(core.ok('app:info', {}).limits.maxWorkspaces).toBeGreaterThan(3);
  });
});

describe('the pipeline with an asynchronous handler (remotes:test)', () => {
  const fake = (handler: (input: unknown) => unknown) => {
    const logged: unknown[] = [];
    const notUsed = () => {
      throw new Error('not used in this test');
    };
    const handlers = Object.fromEntries(CHANNEL_NAMES.map((c) => [c, c === 'remotes:test' ? handler : notUsed])) as unknown as HandlerMap;
    let afterCalls = 0;
    const dispatcher = createDispatcher(handlers, { isTrustedSender: (s) => s.kind === 'cli', logError: (_c, e) => logged.push(e), afterCall: () => void (afterCalls += 1) });
    return { dispatcher, logged, afterCalls: () => afterCalls };
  };
  const id = 'rem-0123456789abcdef';
  const answer: RemoteTest = { reachable: true, authenticated: true, protocolVersion: '1', server: 's', limits: null, latencyMs: 1, problem: null };

  it('the answer is checked against the output schema; a rejection maps like a throw', async () => {
    expect(await fake(() => Promise.resolve(answer)).dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' })).toEqual({ ok: true, data: answer });
    const extra = fake(() => Promise.resolve({ ...answer, credential: CREDENTIAL }));
    expect(await extra.dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' })).toMatchObject({ ok: false, error: { code: 'E_INTERNAL' } });
    const refused = fake(() => Promise.reject(new AppError('E_REMOTE', 'Connection refused')));
    expect(await refused.dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' })).toEqual({ ok: false, error: { code: 'E_REMOTE', message: 'Connection refused' } });
    const crashed = fake(() => Promise.reject(new Error(`boom ${CREDENTIAL}`)));
    const result = await crashed.dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'cli' });
    expect(result).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: 'Something went wrong; nothing was changed' } });
    expect(crashed.logged).toHaveLength(1);
    expect(crashed.afterCalls()).toBeGreaterThanOrEqual(1);
  });

  it('input checks and sender checks still come first', async () => {
    const { dispatcher } = fake(() => Promise.resolve(answer));
    expect(await dispatcher.dispatchAsync('remotes:test', { id: 'nope' }, { kind: 'cli' })).toMatchObject({ ok: false, error: { code: 'E_VALIDATION' } });
    expect(await dispatcher.dispatchAsync('remotes:test', { id }, { kind: 'web', tokenValid: false })).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
  });
});
