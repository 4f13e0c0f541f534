import { createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { Model } from '../../../../shared/contract/model-schemas';
import { modelTypeLabel } from '../../../../shared/domain/model-rules';
import { columnHelperFor, DataTable, type DataColumn } from '../../components/DataTable';
import { Modal } from '../../components/Modal';
import { errorMessage, invoke } from '../../ipc/client';
import { ModelFilters, ModelPager } from './ModelFilters';
import { filterInput, INITIAL_MODEL_QUERY, useModelCatalog, type ModelQuery } from './use-model-catalog';
import { formatCount } from '../../lib/format';

interface Props {
  open: boolean;
  title: string;
  /** Shown as "Granted" with a disabled checkbox; never part of the selection. */
  grantedIds: ReadonlySet<string>;
  onClose: () => void;
  /** Full details of the chosen models, in catalog order. */
  onConfirm: (models: Model[]) => void;
}

const helper = columnHelperFor<Model>();
const NO_MODELS: Model[] = [];

/** Cells read the selection from context, so the column definitions stay stable and checkboxes keep focus. */
const SelectionContext = createContext<{ selected: ReadonlySet<string>; grantedIds: ReadonlySet<string>; toggle: (id: string, on: boolean) => void }>({
  selected: new Set(),
  grantedIds: new Set(),
  toggle: () => {},
});

function SelectCell({ model }: { model: Model }) {
  const { selected, grantedIds, toggle } = useContext(SelectionContext);
  const granted = grantedIds.has(model.id);
  return (
    <input
      type="checkbox"
      aria-label={granted ? `${model.displayName} is already granted` : `Select ${model.displayName}`}
      checked={granted || selected.has(model.id)}
      disabled={granted}
      onChange={(e) => toggle(model.id, e.target.checked)}
    />
  );
}

function NameCell({ model }: { model: Model }) {
  const { grantedIds } = useContext(SelectionContext);
  return (
    <span>
      {model.displayName} <code className="model-id">{model.id}</code>
      {grantedIds.has(model.id) ? <span className="badge">Granted</span> : null}
    </span>
  );
}

const columns: DataColumn<Model>[] = [
  helper.display({ id: 'select', header: () => <span className="visually-hidden">Selected</span>, cell: (ctx) => <SelectCell model={ctx.row.original} /> }),
  helper.accessor('displayName', { id: 'displayName', header: 'Model', cell: (ctx) => <NameCell model={ctx.row.original} /> }),
  helper.accessor('vendor', { id: 'vendor', header: 'Vendor' }),
  helper.accessor('type', { id: 'type', header: 'Type', cell: (ctx) => modelTypeLabel(ctx.getValue()) }),
];

/**
 * The "All Models" picker. The selection is a Set of IDs held outside the page data, so it survives
 * paging and filter changes; "Select All Results" adds every ID matching the current filters.
 */
export function ModelSelectionDialog({ open, title, grantedIds, onClose, onConfirm }: Props) {
  const [query, setQuery] = useState<ModelQuery>(INITIAL_MODEL_QUERY);
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { page, facets, loading, error: loadError } = useModelCatalog(query, open);

  useEffect(() => {
    if (!open) return;
    setSelected(new Set());
    setQuery(INITIAL_MODEL_QUERY);
    setError(null);
  }, [open]);

  const toggle = useCallback(
    (id: string, on: boolean) =>
      setSelected((prev) => {
        const next = new Set(prev);
        if (on) next.add(id);
        else next.delete(id);
        return next;
      }),
    [],
  );
  const selection = useMemo(() => ({ selected, grantedIds, toggle }), [selected, grantedIds, toggle]);

  const selectAllResults = async () => {
    setBusy('Selecting all results…');
    setError(null);
    try {
      const { ids } = await invoke('models:matchIds', filterInput(query));
      setSelected((prev) => new Set([...prev, ...ids.filter((id) => !grantedIds.has(id))]));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const confirm = async () => {
    setBusy('Loading the selected models…');
    setError(null);
    try {
      const { items } = await invoke('models:getMany', { ids: [...selected] });
      onConfirm(items);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const total = page?.total ?? 0;
  return (
    <Modal title={title} open={open} onClose={onClose}>
      <div className="model-picker">
        <ModelFilters query={query} facets={facets} onChange={(patch) => setQuery((q) => ({ ...q, ...patch, page: { ...q.page, index: 0 } }))} />
        <div className="model-picker__bar">
          <button type="button" onClick={() => void selectAllResults()} disabled={busy !== null || total === 0}>
            Select All Results ({formatCount(total)})
          </button>
          <button type="button" className="link-button" onClick={() => setSelected(new Set())} disabled={selected.size === 0}>
            Clear selection
          </button>
          <span className="toolbar__status" role="status">
            {busy ?? (loading ? 'Loading…' : `${formatCount(selected.size)} selected`)}
          </span>
        </div>
        <div className="model-picker__table">
          <SelectionContext.Provider value={selection}>
            <DataTable
              label="Catalog models"
              columns={columns}
              rows={page?.items ?? NO_MODELS}
              getRowId={(m) => m.id}
              empty={query.search || query.vendor || query.type ? 'No model matches these filters. Clear the search or pick another vendor or type.' : 'The catalog is empty.'}
            />
          </SelectionContext.Provider>
        </div>
        <ModelPager total={total} page={query.page} onPage={(p) => setQuery((q) => ({ ...q, page: p }))} />
        <p className="form-error" role={error || loadError ? 'alert' : undefined}>
          {error ?? loadError ?? ''}
        </p>
      </div>
      <div className="modal__actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={selected.size === 0 || busy !== null} onClick={() => void confirm()}>
          Select ({selected.size})
        </button>
      </div>
    </Modal>
  );
}
