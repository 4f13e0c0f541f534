import { useBlocker, useLocation, useNavigate, useParams } from '@tanstack/react-router';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import type { WorkspaceSortField } from '../../../../shared/domain/workspace-rules';
import { DataTable } from '../../components/DataTable';
import { Modal } from '../../components/Modal';
import { useAppStore } from '../../stores/app-store';
import { BudgetStatusProvider } from '../budgets/budget-status-context';
import { ExportButton } from '../exports/ExportButton';
import { CreateWorkspaceDialog } from './CreateWorkspaceDialog';
import { DeleteWorkspaceDialog } from './DeleteWorkspaceDialog';
import { WorkspaceEditPanel } from './WorkspaceEditPanel';
import { isWorkspaceSection, type WorkspaceSectionId } from './workspace-sections';
import { workspaceColumns } from './workspace-columns';
import { WorkspaceSelect } from './WorkspaceSelect';

export function WorkspacesPage() {
  const { list, listQuery, listLoading, listError, setListQuery, allWorkspaces, active } = useAppStore();
  const [searchText, setSearchText] = useState(listQuery.search);
  const [createClicked, setCreateClicked] = useState(false);
  // The dialog also has a URL, #/workspaces/new (the command palette and links open it).
  const createFromUrl = useLocation({ select: (l) => l.pathname === '/workspaces/new' });
  const createOpen = createClicked || createFromUrl;
  const createdRef = useRef(false);
  // The open workspace and section are the URL: #/workspaces/<id>[/<section>].
  const params = useParams({ strict: false });
  const editingId = params.workspaceId ?? null;
  const section = isWorkspaceSection(params.section) ? params.section : null;
  const navigate = useNavigate();
  const [dirty, setDirty] = useState(false);
  const dirtyRef = useRef(false);
  dirtyRef.current = dirty;
  const [deleting, setDeleting] = useState<Workspace | null>(null);

  // Debounced server-side search.
  useEffect(() => {
    if (searchText === listQuery.search) return;
    const timer = setTimeout(() => setListQuery({ search: searchText }), 150);
    return () => clearTimeout(timer);
  }, [searchText, listQuery.search, setListQuery]);

  const editing = allWorkspaces.find((w) => w.id === editingId) ?? null;
  const limit = list?.limit ?? 20;
  const atLimit = allWorkspaces.length >= limit;
  const total = list?.total ?? 0;
  const pageCount = Math.max(1, Math.ceil(total / listQuery.page.size));

  const select = useCallback(
    (id: string | null, options: { ignoreBlocker?: boolean } = {}) => {
      if (id === editingId) return;
      void navigate(id ? { to: '/workspaces/$workspaceId', params: { workspaceId: id }, ...options } : { to: '/workspaces', ...options });
    },
    [editingId, navigate],
  );
  const onDirtyChange = useCallback((value: boolean) => setDirty(value), []);
  const onSectionChange = useCallback(
    (next: WorkspaceSectionId) => {
      if (editingId) void navigate({ to: '/workspaces/$workspaceId/$section', params: { workspaceId: editingId, section: next }, replace: true });
    },
    [editingId, navigate],
  );

  // Unsaved edits: every way out of this workspace (another row, the sidebar, Back/Forward, a typed
  // URL, the palette) asks first; moving between sections of the same workspace keeps the edits.
  // Reload and window close are guarded by the panel's beforeunload handler.
  const blocker = useBlocker({
    shouldBlockFn: ({ next }) => dirtyRef.current && (next.params as { workspaceId?: string }).workspaceId !== editingId,
    disabled: !dirty,
    enableBeforeUnload: false,
    withResolver: true,
  });

  return (
    <BudgetStatusProvider refreshKey={list}>
    <div className="page page--workspaces">
      <header className="page__header">
        <div>
          <h1>Workspaces</h1>
          <p className="page__subtitle">
            {allWorkspaces.length} of {limit} workspaces, including the default workspace
          </p>
        </div>
        <div className="page__header-tools">
          <WorkspaceSelect label="Current Workspace" />
          <ExportButton label="Export workspaces CSV" request={WORKSPACES_EXPORT} />
          <button type="button" className="primary" onClick={() => setCreateClicked(true)} disabled={atLimit} aria-describedby={atLimit ? 'limit-note' : undefined}>
            Create workspace
          </button>
        </div>
      </header>
      {atLimit ? (
        <p id="limit-note" className="note">
          You have reached the limit of {limit} workspaces. Delete one to create another.
        </p>
      ) : null}

      <div className="toolbar">
        <label className="search">
          <span className="visually-hidden">Search workspaces</span>
          <input type="search" placeholder="Search by name or ID" value={searchText} onChange={(e) => setSearchText(e.target.value)} aria-label="Search workspaces" />
        </label>
        <span className="toolbar__status" aria-live="polite">
          {listLoading ? 'Loading…' : listQuery.search ? `${total} match${total === 1 ? '' : 'es'}` : ''}
        </span>
      </div>
      {listError ? (
        <p className="form-error" role="alert">
          {listError}
        </p>
      ) : null}

      <div className={`split${editingId ? ' split--open' : ''}`}>
        <div className="split__main">
          <DataTable
            label="Workspaces"
            columns={workspaceColumns}
            rows={list?.items ?? NO_ROWS}
            getRowId={(w) => w.id}
            sorting={[{ id: listQuery.sort.field, desc: listQuery.sort.direction === 'desc' }]}
            onSortingChange={(sorting) => {
              const first = sorting[0];
              if (first) setListQuery({ sort: { field: first.id as WorkspaceSortField, direction: first.desc ? 'desc' : 'asc' } });
            }}
            onRowActivate={(w) => select(w.id)}
            selectedRowId={editingId}
            empty={
              listQuery.search ? (
                <>No workspace name or ID contains “{listQuery.search}”. Clear the search to see all workspaces.</>
              ) : (
                <>No workspaces yet. Use “Create workspace” to add one.</>
              )
            }
          />
          <div className="table-footer">
            <span>
              Rows{' '}
              {total === 0 ? 0 : listQuery.page.index * listQuery.page.size + 1}–{Math.min(total, (listQuery.page.index + 1) * listQuery.page.size)} of {total}
            </span>
            <button type="button" disabled={listQuery.page.index === 0} onClick={() => setListQuery({ page: { ...listQuery.page, index: listQuery.page.index - 1 } })}>
              Previous page
            </button>
            <button
              type="button"
              disabled={listQuery.page.index + 1 >= pageCount}
              onClick={() => setListQuery({ page: { ...listQuery.page, index: listQuery.page.index + 1 } })}
            >
              Next page
            </button>
            <span className="hint">Select a row to edit it{active ? ` · Active: ${active.name}` : ''}</span>
          </div>
        </div>
        {editingId && !editing && list ? (
          <p className="note" role="status">
            There is no workspace with ID <code>{editingId}</code> (it may have been deleted). Pick one from the table.
          </p>
        ) : null}
        {editing ? (
          <WorkspaceEditPanel
            key={editing.id}
            workspace={editing}
            section={section}
            onSectionChange={onSectionChange}
            onDirtyChange={onDirtyChange}
            onRequestClose={() => select(null)}
            onRequestDelete={setDeleting}
          />
        ) : null}
      </div>

      <CreateWorkspaceDialog
        open={createOpen}
        defaultOwnerId={active?.ownerMemberId ?? ''}
        onClose={() => {
          setCreateClicked(false);
          // Cancel from #/workspaces/new goes back to the list; after a create, onCreated has navigated already.
          if (createFromUrl && !createdRef.current) void navigate({ to: '/workspaces', replace: true });
          createdRef.current = false;
        }}
        onCreated={(id) => {
          createdRef.current = true;
          if (createFromUrl) void navigate({ to: '/workspaces/$workspaceId', params: { workspaceId: id }, replace: true });
          else select(id);
        }}
      />
      <DeleteWorkspaceDialog
        workspace={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={() => {
          setDeleting(null);
          setDirty(false);
          select(null, { ignoreBlocker: true });
        }}
      />
      <Modal title="Discard unsaved changes?" alert open={blocker.status === 'blocked'} onClose={() => blocker.reset?.()}>
        <p>Your edits to {editing?.name ?? 'this workspace'} have not been saved.</p>
        <div className="modal__actions">
          <button type="button" onClick={() => blocker.reset?.()}>
            Keep editing
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setDirty(false);
              blocker.proceed?.();
            }}
          >
            Discard changes
          </button>
        </div>
      </Modal>
    </div>
    </BudgetStatusProvider>
  );
}

const NO_ROWS: Workspace[] = [];
const WORKSPACES_EXPORT = { kind: 'workspaces' } as const;
