import type { ChannelOutput } from '../../../../shared/contract/contract';
import { MODEL_PAGE_SIZES, MODEL_TYPES, type ModelType } from '../../../../shared/domain/model-rules';
import type { ModelQuery } from './use-model-catalog';
import { formatCount } from '../../lib/format';

interface FiltersProps {
  query: ModelQuery;
  facets: ChannelOutput<'models:facets'> | null;
  /** Any filter change goes back to page 1. */
  onChange: (patch: Partial<Pick<ModelQuery, 'search' | 'vendor' | 'type'>>) => void;
}

/** Search by name, vendor and type filters (with counts for the current search). */
export function ModelFilters({ query, facets, onChange }: FiltersProps) {
  const typeCount = (type: ModelType) => facets?.types.find((t) => t.type === type)?.count ?? 0;
  return (
    <div className="toolbar toolbar--filters">
      <label className="filter">
        <span>Search models</span>
        <input type="search" placeholder="Model name or ID" value={query.search} onChange={(e) => onChange({ search: e.target.value })} />
      </label>
      <label className="filter">
        <span>Vendor</span>
        <select value={query.vendor} onChange={(e) => onChange({ vendor: e.target.value })}>
          <option value="">All vendors</option>
          {facets?.vendors.map((v) => (
            <option key={v.vendor} value={v.vendor}>
              {v.vendor} ({v.count})
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Type</span>
        <select value={query.type} onChange={(e) => onChange({ type: e.target.value as ModelType | '' })}>
          <option value="">All types</option>
          {MODEL_TYPES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.label} ({typeCount(t.id)})
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

interface PagerProps {
  total: number;
  page: ModelQuery['page'];
  onPage: (page: ModelQuery['page']) => void;
  noun?: string;
}

/** Previous / next, "Page X of Y" and a page-size choice; the core pages in SQL. */
export function ModelPager({ total, page, onPage, noun = 'models' }: PagerProps) {
  const pageCount = Math.max(1, Math.ceil(total / page.size));
  return (
    <div className="table-footer">
      <span aria-live="polite">
        {total === 0 ? 'No' : formatCount(total)} {noun} · page {Math.min(page.index + 1, pageCount)} of {pageCount}
      </span>
      <button type="button" disabled={page.index === 0} onClick={() => onPage({ ...page, index: page.index - 1 })}>
        Previous page
      </button>
      <button type="button" disabled={page.index + 1 >= pageCount} onClick={() => onPage({ ...page, index: page.index + 1 })}>
        Next page
      </button>
      <label className="inline-label">
        Page size
        <select value={page.size} onChange={(e) => onPage({ index: 0, size: Number(e.target.value) })}>
          {MODEL_PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
