import type { WorkspaceChannelName } from '../../../shared/contract/workspace-channels';
import { defineFeature } from './feature';

export const workspacesFeature = defineFeature<WorkspaceChannelName>(({ workspaces }) => ({
  handlers: {
    'workspaces:list': (input) => workspaces.list(input),
    'workspaces:get': (input) => workspaces.get(input.id),
    'workspaces:create': (input) => workspaces.create(input),
    'workspaces:update': (input) => workspaces.update(input),
    'workspaces:delete': (input) => workspaces.delete(input),
    'workspaces:setActive': (input) => workspaces.setActive(input.id),
    'workspaces:getActive': () => workspaces.getActive(),
  },
}));
