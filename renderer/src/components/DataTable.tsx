import { createColumnHelper, rowSortingFeature, tableFeatures, useTable, type ColumnDef, type RowData, type SortingState } from '@tanstack/react-table';
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';

export const dataTableFeatures = tableFeatures({ rowSortingFeature });
export type DataTableFeatures = typeof dataTableFeatures;
export const columnHelperFor = <Row extends RowData>() => createColumnHelper<DataTableFeatures, Row>();
export type DataColumn<Row extends RowData> = ColumnDef<DataTableFeatures, Row, any>;

interface DataTableProps<Row extends RowData> {
  label: string;
  columns: DataColumn<Row>[];
  rows: Row[];
  getRowId: (row: Row) => string;
  /** Sorting is done by the core in SQL; the table only reports what the user asked for. */
  sorting?: SortingState;
  /** Omit to render a table without sort controls. */
  onSortingChange?: (sorting: SortingState) => void;
  onRowActivate?: (row: Row) => void;
  selectedRowId?: string | null;
  empty: ReactNode;
}

const NO_SORTING: SortingState = [];

export function DataTable<Row extends RowData>({ label, columns, rows, getRowId, sorting = NO_SORTING, onSortingChange, onRowActivate, selectedRowId, empty }: DataTableProps<Row>) {
  const table = useTable({
    features: dataTableFeatures,
    columns,
    data: rows,
    getRowId: (row) => getRowId(row),
    manualSorting: true,
    enableSorting: onSortingChange !== undefined,
    enableSortingRemoval: false,
    state: { sorting },
    onSortingChange: (updater) => onSortingChange?.(typeof updater === 'function' ? updater(sorting) : updater),
  });

  const wrapRef = useRef<HTMLDivElement>(null);
  const scrolls = useOverflow(wrapRef);
  const rowModel = table.getRowModel().rows;
  // One tab stop for the rows: the one the arrows last moved to, else the selected one, else the first.
  const [focusRowId, setFocusRowId] = useState<string | null>(null);
  useEffect(() => setFocusRowId(null), [selectedRowId]);
  const has = (id: string | null | undefined) => id != null && rowModel.some((r) => r.id === id);
  const tabRowId = has(focusRowId) ? focusRowId : has(selectedRowId) ? selectedRowId : rowModel[0]?.id;
  const onRowKeyDown = (event: KeyboardEvent<HTMLTableRowElement>, row: Row) => {
    if (event.target !== event.currentTarget) return; // keys inside a cell's own controls are theirs
    const rows = [...(event.currentTarget.parentElement?.querySelectorAll<HTMLTableRowElement>(':scope > tr[data-row]') ?? [])];
    const at = rows.indexOf(event.currentTarget);
    const moveTo = (index: number) => {
      const target = rows[Math.max(0, Math.min(rows.length - 1, index))];
      if (!target) return;
      event.preventDefault();
      setFocusRowId(target.dataset.row ?? null);
      target.focus();
    };
    if (event.key === 'ArrowDown') moveTo(at + 1);
    else if (event.key === 'ArrowUp') moveTo(at - 1);
    else if (event.key === 'Home') moveTo(0);
    else if (event.key === 'End') moveTo(rows.length - 1);
    else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onRowActivate?.(row);
    }
  };

  return (
    // A box that scrolls must be reachable by keyboard (arrow keys scroll it once focused).
    <div
      className="table-wrap"
      ref={wrapRef}
      tabIndex={scrolls ? 0 : undefined}
      role={scrolls ? 'region' : undefined}
      aria-label={scrolls ? `${label} (scrolls)` : undefined}
    >
      <table className="data-table" aria-label={label}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const canSort = header.column.getCanSort();
                return (
                  <th key={header.id} scope="col" aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
                    {header.isPlaceholder ? null : canSort ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        <table.FlexRender header={header} />
                        <span aria-hidden="true" className="sort-indicator">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                        </span>
                      </button>
                    ) : (
                      <table.FlexRender header={header} />
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {rowModel.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="data-table__empty">
                {empty}
              </td>
            </tr>
          ) : (
            rowModel.map((row) => (
              <tr
                key={row.id}
                data-row={row.id}
                aria-selected={selectedRowId === row.id}
                className={onRowActivate ? 'data-table__row--clickable' : undefined}
                tabIndex={onRowActivate ? (row.id === tabRowId ? 0 : -1) : undefined}
                onClick={onRowActivate ? () => onRowActivate(row.original) : undefined}
                onKeyDown={onRowActivate ? (event) => onRowKeyDown(event, row.original) : undefined}
              >
                {row.getAllCells().map((cell) => (
                  <td key={cell.id}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}

/** True while the element's content is wider or taller than its box (it scrolls). */
export function useOverflow(ref: RefObject<HTMLElement | null>): boolean {
  const [overflows, setOverflows] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const check = () => setOverflows(el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
    const observer = new ResizeObserver(check);
    observer.observe(el);
    if (el.firstElementChild) observer.observe(el.firstElementChild);
    check();
    return () => observer.disconnect();
  }, [ref]);
  return overflows;
}
