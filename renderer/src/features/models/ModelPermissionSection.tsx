import { createContext, useCallback, useContext, useEffect, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { LimitWarning, Model } from '../../../../shared/contract/model-schemas';
import type { Workspace } from '../../../../shared/contract/workspace-schemas';
import { modelTypeLabel } from '../../../../shared/domain/model-rules';
import { columnHelperFor, DataTable, type DataColumn } from '../../components/DataTable';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { draftFromGrant, draftFromModel, parseLimit, sameDraft, toGrantInputs, type DraftGrant } from './grant-draft';
import { ModelSelectionDialog } from './ModelSelectionDialog';
import './models.css';

interface Props {
  workspace: Workspace;
  /** Reports unsaved edits so the panel's unsaved-changes guard covers this section too. */
  onDirtyChange: (dirty: boolean) => void;
}

/** Rows shown at once; a whole-catalog grant list would otherwise render thousands of inputs. */
const GRANT_PAGE_SIZE = 25;
const helper = columnHelperFor<DraftGrant>();

/** Row cells edit the draft through context, so column definitions stay stable and inputs keep focus while typing. */
const DraftContext = createContext<{ setDraft: Dispatch<SetStateAction<DraftGrant[]>>; errors: Record<string, string>; indexOf: (modelId: string) => number; disabled: boolean }>({
  setDraft: () => {},
  errors: {},
  indexOf: () => -1,
  disabled: false,
});

function LimitInput({ row, field }: { row: DraftGrant; field: 'rpm' | 'tpm' }) {
  const { setDraft, errors, indexOf, disabled } = useContext(DraftContext);
  const error = errors[`grants.${indexOf(row.modelId)}.${field}Limit`];
  const what = field === 'rpm' ? 'Requests/min' : 'Tokens/min';
  return (
    <span className="limit-input">
      <input
        inputMode="numeric"
        aria-label={`${what} for ${row.displayName}`}
        placeholder="default"
        value={row[field]}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        title={error}
        onChange={(e) => {
          const value = e.target.value;
          setDraft((rows) => rows.map((r) => (r.modelId === row.modelId ? { ...r, [field]: value } : r)));
        }}
      />
      {error ? (
        <span className="limit-input__error" role="alert">
          {error}
        </span>
      ) : null}
    </span>
  );
}

function RemoveButton({ row }: { row: DraftGrant }) {
  const { setDraft, disabled } = useContext(DraftContext);
  return (
    <button type="button" className="link-button" aria-label={`Remove ${row.displayName}`} disabled={disabled} onClick={() => setDraft((rows) => rows.filter((r) => r.modelId !== row.modelId))}>
      Remove
    </button>
  );
}

const grantColumns: DataColumn<DraftGrant>[] = [
  helper.accessor('displayName', {
    id: 'model',
    header: 'Model',
    cell: (ctx) => (
      <span className="grant-model">
        {ctx.getValue()}
        <small>
          {ctx.row.original.vendor} · {modelTypeLabel(ctx.row.original.type)}
        </small>
      </span>
    ),
  }),
  helper.display({ id: 'rpm', header: 'RPM', cell: (ctx) => <LimitInput row={ctx.row.original} field="rpm" /> }),
  helper.display({
    id: 'tpm',
    header: 'TPM',
    // Models billed per image, second or character have no tokens/min limit at all.
    cell: (ctx) => (ctx.row.original.tokenMetered ? <LimitInput row={ctx.row.original} field="tpm" /> : <span title="Not billed by tokens: no tokens/min limit">n/a</span>),
  }),
  helper.display({ id: 'actions', header: () => <span className="visually-hidden">Actions</span>, cell: (ctx) => <RemoveButton row={ctx.row.original} /> }),
];

/** Model permission section of the workspace edit panel. */
export function ModelPermissionSection({ workspace, onDirtyChange }: Props) {
  const [saved, setSaved] = useState<ChannelOutput<'modelGrants:list'> | null>(null);
  const [draft, setDraft] = useState<DraftGrant[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<{ kind: 'error' | 'saved'; text: string } | null>(null);
  const [warnings, setWarnings] = useState<LimitWarning[]>([]);
  const [pickerOpen, setPickerOpen] = useState(false);
  const [saving, setSaving] = useState(false);
  const [pageIndex, setPageIndex] = useState(0);
  const headingId = `model-permission-${workspace.id}`;

  const load = useCallback(async () => {
    const list = await invoke('modelGrants:list', { workspaceId: workspace.id });
    setSaved(list);
    setDraft(list.items.map(draftFromGrant));
    setErrors({});
  }, [workspace.id]);
  useEffect(() => {
    load().catch((e: unknown) => setStatus({ kind: 'error', text: errorMessage(e) }));
  }, [load]);

  const savedDraft = useMemo(() => saved?.items.map(draftFromGrant) ?? [], [saved]);
  const dirty = saved !== null && !saved.allModels && !sameDraft(draft, savedDraft);
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => () => onDirtyChange(false), [onDirtyChange]);

  // The offline checker runs on the draft, so problems show before anything is saved.
  useEffect(() => {
    if (!saved || saved.allModels) return;
    const rows = draft.flatMap((row) => {
      const rpm = parseLimit(row.rpm);
      const tpm = parseLimit(row.tpm);
      return rpm === 'bad' || tpm === 'bad' ? [] : [{ modelId: row.modelId, rpmLimit: rpm, tpmLimit: row.tokenMetered ? tpm : null }];
    });
    let stale = false;
    const timer = setTimeout(() => {
      invoke('models:checkLimits', { workspaceId: workspace.id, draft: rows })
        .then((result) => !stale && setWarnings(result.warnings))
        .catch(() => !stale && setWarnings([]));
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [draft, saved, workspace.id]);

  const grantedIds = useMemo(() => new Set(draft.map((r) => r.modelId)), [draft]);
  const indexOf = useCallback((modelId: string) => draft.findIndex((r) => r.modelId === modelId), [draft]);
  const context = useMemo(() => ({ setDraft, errors, indexOf, disabled: saving }), [errors, indexOf, saving]);
  const pageCount = Math.max(1, Math.ceil(draft.length / GRANT_PAGE_SIZE));
  const currentPage = Math.min(pageIndex, pageCount - 1);
  const visible = draft.slice(currentPage * GRANT_PAGE_SIZE, (currentPage + 1) * GRANT_PAGE_SIZE);

  const addModels = (models: Model[]) => {
    setDraft((rows) => [...rows, ...models.filter((m) => !rows.some((r) => r.modelId === m.id)).map((m) => draftFromModel(m))]);
    setPickerOpen(false);
    setStatus(null);
  };

  const save = async () => {
    if (!saved) return;
    const converted = toGrantInputs(draft);
    if (!converted.ok) {
      setErrors(converted.errors);
      setStatus({ kind: 'error', text: 'Fix the highlighted limits first' });
      return;
    }
    setSaving(true);
    setStatus(null);
    try {
      const result = await invoke('modelGrants:save', { workspaceId: workspace.id, expectedVersion: saved.version, grants: converted.grants });
      const { summary, ...list } = result;
      setSaved(list);
      setDraft(list.items.map(draftFromGrant));
      setErrors({});
      setStatus({ kind: 'saved', text: `Model permissions saved: ${summary.added} added, ${summary.changed} changed, ${summary.removed} removed` });
    } catch (e) {
      const byField = fieldErrors(e);
      setErrors(byField);
      const firstRow = Object.keys(byField)[0]?.match(/^grants\.(\d+)\./);
      if (firstRow) setPageIndex(Math.floor(Number(firstRow[1]) / GRANT_PAGE_SIZE));
      setStatus({ kind: 'error', text: errorMessage(e) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="model-permission" aria-labelledby={headingId}>
      <h3 id={headingId}>Model permission</h3>
      {saved === null ? (
        <p className="form-status">{status?.text ?? 'Loading…'}</p>
      ) : saved.allModels ? (
        <p className="note">The default workspace can call all models in the catalog; there is no grant list to manage. Sub-workspaces call only the models granted to them.</p>
      ) : (
        <>
          <div className="model-permission__bar">
            <span>
              {draft.length} model{draft.length === 1 ? '' : 's'} granted · empty limits inherit the gateway default
            </span>
            <button type="button" onClick={() => setPickerOpen(true)} disabled={saving}>
              All Models
            </button>
          </div>
          <DraftContext.Provider value={context}>
            <DataTable
              label={`Granted models for ${workspace.name}`}
              columns={grantColumns}
              rows={visible}
              getRowId={(r) => r.modelId}
              empty="No models granted yet: this workspace cannot call any model. Use “All Models” to grant some."
            />
          </DraftContext.Provider>
          {draft.length > GRANT_PAGE_SIZE ? (
            <div className="table-footer">
              <span>
                Page {currentPage + 1} of {pageCount}
              </span>
              <button type="button" disabled={currentPage === 0} onClick={() => setPageIndex(currentPage - 1)}>
                Previous granted page
              </button>
              <button type="button" disabled={currentPage + 1 >= pageCount} onClick={() => setPageIndex(currentPage + 1)}>
                Next granted page
              </button>
            </div>
          ) : null}
          {warnings.length ? (
            <ul className="limit-warnings" aria-label="Limit warnings">
              {warnings.map((w, i) => (
                <li key={`${w.code}-${w.modelId}-${w.keyId}-${i}`} className={`limit-warnings__item limit-warnings__item--${w.severity}`}>
                  <strong>{w.severity === 'error' ? 'Error' : 'Warning'}:</strong> {w.message}
                </li>
              ))}
            </ul>
          ) : null}
          <p className={`form-status form-status--${status?.kind ?? 'none'}`} role="status">
            {status?.text ?? (dirty ? 'You have unsaved model permission changes' : '')}
          </p>
          <div className="edit-panel__actions">
            <span className="spacer" />
            <button
              type="button"
              disabled={!dirty || saving}
              onClick={() => {
                setDraft(savedDraft);
                setErrors({});
                setStatus(null);
              }}
            >
              Cancel
            </button>
            <button type="button" className="primary" disabled={!dirty || saving} onClick={() => void save()}>
              {saving ? 'Saving…' : 'Save Changes'}
            </button>
          </div>
          <ModelSelectionDialog open={pickerOpen} title={`Grant models to ${workspace.name}`} grantedIds={grantedIds} onClose={() => setPickerOpen(false)} onConfirm={addModels} />
        </>
      )}
    </section>
  );
}
