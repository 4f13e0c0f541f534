import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import type { PlanConflict, RemoteTest, SyncPlan, SyncRun, SyncStatus } from '../../../../shared/contract/sync-schemas';
import { errorMessage, invoke } from '../../ipc/client';
import { onCoreEvent } from '../../ipc/events';
import { isFinished, useJob } from '../../ipc/use-job';
import { useDataVersion } from '../../stores/data-versions';
import { count, countOf, doneOfTotal } from '../jobs/job-format';
import { JobProgress } from '../jobs/JobProgress';
import { formatLimits, runStateLabel } from './plan-format';
import { PlanView } from './PlanView';
import { RunHistory } from './RunHistory';
import { SYNC_JOB_KINDS } from './sync-status';

type RemoteStatus = SyncStatus['remotes'][number];
type ActivityKind = 'plan' | 'apply' | 'usage';
type Outcome = { tone: 'ok' | 'error' | 'info'; text: string };

const PROGRESS_LABEL: Record<ActivityKind, string> = { plan: 'Review progress', apply: 'Apply progress', usage: 'Usage pull progress' };
const DOING: Record<ActivityKind, string> = { plan: 'Reading the remote and comparing', apply: 'Applying', usage: 'Pulling usage records' };
const CANCEL_LABEL: Record<ActivityKind, string> = { plan: 'Cancel review', apply: 'Cancel apply', usage: 'Cancel usage pull' };

interface RemoteSyncPanelProps {
  entry: RemoteStatus;
  /** The remote's "Remote" select when there are several; disabled by the page while busy. */
  switcher: ReactNode;
  test: RemoteTest | null;
  testing: boolean;
  onTest: () => void;
  /** A job, a resolve or a plan load is under way (the page keeps the remote fixed meanwhile). */
  onBusyChange: (busy: boolean) => void;
}

/**
 * One remote's sync: test the connection, review the changes (a `sync:plan` job, then the stored
 * plan), resolve conflicts (each choice re-plans), apply (a `sync:apply` job quoting the plan's
 * hash), pull usage (a `sync:pullUsage` job), and the history of runs. One job at a time; its
 * progress and the last outcome share a fixed-height area so nothing below jumps.
 */
export function RemoteSyncPanel({ entry, switcher, test, testing, onTest, onBusyChange }: RemoteSyncPanelProps) {
  const remote = entry.remote;
  const [activity, setActivity] = useState<{ kind: ActivityKind; started: JobStatus } | null>(null);
  const [starting, setStarting] = useState<ActivityKind | null>(null);
  const [loadingPlan, setLoadingPlan] = useState(false);
  const [resolving, setResolving] = useState<string | null>(null);
  const [plan, setPlan] = useState<SyncPlan | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [runs, setRuns] = useState<SyncRun[] | null>(null);
  const [runsError, setRunsError] = useState<string | null>(null);
  const [runsTick, setRunsTick] = useState(0);
  const { job, error: followError, ask } = useJob(activity?.started.jobId ?? null, activity?.started ?? null);
  const handled = useRef<string | null>(null);
  const focusSummary = useRef(false);
  const summaryRef = useRef<HTMLParagraphElement>(null);

  const running = activity !== null && (job === null || !isFinished(job));
  const busy = starting !== null || running || loadingPlan || resolving !== null;
  useEffect(() => onBusyChange(busy), [busy, onBusyChange]);

  const anyChange = useDataVersion('*');
  // Runs change when any sync job ends, also one started from the CLI or another window.
  useEffect(
    () =>
      onCoreEvent('job', (event) => {
        if (SYNC_JOB_KINDS.includes(event.job.kind) && isFinished(event.job)) setRunsTick((n) => n + 1);
      }),
    [],
  );
  useEffect(() => {
    let live = true;
    invoke('sync:runs', { remoteId: remote.id, limit: 20 }).then(
      (answer) => {
        if (!live) return;
        setRuns(answer.runs);
        setRunsError(null);
      },
      (e: unknown) => live && setRunsError(errorMessage(e)),
    );
    return () => {
      live = false;
    };
  }, [remote.id, anyChange, runsTick]);

  const start = useCallback(
    async (kind: ActivityKind, input: () => Promise<JobStatus>) => {
      setStarting(kind);
      setOutcome(null);
      try {
        setActivity({ kind, started: await input() });
      } catch (e) {
        setOutcome({ tone: 'error', text: errorMessage(e) });
      } finally {
        setStarting(null);
      }
    },
    [],
  );
  const review = useCallback(() => start('plan', () => invoke('sync:plan', { remoteId: remote.id })), [start, remote.id]);

  // A job ended: read the plan it stored, or report what apply / the usage pull did.
  useEffect(() => {
    if (!activity || !job || !isFinished(job) || handled.current === job.jobId) return;
    handled.current = job.jobId;
    const kind = activity.kind;
    setActivity(null);
    setRunsTick((n) => n + 1);
    if (job.state !== 'done') {
      focusSummary.current = false;
      if (kind !== 'plan') setPlan(null); // an apply that stopped leaves a plan that is no longer current
      setOutcome({ tone: job.state === 'cancelled' ? 'info' : 'error', text: endedText(kind, job) });
      return;
    }
    const result = job.result;
    if (kind === 'plan' && result?.kind === 'sync-plan') {
      setLoadingPlan(true);
      invoke('sync:getPlan', { runId: result.runId })
        .then((stored) => {
          setPlan(stored);
          setOutcome(null);
        })
        .catch((e: unknown) => setOutcome({ tone: 'error', text: errorMessage(e) }))
        .finally(() => setLoadingPlan(false));
    } else if (kind === 'apply' && result?.kind === 'sync-apply') {
      setPlan(null);
      const clean = result.failed === 0 && result.conflict === 0 && result.skipped === 0;
      setOutcome(
        clean
          ? { tone: 'ok', text: `Applied ${countOf(result.done, ['change', 'changes'])}.` }
          : {
              tone: 'error',
              text:
                `${runStateLabel(result.state as SyncRun['state']) ?? result.state}: ${count(result.done)} done, ${count(result.failed)} failed, ` +
                `${countOf(result.conflict, ['conflict', 'conflicts'])}, ${count(result.skipped)} skipped.` +
                `${job.message ? ` ${job.message}` : ''} Review changes again for what is left.`,
            },
      );
    } else if (kind === 'usage' && result?.kind === 'sync-usage') {
      setOutcome({
        tone: 'ok',
        text: `Pulled ${countOf(result.records, ['usage record', 'usage records'])}: ${count(result.inserted)} new, ${count(result.duplicates)} already here.`,
      });
    } else {
      setOutcome({ tone: 'error', text: 'The job finished without the expected result.' });
    }
  }, [activity, job]);

  // After a conflict was resolved and the plan made again, focus the new summary: the button
  // that was pressed no longer exists.
  useEffect(() => {
    if (plan && focusSummary.current) {
      focusSummary.current = false;
      summaryRef.current?.focus();
    }
  }, [plan]);

  const resolve = async (conflict: PlanConflict, choice: 'keep-local' | 'take-remote') => {
    setResolving(conflict.key);
    setOutcome(null);
    try {
      await invoke('sync:resolve', { remoteId: remote.id, key: conflict.key, choice });
      focusSummary.current = true;
      await review();
    } catch (e) {
      setOutcome({ tone: 'error', text: errorMessage(e) });
    } finally {
      setResolving(null);
    }
  };

  const apply = (current: SyncPlan) => void start('apply', () => invoke('sync:apply', { runId: current.runId, planHash: current.planHash }));
  const pullUsage = () => void start('usage', () => invoke('sync:pullUsage', { remoteId: remote.id }));

  const cancel = async () => {
    if (!job) return;
    try {
      await ask(() => invoke('jobs:cancel', { jobId: job.jobId }));
    } catch (e) {
      setOutcome({ tone: 'error', text: errorMessage(e) });
    }
  };

  const shownKind = activity?.kind ?? starting;
  const cancelling = job !== null && !isFinished(job) && job.message === 'Cancelling…';
  const outcomeText = outcome?.text ?? (loadingPlan ? 'Loading the plan…' : resolving ? 'Saving your choice…' : followError ?? '');
  return (
    <>
      <section className="sync-panel" aria-labelledby="sync-panel-title">
        <div className="sync-panel__header">
          <h2 id="sync-panel-title">Changes with “{remote.name}”</h2>
          {switcher}
          <div className="sync-panel__actions">
            <button type="button" onClick={onTest} disabled={testing}>
              {testing ? 'Testing…' : 'Test connection'}
            </button>
            <button type="button" onClick={() => void pullUsage()} disabled={busy}>
              Pull usage
            </button>
            <button type="button" className="primary" onClick={() => void review()} disabled={busy}>
              Review changes
            </button>
          </div>
        </div>
        {test ? <ConnectionTestResult test={test} /> : null}

        <div className="sync-activity">
          {shownKind && (running || starting) ? (
            <div className="sync-activity__job">
              <JobProgress label={PROGRESS_LABEL[shownKind]} job={job} status={job ? describe(shownKind, job) : 'Starting…'} />
              <button type="button" className="danger" onClick={() => void cancel()} disabled={!job || cancelling}>
                {cancelling ? 'Cancelling…' : CANCEL_LABEL[shownKind]}
              </button>
            </div>
          ) : null}
          <p role="status" className={`sync-activity__outcome sync-activity__outcome--${outcome?.tone ?? 'info'}`}>
            {running || starting ? '' : outcomeText}
          </p>
        </div>

        {plan ? <PlanView plan={plan} busy={busy} onResolve={(c, choice) => void resolve(c, choice)} onApply={() => apply(plan)} summaryRef={summaryRef} /> : null}
      </section>

      <section className="sync-history-section" aria-labelledby="sync-history-title">
        <h2 id="sync-history-title">History</h2>
        <RunHistory remoteName={remote.name} runs={runs} error={runsError} />
      </section>
    </>
  );
}

function describe(kind: ActivityKind, job: JobStatus): string {
  if (job.state === 'waiting') return job.message ?? 'Waiting to start…';
  const doing = (job.message ?? DOING[kind]).replace(/…$/, '');
  const amount = job.done > 0 || job.total !== null ? ` ${doneOfTotal(job)}` : '';
  return `${doing}…${amount}`;
}

function endedText(kind: ActivityKind, job: JobStatus): string {
  if (job.state === 'cancelled') {
    if (kind === 'plan') return 'Review cancelled; nothing was changed.';
    if (kind === 'apply') return 'Apply cancelled. What was already sent stays applied; review changes again for the rest.';
    return 'Usage pull cancelled; the records pulled so far are kept.';
  }
  const why = job.error?.message ?? job.message ?? 'The job failed';
  return kind === 'apply' ? `${why} Review changes again before applying.` : why;
}

function ConnectionTestResult({ test }: { test: RemoteTest }) {
  const yesNo = (value: boolean) => (value ? 'Yes' : 'No');
  return (
    <section className={`sync-test sync-test--${test.reachable && test.authenticated ? 'ok' : 'bad'}`} aria-label="Connection test">
      <dl className="sync-test__facts">
        <div>
          <dt>Reachable</dt>
          <dd>
            {yesNo(test.reachable)}
            {test.latencyMs !== null ? ` (${Math.round(test.latencyMs)} ms)` : ''}
          </dd>
        </div>
        <div>
          <dt>Authenticated</dt>
          <dd>{test.reachable ? yesNo(test.authenticated) : '—'}</dd>
        </div>
        <div>
          <dt>Protocol version</dt>
          <dd>{test.protocolVersion ?? '—'}</dd>
        </div>
        <div>
          <dt>Server</dt>
          <dd>{test.server ?? '—'}</dd>
        </div>
        <div className="sync-test__wide">
          <dt>Limits</dt>
          <dd>{test.limits ? formatLimits(test.limits) : '—'}</dd>
        </div>
        {test.problem ? (
          <div className="sync-test__wide">
            <dt>Problem</dt>
            <dd className="sync-test__problem">{test.problem}</dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
}
