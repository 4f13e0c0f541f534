import os from 'node:os';
import path from 'node:path';
import type { ChannelName } from '../../shared/contract/channel-names';
import { createExportsFeature } from './handlers/export-handlers';
import type { CoreBase } from './handlers/feature';
import { createModelsFeature } from './handlers/model-handlers';
import { createDispatcher, type Dispatcher, type HandlerMap, type Sender } from './handlers/pipeline';
import { createProviderKeysFeature } from './handlers/provider-key-handlers';
import { createUsageFeature } from './handlers/usage-handlers';
import type { HostCapabilities } from './host-capabilities';
import { createAuditService } from './services/audit-service';
import { createKeyService } from './services/key-service';
import { createMemberService } from './services/member-service';
import { createWorkspaceService } from './services/workspace-service';
import { DATABASE_FILE_NAME, openDatabase, schemaVersion, type Db } from './store/database';
import { createAuditRepository } from './store/audit-repository';
import { createKeyRepository } from './store/key-repository';
import { createMemberRepository } from './store/member-repository';
import { createMutationLog } from './store/mutation-log';
import { createSettingsRepository } from './store/settings-repository';
import { createWorkspaceRepository } from './store/workspace-repository';

export interface CoreOptions {
  dataDir: string;
  appVersion: string;
  /** Each door states which callers it trusts. */
  isTrustedSender: (sender: Sender) => boolean;
  nativeBinding?: string | undefined;
  localUserName?: string;
  now?: () => Date;
  logError?: (channel: string, error: unknown) => void;
  /** What the door offers beyond plain Node (OS encryption, save dialog). */
  capabilities?: HostCapabilities;
}

export interface Core {
  db: Db;
  dataDir: string;
  dispatcher: Dispatcher;
  close(): void;
}

export function defaultLocalUserName(): string {
  try {
    return os.userInfo().username || 'Local admin';
  } catch {
    return 'Local admin';
  }
}

/** Opens the store and wires repositories → services → handlers → the dispatcher. No Electron here. */
export function createCore(options: CoreOptions): Core {
  const databasePath = path.join(options.dataDir, DATABASE_FILE_NAME);
  const db = openDatabase(databasePath, { nativeBinding: options.nativeBinding });
  const settings = createSettingsRepository(db);
  const memberRepo = createMemberRepository(db);
  const ctx = {
    db,
    now: options.now ?? (() => new Date()),
    // Audit entries name the laptop's user as a member (editable in Settings).
    actor: () => memberRepo.getLocal()?.name ?? settings.get().localUserName ?? 'Local admin',
    settings,
    mutations: createMutationLog(db),
  };
  const workspaceRepo = createWorkspaceRepository(db);
  const members = createMemberService(ctx, memberRepo, workspaceRepo);
  const workspaces = createWorkspaceService(ctx, workspaceRepo, {
    resolveOwner: members.resolveOwner,
    onCreated: members.onWorkspaceCreated,
    onOwnerChanged: members.onOwnerChanged,
  });
  const keyRepo = createKeyRepository(db);
  const keys = createKeyService(ctx, keyRepo, workspaceRepo);
  const audit = createAuditService(createAuditRepository(db), ctx.now);
  const localUserName = options.localUserName ?? defaultLocalUserName();
  workspaces.ensureInitialized(localUserName);
  members.ensureLocalUserAndAdmins(localUserName);

  const base: CoreBase = { options, dataDir: options.dataDir, ctx, workspaceRepo, keyRepo, memberRepo };
  const features = [createModelsFeature(base), createProviderKeysFeature(base), createUsageFeature(base), createExportsFeature(base)] as const;
  const [models, providerKeys, usage, exportsFeature] = features;

  const handlers: HandlerMap = {
    ...models.handlers,
    ...providerKeys.handlers,
    ...usage.handlers,
    ...exportsFeature.handlers,
    'app:info': () => {
      const s = settings.get();
      return {
        name: 'Gatehouse',
        version: options.appVersion,
        dataDir: options.dataDir,
        databasePath,
        schemaVersion: schemaVersion(db),
        localUser: ctx.actor(),
        limits: { maxWorkspaces: s.maxWorkspaces, maxActiveKeysPerWorkspace: s.maxActiveKeysPerWorkspace },
      };
    },
    'overview:summary': () => {
      const active = workspaces.getActive();
      return {
        activeWorkspace: { id: active.id, name: active.name, environment: active.environment },
        totalWorkspaces: workspaceRepo.count(),
        workspaceLimit: settings.get().maxWorkspaces,
        monthlyBudgetTotals: workspaceRepo.budgetTotals(),
        activeKeys: keyRepo.countAllActive(ctx.now().toISOString()),
        productionWorkspaces: workspaceRepo.countByEnvironment('production'),
      };
    },
    'workspaces:list': (input) => workspaces.list(input),
    'workspaces:get': (input) => workspaces.get(input.id),
    'workspaces:create': (input) => workspaces.create(input),
    'workspaces:update': (input) => workspaces.update(input),
    'workspaces:delete': (input) => workspaces.delete(input),
    'workspaces:setActive': (input) => workspaces.setActive(input.id),
    'workspaces:getActive': () => workspaces.getActive(),
    'keys:create': (input) => keys.create(input),
    'keys:list': (input) => keys.list(input),
    'keys:rotate': (input) => keys.rotate(input),
    'keys:revoke': (input) => keys.revoke(input.id),
    'keys:delete': (input) => keys.delete(input.id),
    'keys:verify': (input) => keys.verify(input.secret),
    'audit:list': (input) => audit.list(input.filter, input.beforeId, input.limit),
    'audit:get': (input) => audit.get(input.id),
    'audit:exportCsv': (input) => audit.exportCsv(input.filter),
    'members:list': (input) => members.list(input.search),
    'members:create': (input) => members.create(input),
    'members:update': (input) => members.update(input),
    'members:delete': (input) => members.delete(input.id),
    'members:getLocalUser': () => members.localUser(),
    'workspaceMembers:list': (input) => members.workspaceMembers(input.workspaceId),
    'workspaceMembers:add': (input) => members.add(input),
    'workspaceMembers:setRole': (input) => members.setRole(input),
    'workspaceMembers:remove': (input) => members.remove(input),
  };

  const dispatcher = createDispatcher(handlers, {
    isTrustedSender: options.isTrustedSender,
    logError: options.logError ?? ((channel, error) => console.error(`[gatehouse] ${channel} failed:`, error instanceof Error ? error.message : error)),
  });
  return {
    db,
    dataDir: options.dataDir,
    dispatcher,
    close: () => {
      for (const feature of features) feature.dispose?.();
      db.close();
    },
  };
}

export type { ChannelName };
