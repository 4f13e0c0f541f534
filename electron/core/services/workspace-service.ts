import { randomBytes } from 'node:crypto';
import { AppError } from '../../../shared/contract/errors';
import type { ParsedInput } from '../../../shared/contract/contract';
import type { Workspace } from '../../../shared/contract/workspace-schemas';
import { workspaceNameKey } from '../../../shared/domain/workspace-rules';
import { changedFields } from '../store/snapshot-diff';
import type { WorkspaceRepository, WorkspaceRow, WorkspaceWritable } from '../store/workspace-repository';
import type { ServiceContext } from './service-context';

export type { ServiceContext };


const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const DEFAULT_WORKSPACE_NAME = 'Default Workspace';

/** Stable, random, never derived from the name: `ws-` + 12 base36 characters (~62 bits). */
export function newWorkspaceId(): string {
  const bytes = randomBytes(12);
  let id = 'ws-';
  for (const byte of bytes) id += ID_ALPHABET[byte % ID_ALPHABET.length];
  return id;
}

/** Audit/change-log snapshot: what an admin can see, nothing derived. */
function snapshot(row: WorkspaceWritable) {
  const { id, name, description, environment, region, status, owner, ownerMemberId, monthlyBudgetMinor, currency, isDefault, version } = row;
  return { id, name, description, environment, region, status, owner, ownerMemberId, monthlyBudgetMinor, currency, isDefault, version };
}

export interface WorkspaceHooks {
  /** Validates an owner (a member) or, with no ID, returns the default owner (the laptop's user). */
  resolveOwner?: (memberId: string | undefined) => { id: string; name: string } | null;
  /** Run inside the mutation's transaction: the creator and the owner get Admin membership. */
  onCreated?: (workspaceId: string, at: string, ownerMemberId: string | null) => void;
  onOwnerChanged?: (workspaceId: string, ownerMemberId: string, at: string) => void;
}

export function createWorkspaceService(ctx: ServiceContext, workspaces: WorkspaceRepository, hooks: WorkspaceHooks = {}) {
  const { settings } = ctx;

  const toDto = (row: WorkspaceRow, keyLimit = settings.get().maxActiveKeysPerWorkspace): Workspace => ({ ...row, keyLimit });

  const require = (id: string): WorkspaceRow => {
    const row = workspaces.get(id);
    if (!row) throw new AppError('E_NOT_FOUND', `Workspace ${id} does not exist`);
    return row;
  };

  /** A remote may allow shorter names than WORKSPACE_NAME_MAX (its capabilities): refused on create and rename. */
  const assertNameFits = (name: string) => {
    const { maxNameLength, remoteLimits } = settings.get();
    if (name.trim().length <= maxNameLength) return;
    const remote = remoteLimits.maxNameLength;
    const source = remote && remote.value === maxNameLength ? ` (the limit of remote “${remote.remoteName}”)` : '';
    throw AppError.field('E_VALIDATION', 'name', `Name must be at most ${maxNameLength} characters${source}`);
  };

  const assertNameFree = (nameKey: string, exceptId?: string) => {
    const holder = workspaces.idForNameKey(nameKey);
    if (holder && holder !== exceptId) {
      throw AppError.field('E_CONFLICT', 'name', 'A workspace with this name already exists (names are case-insensitive)');
    }
  };

  const service = {
    /**
     * First run: the local user's name, the default workspace, an active workspace; idempotent.
     * Plain reads decide first, so opening a set-up store writes nothing (no write lock: it opens
     * while another process writes, and on a read-only store); the check is repeated under the
     * lock because another process may have set the store up meanwhile. The workspace is audited
     * (insertWorkspace); the two settings are initial values of local preferences, not changes.
     */
    ensureInitialized(localUserName: string): void {
      const missing = () => {
        const { localUserName: name, activeWorkspaceId } = settings.get();
        return !name || !workspaces.getDefault() || !activeWorkspaceId || !workspaces.get(activeWorkspaceId);
      };
      if (!missing()) return;
      ctx.write(() => {
        if (!missing()) return;
        if (!settings.get().localUserName) settings.setLocalUserName(localUserName);
        if (!workspaces.getDefault()) insertWorkspace({ name: DEFAULT_WORKSPACE_NAME, isDefault: true });
        const active = settings.get().activeWorkspaceId;
        if (!active || !workspaces.get(active)) settings.setActiveWorkspaceId(workspaces.getDefault()!.id);
      });
    },

    list(query: ParsedInput<'workspaces:list'>) {
      const { items, total } = workspaces.list(query);
      const { maxActiveKeysPerWorkspace, maxWorkspaces } = settings.get();
      return {
        items: items.map((row) => toDto(row, maxActiveKeysPerWorkspace)),
        total,
        pageIndex: query.page.index,
        pageSize: query.page.size,
        limit: maxWorkspaces,
      };
    },

    get(id: string): Workspace {
      return toDto(require(id));
    },

    create(input: ParsedInput<'workspaces:create'>): Workspace {
      return ctx.write(() => {
        const { maxWorkspaces: limit, remoteLimits } = settings.get();
        if (workspaces.count() >= limit) {
          // The remote's limit, when it is the one that applies (sync would be refused there anyway).
          const remote = remoteLimits.maxWorkspaces;
          const source = remote && remote.value === limit ? ` (the limit of remote “${remote.remoteName}”)` : '';
          throw new AppError(
            'E_LIMIT',
            `You can have at most ${limit} workspaces${source}, including the default workspace. Delete one before creating another.`,
          );
        }
        return toDto(insertWorkspace({ ...input, isDefault: false }));
      });
    },

    update(input: ParsedInput<'workspaces:update'>): Workspace {
      return ctx.write(() => {
        const before = require(input.id);
        if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
          throw new AppError(
            'E_CONFLICT',
            `This workspace was changed elsewhere (version ${before.version}, you edited version ${input.expectedVersion}). Reload it and apply your changes again.`,
          );
        }
        const { ownerMemberId: newOwnerId, ...rest } = input.changes;
        const changes = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
        const merged: WorkspaceWritable = { ...before, ...changes };
        if (newOwnerId !== undefined && newOwnerId !== before.ownerMemberId) {
          const owner = hooks.resolveOwner?.(newOwnerId);
          if (owner) Object.assign(merged, { ownerMemberId: owner.id, owner: owner.name });
        }
        if (merged.name !== before.name) assertNameFits(merged.name);
        const nameKey = workspaceNameKey(merged.name);
        assertNameFree(nameKey, before.id);
        const beforeSnap = snapshot(before);
        const diff = Object.fromEntries(changedFields(beforeSnap, snapshot(merged)).map((c) => [c.field, c.after]));
        if (Object.keys(diff).length === 0) return toDto(before);
        const after: WorkspaceWritable = { ...merged, version: before.version + 1, updatedAt: ctx.now().toISOString() };
        workspaces.update(after, nameKey);
        if (after.ownerMemberId && after.ownerMemberId !== before.ownerMemberId) hooks.onOwnerChanged?.(after.id, after.ownerMemberId, after.updatedAt);
        const afterSnap = snapshot(after);
        ctx.record({
          at: after.updatedAt,
          actor: ctx.actor(),
          action: 'workspace.update',
          entityType: 'workspace',
          entityId: after.id,
          workspaceId: after.id,
          before: beforeSnap,
          after: afterSnap,
          change: { op: 'update', payload: { ...diff, version: after.version }, baseVersion: before.version },
        });
        return toDto(require(after.id));
      });
    },

    delete(input: ParsedInput<'workspaces:delete'>) {
      return ctx.write(() => {
        const row = require(input.id);
        if (row.isDefault) throw new AppError('E_FORBIDDEN', 'The default workspace cannot be deleted');
        if (input.confirmName !== row.name) {
          throw AppError.field('E_VALIDATION', 'confirmName', `Type the exact name "${row.name}" to confirm deletion`);
        }
        workspaces.delete(row.id);
        let activeId = settings.get().activeWorkspaceId ?? '';
        const defaultId = workspaces.getDefault()!.id;
        if (activeId === row.id) {
          activeId = defaultId;
          settings.setActiveWorkspaceId(defaultId);
        }
        ctx.record({
          at: ctx.now().toISOString(),
          actor: ctx.actor(),
          action: 'workspace.delete',
          entityType: 'workspace',
          entityId: row.id,
          workspaceId: row.id,
          before: snapshot(row),
          after: null,
          change: { op: 'delete', payload: { id: row.id }, baseVersion: row.version },
        });
        return { deletedId: row.id, activeWorkspaceId: activeId };
      });
    },

    getActive(): Workspace {
      const id = settings.get().activeWorkspaceId;
      const row = (id && workspaces.get(id)) || workspaces.getDefault();
      if (!row) throw new AppError('E_INTERNAL', 'The store has no default workspace');
      return toDto(row);
    },

    /**
     * Which workspace this laptop is looking at is a local preference: neither audited (issue #11:
     * switching is not worth an audit entry) nor written to the change log (the gateway has no such
     * entity to sync).
     */
    setActive(id: string): Workspace {
      return ctx.write(() => {
        const row = require(id);
        const previous = settings.get().activeWorkspaceId;
        if (previous !== id) {
          settings.setActiveWorkspaceId(id);
          // A preference, not an admin action: the audit log stays about changes worth investigating.
          ctx.touch({ entityType: 'preference', entityId: 'activeWorkspace', workspaceId: id });
        }
        return toDto(row);
      });
    },
  };

  function insertWorkspace(input: Partial<ParsedInput<'workspaces:create'>> & { name: string; isDefault: boolean }): WorkspaceRow {
    assertNameFits(input.name);
    const nameKey = workspaceNameKey(input.name);
    assertNameFree(nameKey);
    const at = ctx.now().toISOString();
    const owner = hooks.resolveOwner?.(input.ownerMemberId) ?? null;
    const row: WorkspaceWritable = {
      id: newWorkspaceId(),
      name: input.name.trim(),
      description: input.description ?? '',
      environment: input.environment ?? 'production',
      region: input.region ?? 'global',
      status: input.status ?? 'active',
      owner: owner?.name ?? ctx.actor(),
      ownerMemberId: owner?.id ?? null,
      monthlyBudgetMinor: input.monthlyBudgetMinor ?? 0,
      currency: input.currency ?? 'USD',
      isDefault: input.isDefault,
      version: 1,
      createdAt: at,
      updatedAt: at,
    };
    workspaces.insert(row, nameKey);
    const snap = snapshot(row);
    ctx.record({
      at,
      actor: ctx.actor(),
      action: 'workspace.create',
      entityType: 'workspace',
      entityId: row.id,
      workspaceId: row.id,
      before: null,
      after: snap,
      change: { op: 'create', payload: snap, baseVersion: null },
    });
    hooks.onCreated?.(row.id, at, row.ownerMemberId);
    return require(row.id);
  }

  return service;
}
export type WorkspaceService = ReturnType<typeof createWorkspaceService>;
