import type { ModelChannelName } from '../../../shared/contract/model-channels';
import { defineFeature } from './feature';

export const modelsFeature = defineFeature<ModelChannelName>(({ catalog, grants, limitChecker }) => ({
  handlers: {
    'models:list': (input) => catalog.list(input),
    'models:facets': (input) => catalog.facets(input),
    'models:matchIds': (input) => catalog.matchIds(input),
    'models:getMany': (input) => catalog.getMany(input.ids),
    'models:checkLimits': (input) => limitChecker.check(input),
    'models:setQuota': (input) => grants.setQuota(input),
    'models:listQuotas': () => grants.listQuotas(),
    'modelGrants:list': (input) => grants.list(input.workspaceId),
    'modelGrants:save': (input) => grants.save(input),
    'modelGrants:bulkPreview': (input) => grants.bulkPreview(input),
    'modelGrants:bulkApply': (input) => grants.bulkApply(input),
  },
}));
