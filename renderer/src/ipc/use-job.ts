import { useCallback, useEffect, useRef, useState } from 'react';
import { FINISHED_JOB_STATES, type JobStatus } from '../../../shared/contract/job-schemas';
import { errorMessage, invoke } from './client';
import { onCoreEvent, onResync } from './events';

export const isFinished = (job: JobStatus | null): boolean => job !== null && FINISHED_JOB_STATES.includes(job.state);

/**
 * Whether a status that answered a call (jobs:status, jobs:cancel) may replace what the events
 * said. Events of one job arrive in order on one path (IPC or the event stream), so the latest
 * event is the newest status; an answer travels another path and may be older than an event that
 * overtook it. A finished status is final; otherwise an answer counts only if no event arrived
 * while the call was out.
 */
export function acceptAnswer(current: JobStatus | null, answer: JobStatus, eventsWhileAsking: boolean): boolean {
  if (current && current.jobId === answer.jobId && isFinished(current)) return false;
  return isFinished(answer) || !eventsWhileAsking;
}

/**
 * Follows a job by events: its status now (`jobs:status`, or `initial` — the status the start
 * call answered), then every `job` event for it. No polling; after a reconnect of the event
 * stream the status is fetched once more. `job` is null until something is known. `ask` runs a
 * call that answers this job's status (e.g. jobs:cancel) and applies the answer by the same rule.
 */
export function useJob(
  jobId: string | null,
  initial?: JobStatus | null,
): { job: JobStatus | null; error: string | null; ask: (call: () => Promise<JobStatus>) => Promise<void> } {
  const [job, setJob] = useState<JobStatus | null>(initial && initial.jobId === jobId ? initial : null);
  const [error, setError] = useState<string | null>(null);
  /** Events received for the followed job so far. */
  const events = useRef(0);
  const current = useRef<JobStatus | null>(job);

  const set = useCallback((next: JobStatus) => {
    current.current = next;
    setJob(next);
  }, []);

  const ask = useCallback(
    async (call: () => Promise<JobStatus>) => {
      const before = events.current;
      const answer = await call();
      if (answer.jobId !== jobId) return;
      const held = current.current?.jobId === jobId ? current.current : null;
      if (acceptAnswer(held, answer, events.current !== before)) set(answer);
    },
    [jobId, set],
  );

  useEffect(() => {
    setError(null);
    events.current = 0;
    if (!jobId) return;
    let alive = true;
    if (initial && initial.jobId === jobId && current.current?.jobId !== jobId) set(initial);
    // Subscribe first, then ask: an event that overtakes the answer wins (see acceptAnswer).
    const offEvents = onCoreEvent('job', (event) => {
      if (!alive || event.job.jobId !== jobId) return;
      events.current++;
      const held = current.current?.jobId === jobId ? current.current : null;
      if (!isFinished(held)) set(event.job);
    });
    const fetchStatus = () =>
      ask(() => invoke('jobs:status', { jobId })).catch((e: unknown) => {
        if (alive) setError(errorMessage(e));
      });
    void fetchStatus();
    const offResync = onResync(() => void fetchStatus());
    return () => {
      alive = false;
      offEvents();
      offResync();
    };
    // `initial` only seeds the state; following starts over only for another job.
  }, [jobId, ask, set]);

  return { job: job && job.jobId === jobId ? job : null, error, ask };
}
