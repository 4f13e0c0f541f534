import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChannelOutput } from '../../../../shared/contract/contract';
import type { UsageReport } from '../../../../shared/contract/usage-schemas';
import {
  addDays,
  presetRange,
  USAGE_BUCKETS,
  USAGE_GROUP_BYS,
  utcDay,
  type UsageBucket,
  type UsageGroupBy,
  type UsageRangePreset,
} from '../../../../shared/domain/usage-rules';
import { Field } from '../../components/Field';
import { OptionSelect } from '../../components/OptionSelect';
import type { JobStatus } from '../../../../shared/contract/job-schemas';
import { errorMessage, fieldErrors, invoke } from '../../ipc/client';
import { isFinished, useJob } from '../../ipc/use-job';
import { useDataVersion } from '../../stores/data-versions';
import { doneOfTotal } from '../jobs/job-format';
import { JobProgress } from '../jobs/JobProgress';
import { ImportUsageDialog } from './ImportUsageDialog';
import { UsageChart } from './UsageChart';
import { toChartSeries } from './usage-chart-series';
import { formatCompact, formatCount, formatMicros, GROUP_BY_LABELS } from './usage-format';
import { UsageTable } from './UsageTable';
import './usage.css';
import { UsageExportButtons } from '../exports/UsageExportButtons';

/** What "Load sample data" creates: a quarter of realistic usage over the existing workspaces. */
export const SAMPLE_DAYS = 90;
export const SAMPLE_ROWS = 20_000;

const PRESETS: Array<{ id: UsageRangePreset; label: string }> = [
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'thisMonth', label: 'This month' },
  { id: 'lastMonth', label: 'Last month' },
  { id: 'custom', label: 'Custom' },
];
const GROUP_OPTIONS = USAGE_GROUP_BYS.map((id) => ({ id, label: GROUP_BY_LABELS[id] }));
const BUCKET_OPTIONS = USAGE_BUCKETS.map((id) => ({ id, label: id === 'day' ? 'Day' : id === 'week' ? 'Week (Mon–Sun)' : 'Month' }));
const ALL = '';

type Summary = ChannelOutput<'usage:summary'>;
type Facets = ChannelOutput<'usage:facets'>;

interface ReportOptions {
  preset: UsageRangePreset;
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  bucket: UsageBucket;
  workspaceId: string;
  modelId: string;
  keyId: string;
}

function initialOptions(summary: Summary | null): ReportOptions {
  const today = utcDay(new Date());
  const base = { groupBy: 'workspace' as const, bucket: 'day' as const, workspaceId: ALL, modelId: ALL, keyId: ALL };
  const last30 = presetRange('30d', today);
  // Imported history that ended a while ago: open on its last 30 days instead of an empty chart.
  if (summary?.lastDay && summary.lastDay < last30.from) {
    return { ...base, preset: 'custom', from: addDays(summary.lastDay, -29), to: summary.lastDay };
  }
  return { ...base, preset: '30d', ...last30 };
}

/** Usage reports: range, grouping, filters, totals, stacked charts and the report table. */
export function UsagePage() {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [options, setOptions] = useState<ReportOptions | null>(null);
  const [report, setReport] = useState<UsageReport | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [optionErrors, setOptionErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const [sampleStart, setSampleStart] = useState<JobStatus | null>(null);
  const [startingSample, setStartingSample] = useState(false);
  const { job: sample, ask: askSample } = useJob(sampleStart?.jobId ?? null, sampleStart);
  const sampleRunning = startingSample || (sample !== null && !isFinished(sample));
  const [importOpen, setImportOpen] = useState(false);
  const request = useRef(0);
  // Usage written here, by an import in another window or by another process: refetch. While our
  // own sample job writes chunk after chunk, wait for its end instead of refetching per chunk.
  const usageVersion = useDataVersion('usage');
  const labelsVersion = useDataVersion('workspace', 'api_key');
  const quiet = useRef(false);
  quiet.current = sampleRunning;

  const loadSummary = useCallback(async (resetOptions: boolean) => {
    try {
      const [s, f] = await Promise.all([invoke('usage:summary', {}), invoke('usage:facets', {})]);
      setSummary(s);
      setFacets(f);
      setOptions((current) => (resetOptions || !current ? initialOptions(s) : current));
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, []);
  useEffect(() => void loadSummary(true), [loadSummary]);
  useEffect(() => {
    if (usageVersion > 0 && !quiet.current) void loadSummary(false);
  }, [usageVersion, loadSummary]);

  useEffect(() => {
    if (!options || !summary?.records) return;
    const id = ++request.current;
    setLoading(true);
    const timer = setTimeout(() => {
      invoke('usage:report', {
        from: options.from,
        to: options.to,
        groupBy: options.groupBy,
        bucket: options.bucket,
        workspaceIds: options.workspaceId ? [options.workspaceId] : [],
        modelIds: options.modelId ? [options.modelId] : [],
        keyIds: options.keyId ? [options.keyId] : [],
      })
        .then((r) => {
          if (id !== request.current) return;
          setReport(r);
          setError(null);
          setOptionErrors({});
        })
        .catch((e: unknown) => {
          if (id !== request.current) return;
          setOptionErrors(fieldErrors(e));
          setError(errorMessage(e));
        })
        .finally(() => id === request.current && setLoading(false));
    }, 80);
    return () => clearTimeout(timer);
  }, [options, summary?.records, usageVersion, labelsVersion]);

  const update = (patch: Partial<ReportOptions>) => setOptions((o) => (o ? { ...o, ...patch } : o));
  const choosePreset = (preset: UsageRangePreset) => {
    if (preset === 'custom') return update({ preset });
    update({ preset, ...presetRange(preset, utcDay(new Date())) });
  };

  const loadSample = async () => {
    setStartingSample(true);
    setNotice(null);
    setError(null);
    try {
      setSampleStart(await invoke('usage:generateSample', { days: SAMPLE_DAYS, rows: SAMPLE_ROWS }));
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setStartingSample(false);
    }
  };
  const cancelSample = async () => {
    if (!sample) return;
    try {
      await askSample(() => invoke('jobs:cancel', { jobId: sample.jobId }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  // The sample job ended: say what it did and show the data.
  const sampleReported = useRef<string | null>(null);
  useEffect(() => {
    if (!sample || !isFinished(sample) || sampleReported.current === sample.jobId) return;
    sampleReported.current = sample.jobId;
    if (sample.state === 'done' && sample.result?.kind === 'usage-generate') {
      const r = sample.result;
      setNotice(`Loaded ${formatCount(r.inserted)} sample usage records from ${r.from} to ${r.to}`);
    } else if (sample.state === 'cancelled') {
      setNotice(sample.error?.message ?? 'Loading sample data was cancelled');
    } else {
      setError(sample.error?.message ?? 'Loading sample data failed');
    }
    void loadSummary(true);
  }, [sample, loadSummary]);

  const series = useMemo(() => (report ? toChartSeries(report) : null), [report]);
  const mainTotal = report?.totals.find((t) => t.currency === series?.currency) ?? null;
  const groupNoun = options ? GROUP_BY_LABELS[options.groupBy].toLowerCase() : '';
  const hasData = (summary?.records ?? 0) > 0;

  return (
    <section aria-labelledby="page-title" className="usage-page">
      <header className="page__header">
        <div>
          <h1 id="page-title">Usage</h1>
          <p className="page__subtitle">
            {summary === null ? 'Loading…' : hasData ? `${formatCount(summary.records)} usage records from ${summary.firstDay} to ${summary.lastDay}` : 'No usage records yet'}
          </p>
        </div>
        <div className="page__header-tools">
          <button type="button" onClick={() => setImportOpen(true)}>
            Import CSV…
          </button>
          <UsageExportButtons
            report={
              hasData && options
                ? {
                    from: options.from,
                    to: options.to,
                    groupBy: options.groupBy,
                    bucket: options.bucket,
                    workspaceIds: options.workspaceId ? [options.workspaceId] : [],
                    modelIds: options.modelId ? [options.modelId] : [],
                    keyIds: options.keyId ? [options.keyId] : [],
                  }
                : null
            }
          />
        </div>
      </header>
      <p className="form-status" role="status">
        {notice ?? ''}
      </p>
      {error ? (
        <p className="form-status form-status--error" role="alert">
          {error}
        </p>
      ) : null}

      {summary !== null && !hasData ? (
        <div className="usage-empty">
          <h2>No usage yet</h2>
          <p>
            Usage will arrive from the gateway once sync is set up. Until then you can import a CSV export, or load {SAMPLE_DAYS} days of
            realistic sample data spread over your workspaces and keys to see how reports look.
          </p>
          <div className="usage-empty__actions">
            <button type="button" className="primary" onClick={() => void loadSample()} disabled={sampleRunning}>
              {sampleRunning ? 'Loading sample data…' : 'Load sample data'}
            </button>
            <button type="button" onClick={() => setImportOpen(true)} disabled={sampleRunning}>
              Import CSV…
            </button>
          </div>
          {sampleRunning ? (
            <div className="usage-empty__job">
              <JobProgress
                label="Sample data progress"
                job={sample}
                status={sample ? `${sample.message === 'Cancelling…' ? 'Cancelling… ' : 'Writing sample records: '}${doneOfTotal(sample)}` : 'Starting…'}
              />
              <button type="button" className="danger" onClick={() => void cancelSample()} disabled={!sample || sample.message === 'Cancelling…'}>
                Cancel loading sample data
              </button>
            </div>
          ) : null}
        </div>
      ) : null}

      {hasData && options ? (
        <>
          <form className="usage-options" aria-label="Report options" onSubmit={(e) => e.preventDefault()}>
            <Field label="Range">
              <OptionSelect options={PRESETS} value={options.preset} onValueChange={choosePreset} />
            </Field>
            <Field label="From" error={optionErrors.from}>
              <input type="date" value={options.from} max={options.to} required onChange={(e) => e.target.value && update({ preset: 'custom', from: e.target.value })} />
            </Field>
            <Field label="To" error={optionErrors.to}>
              <input type="date" value={options.to} min={options.from} required onChange={(e) => e.target.value && update({ preset: 'custom', to: e.target.value })} />
            </Field>
            <Field label="Group by">
              <OptionSelect options={GROUP_OPTIONS} value={options.groupBy} onValueChange={(groupBy) => update({ groupBy })} />
            </Field>
            <Field label="Bucket">
              <OptionSelect options={BUCKET_OPTIONS} value={options.bucket} onValueChange={(bucket) => update({ bucket })} />
            </Field>
            <Field label="Workspace">
              <OptionSelect options={[{ id: ALL, label: 'All workspaces' }, ...(facets?.workspaces ?? [])]} value={options.workspaceId} onValueChange={(workspaceId) => update({ workspaceId, keyId: ALL })} />
            </Field>
            <Field label="Model">
              <OptionSelect options={[{ id: ALL, label: 'All models' }, ...(facets?.models ?? [])]} value={options.modelId} onValueChange={(modelId) => update({ modelId })} />
            </Field>
            <Field label="API key">
              <OptionSelect
                options={[{ id: ALL, label: 'All keys' }, ...(facets?.keys ?? []).filter((k) => !options.workspaceId || k.workspaceId === options.workspaceId)]}
                value={options.keyId}
                onValueChange={(keyId) => update({ keyId })}
              />
            </Field>
          </form>

          <p className="usage-status" aria-live="polite">
            {loading ? 'Updating…' : report ? `${formatCount(report.rows.length)} rows` : ''}
          </p>

          {report && series ? (
            <>
              <dl className="usage-totals" aria-label="Totals">
                <div>
                  <dt>Spend</dt>
                  <dd>{report.totals.length ? report.totals.map((t) => formatMicros(t.costMicros, t.currency)).join(' + ') : formatMicros(0, 'USD')}</dd>
                </div>
                <div>
                  <dt>Requests</dt>
                  <dd>{formatCount(report.totals.reduce((a, t) => a + t.requests, 0))}</dd>
                </div>
                <div>
                  <dt>Tokens (input + output)</dt>
                  <dd>{formatCount(report.totals.reduce((a, t) => a + t.inputTokens + t.outputTokens, 0))}</dd>
                </div>
                <div>
                  <dt>Cached tokens</dt>
                  <dd>{formatCount(report.totals.reduce((a, t) => a + t.cachedTokens, 0))}</dd>
                </div>
              </dl>
              <div className="usage-charts">
                <UsageChart
                  title={`Spend${series.currency ? ` (${series.currency})` : ''} by ${groupNoun}`}
                  summary={`Total spend ${mainTotal ? formatMicros(mainTotal.costMicros, mainTotal.currency) : 'none'} over ${report.buckets.length} periods${series.otherCurrencies.length ? `; ${series.otherCurrencies.join(', ')} not charted` : ''}.`}
                  series={series}
                  points={series.spend}
                  formatValue={(v) => `${series.currency ?? ''} ${v.toFixed(2)}`}
                />
                <UsageChart
                  title={`Tokens by ${groupNoun}`}
                  summary={`Total ${formatCompact(report.totals.reduce((a, t) => a + t.inputTokens + t.outputTokens, 0))} tokens over ${report.buckets.length} periods.`}
                  series={series}
                  points={series.tokens}
                  formatValue={(v) => formatCount(v)}
                />
              </div>
              {series.otherCurrencies.length ? <p className="note">The spend chart shows {series.currency} only; {series.otherCurrencies.join(', ')} spend is in the table.</p> : null}
              <UsageTable report={report} groupBy={options.groupBy} />
            </>
          ) : null}
        </>
      ) : null}

      <ImportUsageDialog
        open={importOpen}
        onClose={() => setImportOpen(false)}
        onImported={(message) => {
          setNotice(message);
          void loadSummary(!hasData);
        }}
      />
    </section>
  );
}
