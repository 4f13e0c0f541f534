import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AuditEntrySummary } from '../../../../shared/contract/audit-schemas';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import { columnHelperFor, DataTable } from '../../components/DataTable';
import { Modal } from '../../components/Modal';
import { errorMessage, invoke } from '../../ipc/client';
import { useDataVersion } from '../../stores/data-versions';
import { useAppStore } from '../../stores/app-store';
import { ExportButton } from '../exports/ExportButton';
import { formatDateTime } from '../../lib/format';

interface Filters {
  workspaceId: string;
  actor: string;
  action: string;
  entityType: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { workspaceId: '', actor: '', action: '', entityType: '', from: '', to: '' };
const PAGE_SIZE = 100;

/** Dates are picked as local days; the core compares UTC instants (to is exclusive, so add a day). */
function toChannelFilter(f: Filters) {
  const day = (d: string, plusDays = 0) => {
    const date = new Date(`${d}T00:00:00`);
    date.setDate(date.getDate() + plusDays);
    return date.toISOString();
  };
  return {
    ...(f.workspaceId ? { workspaceId: f.workspaceId } : {}),
    ...(f.actor ? { actor: f.actor } : {}),
    ...(f.action ? { action: f.action } : {}),
    ...(f.entityType ? { entityType: f.entityType } : {}),
    ...(f.from ? { from: day(f.from) } : {}),
    ...(f.to ? { to: day(f.to, 1) } : {}),
  };
}

const show = (v: unknown) => (v === null || v === undefined || v === '' ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));
const helper = columnHelperFor<AuditEntrySummary>();
const NO_ROWS: AuditEntrySummary[] = [];

export function AuditPage() {
  const workspaces = useAppStore((s) => s.allWorkspaces);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [rows, setRows] = useState<AuditEntrySummary[]>(NO_ROWS);
  const [next, setNext] = useState<number | null>(null);
  const [facets, setFacets] = useState<ChannelOutput<'audit:list'>['facets']>({ actors: [], actions: [], entityTypes: [] });
  const [error, setError] = useState<string | null>(null);
  const [detail, setDetail] = useState<ChannelOutput<'audit:get'> | null>(null);

  const load = useCallback(async (beforeId?: number) => {
    try {
      const page = await invoke('audit:list', { filter: toChannelFilter(filters), limit: PAGE_SIZE, ...(beforeId ? { beforeId } : {}) });
      setRows((prev) => (beforeId ? [...prev, ...page.items] : page.items));
      setNext(page.nextBeforeId);
      setFacets(page.facets);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [filters]);
  // Every change writes an audit entry: refetch on any change, unless the user paged further
  // ("Load more"), where a refetch would throw away the pages they loaded.
  const changes = useDataVersion('*');
  const paged = useRef(false);
  paged.current = rows.length > PAGE_SIZE;
  useEffect(() => {
    void load();
  }, [load]);
  const latestLoad = useRef(load);
  latestLoad.current = load;
  useEffect(() => {
    if (changes === 0 || paged.current) return;
    void latestLoad.current();
  }, [changes]);

  const columns = useMemo(
    () => [
      helper.accessor('at', { header: 'Time', cell: (c) => <time dateTime={c.getValue()}>{formatDateTime(c.getValue())}</time> }),
      helper.accessor('actor', { header: 'Actor' }),
      helper.accessor('action', { header: 'Action' }),
      helper.display({ id: 'entity', header: 'Entity', cell: (c) => `${c.row.original.entityType} ${c.row.original.entityId}` }),
      helper.accessor('workspaceName', { header: 'Workspace', cell: (c) => c.getValue() ?? '—' }),
      helper.display({
        id: 'summary',
        header: 'Changes',
        cell: (c) => (
          <span className="audit-summary">
            {c.row.original.changes
              .filter((ch) => ch.field !== 'version')
              .slice(0, 3)
              .map((ch) => `${ch.field}: ${show(ch.before)} → ${show(ch.after)}`)
              .join('; ')}
          </span>
        ),
      }),
    ],
    [],
  );

  const select = (key: keyof Filters, label: string, options: Array<{ value: string; label: string }>) => (
    <label className="filter">
      <span>{label}</span>
      <select aria-label={label} value={filters[key]} onChange={(e) => setFilters({ ...filters, [key]: e.target.value })}>
        <option value="">All</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="page">
      <header className="page__header">
        <div>
          <h1>Audit log</h1>
          <p className="page__subtitle">Every change, who made it and what it was. Entries cannot be edited or deleted.</p>
        </div>
        <div className="page__header-tools">
          <ExportButton label="Export CSV" nouns={['entry', 'entries']} request={() => ({ kind: 'audit', filter: toChannelFilter(filters) })} />
        </div>
      </header>
      <div className="toolbar toolbar--filters">
        {select('workspaceId', 'Workspace', workspaces.map((w) => ({ value: w.id, label: w.name })))}
        {select('actor', 'Actor', facets.actors.map((a) => ({ value: a, label: a })))}
        {select('action', 'Action', facets.actions.map((a) => ({ value: a, label: a })))}
        {select('entityType', 'Entity type', facets.entityTypes.map((a) => ({ value: a, label: a })))}
        <label className="filter">
          <span>From</span>
          <input type="date" aria-label="From date" value={filters.from} onChange={(e) => setFilters({ ...filters, from: e.target.value })} />
        </label>
        <label className="filter">
          <span>To</span>
          <input type="date" aria-label="To date" value={filters.to} onChange={(e) => setFilters({ ...filters, to: e.target.value })} />
        </label>
        <button type="button" onClick={() => setFilters(NO_FILTERS)}>
          Clear filters
        </button>
      </div>
      {error ? <p role="alert" className="form-error">{error}</p> : null}
      <DataTable
        label="Audit log"
        columns={columns}
        rows={rows}
        getRowId={(r) => String(r.id)}
        onRowActivate={(r) => void invoke('audit:get', { id: r.id }).then(setDetail, (e: unknown) => setError(errorMessage(e)))}
        empty="No audit entries match these filters."
      />
      <div className="table-footer">
        <span>{rows.length} {rows.length === 1 ? "entry" : "entries"} shown{next !== null ? " (more available)" : ""}</span>
        {next !== null ? (
          <button type="button" onClick={() => void load(next)}>
            Load more
          </button>
        ) : null}
      </div>
      <Modal title={detail ? `Audit entry ${detail.id}: ${detail.action}` : ''} open={detail !== null} onClose={() => setDetail(null)}>
        {detail ? (
          <>
            <p>
              {formatDateTime(detail.at)} · {detail.actor} · {detail.entityType} {detail.entityId}
            </p>
            <div className="json-pair">
              <section aria-label="Before">
                <h3>Before</h3>
                <pre>{JSON.stringify(detail.before, null, 2)}</pre>
              </section>
              <section aria-label="After">
                <h3>After</h3>
                <pre>{JSON.stringify(detail.after, null, 2)}</pre>
              </section>
            </div>
            <div className="modal__actions">
              <button type="button" className="primary" onClick={() => setDetail(null)}>
                Close
              </button>
            </div>
          </>
        ) : null}
      </Modal>
    </div>
  );
}
