import type { BudgetMode } from '../../../shared/domain/budget-math';
import type { Db } from './database';

export interface BudgetRow {
  workspaceId: string;
  thresholds: number[];
  mode: BudgetMode;
  version: number;
  updatedAt: string;
}

/** Budget settings per workspace (spend is read from the usage rollup by usage-repository's spendBetween). */
export function createBudgetRepository(db: Db) {
  const byWorkspace = db.prepare(
    'SELECT workspace_id AS workspaceId, thresholds, mode, version, updated_at AS updatedAt FROM workspace_budgets WHERE workspace_id = ?',
  );
  const all = db.prepare('SELECT workspace_id AS workspaceId, thresholds, mode, version, updated_at AS updatedAt FROM workspace_budgets');
  const upsert = db.prepare(
    `INSERT INTO workspace_budgets (workspace_id, thresholds, mode, version, updated_at) VALUES (@workspaceId, @thresholds, @mode, @version, @updatedAt)
     ON CONFLICT (workspace_id) DO UPDATE SET thresholds = excluded.thresholds, mode = excluded.mode, version = excluded.version, updated_at = excluded.updated_at`,
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
  };
}
export type BudgetRepository = ReturnType<typeof createBudgetRepository>;
