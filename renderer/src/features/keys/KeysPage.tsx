import { useCallback, useEffect, useMemo, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import { GRACE_MAX_SECONDS, GRACE_MIN_SECONDS, KEY_NAME_MAX, type ApiKey } from '../../../../shared/contract/key-schemas';
import { parseMoneyToMinor } from '../../../../shared/domain/money';
import { DataTable } from '../../components/DataTable';
import { Field } from '../../components/Field';
import { Modal } from '../../components/Modal';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { refreshAfterWorkspaceChange, useAppStore } from '../../stores/app-store';
import { ExportButton } from '../exports/ExportButton';
import { WorkspaceSelect } from '../workspaces/WorkspaceSelect';
import { keyColumns } from './key-columns';
import { SecretOnceDialog } from './SecretOnceDialog';
import { useDataVersion } from '../../stores/data-versions';

type StatusFilter = 'all' | 'active' | 'expired' | 'revoked';
const GRACE_OPTIONS = [
  { seconds: 0, label: 'No grace: old secret stops working now' },
  { seconds: GRACE_MIN_SECONDS, label: '30 minutes' },
  { seconds: 3600 * 24, label: '1 day' },
  { seconds: GRACE_MAX_SECONDS, label: '7 days' },
];
const NO_KEYS: ApiKey[] = [];

interface CreateForm {
  name: string;
  expires: string;
  rpm: string;
  tpm: string;
  budget: string;
}
const EMPTY_FORM: CreateForm = { name: '', expires: '', rpm: '', tpm: '', budget: '' };

function optionalInt(text: string): number | null | 'bad' {
  if (text.trim() === '') return null;
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : 'bad';
}

export function KeysPage() {
  const active = useAppStore((s) => s.active);
  const [status, setStatus] = useState<StatusFilter>('all');
  const [search, setSearch] = useState('');
  const [data, setData] = useState<ChannelOutput<'keys:list'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [createOpen, setCreateOpen] = useState(false);
  const [form, setForm] = useState<CreateForm>(EMPTY_FORM);
  const [formErrors, setFormErrors] = useState<Record<string, string>>({});
  const [secret, setSecret] = useState<{ value: string; keyName: string } | null>(null);
  const [confirm, setConfirm] = useState<{ kind: 'rotate' | 'revoke' | 'delete'; key: ApiKey } | null>(null);
  const [grace, setGrace] = useState(0);
  const [confirmError, setConfirmError] = useState<string | null>(null);

  const workspaceId = active?.id;
  const load = useCallback(async () => {
    if (!workspaceId) return;
    try {
      setData(await invoke('keys:list', { workspaceId, status, search }));
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [workspaceId, status, search]);
  const changes = useDataVersion('api_key');
  useEffect(() => {
    const timer = setTimeout(() => void load(), 100);
    return () => clearTimeout(timer);
  }, [load, changes]);

  const afterChange = async () => {
    await load();
    await refreshAfterWorkspaceChange();
  };

  const create = async () => {
    if (!workspaceId) return;
    const rpm = optionalInt(form.rpm);
    const tpm = optionalInt(form.tpm);
    const budget = form.budget.trim() === '' ? null : parseMoneyToMinor(form.budget, active?.currency ?? 'USD');
    const local: Record<string, string> = {};
    if (rpm === 'bad') local.rpmLimit = 'Enter a whole number, or leave empty for the default';
    if (tpm === 'bad') local.tpmLimit = 'Enter a whole number, or leave empty for the default';
    if (form.budget.trim() !== '' && budget === null) local.monthlyBudgetMinor = 'Enter an amount like 100 or 99.50';
    if (Object.keys(local).length) return setFormErrors(local);
    try {
      const created = await invoke('keys:create', {
        workspaceId,
        name: form.name,
        expiresAt: form.expires ? new Date(`${form.expires}T23:59:59`).toISOString() : null,
        rpmLimit: rpm as number | null,
        tpmLimit: tpm as number | null,
        monthlyBudgetMinor: budget,
      });
      setCreateOpen(false);
      setForm(EMPTY_FORM);
      setFormErrors({});
      setSecret({ value: created.secret, keyName: created.key.name });
      await afterChange();
    } catch (e) {
      const byField = fieldErrors(e);
      setFormErrors(Object.keys(byField).length ? byField : { form: errorMessage(e) });
    }
  };

  const runConfirmed = async () => {
    if (!confirm) return;
    try {
      if (confirm.kind === 'rotate') {
        const rotated = await invoke('keys:rotate', { id: confirm.key.id, graceSeconds: grace });
        setSecret({ value: rotated.secret, keyName: rotated.key.name });
      } else if (confirm.kind === 'revoke') {
        await invoke('keys:revoke', { id: confirm.key.id });
      } else {
        await invoke('keys:delete', { id: confirm.key.id });
      }
      setConfirm(null);
      setConfirmError(null);
      await afterChange();
    } catch (e) {
      setConfirmError(errorMessage(e));
    }
  };

  const columns = useMemo(
    () =>
      keyColumns(
        (key) => (
          <span className="row-actions">
            {key.status === 'active' ? (
              <>
                <button type="button" onClick={() => setConfirm({ kind: 'rotate', key })} aria-label={`Rotate ${key.name}`}>
                  Rotate
                </button>
                <button type="button" className="danger-outline" onClick={() => setConfirm({ kind: 'revoke', key })} aria-label={`Revoke ${key.name}`}>
                  Revoke
                </button>
              </>
            ) : (
              <button type="button" className="danger-outline" onClick={() => setConfirm({ kind: 'delete', key })} aria-label={`Delete ${key.name}`}>
                Delete
              </button>
            )}
          </span>
        ),
        active?.currency ?? 'USD',
      ),
    [active?.currency],
  );

  const atLimit = data ? data.activeCount >= data.activeLimit : false;
  return (
    <div className="page">
      <header className="page__header">
        <div>
          <h1>API Keys</h1>
          <p className="page__subtitle">
            {active ? `${active.name}: ` : ''}
            {data ? `${data.activeCount}/${data.activeLimit} active keys` : ''}
          </p>
        </div>
        <div className="page__header-tools">
          <WorkspaceSelect label="Current Workspace" />
          {/* All keys of the workspace, masked; the search and status filter only narrow the table. */}
          {active ? <ExportButton label="Export keys CSV" request={{ kind: 'keys', workspaceId: active.id }} /> : null}
          <button
            type="button"
            className="primary"
            disabled={!active || atLimit}
            onClick={() => {
              // A fresh form every time: Cancel must not leave old values or an old error for the next attempt.
              setForm(EMPTY_FORM);
              setFormErrors({});
              setCreateOpen(true);
            }}
          >
            Create key
          </button>
        </div>
      </header>
      {atLimit ? <p className="note">This workspace has the maximum of {data?.activeLimit} active keys. Revoke one to create another.</p> : null}
      <div className="toolbar">
        <input type="search" aria-label="Search keys" placeholder="Search by name or last 4" value={search} onChange={(e) => setSearch(e.target.value)} />
        <label className="inline-label">
          Status{' '}
          <select aria-label="Status filter" value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)}>
            <option value="all">All</option>
            <option value="active">Active</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
          </select>
        </label>
      </div>
      {error ? <p role="alert" className="form-error">{error}</p> : null}
      <DataTable
        label="API keys"
        columns={columns}
        rows={data?.items ?? NO_KEYS}
        getRowId={(k) => k.id}
        empty={search || status !== 'all' ? 'No key matches these filters.' : 'No API keys yet. Use “Create key” to issue one.'}
      />

      <Modal title="Create API key" open={createOpen} onClose={() => setCreateOpen(false)}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <div className="form-grid">
            <Field label="Key name" error={formErrors.name} hint={`1–${KEY_NAME_MAX} characters`}>
              <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
            </Field>
            <Field label="Expires on (optional)" error={formErrors.expiresAt}>
              <input type="date" value={form.expires} onChange={(e) => setForm({ ...form, expires: e.target.value })} />
            </Field>
            <Field label="Requests per minute (optional)" error={formErrors.rpmLimit}>
              <input inputMode="numeric" value={form.rpm} onChange={(e) => setForm({ ...form, rpm: e.target.value })} />
            </Field>
            <Field label="Tokens per minute (optional)" error={formErrors.tpmLimit}>
              <input inputMode="numeric" value={form.tpm} onChange={(e) => setForm({ ...form, tpm: e.target.value })} />
            </Field>
            <Field label="Monthly budget (optional)" error={formErrors.monthlyBudgetMinor}>
              <input inputMode="decimal" value={form.budget} onChange={(e) => setForm({ ...form, budget: e.target.value })} />
            </Field>
          </div>
          <p className="form-error" role={formErrors.form ? 'alert' : undefined}>
            {formErrors.form ?? ''}
          </p>
          <div className="modal__actions">
            <button type="button" onClick={() => setCreateOpen(false)}>
              Cancel
            </button>
            <button type="submit" className="primary">
              Create key
            </button>
          </div>
        </form>
      </Modal>

      <Modal
        title={confirm ? `${confirm.kind === 'rotate' ? 'Rotate' : confirm.kind === 'revoke' ? 'Revoke' : 'Delete'} ${confirm.key.name}?` : ''}
        open={confirm !== null}
        alert
        onClose={() => {
          setConfirm(null);
          setConfirmError(null);
        }}
      >
        {confirm?.kind === 'rotate' ? (
          <>
            <p>A new secret replaces the current one. The key keeps its ID and limits.</p>
            <label className="inline-label">
              Keep the old secret valid for{' '}
              <select aria-label="Grace window" value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
                {GRACE_OPTIONS.map((o) => (
                  <option key={o.seconds} value={o.seconds}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : confirm?.kind === 'revoke' ? (
          <p>Revoking is final: the key stops working at once and cannot be re-activated. It stays in the list as revoked.</p>
        ) : (
          <p>This removes the key from the list permanently. Its audit history is kept.</p>
        )}
        <p className="form-error" role={confirmError ? 'alert' : undefined}>
          {confirmError ?? ''}
        </p>
        <div className="modal__actions">
          <button type="button" onClick={() => setConfirm(null)}>
            Cancel
          </button>
          <button type="button" className={confirm?.kind === 'rotate' ? 'primary' : 'danger'} onClick={() => void runConfirmed()}>
            {confirm?.kind === 'rotate' ? 'Rotate key' : confirm?.kind === 'revoke' ? 'Revoke key' : 'Delete key'}
          </button>
        </div>
      </Modal>

      <SecretOnceDialog secret={secret?.value ?? null} keyName={secret?.keyName ?? ''} onClose={() => setSecret(null)} />
    </div>
  );
}
