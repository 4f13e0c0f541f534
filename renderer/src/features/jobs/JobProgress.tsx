import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { jobSpeed } from './job-format';
import './jobs.css';

interface JobProgressProps {
  /** Accessible name of the progress bar, e.g. "Export progress". */
  label: string;
  /** The job, or null while it is being started (an indeterminate bar). */
  job: JobStatus | null;
  /** The status line (announced politely). */
  status: string;
  /** Overrides the bar: `{value, max}`, or null for an indeterminate bar (e.g. an upload with no size). */
  bar?: { value: number; max: number } | null;
}

/**
 * One job's progress: a bar (done of total; indeterminate while the total is unknown), a status
 * line for screen readers and sighted users alike, and the rate and time left while it runs.
 */
export function JobProgress({ label, job, status, bar }: JobProgressProps) {
  const finished = job !== null && (job.state === 'done' || job.state === 'cancelled' || job.state === 'failed');
  let shown: { value: number; max: number } | null;
  if (bar !== undefined) shown = bar;
  else if (job === null || job.total === null) shown = finished ? { value: 1, max: 1 } : null;
  else shown = { value: job.state === 'done' ? Math.max(1, job.total) : Math.min(job.done, job.total), max: Math.max(1, job.total) };
  const speed = job ? jobSpeed(job) : '';
  return (
    <div className="job-progress">
      {shown ? <progress className="job-progress__bar" aria-label={label} max={shown.max} value={shown.value} /> : <progress className="job-progress__bar" aria-label={label} />}
      <p className="job-progress__status" role="status" aria-live="polite">
        {status}
      </p>
      <p className="job-progress__speed">{speed}</p>
    </div>
  );
}
