import type { ParsedInput } from '../../../shared/contract/contract';
import { normalizeModelSearch } from '../../../shared/domain/model-rules';
import type { ModelRepository } from '../store/model-repository';

/** Read-only catalog queries; filtering, sorting and paging all happen in SQL. */
export function createModelCatalogService(models: ModelRepository) {
  const filterOf = (input: { search: string; vendors: string[]; types: ParsedInput<'models:list'>['types'] }) => ({
    search: normalizeModelSearch(input.search),
    vendors: input.vendors,
    types: input.types,
  });
  return {
    list(input: ParsedInput<'models:list'>) {
      const { items, total } = models.list({ ...filterOf(input), sort: input.sort, page: input.page });
      return { items, total, pageIndex: input.page.index, pageSize: input.page.size, catalogVersion: models.catalogVersion() };
    },
    facets(input: ParsedInput<'models:facets'>) {
      const facets = models.facets(normalizeModelSearch(input.search));
      return { ...facets, total: facets.types.reduce((sum, t) => sum + t.count, 0) };
    },
    getMany(ids: string[]) {
      const found = models.getMany(ids);
      return { items: ids.flatMap((id) => found.get(id) ?? []) };
    },
    matchIds(input: ParsedInput<'models:matchIds'>) {
      const ids = models.matchIds(filterOf(input));
      return { ids, total: ids.length };
    },
  };
}
