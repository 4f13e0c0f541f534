import type { MemberChannelName } from '../../../shared/contract/member-channels';
import { defineFeature } from './feature';

export const membersFeature = defineFeature<MemberChannelName>(({ members }) => ({
  handlers: {
    'members:list': (input) => members.list(input.search),
    'members:create': (input) => members.create(input),
    'members:update': (input) => members.update(input),
    'members:delete': (input) => members.delete(input.id),
    'members:getLocalUser': () => members.localUser(),
    'workspaceMembers:list': (input) => members.workspaceMembers(input.workspaceId),
    'workspaceMembers:add': (input) => members.add(input),
    'workspaceMembers:setRole': (input) => members.setRole(input),
    'workspaceMembers:remove': (input) => members.remove(input),
  },
}));
