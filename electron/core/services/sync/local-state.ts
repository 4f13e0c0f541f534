import type { ResourceType } from '../../../../shared/gateway-protocol/v1';
import type { LocalResource, PulledChange, PulledResult, SyncLocalRepository } from '../../store/sync-local-repository';
import type { ServiceContext } from '../service-context';

export type { LocalResource, PulledChange, PulledResult };

/** The actor of every audit entry a pull writes. */
export const pullActor = (remoteName: string) => `sync: ${remoteName}`;

/**
 * The local side of sync, as the engine sees it: the canonical state, and the writer for changes
 * pulled from a remote. A pulled change gets an audit entry (actor `sync: <remote>`) and no
 * change-log entry, so it never echoes back to the remote as a local edit.
 */
export function createLocalState(ctx: ServiceContext, repo: SyncLocalRepository) {
  return {
    readAll: (): LocalResource[] => repo.readAll(),

    /** A workspace_member needs `parentId` (its workspace); its id is the member id. */
    read: (type: ResourceType, id: string, parentId: string | null = null): LocalResource | null => repo.read(type, id, parentId),

    /**
     * Writes one pulled resource and its audit entry. Call it inside `ctx.write`: the engine puts
     * several of these and its own link update in one transaction. Nothing is audited when the
     * local rows already held the pulled data.
     */
    applyPulled(change: PulledChange, remoteName: string): PulledResult {
      if (!ctx.db.inTransaction) throw new Error('local-state.applyPulled must run inside ctx.write');
      const at = ctx.now().toISOString();
      const actor = pullActor(remoteName);
      const result = repo.applyPulled(change, { at, actor });
      if (result.changed) {
        ctx.record({
          at,
          actor,
          action: `${result.entityType}.pull`,
          entityType: result.entityType,
          entityId: result.entityId,
          workspaceId: result.workspaceId,
          before: result.before,
          after: result.after,
          // No `change`: a pulled change is already on the remote; logging it would push it back.
        });
      }
      return result;
    },
  };
}
export type LocalState = ReturnType<typeof createLocalState>;
