import type { StoreHealth } from '../../../shared/contract/app-schemas';
import type { HostCapabilities } from '../host-capabilities';
import type { JobRunner } from '../jobs/job-runner';
import { createAuditRepository } from '../store/audit-repository';
import { createBudgetRepository } from '../store/budget-repository';
import { createKeyRepository } from '../store/key-repository';
import { createMemberRepository } from '../store/member-repository';
import { createModelRepository } from '../store/model-repository';
import { createProviderKeyRepository } from '../store/provider-key-repository';
import { createRemoteRepository } from '../store/remote-repository';
import { createRoutingRepository } from '../store/routing-repository';
import { createGuardrailRepository } from '../store/guardrail-repository';
import { createSyncLocalRepository } from '../store/sync-local-repository';
import { createSyncRepository } from '../store/sync-repository';
import { createSyncUsageRepository } from '../store/sync-usage-repository';
import { createUsageExportRepository } from '../store/usage-export-repository';
import { createUsageRepository } from '../store/usage-repository';
import { createWorkspaceRepository } from '../store/workspace-repository';
import { createAppService } from './app-service';
import { createAuditService } from './audit-service';
import { createBackupService, type StoreControl } from './backup-service';
import { createBudgetService } from './budget-service';
import { createExportService } from './export-service';
import { createKeyService } from './key-service';
import { createMemberService } from './member-service';
import { createModelCatalogService } from './model-catalog-service';
import { createModelGrantService } from './model-grant-service';
import { createModelLimitChecker } from './model-limit-checker';
import { createProviderKeyService, secretContext } from './provider-key-service';
import { createRoutingService } from './routing-service';
import { createGuardrailService } from './guardrail-service';
import { createPatternRunner } from './guardrail-pattern-runner';
import { createRemoteAdapterFactory, createRemoteService, remoteCredentialContext } from './remote-service';
import { createSecretProtection } from './secret-box';
import { createSyncService } from './sync-service';
import { createLocalState } from './sync/local-state';
import { createSyncEngine } from './sync/sync-engine';
import type { CoreServiceContext } from './service-context';
import { createUsageService } from './usage-service';
import { createWorkspaceService } from './workspace-service';

export interface CoreServicesOptions {
  appVersion: string;
  dataDir: string;
  databasePath: string;
  localUserName: string;
  storeHealth: () => StoreHealth;
  capabilities?: HostCapabilities | undefined;
  jobs: JobRunner;
  /** Finish or discard work a crash interrupted (default true; false for one-shot commands). */
  resumeInterruptedWork?: boolean | undefined;
  logError?: ((context: string, error: unknown) => void) | undefined;
  /** Test hook for crash tests: `<crash point>:<n>` kills this process there (see sync-engine). */
  syncCrashAt?: string | undefined;
  /** better-sqlite3's binding for this runtime (the backup service opens archive copies with it). */
  nativeBinding?: string | undefined;
  /** The core's close/reopen path around a restore; absent: restores are refused. */
  store?: StoreControl | undefined;
}

/**
 * The composition root of the core's domain: repositories → services. Only services see
 * repositories; the handler features get these services and map channels onto them.
 */
export function createCoreServices(ctx: CoreServiceContext, options: CoreServicesOptions) {
  const { db } = ctx;
  const repos = {
    workspaces: createWorkspaceRepository(db, ctx.now),
    keys: createKeyRepository(db),
    members: createMemberRepository(db),
    audit: createAuditRepository(db),
    models: createModelRepository(db),
    providerKeys: createProviderKeyRepository(db),
    usage: createUsageRepository(db),
    usageExport: createUsageExportRepository(db),
    budgets: createBudgetRepository(db),
    routing: createRoutingRepository(db),
  };
  // Audit entries name the laptop's user as a member (editable in Settings).
  ctx.setActor(() => repos.members.getLocal()?.name ?? ctx.settings.get().localUserName ?? 'Local admin');

  const members = createMemberService(ctx, repos.members, repos.workspaces);
  const workspaces = createWorkspaceService(ctx, repos.workspaces, {
    resolveOwner: members.resolveOwner,
    onCreated: members.onWorkspaceCreated,
    onOwnerChanged: members.onOwnerChanged,
  });
  // The local user first, so the default workspace is owned (and has its Admin) from creation.
  members.ensureLocalUserAndAdmins(options.localUserName);
  workspaces.ensureInitialized(options.localUserName);

  const usage = createUsageService(ctx, repos.usage, { workspaces: repos.workspaces, keys: repos.keys, models: repos.models }, options.jobs, {
    capabilities: options.capabilities,
    logError: options.logError,
  });
  // Provider secrets and remote credentials are sealed by the same protection (OS keychain or key file).
  const remoteRepo = createRemoteRepository(db);
  const protection = createSecretProtection(options.dataDir, options.capabilities, {
    // What a lost key file would orphan: a new one is not minted while any of these exist.
    keyFileSecrets: () => [
      ...repos.providerKeys.idsSealedWith('local-key-file').map((id) => ({ context: secretContext(id), kind: 'provider-key' as const })),
      ...remoteRepo.idsSealedWith('local-key-file').map((id) => ({ context: remoteCredentialContext(id), kind: 'remote-credential' as const })),
    ],
  });
  const remotes = createRemoteService(ctx, remoteRepo, protection, createRemoteAdapterFactory({ appVersion: options.appVersion }));
  const providerKeys = createProviderKeyService(ctx, repos.providerKeys, repos.workspaces, protection);
  const syncRepo = createSyncRepository(db);
  const syncEngine = createSyncEngine({
    ctx,
    repo: syncRepo,
    local: createLocalState(ctx, createSyncLocalRepository(db)),
    usage: createSyncUsageRepository(db, ctx.now),
    connect: (remoteId) => remotes.connect(remoteId),
    providerSecret: (id) => providerKeys.secretForUpstream(id),
    knownModels: () => syncRepo.modelIds(),
    crashAt: options.syncCrashAt,
  });
  const services = {
    app: createAppService(ctx, repos, workspaces, options),
    workspaces,
    members,
    keys: createKeyService(ctx, repos.keys, repos.workspaces),
    audit: createAuditService(repos.audit),
    catalog: createModelCatalogService(repos.models),
    // A grant a route targets cannot be removed (issue #14): the grant editor asks routing.
    grants: createModelGrantService(ctx, repos.models, repos.workspaces, { routesUsingModel: repos.routing.routesUsingModel }),
    routing: createRoutingService(ctx, repos.routing, repos.models, repos.workspaces),
    guardrails: createGuardrailService(ctx, createGuardrailRepository(db), repos.workspaces, createPatternRunner()),
    limitChecker: createModelLimitChecker(repos.models, repos.workspaces, repos.keys, ctx.now),
    providerKeys,
    // Remotes (issue #10, helper B): local configuration, credential sealed like provider secrets.
    remotes,
    usage,
    budgets: createBudgetService(ctx, repos.budgets, repos.workspaces, repos.usage),
    exports: createExportService(
      ctx,
      { workspaces: repos.workspaces, keys: repos.keys, budgets: repos.budgets, audit: repos.audit, usage, usageExport: repos.usageExport },
      { jobs: options.jobs, capabilities: options.capabilities, nativeBinding: options.nativeBinding },
    ),
    jobs: options.jobs,
    sync: createSyncService(ctx, { repo: syncRepo, engine: syncEngine, remotes, jobs: options.jobs }),
    backup: createBackupService(ctx, {
      dataDir: options.dataDir,
      databasePath: options.databasePath,
      appVersion: options.appVersion,
      jobs: options.jobs,
      capabilities: options.capabilities,
      nativeBinding: options.nativeBinding,
      store: options.store,
      sealedCounts: () => ({
        keyFile: repos.providerKeys.idsSealedWith('local-key-file').length + remoteRepo.idsSealedWith('local-key-file').length,
        osKeychain: repos.providerKeys.idsSealedWith('os-keychain').length + remoteRepo.idsSealedWith('os-keychain').length,
      }),
    }),
  };
  // Imports a crash interrupted resume as jobs (a plain read first: nothing to do, nothing written).
  // A one-shot door (a CLI read) opts out: it would close before the job ends and wait for it.
  if (options.resumeInterruptedWork !== false) usage.resumeInterruptedImports();
  return services;
}
export type CoreServices = ReturnType<typeof createCoreServices>;
