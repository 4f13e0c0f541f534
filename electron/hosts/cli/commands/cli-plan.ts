import type { Core } from '../../../core/core';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Bad flags or arguments: exit code 2, the store is never opened. */
export class UsageError extends Error {}

/** A command is one channel call with a printer, or a longer-running action (e.g. a streamed export). */
export type CliPlan =
  | { channel: string; input: unknown; print: (data: unknown) => string }
  | { run: (core: Core, io: CliIo) => Promise<number> };

/** Parsed `--flag` values (node:util parseArgs). */
export type CliValues = Record<string, string | boolean | undefined>;
