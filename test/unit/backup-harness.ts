/**
 * Helpers of the backup tests: a real core on a real data dir with a door that saves to / opens
 * a given file (what the CLI's --out and FILE do), a seeding of every kind of data through the
 * channels, and a read of every read channel for comparing two stores.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHANNEL_NAMES, type ChannelName } from '../../shared/contract/channel-names';
import type { Result } from '../../shared/contract/errors';
import { FINISHED_JOB_STATES, type JobStatus } from '../../shared/contract/job-schemas';
import { createCore, type Core } from '../../electron/core/core';

/** What the cores logged (the secret scan reads it; a failing test can print it). */
export const logged: string[] = [];

export const FIXED_NOW = new Date('2026-03-15T12:00:00.000Z');

export interface Door {
  saveTo: string | null;
  openFrom: string | null;
}

export interface DoorCore {
  core: Core;
  door: Door;
  call(channel: string, input: unknown): Promise<Result<unknown>>;
  ok<T = any>(channel: string, input: unknown): Promise<T>;
  /** Starts a job through `channel` and resolves its final status. */
  job(channel: string, input: unknown): Promise<JobStatus>;
  close(): Promise<void>;
}

export function openDoorCore(dataDir: string, door: Door = { saveTo: null, openFrom: null }, options: { now?: () => Date } = {}): DoorCore {
  const core = createCore({
    dataDir,
    appVersion: '0.0.0-test',
    isTrustedSender: () => true,
    localUserName: 'backup-admin',
    logError: (c, e) => logged.push(`${c}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`),
    externalChangePollMs: 0,
    now: options.now ?? (() => FIXED_NOW),
    capabilities: {
      chooseSavePath: () => Promise.resolve(door.saveTo),
      chooseOpenPath: () => Promise.resolve(door.openFrom),
    },
  });
  const call = (channel: string, input: unknown) => core.dispatcher.dispatchAsync(channel, input, { kind: 'cli' });
  const ok = async (channel: string, input: unknown) => {
    const result = await call(channel, input);
    if (!result.ok) throw new Error(`${channel} failed: ${JSON.stringify(result.error)}`);
    return result.data as any;
  };
  return {
    core,
    door,
    call,
    ok,
    async job(channel, input) {
      const first = (await ok(channel, input)) as JobStatus;
      if (FINISHED_JOB_STATES.includes(first.state)) return first;
      return core.jobs.settled(first.jobId);
    },
    close: () => core.close(),
  };
}

export interface Seeded {
  workspaceIds: string[];
  keyIds: string[];
  memberIds: string[];
  providerKeyIds: string[];
  /** Every secret the seeding entered or was shown once: none may appear in plaintext at rest. */
  secrets: { apiKeys: string[]; providerSecrets: string[]; remoteCredential: string | null };
  modelIds: string[];
  remoteId: string | null;
}

/** Seeds workspaces, keys, members, grants, provider keys with secrets, usage, budgets (and a remote when given). */
export async function seedStore(h: DoorCore, tag: string, remote?: { url: string; credential: string }): Promise<Seeded> {
  const ws1 = await h.ok('workspaces:create', { name: `Payments ${tag}`, environment: 'production', region: 'eu', monthlyBudgetMinor: 150_000, currency: 'USD' });
  const ws2 = await h.ok('workspaces:create', { name: `Research ${tag}`, monthlyBudgetMinor: 9_900, currency: 'EUR' });
  const k1 = await h.ok('keys:create', { workspaceId: ws1.id, name: 'backend', rpmLimit: 600 });
  const k2 = await h.ok('keys:create', { workspaceId: ws2.id, name: 'notebooks', expiresAt: '2026-12-31T00:00:00Z' });
  const m1 = await h.ok('members:create', { name: `Ana ${tag}`, email: `ana.${tag.toLowerCase()}@example.com` });
  const m2 = await h.ok('members:create', { name: `Bo ${tag}`, email: `bo.${tag.toLowerCase()}@example.com` });
  await h.ok('workspaceMembers:add', { workspaceId: ws1.id, memberId: m1.id, role: 'editor' });
  await h.ok('workspaceMembers:add', { workspaceId: ws2.id, memberId: m2.id, role: 'viewer' });
  const models = (await h.ok('models:list', { search: 'gpt-4o', page: { index: 0, size: 3 } })).items as Array<{ id: string }>;
  await h.ok('modelGrants:save', { workspaceId: ws1.id, grants: models.slice(0, 2).map((m) => ({ modelId: m.id, rpmLimit: 100, tpmLimit: null })) });
  const providerSecrets = [`sk-proj-Backup${tag}Secret0001xyz`, `sk-ant-Backup${tag}Secret0002xyz`];
  const p1 = await h.ok('providerKeys:create', { vendor: 'OpenAI', label: `Prod ${tag}`, secret: providerSecrets[0] });
  const p2 = await h.ok('providerKeys:create', { vendor: 'Anthropic', label: `Claude ${tag}`, secret: providerSecrets[1] });
  await h.ok('providerAccess:save', { workspaceId: ws2.id, disabledKeyIds: [p2.id], pins: [] });
  await h.ok('budgets:update', { workspaceId: ws1.id, thresholds: [50, 80, 100], mode: 'hard' });
  const generated = await h.job('usage:generateSample', { days: 20, rows: 400, seed: 11 });
  if (generated.state !== 'done') throw new Error(`usage:generateSample ${generated.state}: ${JSON.stringify(generated.error)}`);
  let remoteId: string | null = null;
  if (remote) {
    const created = await h.ok('remotes:create', { name: `gw-${tag.toLowerCase()}`, baseUrl: remote.url, credential: remote.credential });
    remoteId = created.id;
    const plan = await h.job('sync:plan', { remoteId });
    if (plan.state !== 'done' || plan.result?.kind !== 'sync-plan') throw new Error(`sync:plan ${plan.state}: ${JSON.stringify(plan.error)}`);
    const applied = await h.job('sync:apply', { runId: plan.result.runId, planHash: plan.result.planHash });
    if (applied.state !== 'done') throw new Error(`sync:apply ${applied.state}: ${JSON.stringify(applied.error)}`);
  }
  return {
    workspaceIds: [ws1.id, ws2.id],
    keyIds: [k1.id, k2.id],
    memberIds: [m1.id, m2.id],
    providerKeyIds: [p1.id, p2.id],
    secrets: { apiKeys: [k1.secret, k2.secret], providerSecrets, remoteCredential: remote?.credential ?? null },
    modelIds: models.map((m) => m.id),
    remoteId,
  };
}

/** Channels that change the store or run work: not compared (the round trip compares what they left). */
export const WRITE_OR_JOB_CHANNELS = new Set<string>([
  'workspaces:create', 'workspaces:update', 'workspaces:delete', 'workspaces:setActive',
  'keys:create', 'keys:rotate', 'keys:revoke', 'keys:delete',
  'members:create', 'members:update', 'members:delete',
  'workspaceMembers:add', 'workspaceMembers:setRole', 'workspaceMembers:remove',
  'models:setQuota', 'modelGrants:save', 'modelGrants:bulkApply',
  'providerKeys:create', 'providerKeys:update', 'providerKeys:delete', 'providerKeys:forgetUnreadable', 'providerAccess:save',
  'usage:import', 'usage:generateSample', 'budgets:update', 'exports:start',
  'remotes:create', 'remotes:update', 'remotes:delete', 'remotes:test',
  'sync:plan', 'sync:apply', 'sync:resolve', 'sync:pullUsage',
  'backup:create', 'backup:restore', 'backup:inspect',
  // The process's own job list (not in the store).
  'jobs:list', 'jobs:status', 'jobs:cancel',
]);

/** Inputs for every read channel, built from what the seeding made. */
export function readInputs(s: Seeded, auditIds: number[]): Array<[string, unknown]> {
  const [ws1, ws2] = s.workspaceIds as [string, string];
  const reads: Array<[string, unknown]> = [
    ['app:info', {}],
    ['overview:summary', {}],
    ['workspaces:list', { search: '', page: { index: 0, size: 500 } }],
    ['workspaces:get', { id: ws1 }],
    ['workspaces:get', { id: ws2 }],
    ['workspaces:getActive', {}],
    ['keys:list', { workspaceId: ws1 }],
    ['keys:list', { workspaceId: ws2 }],
    ...s.secrets.apiKeys.map((secret): [string, unknown] => ['keys:verify', { secret }]),
    ['members:list', {}],
    ['members:getLocalUser', {}],
    ['workspaceMembers:list', { workspaceId: ws1 }],
    ['workspaceMembers:list', { workspaceId: ws2 }],
    ['audit:list', { limit: 500 }],
    ...auditIds.map((id): [string, unknown] => ['audit:get', { id }]),
    ['models:list', { page: { index: 0, size: 50 } }],
    ['models:facets', {}],
    ['models:matchIds', {}],
    ['models:getMany', { ids: s.modelIds }],
    ['models:checkLimits', {}],
    ['models:listQuotas', {}],
    ['modelGrants:list', { workspaceId: ws1 }],
    ['modelGrants:bulkPreview', { workspaceIds: [ws2], grants: s.modelIds.slice(0, 1).map((modelId) => ({ modelId, rpmLimit: 10, tpmLimit: null })) }],
    ['providerKeys:list', {}],
    ['providerAccess:get', { workspaceId: ws1 }],
    ['providerAccess:get', { workspaceId: ws2 }],
    ['usage:report', { from: '2026-02-20', to: '2026-03-15', groupBy: 'workspace' }],
    ['usage:report', { from: '2026-02-20', to: '2026-03-15', groupBy: 'model', bucket: 'week' }],
    ['usage:facets', {}],
    ['usage:summary', {}],
    ['budgets:get', { workspaceId: ws1 }],
    ['budgets:status', {}],
    ['remotes:list', {}],
    ['sync:status', {}],
  ];
  if (s.remoteId) reads.push(['sync:runs', { remoteId: s.remoteId }]);
  return reads;
}

/** Every channel in the contract that is neither a write nor a job nor in `reads`, called with `{}` (routes:*, future reads). */
export function unlistedChannels(reads: Array<[string, unknown]>): ChannelName[] {
  const listed = new Set(reads.map(([c]) => c));
  return CHANNEL_NAMES.filter((c) => !listed.has(c) && !WRITE_OR_JOB_CHANNELS.has(c) && c !== 'sync:getPlan');
}

/** The answers of every read channel (the restored store must give exactly these). */
export async function readEverything(h: DoorCore, reads: Array<[string, unknown]>): Promise<Record<string, Result<unknown>>> {
  const out: Record<string, Result<unknown>> = {};
  for (const [i, [channel, input]] of reads.entries()) out[`${i} ${channel} ${JSON.stringify(input)}`] = await h.call(channel, input);
  for (const channel of unlistedChannels(reads)) out[`${channel} {}`] = await h.call(channel, {});
  return out;
}

/**
 * What legitimately differs after a restore: the data dir's path (app:info), and the one audit
 * entry the restore itself wrote (`store.restore`), which audit:list / overview show.
 */
export function withoutRestoreTraces(reads: Record<string, Result<unknown>>, dataDir: string): Record<string, Result<unknown>> {
  const text = JSON.stringify(reads).split(JSON.stringify(dataDir).slice(1, -1)).join('<dataDir>');
  const copy = JSON.parse(text) as Record<string, Result<unknown>>;
  for (const [key, result] of Object.entries(copy)) {
    if (!result.ok) continue;
    const data = result.data as any;
    if (key.includes(' audit:list ')) {
      data.items = data.items.filter((i: { action: string }) => i.action !== 'store.restore');
      data.facets.actions = data.facets.actions.filter((a: string) => a !== 'store.restore');
      data.facets.entityTypes = data.facets.entityTypes.filter((a: string) => a !== 'store');
    }
    if (key.includes(' overview:summary ') && Array.isArray(data.recentActivity)) {
      data.recentActivity = data.recentActivity.filter((i: { action: string }) => i.action !== 'store.restore');
    }
  }
  return copy;
}

/** Every file under `dir` with its bytes (for "unchanged byte for byte"), skipping SQLite's -shm index. */
export function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const full = path.join(d, name);
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full);
      else if (!name.endsWith('-shm')) out[path.relative(dir, full)] = fs.readFileSync(full).toString('base64');
    }
  };
  walk(dir);
  return out;
}

/** Counts of `needle` in `haystack` as UTF-8, hex (both cases), base64 and base64url. */
export function secretOccurrences(haystack: Buffer, needle: string): number {
  const bytes = Buffer.from(needle, 'utf8');
  const forms = [
    ...new Set([
      bytes.toString('latin1'),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ]),
  ].map((form) => Buffer.from(form, 'latin1'));
  let n = 0;
  for (const form of forms) {
    for (let at = haystack.indexOf(form); at !== -1; at = haystack.indexOf(form, at + 1)) n += 1;
  }
  return n;
}

/** Every file under `dir`, concatenated (for a secret scan). */
export function allBytes(dir: string): Buffer {
  const parts: Buffer[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d)) {
      const full = path.join(d, name);
      if (fs.statSync(full).isDirectory()) walk(full);
      else parts.push(fs.readFileSync(full));
    }
  };
  walk(dir);
  return Buffer.concat(parts);
}
