import type { z } from 'zod';
import type { usageReportInput } from '../../../../shared/contract/usage-schemas';
import { ExportButton } from './ExportButton';

interface UsageExportButtonsProps {
  /** The report exactly as the page asks `usage:report` for it; null while there is nothing to export. */
  report: z.input<typeof usageReportInput> | null;
}

/**
 * "Export report CSV" writes the grouped report the page shows (same rows, same totals);
 * "Export raw CSV" writes every usage record in the page's date range (filters do not apply).
 */
export function UsageExportButtons({ report }: UsageExportButtonsProps) {
  return (
    <>
      <ExportButton label="Export report CSV" disabled={!report} request={() => ({ kind: 'usage-report', report: report! })} />
      <ExportButton label="Export raw CSV" disabled={!report} request={() => ({ kind: 'usage-raw', from: report!.from, to: report!.to })} />
    </>
  );
}
