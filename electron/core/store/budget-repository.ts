import type { BudgetMode } from '../../../shared/domain/budget-math';
import type { Db } from './database';

export interface BudgetRow {
  workspaceId: string;
  thresholds: number[];
  mode: BudgetMode;
  version: number;
  updatedAt: string;
}

export interface MonthSpendRow {
  workspaceId: string;
  currency: string;
  costMicros: number;
}

/** Budget settings per workspace and month-to-date spend read from the daily usage rollup. */
export function createBudgetRepository(db: Db) {
  const byWorkspace = db.prepare(
    'SELECT workspace_id AS workspaceId, thresholds, mode, version, updated_at AS updatedAt FROM workspace_budgets WHERE workspace_id = ?',
  );
  const all = db.prepare('SELECT workspace_id AS workspaceId, thresholds, mode, version, updated_at AS updatedAt FROM workspace_budgets');
  const upsert = db.prepare(
    `INSERT INTO workspace_budgets (workspace_id, thresholds, mode, version, updated_at) VALUES (@workspaceId, @thresholds, @mode, @version, @updatedAt)
     ON CONFLICT (workspace_id) DO UPDATE SET thresholds = excluded.thresholds, mode = excluded.mode, version = excluded.version, updated_at = excluded.updated_at`,
  );
  // usage_daily's primary key starts with `day`, so the month is a range scan of the rollup.
  const spendBetween = db.prepare(
    `SELECT workspace_id AS workspaceId, currency, SUM(cost_micros) AS costMicros
       FROM usage_daily WHERE day >= ? AND day <= ? GROUP BY workspace_id, currency`,
  );

  type Raw = Omit<BudgetRow, 'thresholds'> & { thresholds: string };
  const toRow = (raw: Raw): BudgetRow => ({ ...raw, thresholds: JSON.parse(raw.thresholds) as number[] });

  return {
    get(workspaceId: string): BudgetRow | null {
      const raw = byWorkspace.get(workspaceId) as Raw | undefined;
      return raw ? toRow(raw) : null;
    },
    all(): Map<string, BudgetRow> {
      return new Map((all.all() as Raw[]).map((raw) => [raw.workspaceId, toRow(raw)]));
    },
    save(row: BudgetRow): void {
      upsert.run({ ...row, thresholds: JSON.stringify(row.thresholds) });
    },
    spendBetween(firstDay: string, lastDay: string): MonthSpendRow[] {
      return spendBetween.all(firstDay, lastDay) as MonthSpendRow[];
    },
  };
}
export type BudgetRepository = ReturnType<typeof createBudgetRepository>;
