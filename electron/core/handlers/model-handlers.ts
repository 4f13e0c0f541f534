import type { ModelChannelName } from '../../../shared/contract/model-channels';
import { createModelCatalogService } from '../services/model-catalog-service';
import { createModelGrantService } from '../services/model-grant-service';
import { createModelLimitChecker } from '../services/model-limit-checker';
import { createKeyLimitReader, createModelRepository } from '../store/model-repository';
import type { CoreBase, Feature } from './feature';

/** Wires the model feature: repositories → services → its slice of the handler map. */
export function createModelsFeature(base: CoreBase): Feature<ModelChannelName> {
  const modelRepo = createModelRepository(base.ctx.db);
  const catalog = createModelCatalogService(modelRepo);
  const grants = createModelGrantService(base.ctx, modelRepo, base.workspaceRepo);
  const checker = createModelLimitChecker(modelRepo, base.workspaceRepo, createKeyLimitReader(base.ctx.db), base.ctx.now);
  return {
    handlers: {
      'models:list': (input) => catalog.list(input),
      'models:facets': (input) => catalog.facets(input),
      'models:matchIds': (input) => catalog.matchIds(input),
      'models:getMany': (input) => catalog.getMany(input.ids),
      'models:checkLimits': (input) => checker.check(input),
      'models:setQuota': (input) => grants.setQuota(input),
      'models:listQuotas': () => grants.listQuotas(),
      'modelGrants:list': (input) => grants.list(input.workspaceId),
      'modelGrants:save': (input) => grants.save(input),
      'modelGrants:bulkPreview': (input) => grants.bulkPreview(input),
      'modelGrants:bulkApply': (input) => grants.bulkApply(input),
    },
  };
}
