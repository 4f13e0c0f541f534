import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { BudgetStatus, WorkspaceBudgetStatus } from '../../../../shared/contract/budget-schemas';
import { errorMessage, invoke } from '../../ipc/client';
import { useDataVersion } from '../../stores/data-versions';

interface BudgetStatusValue {
  status: BudgetStatus | null;
  error: string | null;
  byWorkspace: ReadonlyMap<string, WorkspaceBudgetStatus>;
  refresh: () => void;
}

const BudgetStatusContext = createContext<BudgetStatusValue | null>(null);

/**
 * Month-to-date budget status for the whole org, fetched once and shared by the table cells and
 * the edit panel below it. `refreshKey` changes (e.g. the workspace list) trigger a re-fetch.
 */
export function BudgetStatusProvider({ refreshKey, children }: { refreshKey?: unknown; children: ReactNode }) {
  const [status, setStatus] = useState<BudgetStatus | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((t) => t + 1), []);
  // Spend (usage), budgets and thresholds changed anywhere: fetch again.
  const changes = useDataVersion('usage', 'workspace_budget', 'workspace');
  useEffect(() => {
    let live = true;
    invoke('budgets:status', {})
      .then((next) => {
        if (!live) return;
        setStatus(next);
        setError(null);
      })
      .catch((e: unknown) => live && setError(errorMessage(e)));
    return () => {
      live = false;
    };
  }, [refreshKey, tick, changes]);
  const value = useMemo(
    () => ({ status, error, refresh, byWorkspace: new Map((status?.workspaces ?? []).map((w) => [w.workspaceId, w])) }),
    [status, error, refresh],
  );
  return <BudgetStatusContext.Provider value={value}>{children}</BudgetStatusContext.Provider>;
}

export function useBudgetStatus(): BudgetStatusValue {
  return useContext(BudgetStatusContext) ?? { status: null, error: null, byWorkspace: new Map(), refresh: () => {} };
}
