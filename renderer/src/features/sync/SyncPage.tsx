import { useCallback, useRef, useState } from 'react';
import type { Remote, RemoteTest, SyncStatus } from '../../../../shared/contract/sync-schemas';
import { errorMessage, invoke } from '../../ipc/client';
import { count } from '../jobs/job-format';
import { formatTime, testLine } from './plan-format';
import { RemoteDialog, RemoveRemoteDialog } from './RemoteDialog';
import { RemoteSyncPanel } from './RemoteSyncPanel';
import { useSyncStatus } from './sync-status';
import { useReturnFocus } from './use-return-focus';
import './sync.css';

type RemoteStatus = SyncStatus['remotes'][number];
type Dialog = { kind: 'add' } | { kind: 'edit'; remote: Remote } | { kind: 'remove'; remote: Remote };

/** Remotes, and the selected one's review → resolve → apply, usage pull and history. */
export function SyncPage() {
  const { status, error, refresh } = useSyncStatus();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [notice, setNotice] = useState('');
  const [tests, setTests] = useState<Record<string, RemoteTest>>({});
  const [testing, setTesting] = useState<string | null>(null);
  const [panelBusy, setPanelBusy] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const rememberOpener = useReturnFocus(dialog !== null, headingRef);

  const remotes = status?.remotes ?? [];
  const selected = remotes.find((r) => r.remote.id === selectedId) ?? remotes[0] ?? null;

  const open = (next: Dialog) => {
    rememberOpener();
    setNotice('');
    setDialog(next);
  };
  const closeDialog = () => setDialog(null);

  const runTest = useCallback(
    async (remote: Remote) => {
      setTesting(remote.id);
      try {
        const result = await invoke('remotes:test', { id: remote.id });
        setTests((all) => ({ ...all, [remote.id]: result }));
        setNotice(`Tested “${remote.name}”: ${testLine(result)}.`);
      } catch (e) {
        setNotice(`Could not test “${remote.name}”: ${errorMessage(e)}`);
      } finally {
        setTesting(null);
        void refresh();
      }
    },
    [refresh],
  );

  return (
    <div className="page sync-page">
      <header className="page__header">
        <div>
          <h1 id="page-title" ref={headingRef} tabIndex={-1}>
            Sync
          </h1>
          <p className="page__subtitle">
            Send your offline edits to your gateway when you choose, take what changed there, and pull its usage. Nothing is sent before you review it.
          </p>
        </div>
        <div className="page__header-tools">
          <button type="button" className="primary" onClick={() => open({ kind: 'add' })}>
            Add remote
          </button>
        </div>
      </header>

      {error ? (
        <p role="alert" className="form-error">
          {error}
        </p>
      ) : null}
      <p role="status" className="form-status form-status--saved">
        {notice}
      </p>

      <section aria-labelledby="sync-remotes-title" className="sync-remotes">
        <h2 id="sync-remotes-title">Remotes</h2>
        {status && remotes.length === 0 ? (
          <div className="sync-empty">
            <p>
              <strong>No remote gateway yet.</strong> Add your gateway’s URL and admin key with “Add remote”; Gatehouse keeps the key encrypted and shows you
              every change before anything is sent.
            </p>
            <p>
              To try sync locally, run <code>npm run gateway</code> in a terminal. It starts the reference gateway (for trying sync, not for production) and
              prints its URL, <code>Gatehouse reference gateway: http://127.0.0.1:…</code>, and the file holding the admin key it made. Add that URL and key
              here.
            </p>
          </div>
        ) : (
          <RemotesTable
            remotes={remotes}
            loading={!status}
            tests={tests}
            onEdit={(remote) => open({ kind: 'edit', remote })}
            onRemove={(remote) => open({ kind: 'remove', remote })}
          />
        )}
      </section>

      {selected ? (
        <RemoteSyncPanel
          entry={selected}
          test={tests[selected.remote.id] ?? null}
          testing={testing === selected.remote.id}
          onTest={() => void runTest(selected.remote)}
          onBusyChange={setPanelBusy}
          switcher={
            remotes.length > 1 ? (
              <label className="inline-label">
                Remote
                <select value={selected.remote.id} disabled={panelBusy} onChange={(e) => setSelectedId(e.target.value)}>
                  {remotes.map((r) => (
                    <option key={r.remote.id} value={r.remote.id}>
                      {r.remote.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null
          }
        />
      ) : null}

      {dialog?.kind === 'add' || dialog?.kind === 'edit' ? (
        <RemoteDialog
          remote={dialog.kind === 'edit' ? dialog.remote : null}
          onClose={closeDialog}
          onSaved={(remote, message) => {
            setDialog(null);
            setNotice(message);
            if (dialog.kind === 'add') setSelectedId(remote.id);
            void refresh();
          }}
        />
      ) : null}
      {dialog?.kind === 'remove' ? (
        <RemoveRemoteDialog
          remote={dialog.remote}
          onClose={closeDialog}
          onRemoved={(message) => {
            setDialog(null);
            setNotice(message);
            void refresh();
          }}
        />
      ) : null}
    </div>
  );
}

interface RemotesTableProps {
  remotes: RemoteStatus[];
  loading: boolean;
  tests: Record<string, RemoteTest>;
  onEdit: (remote: Remote) => void;
  onRemove: (remote: Remote) => void;
}

function RemotesTable({ remotes, loading, tests, onEdit, onRemove }: RemotesTableProps) {
  return (
    <div className="table-wrap">
      <table className="data-table sync-table">
        <caption className="visually-hidden">Remote gateways and their sync status</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">URL</th>
            <th scope="col">Kind</th>
            <th scope="col">Connection</th>
            <th scope="col">Last sync</th>
            <th scope="col">Last usage pull</th>
            <th scope="col" className="num">
              Local changes not yet synced
            </th>
            <th scope="col" className="num">
              Open conflicts
            </th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {loading ? (
            <tr>
              <td colSpan={9} className="data-table__empty">
                Loading remotes…
              </td>
            </tr>
          ) : (
            remotes.map(({ remote, pendingChanges, openConflicts }) => {
              const test = tests[remote.id];
              return (
                <tr key={remote.id}>
                  <th scope="row">{remote.name}</th>
                  <td className="sync-table__url">{remote.baseUrl}</td>
                  <td>{remote.kind}</td>
                  <td className={`sync-table__wrap${test && !(test.reachable && test.authenticated) ? ' sync-connection--bad' : ''}`}>
                    {test
                      ? testLine(test)
                      : remote.lastTestedAt
                        ? `Last tested ${formatTime(remote.lastTestedAt)}${remote.protocolVersion ? ` · protocol ${remote.protocolVersion}` : ''}`
                        : 'Not tested yet'}
                  </td>
                  <td>{formatTime(remote.lastSyncAt)}</td>
                  <td>{formatTime(remote.lastUsagePullAt)}</td>
                  <td className="num">{pendingChanges ? count(pendingChanges) : 'None'}</td>
                  <td className={`num${openConflicts ? ' sync-connection--bad' : ''}`}>{openConflicts ? count(openConflicts) : 'None'}</td>
                  <td>
                    <span className="row-actions">
                      <button type="button" onClick={() => onEdit(remote)} aria-label={`Edit ${remote.name}`}>
                        Edit
                      </button>
                      <button type="button" className="danger-outline" onClick={() => onRemove(remote)} aria-label={`Remove ${remote.name}`}>
                        Remove
                      </button>
                    </span>
                  </td>
                </tr>
              );
            })
          )}
        </tbody>
      </table>
    </div>
  );
}
