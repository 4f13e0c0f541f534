import type { z } from 'zod';
import { CHANNEL_NAMES, isChannelName, type ChannelName } from '../../../shared/contract/channel-names';
import { contract, type ChannelOutput, type ParsedInput } from '../../../shared/contract/contract';
import { AppError, type FieldIssue, type Result } from '../../../shared/contract/errors';

/** Who is calling. Each door describes its caller; the door's trust rule judges it. */
export type Sender =
  | { kind: 'electron'; frameUrl: string | null }
  | { kind: 'web'; tokenValid: boolean }
  | { kind: 'cli' };

export type HandlerMap = { [C in ChannelName]: (input: ParsedInput<C>) => ChannelOutput<C> | z.input<(typeof contract)[C]['output']> };

export interface Dispatcher {
  channels: readonly ChannelName[];
  dispatch(channel: string, rawInput: unknown, sender: Sender): Result<unknown>;
}

export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
}

export interface DispatcherOptions {
  isTrustedSender: (sender: Sender) => boolean;
  /** Logs unexpected failures; receives the channel and the error, never the payload. */
  logError?: (channel: string, error: unknown) => void;
  /** Runs after every call, success or not (announces committed changes). */
  afterCall?: () => void;
  /** Maps unexpected errors to typed ones (storage: busy, full, read-only, damaged); null = internal. */
  classifyError?: (error: unknown) => AppError | null;
}

/**
 * The one pipeline every door uses: sender check → strict input parse → handler → output parse
 * → typed result. Nothing throws out of `dispatch`.
 */
export function createDispatcher(handlers: HandlerMap, options: DispatcherOptions): Dispatcher {
  return {
    channels: CHANNEL_NAMES,
    dispatch(channel, rawInput, sender) {
      try {
        return dispatchOnce(channel, rawInput, sender);
      } finally {
        options.afterCall?.();
      }
    },
  };

  function dispatchOnce(channel: string, rawInput: unknown, sender: Sender): Result<unknown> {
      if (!options.isTrustedSender(sender)) {
        return { ok: false, error: { code: 'E_FORBIDDEN', message: 'This caller is not allowed to use Gatehouse' } };
      }
      if (!isChannelName(channel)) {
        return { ok: false, error: { code: 'E_NOT_FOUND', message: `Unknown channel "${String(channel)}"` } };
      }
      const definition = contract[channel];
      const parsed = definition.input.safeParse(rawInput ?? {});
      if (!parsed.success) {
        const issues = toFieldIssues(parsed.error);
        return { ok: false, error: { code: 'E_VALIDATION', message: issues[0]?.message ?? 'Invalid input', issues } };
      }
      try {
        const handler = handlers[channel] as (input: unknown) => unknown;
        const output = definition.output.safeParse(handler(parsed.data));
        if (!output.success) {
          options.logError?.(channel, new Error(`output failed its schema: ${output.error.message}`));
          return { ok: false, error: { code: 'E_INTERNAL', message: 'Gatehouse produced an invalid response' } };
        }
        return { ok: true, data: output.data };
      } catch (error) {
        if (error instanceof AppError) return { ok: false, error: error.toPayload() };
        // Busy, disk full, read-only or damaged store: say what happened and what to do, not E_INTERNAL.
        const storage = options.classifyError?.(error) ?? null;
        if (storage) return { ok: false, error: storage.toPayload() };
        options.logError?.(channel, error);
        return { ok: false, error: { code: 'E_INTERNAL', message: 'Something went wrong; nothing was changed' } };
      }
  }
}
