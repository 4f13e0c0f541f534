import { describe, expect, it } from 'vitest';
import type { RemoteResource } from '../../../../shared/gateway-protocol/v1';
import { canonicalJson } from './diff3';
import { planSync, type PlannerInput, type PlannerLocal } from './planner';

const T = '2026-01-01T00:00:00.000Z';
const ws = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: '',
  environment: 'production',
  region: 'global',
  status: 'active',
  is_default: false,
  owner_member_id: null,
  ...extra,
});
const local = (type: PlannerLocal['type'], id: string, data: Record<string, unknown>, parentId: string | null = null, pristine = false): PlannerLocal => ({ type, id, parentId, data, pristine });
const remote = (type: RemoteResource['type'], id: string, data: Record<string, unknown>, version = 1, parent: string | null = null): RemoteResource =>
  ({ type, id, parent_id: parent, version, etag: `"v${version}"`, created_at: T, updated_at: T, updated_by: 'admin', data }) as RemoteResource;

function input(partial: Partial<PlannerInput>): PlannerInput {
  return {
    runId: 'run-0000000000000000',
    remoteId: 'rem-0000',
    remoteName: 'prod',
    createdAt: T,
    changeSeqHigh: 10,
    remoteRead: 'full',
    local: [],
    links: [],
    remote: [],
    resolutions: [],
    knownModels: new Set(['gpt-4o', 'claude']),
    ...partial,
  };
}

describe('planSync (diff3 over base, local, remote)', () => {
  it('creates what only exists here and pulls what only exists there', () => {
    const out = planSync(input({ local: [local('workspace', 'ws-aaaa', ws('ws-aaaa', 'Search'))], remote: [remote('workspace', 'ws-bbbb', ws('ws-bbbb', 'Ops'))] }));
    expect(out.plan.ops.map((op) => [op.kind, op.localAction, op.localId])).toEqual([
      ['create', 'none', 'ws-aaaa'],
      ['pull', 'create', 'ws-bbbb'],
    ]);
    expect(out.details[0]!.send).toMatchObject({ name: 'Search' });
    expect(out.plan.summary).toEqual({ create: 1, update: 0, delete: 0, pull: 1, conflict: 0 });
  });

  it('merges different fields edited on both sides and flags the same field edited two ways', () => {
    const base = ws('ws-aaaa', 'Search', { description: 'old' });
    const links = [{ entityType: 'workspace', localId: 'ws-aaaa', remoteRef: 'ws-aaaa', base }];
    const merged = planSync(input({ links, local: [local('workspace', 'ws-aaaa', { ...base, name: 'Search 2' })], remote: [remote('workspace', 'ws-aaaa', { ...base, description: 'new' }, 2)] }));
    expect(merged.plan.ops).toHaveLength(1);
    expect(merged.plan.ops[0]).toMatchObject({ kind: 'update', localAction: 'update', expectEtag: '"v2"' });
    expect(merged.details[0]!.send).toMatchObject({ name: 'Search 2', description: 'new' });

    const clash = planSync(input({ links, local: [local('workspace', 'ws-aaaa', { ...base, name: 'A' })], remote: [remote('workspace', 'ws-aaaa', { ...base, name: 'B' }, 2)] }));
    expect(clash.plan.ops[0]!.kind).toBe('conflict');
    expect(clash.plan.conflicts).toEqual([expect.objectContaining({ key: 'workspace:ws-aaaa:name', base: 'Search', local: 'A', remote: 'B', reason: 'field' })]);

    const kept = planSync(
      input({
        links,
        local: [local('workspace', 'ws-aaaa', { ...base, name: 'A' })],
        remote: [remote('workspace', 'ws-aaaa', { ...base, name: 'B' }, 2)],
        resolutions: [{ entityType: 'workspace', localId: 'ws-aaaa', path: 'name', choice: 'keep-local', localJson: canonicalJson('A'), remoteJson: canonicalJson('B') }],
      }),
    );
    expect(kept.plan.ops[0]).toMatchObject({ kind: 'update' });
    const taken = planSync(
      input({
        links,
        local: [local('workspace', 'ws-aaaa', { ...base, name: 'A' })],
        remote: [remote('workspace', 'ws-aaaa', { ...base, name: 'B' }, 2)],
        resolutions: [{ entityType: 'workspace', localId: 'ws-aaaa', path: 'name', choice: 'take-remote', localJson: canonicalJson('A'), remoteJson: canonicalJson('B') }],
      }),
    );
    expect(taken.plan.ops[0]).toMatchObject({ kind: 'pull', localAction: 'update' });
    // A resolution holds only while the two values it chose between still hold.
    const moved = planSync(
      input({
        links,
        local: [local('workspace', 'ws-aaaa', { ...base, name: 'A2' })],
        remote: [remote('workspace', 'ws-aaaa', { ...base, name: 'B' }, 2)],
        resolutions: [{ entityType: 'workspace', localId: 'ws-aaaa', path: 'name', choice: 'keep-local', localJson: canonicalJson('A'), remoteJson: canonicalJson('B') }],
      }),
    );
    expect(moved.plan.ops[0]!.kind).toBe('conflict');
  });

  it('merges grant maps entry by entry', () => {
    const base = { grants: { 'gpt-4o': { rpm_limit: null, tpm_limit: null } } };
    const links = [{ entityType: 'model_grants', localId: 'ws-aaaa', remoteRef: 'ws-aaaa', base }];
    const out = planSync(
      input({
        links,
        local: [local('model_grants', 'ws-aaaa', { grants: { 'gpt-4o': { rpm_limit: null, tpm_limit: null }, claude: { rpm_limit: 5, tpm_limit: null } } }, 'ws-aaaa')],
        remote: [remote('model_grants', 'ws-aaaa', { grants: {} }, 2, 'ws-aaaa')],
      }),
    );
    expect(out.details[0]!.send).toEqual({ grants: { claude: { rpm_limit: 5, tpm_limit: null } } });
  });

  it('is empty when both sides agree, and records the link', () => {
    const data = ws('ws-aaaa', 'Search');
    const out = planSync(input({ local: [local('workspace', 'ws-aaaa', data)], remote: [remote('workspace', 'ws-aaaa', data)] }));
    expect(out.plan.ops).toEqual([]);
    expect(out.bookkeeping.setLinks).toEqual([expect.objectContaining({ localId: 'ws-aaaa', remoteRef: 'ws-aaaa' })]);
  });

  it('deletes on the side that did not change, and conflicts when the other side changed', () => {
    const base = ws('ws-aaaa', 'Search');
    const links = [{ entityType: 'workspace', localId: 'ws-aaaa', remoteRef: 'ws-aaaa', base }];
    expect(planSync(input({ links, remote: [remote('workspace', 'ws-aaaa', base, 3)] })).plan.ops[0]).toMatchObject({ kind: 'delete', expectEtag: '"v3"' });
    expect(planSync(input({ links, local: [local('workspace', 'ws-aaaa', base)] })).plan.ops[0]).toMatchObject({ kind: 'pull', localAction: 'delete' });
    const editedThere = planSync(input({ links, remote: [remote('workspace', 'ws-aaaa', { ...base, name: 'X' }, 3)] }));
    expect(editedThere.plan.conflicts[0]).toMatchObject({ reason: 'deleted-locally', path: '*' });
    const editedHere = planSync(input({ links, local: [local('workspace', 'ws-aaaa', { ...base, name: 'X' })] }));
    expect(editedHere.plan.conflicts[0]).toMatchObject({ reason: 'deleted-remotely' });
  });

  it('links the two default workspaces (a pristine one takes the remote values) and flags same-name workspaces', () => {
    const out = planSync(
      input({
        local: [local('workspace', 'ws-mine', ws('ws-mine', 'Default', { is_default: true }), null, true), local('workspace', 'ws-lp01', ws('ws-lp01', 'Prod'))],
        remote: [remote('workspace', 'ws-them', ws('ws-them', 'Default workspace', { is_default: true })), remote('workspace', 'ws-rp01', ws('ws-rp01', 'prod'))],
      }),
    );
    const byId = new Map(out.plan.ops.map((op) => [op.localId, op]));
    expect(byId.get('ws-mine')).toMatchObject({ kind: 'pull', localAction: 'update', remoteId: 'ws-them' });
    expect(byId.get('ws-lp01')).toMatchObject({ kind: 'conflict' });
    expect(out.plan.conflicts.find((c) => c.localId === 'ws-lp01')).toMatchObject({ reason: 'same-name', path: '*' });
    expect(out.plan.ops.some((op) => op.localId === 'ws-rp01')).toBe(false);
  });

  it('keeps remote grants of models this laptop does not know', () => {
    const base = { grants: {} };
    const out = planSync(
      input({
        links: [{ entityType: 'model_grants', localId: 'ws-aaaa', remoteRef: 'ws-aaaa', base }],
        local: [local('model_grants', 'ws-aaaa', { grants: { claude: { rpm_limit: null, tpm_limit: null } } }, 'ws-aaaa')],
        remote: [remote('model_grants', 'ws-aaaa', { grants: { 'future-model': { rpm_limit: 1, tpm_limit: null } } }, 2, 'ws-aaaa')],
      }),
    );
    expect(out.details[0]!.send).toEqual({ grants: { claude: { rpm_limit: null, tpm_limit: null }, 'future-model': { rpm_limit: 1, tpm_limit: null } } });
    expect(out.plan.warnings.map((w) => w.code)).toContain('unknown-model');
  });

  it('gives the same hash for the same inputs', () => {
    const a = planSync(input({ local: [local('workspace', 'ws-aaaa', ws('ws-aaaa', 'Search'))] }));
    const b = planSync(input({ local: [local('workspace', 'ws-aaaa', ws('ws-aaaa', 'Search'))] }));
    expect(a.plan.planHash).toBe(b.plan.planHash);
    expect(a.plan.planHash).toMatch(/^[a-f0-9]{64}$/);
  });
});
