import {
  createColumnHelper,
  createSortedRowModel,
  rowSortingFeature,
  sortFn_basic,
  sortFn_text,
  tableFeatures,
  useTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import type { UsageReport, UsageReportRow } from '../../../../shared/contract/usage-schemas';
import type { UsageGroupBy } from '../../../../shared/domain/usage-rules';
import { formatCount, formatMicros, GROUP_BY_LABELS } from './usage-format';

// Report rows are all in memory (≤ 200k), so sorting is client-side; only visible rows are rendered.
const features = tableFeatures({
  rowSortingFeature,
  sortedRowModel: createSortedRowModel(),
  sortFns: { basic: sortFn_basic, text: sortFn_text },
});
const helper = createColumnHelper<typeof features, UsageReportRow>();
const ROW_HEIGHT = 34;
/** The scroll box's CSS size, so the first paint (and a DOM without layout) renders one screenful. */
const INITIAL_RECT = { width: 1000, height: 480 };

function columnsFor(groupBy: UsageGroupBy): Array<ColumnDef<typeof features, UsageReportRow, any>> {
  const count = (key: 'requests' | 'inputTokens' | 'outputTokens' | 'cachedTokens', header: string) =>
    helper.accessor(key, { header, sortFn: 'basic', cell: (c) => formatCount(c.getValue()) });
  return [
    helper.accessor('bucket', { header: 'Period', sortFn: 'text' }),
    helper.accessor('groupLabel', { header: GROUP_BY_LABELS[groupBy], sortFn: 'text' }),
    count('requests', 'Requests'),
    count('inputTokens', 'Input tokens'),
    count('outputTokens', 'Output tokens'),
    count('cachedTokens', 'Cached tokens'),
    helper.accessor('costMicros', { header: 'Cost', sortFn: 'basic', cell: (c) => formatMicros(c.getValue(), c.row.original.currency) }),
  ];
}
const NUMERIC = new Set(['requests', 'inputTokens', 'outputTokens', 'cachedTokens', 'costMicros']);

interface UsageTableProps {
  report: UsageReport;
  groupBy: UsageGroupBy;
}

/** The report as a sortable, virtualised table with a totals row per currency. */
export function UsageTable({ report, groupBy }: UsageTableProps) {
  const [sorting, setSorting] = useState<SortingState>([]);
  const columns = useMemo(() => columnsFor(groupBy), [groupBy]);
  const table = useTable({
    features,
    columns,
    data: report.rows,
    getRowId: (row) => `${row.bucket}|${row.groupId}|${row.currency}`,
    state: { sorting },
    onSortingChange: (updater) => setSorting((s) => (typeof updater === 'function' ? updater(s) : updater)),
  });
  const rows = table.getRowModel().rows;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12, initialRect: INITIAL_RECT });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <div className="usage-table" ref={scrollRef}>
      <table className="data-table" aria-label="Usage report" aria-rowcount={rows.length + 1 + report.totals.length}>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} aria-rowindex={1}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                return (
                  <th key={header.id} scope="col" className={NUMERIC.has(header.column.id) ? 'num' : undefined} aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}>
                    <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                      <table.FlexRender header={header} />
                      <span aria-hidden="true" className="sort-indicator">
                        {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="data-table__empty">
                No usage in this range. Pick a wider range or clear the filters.
              </td>
            </tr>
          ) : null}
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <tr key={row.id} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }}>
                {row.getAllCells().map((cell) => (
                  <td key={cell.id} className={NUMERIC.has(cell.column.id) ? 'num' : undefined}>
                    <table.FlexRender cell={cell} />
                  </td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} /> : null}
        </tbody>
        <tfoot>
          {report.totals.map((t, i) => (
            <tr key={t.currency} aria-rowindex={rows.length + 2 + i} className="usage-table__total">
              <th scope="row">Total{report.totals.length > 1 ? ` (${t.currency})` : ''}</th>
              <td>{formatCount(t.records)} records</td>
              <td className="num">{formatCount(t.requests)}</td>
              <td className="num">{formatCount(t.inputTokens)}</td>
              <td className="num">{formatCount(t.outputTokens)}</td>
              <td className="num">{formatCount(t.cachedTokens)}</td>
              <td className="num">{formatMicros(t.costMicros, t.currency)}</td>
            </tr>
          ))}
        </tfoot>
      </table>
    </div>
  );
}
