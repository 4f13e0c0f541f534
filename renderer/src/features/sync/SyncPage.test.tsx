import { createMemoryHistory } from '@tanstack/react-router';
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../../../shared/contract/app-schemas';
import type { Result } from '../../../../shared/contract/errors';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import type { Remote, SyncPlan, SyncRun } from '../../../../shared/contract/sync-schemas';
import { setBridgeForTests } from '../../ipc/bridge';
import { resetConnectionForTests } from '../../ipc/connection-store';
import { installFakeBridge, jobStatus, ok } from '../../ipc/testing/fake-bridge';
import { planFieldFixture, planFixture, planOpFixture, remoteFixture, syncRunFixture, syncStatusFixture } from '../../ipc/testing/sync-fixtures';
import { workspaceFixture } from '../../ipc/testing/workspace-fixture';
import { useAppStore } from '../../stores/app-store';
import { useDataVersions } from '../../stores/data-versions';
import { AppShell } from '../shell/AppShell';
import { resetSyncStatusForTests } from './sync-status';
import { SyncPage } from './SyncPage';

const REMOTE = remoteFixture({ id: 'rem-gw01', name: 'gateway', lastTestedAt: '2026-11-30T08:00:00.000Z', protocolVersion: '1' });
const RUN_1 = 'run-00000000000000a1';
const RUN_2 = 'run-00000000000000a2';
const PLAN_JOB = 'job-00000000000000b1';
const REPLAN_JOB = 'job-00000000000000b2';
const APPLY_JOB = 'job-00000000000000c1';
const USAGE_JOB = 'job-00000000000000d1';
const CONFLICT_KEY = 'workspace:ws-search00001:description';

const failure = (code: 'E_VALIDATION' | 'E_REMOTE', message: string, issues?: Array<{ path: string; message: string }>): Result<never> => ({
  ok: false,
  error: issues ? { code, message, issues } : { code, message },
});

/** What the first review finds: an org-level member to create, a workspace update with a conflict, a pulled key. */
function firstPlan(): SyncPlan {
  return planFixture({
    runId: RUN_1,
    remoteId: REMOTE.id,
    planHash: '1'.repeat(64),
    ops: [
      planOpFixture({
        ord: 3,
        kind: 'conflict',
        type: 'workspace',
        localId: 'ws-search00001',
        label: 'workspace “Search”',
        workspaceId: 'ws-search00001',
        workspaceName: 'Search',
        fields: [
          planFieldFixture({ path: 'name', base: 'Search', local: 'Search & Ranking', remote: 'Search', result: 'Search & Ranking', source: 'local' }),
          planFieldFixture({ path: 'description', base: 'old', local: 'mine', remote: 'theirs', result: null, source: 'conflict' }),
        ],
      }),
      planOpFixture({
        ord: 4,
        kind: 'pull',
        localAction: 'create',
        type: 'api_key',
        localId: 'key-remote0001',
        label: 'API key “backend”',
        workspaceId: 'ws-search00001',
        workspaceName: 'Search',
        // Write-only: the core sends no values, only the source.
        fields: [planFieldFixture({ path: 'secret_sha256', source: 'remote', writeOnly: true })],
      }),
      planOpFixture({
        ord: 1,
        kind: 'create',
        type: 'member',
        localId: 'mem-ana00001',
        label: 'member ana@example.com',
        fields: [planFieldFixture({ path: 'email', base: null, local: 'ana@example.com', remote: null, result: 'ana@example.com', source: 'local' })],
      }),
    ],
    conflicts: [
      {
        key: CONFLICT_KEY,
        ord: 3,
        type: 'workspace',
        localId: 'ws-search00001',
        label: 'workspace “Search”',
        path: 'description',
        reason: 'field',
        base: 'old',
        local: 'mine',
        remote: 'theirs',
        message: 'Changed here and on the remote since the last sync',
      },
    ],
  });
}

/** After "Keep mine": the description goes up with the rest, no conflict left. */
function resolvedPlan(): SyncPlan {
  const plan = firstPlan();
  const ops = plan.ops.map((op) =>
    op.ord === 3 ? { ...op, kind: 'update' as const, fields: op.fields.map((f) => (f.path === 'description' ? { ...f, result: 'mine', source: 'local' as const } : f)) } : op,
  );
  return planFixture({ runId: RUN_2, remoteId: REMOTE.id, planHash: '2'.repeat(64), ops });
}

const planJob = (jobId: string, patch: Partial<JobStatus> = {}) =>
  jobStatus({ jobId, kind: 'sync-plan', label: 'Review changes with gateway', unit: 'operations', state: 'running', ...patch });
const planDone = (jobId: string, plan: SyncPlan) =>
  planJob(jobId, { state: 'done', finishedAt: '2026-11-30T10:00:01.000Z', result: { kind: 'sync-plan', runId: plan.runId, planHash: plan.planHash, ...plan.summary } });

/** A core with one remote (or none) whose plans, runs and status the test scripts. */
function installCore(options: { remotes?: Remote[]; pending?: number } = {}) {
  const state = {
    remotes: options.remotes ?? [REMOTE],
    pending: options.pending ?? 0,
    plans: new Map<string, SyncPlan>(),
    runs: [] as SyncRun[],
    planJobs: [PLAN_JOB, REPLAN_JOB],
    jobs: new Map<string, JobStatus>(),
    /** Answers remotes:create instead of the default success when it returns a result. */
    createResult: null as ((input: { name: string; baseUrl: string }) => Result<unknown> | null) | null,
  };
  const core = installFakeBridge({
    'app:info': () => ok(appInfo),
    'workspaces:list': () => ok({ items: [workspace], total: 1, pageIndex: 0, pageSize: 50, limit: 20 }),
    'workspaces:getActive': () => ok(workspace),
    'members:list': () => ok({ items: [] }),
    'sync:status': () => ok(syncStatusFixture(state.remotes.map((remote) => ({ remote })), state.pending)),
    'sync:runs': () => ok({ runs: state.runs }),
    'sync:plan': () => {
      const jobId = state.planJobs.shift()!;
      const job = planJob(jobId);
      state.jobs.set(jobId, job);
      return ok(job);
    },
    'sync:getPlan': (input: { runId: string }) => {
      const plan = state.plans.get(input.runId);
      return plan ? ok(plan) : { ok: false, error: { code: 'E_NOT_FOUND', message: `No plan ${input.runId}` } };
    },
    'sync:resolve': (input: { key: string; choice: string }) => ok({ key: input.key, choice: input.choice }),
    'sync:apply': () => {
      const job = jobStatus({ jobId: APPLY_JOB, kind: 'sync-apply', label: 'Apply changes to gateway', unit: 'operations', total: 2 });
      state.jobs.set(APPLY_JOB, job);
      return ok(job);
    },
    'jobs:status': (input: { jobId: string }) => ok(state.jobs.get(input.jobId)),
    'jobs:cancel': (input: { jobId: string }) => ok({ ...state.jobs.get(input.jobId)!, message: 'Cancelling…' }),
    'remotes:create': (input: { name: string; baseUrl: string }) => {
      const result = state.createResult?.(input) ?? ok(remoteFixture({ id: 'rem-new01', name: input.name, baseUrl: input.baseUrl }));
      if (result.ok) state.remotes = [...state.remotes, result.data as Remote];
      return result;
    },
    'remotes:update': (input: { id: string; name?: string; baseUrl?: string }) => {
      const updated = { ...state.remotes.find((r) => r.id === input.id)!, ...(input.name ? { name: input.name } : {}), version: 2 };
      state.remotes = state.remotes.map((r) => (r.id === input.id ? updated : r));
      return ok(updated);
    },
    'remotes:delete': (input: { id: string }) => {
      state.remotes = state.remotes.filter((r) => r.id !== input.id);
      return ok({ id: input.id });
    },
    'sync:pullUsage': () => {
      const job = jobStatus({ jobId: USAGE_JOB, kind: 'sync-usage', label: 'Pull usage from gateway', unit: 'records' });
      state.jobs.set(USAGE_JOB, job);
      return ok(job);
    },
    'remotes:test': () =>
      ok({ reachable: true, authenticated: true, protocolVersion: '1', server: 'gatehouse-reference/0.1', limits: { maxWorkspaces: 20, maxKeysPerWorkspace: 20, maxNameLength: 64 }, latencyMs: 4, problem: null }),
  });
  /** The job ends as the core would report it (by event), and `jobs:status` agrees. */
  const finish = (job: JobStatus) => {
    state.jobs.set(job.jobId, job);
    act(() => core.emitJob(job));
  };
  return { core, state, finish };
}

const workspace = workspaceFixture({ id: 'ws-default00001', name: 'Default Workspace', isDefault: true });
const appInfo: AppInfo = {
  name: 'Gatehouse',
  version: '0.1.0',
  dataDir: '/data',
  databasePath: '/data/gatehouse.sqlite',
  schemaVersion: 12,
  localUser: 'ana',
  limits: { maxWorkspaces: 20, maxActiveKeysPerWorkspace: 20 },
  storage: { writable: true, integrity: 'ok', problem: null },
};

/** Review changes and wait until the stored plan is shown. */
async function reviewFirstPlan(ctx: ReturnType<typeof installCore>) {
  ctx.state.plans.set(RUN_1, firstPlan());
  render(<SyncPage />);
  await userEvent.click(await screen.findByRole('button', { name: 'Review changes' }));
  await waitFor(() => expect(ctx.core.callsTo('sync:plan')).toEqual([{ remoteId: REMOTE.id }]));
  expect(await screen.findByRole('progressbar', { name: 'Review progress' })).toBeTruthy();
  await waitFor(() => expect(ctx.core.listeners).toBeGreaterThan(0));
  ctx.finish(planDone(PLAN_JOB, firstPlan()));
  await screen.findByText('1 to create, 0 to update, 0 to delete, 1 from the remote, 1 conflict');
  expect(ctx.core.callsTo('sync:getPlan')).toEqual([{ runId: RUN_1 }]);
}

beforeEach(() => {
  resetConnectionForTests();
  resetSyncStatusForTests();
  useAppStore.setState({ list: null, allWorkspaces: [], active: null });
  useDataVersions.setState({ versions: {}, any: 0, resync: 0 });
});
afterEach(() => {
  cleanup();
  setBridgeForTests(undefined);
});

describe('SyncPage', () => {
  it('with no remote, says what to do (add a gateway, or run the reference gateway locally)', async () => {
    installCore({ remotes: [] });
    render(<SyncPage />);
    expect(await screen.findByText(/Add your gateway’s URL and admin key/)).toBeTruthy();
    expect(screen.getByText('npm run gateway')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Review changes' })).toBeNull();
  });

  it('lists remotes with their status', async () => {
    installCore({ pending: 3 });
    render(<SyncPage />);
    const table = await screen.findByRole('table', { name: 'Remote gateways and their sync status' });
    const row = await within(table).findByRole('row', { name: /gateway/ });
    expect(within(row).getByText('http://127.0.0.1:8787')).toBeTruthy();
    expect(within(row).getByText('gatehouse-v1')).toBeTruthy();
    const column = within(table).getAllByRole('columnheader').findIndex((h) => h.textContent === 'Local changes not yet synced');
    expect(within(row).getAllByRole('cell')[column - 1]?.textContent).toBe('3'); // the name is the row header
    expect(within(row).getByText(/^Last tested .* · protocol 1$/)).toBeTruthy();
    expect(within(row).getAllByText('Never')).toHaveLength(2); // last sync, last usage pull
  });

  it('Add remote: the core’s URL error is shown next to the URL field; the CA file is sent as text; focus returns to the opener', async () => {
    const { core, state } = installCore({ remotes: [] });
    state.createResult = (input) =>
      input.baseUrl.startsWith('ftp:') ? failure('E_VALIDATION', 'Invalid input', [{ path: 'baseUrl', message: 'Not an http(s) URL (e.g. https://gateway.example.com)' }]) : null;
    render(<SyncPage />);
    const opener = await screen.findByRole('button', { name: 'Add remote' });
    await screen.findByText(/Add your gateway’s URL/);
    await userEvent.click(opener);
    const dialog = screen.getByRole('dialog', { name: 'Add remote' });
    expect(within(dialog).getByLabelText('Kind')).toHaveProperty('value', 'gatehouse-v1');
    expect(within(dialog).getByLabelText('Admin key')).toHaveProperty('type', 'password');
    await userEvent.type(within(dialog).getByLabelText('Name'), 'gateway');
    await userEvent.type(within(dialog).getByLabelText('URL'), 'ftp://gateway.example.com');
    await userEvent.type(within(dialog).getByLabelText('Admin key'), 'gh-admin-0123456789');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add remote' }));

    const url = within(dialog).getByLabelText('URL');
    await waitFor(() => expect(url.getAttribute('aria-invalid')).toBe('true'));
    const describedBy = (url.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent);
    expect(describedBy).toContain('Not an http(s) URL (e.g. https://gateway.example.com)');
    expect(within(dialog).getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();

    state.createResult = null;
    await userEvent.clear(url);
    await userEvent.type(url, 'http://127.0.0.1:8787');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    await userEvent.upload(within(dialog).getByLabelText('Extra CA certificate (optional)'), new File([pem], 'ca.pem', { type: 'application/x-pem-file' }));
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add remote' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(core.callsTo('remotes:create').at(-1)).toEqual({
      name: 'gateway',
      kind: 'gatehouse-v1',
      baseUrl: 'http://127.0.0.1:8787',
      credential: 'gh-admin-0123456789',
      caCertificate: pem,
    });
    expect(await screen.findByRole('row', { name: /gateway/ })).toBeTruthy();
    expect(document.activeElement).toBe(opener);
  });

  it('Edit with the admin key left blank keeps it (no credential sent); Remove asks first and is destructive', async () => {
    const { core } = installCore();
    render(<SyncPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Edit gateway' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit remote “gateway”' });
    expect(within(dialog).getByLabelText('Admin key')).toHaveProperty('value', '');
    expect(within(dialog).getByLabelText('Kind')).toHaveProperty('disabled', true);
    const name = within(dialog).getByLabelText('Name');
    await userEvent.clear(name);
    await userEvent.type(name, 'prod gateway');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save remote' }));
    await waitFor(() => expect(core.callsTo('remotes:update')).toEqual([{ id: REMOTE.id, expectedVersion: 1, name: 'prod gateway', baseUrl: REMOTE.baseUrl }]));
    expect(await screen.findByRole('row', { name: /prod gateway/ })).toBeTruthy();

    await userEvent.click(screen.getByRole('button', { name: 'Remove prod gateway' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Remove remote “prod gateway”?' });
    expect(core.callsTo('remotes:delete')).toEqual([]);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Remove remote' }));
    await waitFor(() => expect(core.callsTo('remotes:delete')).toEqual([{ id: REMOTE.id }]));
    expect(await screen.findByText(/Add your gateway’s URL/)).toBeTruthy();
    // The row (and its Remove button) is gone: focus lands on the page heading, not on <body>.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { level: 1, name: 'Sync' })));
  });

  it('Pull usage runs a sync:pullUsage job with progress and reports the records inserted', async () => {
    const ctx = installCore();
    render(<SyncPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Pull usage' }));
    await waitFor(() => expect(ctx.core.callsTo('sync:pullUsage')).toEqual([{ remoteId: REMOTE.id }]));
    act(() => ctx.core.emitJob(jobStatus({ jobId: USAGE_JOB, kind: 'sync-usage', unit: 'records', done: 500, message: 'Reading usage records' })));
    expect(await screen.findByText('Reading usage records… 500 records')).toBeTruthy();
    expect(screen.getByRole('progressbar', { name: 'Usage pull progress' })).toBeTruthy();
    ctx.finish(
      jobStatus({ jobId: USAGE_JOB, kind: 'sync-usage', unit: 'records', state: 'done', done: 1200, result: { kind: 'sync-usage', records: 1200, inserted: 1150, duplicates: 50, pages: 3 } }),
    );
    expect(await screen.findByText('Pulled 1,200 usage records: 1,150 new, 50 already here.')).toBeTruthy();
  });

  it('Test connection shows reachable, authenticated, protocol version and limits', async () => {
    installCore();
    render(<SyncPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Test connection' }));
    const result = await screen.findByRole('region', { name: 'Connection test' });
    expect(result.textContent).toContain('ReachableYes (4 ms)');
    expect(result.textContent).toContain('AuthenticatedYes');
    expect(result.textContent).toContain('Protocol version1');
    expect(result.textContent).toContain('20 workspaces, 20 keys per workspace, names up to 64 characters');
  });

  it('the plan: summary, ops grouped by workspace (org-level first), field before → after, a conflict with both values, secrets hidden', async () => {
    const ctx = installCore();
    await reviewFirstPlan(ctx);

    const groups = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(groups).toEqual(['Conflicts (1)', 'Organization-wide · 1 operation', 'Workspace “Search” · 2 operations']);

    const update = screen.getByRole('table', { name: 'Conflict, held back: workspace “Search”' });
    const nameRow = within(update).getByRole('row', { name: /^name/ });
    expect(within(nameRow).getAllByRole('cell').map((c) => c.textContent)).toEqual(['Search', 'Search & Ranking', 'Search', '→ Search & Ranking']);
    const conflictRow = within(update).getByRole('row', { name: /^description/ });
    expect(conflictRow.className).toContain('conflict');

    const conflicts = screen.getByRole('region', { name: 'Conflicts (1)' });
    expect(within(conflicts).getByText('mine')).toBeTruthy();
    expect(within(conflicts).getByText('theirs')).toBeTruthy();
    expect(within(conflicts).getByRole('button', { name: 'Keep mine: workspace “Search”, description' })).toBeTruthy();
    expect(within(conflicts).getByRole('button', { name: 'Take theirs: workspace “Search”, description' })).toBeTruthy();

    const pulled = screen.getByRole('table', { name: 'From the remote: create here: API key “backend”' });
    expect(within(pulled).getAllByRole('cell').map((c) => c.textContent)).toEqual(['hidden', 'unchanged', 'changed (hidden)', '→ changed (hidden)']);

    expect(screen.getByRole('button', { name: 'Apply 2 changes (1 conflict held back)' })).toBeTruthy();
  });

  it('“Keep mine” calls sync:resolve with the conflict key, then plans again and shows the new plan', async () => {
    const ctx = installCore();
    await reviewFirstPlan(ctx);
    ctx.state.plans.set(RUN_2, resolvedPlan());

    await userEvent.click(screen.getByRole('button', { name: 'Keep mine: workspace “Search”, description' }));
    await waitFor(() => expect(ctx.core.callsTo('sync:resolve')).toEqual([{ remoteId: REMOTE.id, key: CONFLICT_KEY, choice: 'keep-local' }]));
    await waitFor(() => expect(ctx.core.callsTo('sync:plan')).toHaveLength(2));
    ctx.finish(planDone(REPLAN_JOB, resolvedPlan()));

    const summary = await screen.findByText('1 to create, 1 to update, 0 to delete, 1 from the remote, 0 conflicts');
    expect(ctx.core.callsTo('sync:getPlan')).toEqual([{ runId: RUN_1 }, { runId: RUN_2 }]);
    expect(screen.queryByRole('region', { name: /Conflicts/ })).toBeNull();
    expect(screen.getByRole('button', { name: 'Apply 3 changes' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(summary)); // not lost on the removed button
  });

  it('Apply sends sync:apply with the plan’s runId and hash, shows progress with Cancel, then the result and the history', async () => {
    const ctx = installCore();
    await reviewFirstPlan(ctx);
    await userEvent.click(screen.getByRole('button', { name: 'Apply 2 changes (1 conflict held back)' }));
    await waitFor(() => expect(ctx.core.callsTo('sync:apply')).toEqual([{ runId: RUN_1, planHash: '1'.repeat(64) }]));

    act(() => ctx.core.emitJob(jobStatus({ jobId: APPLY_JOB, kind: 'sync-apply', unit: 'operations', done: 1, total: 2, message: 'Sending' })));
    expect(await screen.findByRole('progressbar', { name: 'Apply progress' })).toBeTruthy();
    expect(screen.getByText('Sending… 1 of 2 operations')).toBeTruthy();
    await userEvent.click(screen.getByRole('button', { name: 'Cancel apply' }));
    await waitFor(() => expect(ctx.core.callsTo('jobs:cancel')).toEqual([{ jobId: APPLY_JOB }]));

    const runsBefore = ctx.core.callsTo('sync:runs').length;
    ctx.state.runs = [
      syncRunFixture({ runId: RUN_1, remoteId: REMOTE.id, state: 'applied', summary: firstPlan().summary, ops: { done: 2, failed: 0, conflict: 0, skipped: 0, pending: 0 } }),
    ];
    ctx.finish(
      jobStatus({
        jobId: APPLY_JOB,
        kind: 'sync-apply',
        unit: 'operations',
        state: 'done',
        done: 2,
        total: 2,
        result: { kind: 'sync-apply', runId: RUN_1, state: 'applied', done: 2, failed: 0, conflict: 0, skipped: 0 },
      }),
    );
    expect(await screen.findByText('Applied 2 changes.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Apply/ })).toBeNull(); // the plan is spent
    await waitFor(() => expect(ctx.core.callsTo('sync:runs').length).toBeGreaterThan(runsBefore));
    const history = screen.getByRole('table', { name: 'Sync runs with “gateway”, newest first' });
    const run = await within(history).findByRole('row', { name: /Applied/ });
    expect(within(run).getByText('2 done')).toBeTruthy();
  });

  it('a failed review shows the core’s message and keeps the page usable', async () => {
    const ctx = installCore();
    render(<SyncPage />);
    await userEvent.click(await screen.findByRole('button', { name: 'Review changes' }));
    await waitFor(() => expect(ctx.core.listeners).toBeGreaterThan(0));
    ctx.finish(planJob(PLAN_JOB, { state: 'failed', error: { code: 'E_REMOTE', message: 'The gateway at http://127.0.0.1:8787 refused the connection' } }));
    expect(await screen.findByText('The gateway at http://127.0.0.1:8787 refused the connection')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Review changes' })).toHaveProperty('disabled', false);
  });
});

describe('the Sync entry in the sidebar', () => {
  it('shows the count of local changes not yet synced and follows `changed` events and sync jobs', async () => {
    const ctx = installCore({ pending: 3 });
    render(<AppShell history={createMemoryHistory({ initialEntries: ['/workspaces'] })} />);
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    const entry = await within(nav).findByRole('link', { name: 'Sync, 3 local changes not yet synced' });
    expect(entry.querySelector('.nav-badge')?.getAttribute('data-count')).toBe('3'); // drawn by CSS

    ctx.state.pending = 4;
    act(() =>
      ctx.core.emit({ type: 'changed', origin: 'this-core', entityTypes: ['workspace'], entities: [{ entityType: 'workspace', entityId: 'ws-default00001', workspaceId: 'ws-default00001' }], truncated: false }),
    );
    expect(await within(nav).findByRole('link', { name: 'Sync, 4 local changes not yet synced' })).toBeTruthy();

    ctx.state.pending = 0;
    act(() => ctx.core.emitJob(jobStatus({ jobId: APPLY_JOB, kind: 'sync-apply', state: 'done', result: { kind: 'sync-apply', runId: RUN_1, state: 'applied', done: 4, failed: 0, conflict: 0, skipped: 0 } })));
    expect(await within(nav).findByRole('link', { name: 'Sync' })).toBeTruthy();

    await userEvent.click(within(nav).getByRole('link', { name: 'Sync' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sync' })).toBeTruthy();
  });
});
