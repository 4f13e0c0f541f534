import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { formatCount } from '../../lib/format';

export const count = (n: number): string => formatCount(n);

/** "1 row" / "2,000 rows"; `nouns` gives the singular and plural (default rows). */
export function countOf(n: number, nouns: readonly [string, string] = ['row', 'rows']): string {
  return `${count(n)} ${n === 1 ? nouns[0] : nouns[1]}`;
}

const UNIT_NOUNS: Record<JobStatus['unit'], readonly [string, string]> = {
  rows: ['row', 'rows'],
  records: ['record', 'records'],
  bytes: ['byte', 'bytes'],
  operations: ['operation', 'operations'],
};

/** "12,500 rows/s"; bytes as KiB/MiB per second. */
export function formatRate(ratePerSecond: number, unit: JobStatus['unit']): string {
  if (unit === 'bytes') return `${formatBytes(ratePerSecond)}/s`;
  return `${count(Math.round(ratePerSecond))} ${UNIT_NOUNS[unit][1]}/s`;
}

/** "about 5 s left", "about 2 min left", "about 1 h 5 min left". */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `about ${Math.max(1, s)} s left`;
  const minutes = Math.round(s / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${count(Math.round(bytes))} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** "12,500 rows/s · about 5 s left" while a job runs with a known rate; '' otherwise. */
export function jobSpeed(job: JobStatus): string {
  if (job.state !== 'running' || job.ratePerSecond === null || job.ratePerSecond <= 0) return '';
  const parts = [formatRate(job.ratePerSecond, job.unit)];
  if (job.etaSeconds !== null) parts.push(formatEta(job.etaSeconds));
  return parts.join(' · ');
}

/** "400 of 1,000 rows" (or "400 rows" while the total is unknown). */
export function doneOfTotal(job: JobStatus, nouns: readonly [string, string] = UNIT_NOUNS[job.unit]): string {
  if (job.unit === 'bytes') return job.total === null ? formatBytes(job.done) : `${formatBytes(job.done)} of ${formatBytes(job.total)}`;
  return job.total === null ? countOf(job.done, nouns) : `${count(job.done)} of ${countOf(job.total, nouns)}`;
}
