import type { CoreClient } from '../../../core/client/core-client';
import type { HostCapabilities } from '../../../core/host-capabilities';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where secrets are read from (`--credential-stdin`); default process.stdin. */
  stdin?: NodeJS.ReadableStream;
}

/** Bad flags or arguments: exit code 2, the store is never opened. */
export class UsageError extends Error {}

/**
 * A command is one channel call with a printer, or a longer-running action (a job: export,
 * import, generation) that drives the core through the client. The CLI is a door: `capabilities`
 * is what it offers the core for this command (e.g. chooseSavePath = `--out`).
 */
export type CliPlan =
  | { channel: string; input: unknown; print: (data: unknown) => string }
  | {
      run: (client: CoreClient, io: CliIo) => Promise<number>;
      capabilities?: HostCapabilities;
      /** False for one-shot commands that merely need several calls (default: stay and finish an interrupted import). */
      resumesInterruptedWork?: boolean;
    };

export const CLI_SENDER = { kind: 'cli' } as const;

/** Parsed `--flag` values (node:util parseArgs). */
export type CliValues = Record<string, string | boolean | undefined>;
