import { useEffect, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { ModelSortField, ModelType } from '../../../../shared/domain/model-rules';
import { errorMessage, invoke } from '../../ipc/client';

/** What the user asked for; filtering, sorting and paging all run in the core (SQL). */
export interface ModelQuery {
  search: string;
  /** '' = all vendors / all types. */
  vendor: string;
  type: ModelType | '';
  sort: { field: ModelSortField; direction: 'asc' | 'desc' };
  page: { index: number; size: number };
}

export const INITIAL_MODEL_QUERY: ModelQuery = { search: '', vendor: '', type: '', sort: { field: 'displayName', direction: 'asc' }, page: { index: 0, size: 25 } };

/** The filter part of a query, as the channels take it. */
export function filterInput(query: Pick<ModelQuery, 'search' | 'vendor' | 'type'>) {
  return { search: query.search, vendors: query.vendor ? [query.vendor] : [], types: query.type ? [query.type] : [] };
}

/** One page of the catalog plus vendor/type facets; typing in the search box is debounced, stale answers dropped. */
export function useModelCatalog(query: ModelQuery, enabled = true) {
  const [page, setPage] = useState<ChannelOutput<'models:list'> | null>(null);
  const [facets, setFacets] = useState<ChannelOutput<'models:facets'> | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let stale = false;
    setLoading(true);
    const timer = setTimeout(() => {
      invoke('models:list', { ...filterInput(query), sort: query.sort, page: query.page })
        .then((result) => {
          if (stale) return;
          setPage(result);
          setError(null);
        })
        .catch((e: unknown) => !stale && setError(errorMessage(e)))
        .finally(() => !stale && setLoading(false));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [enabled, query]);

  useEffect(() => {
    if (!enabled) return;
    let stale = false;
    const timer = setTimeout(() => {
      invoke('models:facets', { search: query.search })
        .then((result) => !stale && setFacets(result))
        .catch((e: unknown) => !stale && setError(errorMessage(e)));
    }, 120);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [enabled, query.search]);

  return { page, facets, loading, error };
}
