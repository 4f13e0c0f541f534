import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangedEntity } from '../../../../shared/contract/event-schemas';
import { createSyncLocalRepository } from '../../store/sync-local-repository';
import { openTestCoreFromTemplate, type TestCore } from '../../testing/temp-core';
import { createServiceContext, type CoreServiceContext } from '../service-context';
import { createLocalState, type LocalState } from './local-state';

const AT = '2026-06-01T12:00:00.000Z';

let core: TestCore;
let ctx: CoreServiceContext;
let state: LocalState;
let committed: ChangedEntity[][];
beforeEach(() => {
  core = openTestCoreFromTemplate({ externalChangePollMs: 0 });
  committed = [];
  ctx = createServiceContext({ db: core.db, now: () => new Date(AT), onCommitted: (entities) => committed.push(entities) });
  state = createLocalState(ctx, createSyncLocalRepository(core.db));
});
afterEach(() => core.dispose());

const workspace = (name: string) => ({ name, description: '', environment: 'production', region: 'eu', status: 'active', is_default: false, owner_member_id: null });
const count = (sql: string) => core.db.prepare(sql).pluck().get() as number;

describe('local state', () => {
  it('a pull writes the rows and an audit entry by "sync: <remote>", and no change-log entry', () => {
    const changes = count('SELECT COUNT(*) FROM change_log');
    const result = ctx.write(() => state.applyPulled({ type: 'workspace', id: 'ws-pulled01', parentId: null, data: workspace('Ops') }, 'Office'));
    expect(result).toMatchObject({ entityType: 'workspace', entityId: 'ws-pulled01', workspaceId: 'ws-pulled01', before: null, changed: true });
    expect(state.read('workspace', 'ws-pulled01')?.data).toEqual(workspace('Ops'));
    const audit = core.db.prepare('SELECT at, actor, action, entity_type, entity_id, workspace_id, before_json, after_json FROM audit_log ORDER BY id DESC LIMIT 1').get();
    expect(audit).toEqual({
      at: AT,
      actor: 'sync: Office',
      action: 'workspace.pull',
      entity_type: 'workspace',
      entity_id: 'ws-pulled01',
      workspace_id: 'ws-pulled01',
      before_json: null,
      after_json: JSON.stringify({ id: 'ws-pulled01', ...workspace('Ops') }),
    });
    expect(count('SELECT COUNT(*) FROM change_log')).toBe(changes);
    expect(committed).toEqual([[{ entityType: 'workspace', entityId: 'ws-pulled01', workspaceId: 'ws-pulled01' }]]);
    // The UI sees it like any workspace.
    expect(core.ok('workspaces:get', { id: 'ws-pulled01' })).toMatchObject({ name: 'Ops', region: 'eu', version: 1 });
  });

  it('must run inside ctx.write; several pulls in one write commit or roll back together', () => {
    expect(() => state.applyPulled({ type: 'workspace', id: 'ws-pulled02', parentId: null, data: workspace('A') }, 'Office')).toThrow(/ctx\.write/);
    const audits = count('SELECT COUNT(*) FROM audit_log');
    expect(() =>
      ctx.write(() => {
        state.applyPulled({ type: 'workspace', id: 'ws-pulled02', parentId: null, data: workspace('A') }, 'Office');
        state.applyPulled({ type: 'workspace', id: 'ws-pulled03', parentId: null, data: workspace('a') }, 'Office'); // same name: E_CONFLICT
      }),
    ).toThrow(/same name/);
    expect(state.read('workspace', 'ws-pulled02')).toBeNull();
    expect(count('SELECT COUNT(*) FROM audit_log')).toBe(audits);
    expect(committed).toEqual([]);
  });

  it('a pull of what is already stored writes nothing and audits nothing', () => {
    ctx.write(() => state.applyPulled({ type: 'workspace', id: 'ws-pulled04', parentId: null, data: workspace('Same') }, 'Office'));
    const audits = count('SELECT COUNT(*) FROM audit_log');
    const result = ctx.write(() => state.applyPulled({ type: 'workspace', id: 'ws-pulled04', parentId: null, data: workspace('Same') }, 'Office'));
    expect(result.changed).toBe(false);
    expect(count('SELECT COUNT(*) FROM audit_log')).toBe(audits);
    expect(core.ok('workspaces:get', { id: 'ws-pulled04' }).version).toBe(1);
  });

  it('readAll is the repository’s canonical state', () => {
    const all = state.readAll();
    expect(all.filter((r) => r.type === 'workspace')).toHaveLength(1);
    expect(all.map((r) => r.type)).toContain('budget');
  });
});
