import { useState } from 'react';
import type { Model } from '../../../../shared/contract/model-schemas';
import { MODEL_SORT_FIELDS, modelTypeLabel, type ModelSortField } from '../../../../shared/domain/model-rules';
import { columnHelperFor, DataTable, type DataColumn } from '../../components/DataTable';
import { BulkGrantDialog } from './BulkGrantDialog';
import { ModelFilters, ModelPager } from './ModelFilters';
import { QuotaPanel } from './QuotaPanel';
import { INITIAL_MODEL_QUERY, useModelCatalog, type ModelQuery } from './use-model-catalog';
import './models.css';
import { formatCount, formatDecimal } from '../../lib/format';

const helper = columnHelperFor<Model>();
const NO_MODELS: Model[] = [];
const usd = (value: number) => `$${formatDecimal(value)}`;

function priceText(m: Model): string {
  if (m.inputPricePerMTokUsd !== null) return `${usd(m.inputPricePerMTokUsd)} in${m.outputPricePerMTokUsd !== null ? ` / ${usd(m.outputPricePerMTokUsd)} out` : ''} per 1M tokens`;
  if (m.unitPriceUsd !== null && m.priceUnit) return `${usd(m.unitPriceUsd)} per ${m.priceUnit}`;
  return '—';
}

/** Column ids equal the core's sort fields where sortable, so the table's sorting maps 1:1 to SQL. */
const catalogColumns: DataColumn<Model>[] = [
  helper.accessor('displayName', { id: 'displayName', header: 'Model', cell: (ctx) => ctx.getValue() }),
  helper.accessor('id', { id: 'id', header: 'ID', enableSorting: false, cell: (ctx) => <code>{ctx.getValue()}</code> }),
  helper.accessor('vendor', { id: 'vendor', header: 'Vendor' }),
  helper.accessor('type', { id: 'type', header: 'Type', cell: (ctx) => modelTypeLabel(ctx.getValue()) }),
  helper.accessor('tokenMetered', { id: 'tokenMetered', header: 'Billed by', enableSorting: false, cell: (ctx) => (ctx.getValue() ? 'tokens' : 'unit') }),
  helper.accessor('contextWindow', { id: 'contextWindow', header: 'Context', cell: (ctx) => <span className="num">{(() => { const v = ctx.getValue(); return v == null ? '—' : formatCount(v); })()}</span> }),
  helper.display({ id: 'inputPrice', header: 'List price', cell: (ctx) => priceText(ctx.row.original) }),
];

/** The organisation model catalog: search, vendor/type filters, sort and paging, all in the core. */
export function ModelsPage() {
  const [query, setQuery] = useState<ModelQuery>(INITIAL_MODEL_QUERY);
  const [bulkOpen, setBulkOpen] = useState(false);
  const { page, facets, loading, error } = useModelCatalog(query);
  const filtered = Boolean(query.search || query.vendor || query.type);

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <h1>Models</h1>
          <p className="page__subtitle">
            {facets ? `${formatCount(facets.total)} models from ${facets.vendors.length} vendors` : 'Loading the catalog…'}
            {page?.catalogVersion ? ` · catalog of ${page.catalogVersion}` : ''}
          </p>
        </div>
        <div className="page__header-tools">
          <button type="button" className="primary" onClick={() => setBulkOpen(true)}>
            Bulk grant…
          </button>
        </div>
      </header>
      <ModelFilters query={query} facets={facets} onChange={(patch) => setQuery((q) => ({ ...q, ...patch, page: { ...q.page, index: 0 } }))} />
      <p className="toolbar__status" aria-live="polite">
        {loading ? 'Loading…' : filtered ? `${formatCount(page?.total ?? 0)} matching models` : ''}
      </p>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
      <DataTable
        label="Model catalog"
        columns={catalogColumns}
        rows={page?.items ?? NO_MODELS}
        getRowId={(m) => m.id}
        sorting={[{ id: query.sort.field, desc: query.sort.direction === 'desc' }]}
        onSortingChange={(sorting) => {
          const first = sorting[0];
          if (first && (MODEL_SORT_FIELDS as readonly string[]).includes(first.id)) {
            setQuery((q) => ({ ...q, sort: { field: first.id as ModelSortField, direction: first.desc ? 'desc' : 'asc' }, page: { ...q.page, index: 0 } }));
          }
        }}
        empty={filtered ? 'No model matches these filters. Clear the search or pick another vendor or type.' : 'The catalog is empty.'}
      />
      <ModelPager total={page?.total ?? 0} page={query.page} onPage={(p) => setQuery((q) => ({ ...q, page: p }))} />
      <QuotaPanel />
      <BulkGrantDialog open={bulkOpen} onClose={() => setBulkOpen(false)} />
    </div>
  );
}
