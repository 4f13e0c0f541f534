import { useCallback, useEffect, useState } from 'react';
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
import { workspaceColumns } from './workspace-columns';
import { WorkspaceSelect } from './WorkspaceSelect';

export function WorkspacesPage() {
  const { list, listQuery, listLoading, listError, setListQuery, allWorkspaces, active } = useAppStore();
  const [searchText, setSearchText] = useState(listQuery.search);
  const [createOpen, setCreateOpen] = useState(false);
  const [editingId, setEditingId] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [pendingSelection, setPendingSelection] = useState<{ id: string | null } | null>(null);
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
    (id: string | null) => {
      if (id === editingId) return;
      if (dirty) setPendingSelection({ id });
      else setEditingId(id);
    },
    [dirty, editingId],
  );
  const onDirtyChange = useCallback((value: boolean) => setDirty(value), []);

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
          <button type="button" className="primary" onClick={() => setCreateOpen(true)} disabled={atLimit} aria-describedby={atLimit ? 'limit-note' : undefined}>
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

      <div className={`split${editing ? ' split--open' : ''}`}>
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
        {editing ? (
          <WorkspaceEditPanel
            key={editing.id}
            workspace={editing}
            onDirtyChange={onDirtyChange}
            onRequestClose={() => select(null)}
            onRequestDelete={setDeleting}
          />
        ) : null}
      </div>

      <CreateWorkspaceDialog open={createOpen} defaultOwnerId={active?.ownerMemberId ?? ''} onClose={() => setCreateOpen(false)} onCreated={select} />
      <DeleteWorkspaceDialog
        workspace={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={() => {
          setDeleting(null);
          setDirty(false);
          setEditingId(null);
        }}
      />
      <Modal title="Discard unsaved changes?" alert open={pendingSelection !== null} onClose={() => setPendingSelection(null)}>
        <p>Your edits to {editing?.name ?? 'this workspace'} have not been saved.</p>
        <div className="modal__actions">
          <button type="button" onClick={() => setPendingSelection(null)}>
            Keep editing
          </button>
          <button
            type="button"
            className="danger"
            onClick={() => {
              setDirty(false);
              setEditingId(pendingSelection?.id ?? null);
              setPendingSelection(null);
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
