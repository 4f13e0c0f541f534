import type { SyncRun } from '../../../../shared/contract/sync-schemas';
import { formatTime, runOpsLine, runStateLabel, summaryLine } from './plan-format';

/** `sync:runs` of one remote, newest first. */
export function RunHistory({ remoteName, runs, error }: { remoteName: string; runs: SyncRun[] | null; error: string | null }) {
  return (
    <div className="table-wrap sync-history">
      <table className="data-table sync-table">
        <caption className="visually-hidden">Sync runs with “{remoteName}”, newest first</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Plan</th>
            <th scope="col">Operations</th>
            <th scope="col">Started</th>
            <th scope="col">Finished</th>
            <th scope="col">Message</th>
          </tr>
        </thead>
        <tbody>
          {error ? (
            <tr>
              <td colSpan={6} className="data-table__empty form-error">
                {error}
              </td>
            </tr>
          ) : runs === null ? (
            <tr>
              <td colSpan={6} className="data-table__empty">
                Loading…
              </td>
            </tr>
          ) : runs.length === 0 ? (
            <tr>
              <td colSpan={6} className="data-table__empty">
                No sync runs yet. “Review changes” makes the first plan.
              </td>
            </tr>
          ) : (
            runs.map((run) => (
              <tr key={run.runId}>
                <td>
                  <span className={`sync-run-state sync-run-state--${run.state}`}>{runStateLabel(run.state)}</span>
                </td>
                <td className="sync-table__wrap">{summaryLine(run.summary)}</td>
                <td>{runOpsLine(run)}</td>
                <td>
                  <time dateTime={run.startedAt ?? run.createdAt}>{formatTime(run.startedAt ?? run.createdAt)}</time>
                </td>
                <td>{run.finishedAt ? <time dateTime={run.finishedAt}>{formatTime(run.finishedAt)}</time> : '—'}</td>
                <td className="sync-table__wrap">{run.message ?? ''}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
