/**
 * T14 / I9: after full syncs with API keys (created, rotated with a grace window), provider keys
 * (created, secret replaced), faults on the way and failures with a wrong admin key, no secret —
 * API key secret, provider secret, remote admin credential — is anywhere on the laptop: not in
 * any table (change_log, audit_log, sync_runs.plan_json, sync_ops.request_json, sync_remote_cache,
 * sync_links, …), not in the SQLite files, not in captured logs, job statuses, plans or error
 * answers. The same scan style as key-service.test.ts ("no secret at rest").
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashKeySecret } from '../../electron/core/services/key-secret';
import { dumpTables } from '../../electron/core/testing/temp-core';
import { fault } from '../reference-gateway/faulty-proxy';
import { ADMIN_B, converge, openLaptop, startSyncEnv, type Laptop, type SyncEnv } from './sync-harness';

const PROVIDER_SECRETS = ['sk-proj-SecretScan-FirstProviderSecret-7Qx1', 'sk-ant-SecretScan-ReplacedProviderSecret-9Zr2'];
const WRONG_CREDENTIAL = 'gha_wrong-Credential-Sentinel-5551';

let env: SyncEnv;
const laptops: Laptop[] = [];
afterEach(async () => {
  for (const laptop of laptops.splice(0)) laptop.dispose();
  await env?.close();
});

describe('no secret leaves its place (T14)', () => {
  it('API key secrets, provider secrets and the admin credential are nowhere on the laptop after syncs, faults and failures', async () => {
    env = await startSyncEnv();
    const a = await openLaptop(env);
    laptops.push(a);
    const answers: unknown[] = [];
    const record = <T>(value: T): T => (answers.push(value), value);
    const keySecrets: string[] = [];

    const ws = record(await a.ok('workspaces:create', { name: 'Secrets' }));
    await a.ok('modelGrants:save', { workspaceId: ws.id, grants: [{ modelId: 'gpt-4o', rpmLimit: null, tpmLimit: null }] });
    const provider = record(await a.ok('providerKeys:create', { vendor: 'OpenAI', label: 'Prod', secret: PROVIDER_SECRETS[0]! }));
    await a.ok('providerAccess:save', { workspaceId: ws.id, disabledKeyIds: [], pins: [{ vendor: provider.vendor, providerKeyId: provider.id }] });
    const created = [];
    for (let i = 0; i < 3; i++) {
      const key = await a.ok('keys:create', { workspaceId: ws.id, name: `svc${i}` });
      keySecrets.push(key.secret);
      created.push(key);
      record({ ...key, secret: null }); // the one-time secret field aside, answers hold no secret
    }
    // First sync through faults: lost answers, 5xx after commit, duplicates.
    env.proxy.addRule({ method: 'PUT', nth: 2, action: 'dropResponseAfterCommit' });
    env.proxy.addRule({ method: 'PUT', nth: 4, action: fault.status(502, 'after') });
    env.proxy.addRule({ method: 'PUT', nth: 6, action: 'duplicateDelivery' });
    record(await converge(a));
    env.proxy.clearRules();

    // A rotation with a grace window (the previous hash travels too) and a replaced provider secret.
    const rotated = await a.ok('keys:rotate', { id: created[0]!.key.id, graceSeconds: 3600 });
    keySecrets.push(rotated.secret);
    record({ ...rotated, secret: null });
    record(await a.ok('providerKeys:update', { id: provider.id, secret: PROVIDER_SECRETS[1]! }));
    await a.ok('keys:revoke', { id: created[1]!.key.id });
    record(await converge(a));
    // The gateway got both hashes and the new provider secret (so the strings scanned for are the real ones).
    expect(env.remoteRow('api_key', created[0]!.key.id)!.secret).toEqual({ secret_sha256: hashKeySecret(rotated.secret), previous_secret_sha256: hashKeySecret(created[0]!.secret) });
    expect(env.remoteRow('provider_key', provider.id)!.secret).toEqual({ secret: PROVIDER_SECRETS[1] });

    // A second laptop pulls the keys (and must not get their secrets either).
    const b = await openLaptop(env, { admin: ADMIN_B, localUserName: 'Bo Laptop' });
    laptops.push(b);
    record(await converge(b));

    // Failures: a wrong admin key (401), a gateway error, a stale plan.
    record(await a.ok('remotes:test', { id: a.remote.id }));
    await a.ok('workspaces:update', { id: ws.id, changes: { description: 'fails' } });
    env.proxy.addRule({ method: 'PUT', action: fault.status(500, 'before') });
    const failedPlan = record(await a.plan());
    record(await a.apply(failedPlan));
    env.proxy.clearRules();
    await a.ok('workspaces:update', { id: ws.id, changes: { description: 'stale' } });
    const stalePlan = record(await a.plan());
    await a.ok('workspaces:update', { id: ws.id, changes: { description: 'staler' } });
    record(await a.fails('sync:apply', { runId: stalePlan.runId, planHash: stalePlan.planHash }));
    // The admin key rejected: the remote gets a wrong credential (through the channel, as a door would).
    record(await a.ok('remotes:update', { id: a.remote.id, credential: WRONG_CREDENTIAL }));
    const rejected = record(await a.ok('remotes:test', { id: a.remote.id }));
    expect(rejected).toMatchObject({ authenticated: false, problem: expect.stringMatching(/401/) });
    // A plan with it fails as a job (the capabilities read comes first), with a typed error.
    const refused = record(await a.job('sync:plan', { remoteId: a.remote.id }));
    expect(refused).toMatchObject({ state: 'failed', error: { code: 'E_REMOTE', message: expect.stringMatching(/rejected \(401\)/) } });

    // Everything a door could see or the store holds.
    for (const l of [a, b]) {
      record(await l.ok('sync:status', {}));
      record(await l.ok('remotes:list', {}));
      const runs = record(await l.ok('sync:runs', { remoteId: l.remote.id, limit: 200 }));
      for (const run of runs.runs) record(await l.ok('sync:getPlan', { runId: run.runId }));
      record(await l.ok('audit:list', {}));
    }
    const tables = [a, b].map((l) => JSON.stringify(dumpTables(l.core)));
    const files = [a, b].flatMap((l) =>
      fs
        .readdirSync(l.core.dataDir)
        .map((f) => path.join(l.core.dataDir, f))
        .filter((f) => fs.statSync(f).isFile())
        .map((f) => fs.readFileSync(f).toString('latin1')),
    );
    const haystacks = [
      JSON.stringify(answers),
      ...tables,
      ...files,
      JSON.stringify([a.logs, b.logs]),
      JSON.stringify([a.jobEvents, b.jobEvents]),
    ];
    const needles = [
      ...keySecrets.flatMap((s) => [s, s.slice(8, 30)]),
      ...PROVIDER_SECRETS.flatMap((s) => [s, s.slice(0, -4)]),
      ...[a.credential, b.credential, WRONG_CREDENTIAL].flatMap((s) => [s, s.slice(4)]),
    ];
    const hits = needles.flatMap((needle) => haystacks.map((h, i) => (h.includes(needle) ? `${needle.slice(0, 12)}… in haystack ${i}` : null)).filter(Boolean));
    expect(hits).toEqual([]);

    // And the scan itself works: the key hashes (what may travel) are in the store and its files.
    const dbText = files.join('');
    expect(dbText.includes(hashKeySecret(rotated.secret))).toBe(true);
    expect(tables[0]!.includes(hashKeySecret(created[2]!.secret))).toBe(true);
    expect(tables.join('').includes('sync_ops')).toBe(true);
    expect(a.jobEvents.length).toBeGreaterThan(5);
  });
});
