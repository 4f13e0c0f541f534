import type { ChannelName } from '../../../shared/contract/channel-names';
import type { CoreOptions } from '../core';
import type { ServiceContext } from '../services/workspace-service';
import type { KeyRepository } from '../store/key-repository';
import type { MemberRepository } from '../store/member-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import type { HandlerMap } from './pipeline';

/** What every feature module gets from the core: the store context and the shared repositories. */
export interface CoreBase {
  options: CoreOptions;
  dataDir: string;
  ctx: ServiceContext;
  workspaceRepo: WorkspaceRepository;
  keyRepo: KeyRepository;
  memberRepo: MemberRepository;
}

/** A feature's slice of the handler map; `core.ts` spreads the slices into one complete map. */
export interface Feature<N extends ChannelName> {
  handlers: Pick<HandlerMap, N>;
  /** Stops background work (e.g. running exports) before the store closes. */
  dispose?: () => void;
}
