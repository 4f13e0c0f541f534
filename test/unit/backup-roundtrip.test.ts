import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../../electron/core/testing/temp-core';
import { ADMIN_A, startSyncEnv, type SyncEnv } from './sync-harness';
import { openDoorCore, readEverything, readInputs, seedStore, withoutRestoreTraces, type DoorCore, type Seeded } from './backup-harness';

// Round trip through the channels: seed every kind of data (with a real reference gateway for the
// remote and the sync state), back up, restore into an empty data dir and into one in use with
// other data, then every read channel must answer exactly as the original did.
let env: SyncEnv;
let root: string;
let original: DoorCore;
let seeded: Seeded;
let before: Record<string, unknown>;
let reads: Array<[string, unknown]>;

beforeAll(async () => {
  env = await startSyncEnv();
  root = makeTempDir('gatehouse-backup-rt-');
  original = openDoorCore(path.join(root, 'original'));
  seeded = await seedStore(original, 'Orig', { url: env.proxy.url, credential: ADMIN_A.key });
  const auditIds = ((await original.ok('audit:list', { limit: 500 })).items as Array<{ id: number }>).map((i) => i.id);
  reads = readInputs(seeded, auditIds);
  before = withoutRestoreTraces(await readEverything(original, reads), original.core.dataDir);
}, 60_000);

afterAll(async () => {
  await original?.close();
  await env?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function backUp(passphrase: string | undefined, name: string): Promise<string> {
  // What the original answers right before this backup (earlier backups added their audit entries).
  before = withoutRestoreTraces(await readEverything(original, reads), original.core.dataDir);
  original.door.saveTo = path.join(root, name);
  const job = await original.job('backup:create', passphrase === undefined ? {} : { passphrase });
  expect(job.state, JSON.stringify(job.error)).toBe('done');
  expect(job.result).toMatchObject({ kind: 'backup', encrypted: passphrase !== undefined, savedTo: path.join(root, name) });
  return path.join(root, name);
}

async function restoreAndCompare(target: DoorCore, archive: string, passphrase: string | undefined) {
  target.door.openFrom = archive;
  const job = await target.job('backup:restore', { file: { source: 'file' }, confirm: true, ...(passphrase ? { passphrase } : {}) });
  expect(job.state, JSON.stringify(job.error)).toBe('done');
  expect(job.result?.kind).toBe('restore');
  const after = withoutRestoreTraces(await readEverything(target, reads), target.core.dataDir);
  expect(after).toEqual(withoutRestoreTraces(JSON.parse(JSON.stringify(before).split('<dataDir>').join(target.core.dataDir)), target.core.dataDir));
  // Provider secrets decrypt to exactly what was entered; the remote admin key works (a sync plan talks to the gateway with it).
  for (const [i, id] of seeded.providerKeyIds.entries()) expect(target.core.services.providerKeys.secretForUpstream(id)).toBe(seeded.secrets.providerSecrets[i]);
  const plan = await target.job('sync:plan', { remoteId: seeded.remoteId });
  expect(plan.state, JSON.stringify(plan.error)).toBe('done');
  expect(plan.result).toMatchObject({ kind: 'sync-plan', create: 0, update: 0, delete: 0, conflict: 0 });
  // Exactly one restore entry, with no secret in it.
  const restoreEntries = ((await target.ok('audit:list', { filter: { action: 'store.restore' } })).items as unknown[]).length;
  expect(restoreEntries).toBe(1);
  return job;
}

describe('backup → restore round trip', () => {
  it('lists every read channel it compares (and calls the ones it does not know with {})', () => {
    expect(reads.length).toBeGreaterThan(30);
    expect(Object.keys(before).length).toBeGreaterThan(30);
    // The comparison is not of error answers: the listed reads all succeed on the original.
    const failed = Object.entries(before).filter(([key, r]) => !(r as { ok: boolean }).ok && !key.endsWith(' {}'));
    expect(failed).toEqual([]);
  });

  for (const passphrase of [undefined, 'correct horse battery staple']) {
    const label = passphrase ? 'with a passphrase' : 'without a passphrase';
    it(`${label}: into an empty data dir, every read channel answers as the original`, async () => {
      const archive = await backUp(passphrase, `empty-${passphrase ? 'enc' : 'plain'}.ghbackup`);
      const target = openDoorCore(makeTempDir('gatehouse-backup-empty-'));
      try {
        const job = await restoreAndCompare(target, archive, passphrase);
        expect(fs.existsSync(job.result?.kind === 'restore' ? job.result.keptAside : '')).toBe(true);
      } finally {
        await target.close();
        fs.rmSync(target.core.dataDir, { recursive: true, force: true });
      }
    }, 60_000);

    it(`${label}: into a data dir in use with other data, which is kept aside`, async () => {
      const archive = await backUp(passphrase, `used-${passphrase ? 'enc' : 'plain'}.ghbackup`);
      const target = openDoorCore(makeTempDir('gatehouse-backup-used-'));
      try {
        const other = await target.ok('workspaces:create', { name: 'Other team' });
        await target.ok('providerKeys:create', { vendor: 'Mistral', label: 'Other', secret: 'sk-mistral-OtherData0001xyz' });
        const job = await restoreAndCompare(target, archive, passphrase);
        expect((await target.call('workspaces:get', { id: other.id })).ok).toBe(false);
        // The replaced store and its key file wait in before-restore-…/, owner-only, and still hold the other data.
        const aside = job.result?.kind === 'restore' ? job.result.keptAside : '';
        expect(fs.readdirSync(aside).sort()).toEqual(['gatehouse.sqlite', 'provider-keys.key']);
        const asideCore = openDoorCore(aside);
        try {
          expect((await asideCore.ok('workspaces:get', { id: other.id })).name).toBe('Other team');
        } finally {
          await asideCore.close();
        }
      } finally {
        await target.close();
        fs.rmSync(target.core.dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
