import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dumpTables, openTestCore, type TestCore } from '../testing/temp-core';

let core: TestCore;
let now: Date;
let wsId: string;

beforeEach(() => {
  now = new Date('2026-11-16T00:00:00.000Z'); // 15 of 30 days elapsed → elapsed fraction 0.5
  core = openTestCore({ now: () => now });
  wsId = core.ok('workspaces:create', { name: 'Search', monthlyBudgetMinor: 100_000, currency: 'USD' }).id; // USD 1,000.00
});
afterEach(() => core.dispose());

function addDaily(day: string, workspaceId: string, costMicros: number, currency = 'USD', modelId = 'gpt-x') {
  core.db
    .prepare(
      `INSERT INTO usage_daily (day, workspace_id, key_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
       VALUES (?, ?, '', ?, ?, 1, 1, 1, 1, 0, ?)`,
    )
    .run(day, workspaceId, modelId, currency, costMicros);
}

describe('budgets:get / budgets:update', () => {
  it('a workspace without settings has the defaults 50/80/100 % and alert mode', () => {
    expect(core.ok('budgets:get', { workspaceId: wsId })).toEqual({
      workspaceId: wsId,
      monthlyBudgetMinor: 100_000,
      currency: 'USD',
      thresholds: [50, 80, 100],
      mode: 'alert',
      version: 0,
      isDefault: true,
    });
  });

  it('saves sorted thresholds and the mode with an audit and change-log entry in one transaction', () => {
    const saved = core.ok('budgets:update', { workspaceId: wsId, expectedVersion: 0, thresholds: [90, 25], mode: 'hard' });
    expect(saved).toMatchObject({ thresholds: [25, 90], mode: 'hard', version: 1, isDefault: false });
    const audit = core.db.prepare("SELECT action, before_json, after_json FROM audit_log WHERE action = 'budget.update'").all();
    expect(audit).toEqual([{ action: 'budget.update', before_json: null, after_json: JSON.stringify({ workspaceId: wsId, thresholds: [25, 90], mode: 'hard', version: 1 }) }]);
    const change = core.db.prepare("SELECT op, base_version FROM change_log WHERE entity_type = 'workspace_budget'").all();
    expect(change).toEqual([{ op: 'create', base_version: null }]);
    expect(core.ok('budgets:update', { workspaceId: wsId, expectedVersion: 1, thresholds: [100], mode: 'alert' }).version).toBe(2);
  });

  it('rejects bad input and stale versions, leaving the store exactly as it was', () => {
    core.ok('budgets:update', { workspaceId: wsId, thresholds: [50], mode: 'alert' });
    const before = dumpTables(core);
    const cases = [
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [50, 50], mode: 'alert' }), 'E_VALIDATION', 'thresholds'],
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [0], mode: 'alert' }), 'E_VALIDATION', 'thresholds.0'],
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [1001], mode: 'alert' }), 'E_VALIDATION', 'thresholds.0'],
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [], mode: 'alert' }), 'E_VALIDATION', 'thresholds'],
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [1, 2, 3, 4, 5, 6, 7], mode: 'alert' }), 'E_VALIDATION', 'thresholds'],
      [core.call('budgets:update', { workspaceId: wsId, thresholds: [50], mode: 'block' as 'alert' }), 'E_VALIDATION', 'mode'],
      [core.call('budgets:update', { workspaceId: wsId, expectedVersion: 0, thresholds: [60], mode: 'alert' }), 'E_CONFLICT', undefined],
      [core.call('budgets:update', { workspaceId: 'ws-missing1', thresholds: [60], mode: 'alert' }), 'E_NOT_FOUND', 'workspaceId'],
    ] as const;
    for (const [result, code, path] of cases) {
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error.code).toBe(code);
      if (path) expect(result.error.issues?.[0]?.path).toBe(path);
    }
    expect(dumpTables(core)).toEqual(before);
  });

  it('settings go away with their workspace', () => {
    core.ok('budgets:update', { workspaceId: wsId, thresholds: [50], mode: 'hard' });
    core.ok('workspaces:delete', { id: wsId, confirmName: 'Search' });
    expect(core.db.prepare('SELECT COUNT(*) FROM workspace_budgets').pluck().get()).toBe(0);
  });
});

describe('budgets:status', () => {
  it('sums this month’s spend in the budget currency, forecasts the month end and lists crossed thresholds', () => {
    addDaily('2026-11-01', wsId, 300_000_000); // USD 300
    addDaily('2026-11-15', wsId, 150_000_000, 'USD', 'other'); // USD 150 → 45 % spent
    addDaily('2026-10-31', wsId, 999_000_000); // last month: ignored
    addDaily('2026-12-01', wsId, 999_000_000); // next month: ignored
    addDaily('2026-11-02', wsId, 7_000_000, 'EUR'); // other currency: reported apart
    const status = core.ok('budgets:status', {});
    expect(status).toMatchObject({ month: '2026-11', firstDay: '2026-11-01', lastDay: '2026-11-30', daysInMonth: 30, elapsedFraction: 0.5 });
    const ws = status.workspaces.find((w) => w.workspaceId === wsId)!;
    expect(ws).toMatchObject({
      spentMinor: 45_000,
      percentUsed: 45,
      forecastMinor: 90_000,
      crossed: [],
      forecastCrosses: [50, 80],
      otherCurrencies: [{ currency: 'EUR', costMicros: 7_000_000 }],
    });

    addDaily('2026-11-16', wsId, 350_000_000); // → USD 800 = 80 %
    const later = core.ok('budgets:status', { workspaceIds: [wsId] });
    expect(later.workspaces).toHaveLength(1);
    expect(later.workspaces[0]).toMatchObject({ spentMinor: 80_000, crossed: [50, 80], forecastCrosses: [100] });
  });

  it('rolls budgets and spend up per currency across workspaces; a zero budget has no percent or forecast', () => {
    const other = core.ok('workspaces:create', { name: 'Batch', monthlyBudgetMinor: 300_000 }).id;
    const free = core.ok('workspaces:create', { name: 'Free', monthlyBudgetMinor: 0 }).id;
    addDaily('2026-11-03', wsId, 100_000_000);
    addDaily('2026-11-03', other, 100_000_000);
    addDaily('2026-11-03', free, 50_000_000);
    const status = core.ok('budgets:status', {});
    const freeStatus = status.workspaces.find((w) => w.workspaceId === free)!;
    expect(freeStatus).toMatchObject({ spentMinor: 5_000, percentUsed: null, forecastMinor: null, crossed: [], forecastCrosses: [] });
    const usd = status.org.find((o) => o.currency === 'USD')!;
    const defaultBudget = status.workspaces.filter((w) => w.currency === 'USD').reduce((sum, w) => sum + w.monthlyBudgetMinor, 0);
    expect(usd).toMatchObject({ workspaces: status.workspaces.length, budgetMinor: defaultBudget, spentMinor: 25_000, forecastMinor: 50_000 });
    expect(usd.percentUsed).toBeCloseTo((25_000 / defaultBudget) * 100, 1);
  });
});
