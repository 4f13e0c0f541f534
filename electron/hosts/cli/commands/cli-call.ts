import type { ErrorPayload } from '../../../../shared/contract/errors';
import type { CoreClient } from '../../../core/client/core-client';
import { CLI_SENDER } from './cli-plan';

/** A channel call that failed: commands catch it and print `CODE: message`. */
export class CallFailed extends Error {
  constructor(readonly payload: ErrorPayload) {
    super(payload.message);
  }
}

/** Invokes one channel as the CLI; a failed Result throws CallFailed. */
export async function callCore<T>(client: CoreClient, channel: string, input: unknown): Promise<T> {
  const result = await client.invoke(channel, input, CLI_SENDER);
  if (!result.ok) throw new CallFailed(result.error);
  return result.data as T;
}

/** A plain text table: a header row and padded columns; `rightAligned` column indexes pad at the start. */
export function textTable(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
