import type { AppInfo, OverviewSummary, StoreHealth } from '../../../shared/contract/app-schemas';
import { schemaVersion } from '../store/database';
import type { KeyRepository } from '../store/key-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';
import type { WorkspaceService } from './workspace-service';

export interface AppServiceOptions {
  appVersion: string;
  dataDir: string;
  databasePath: string;
  storeHealth: () => StoreHealth;
}

/** Installation facts and the overview's counts. */
export function createAppService(ctx: ServiceContext, repos: { workspaces: WorkspaceRepository; keys: KeyRepository }, workspaces: WorkspaceService, options: AppServiceOptions) {
  return {
    info(): AppInfo {
      const s = ctx.settings.get();
      return {
        name: 'Gatehouse',
        version: options.appVersion,
        dataDir: options.dataDir,
        databasePath: options.databasePath,
        schemaVersion: schemaVersion(ctx.db),
        localUser: ctx.actor(),
        limits: { maxWorkspaces: s.maxWorkspaces, maxActiveKeysPerWorkspace: s.maxActiveKeysPerWorkspace },
        storage: options.storeHealth(),
      };
    },
    overview(): OverviewSummary {
      const active = workspaces.getActive();
      return {
        activeWorkspace: { id: active.id, name: active.name, environment: active.environment },
        totalWorkspaces: repos.workspaces.count(),
        workspaceLimit: ctx.settings.get().maxWorkspaces,
        monthlyBudgetTotals: repos.workspaces.budgetTotals(),
        activeKeys: repos.keys.countAllActive(ctx.now().toISOString()),
        productionWorkspaces: repos.workspaces.countByEnvironment('production'),
      };
    },
  };
}
