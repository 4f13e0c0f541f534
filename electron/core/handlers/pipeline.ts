import type { z } from 'zod';
import { CHANNEL_NAMES, isChannelName, type ChannelName } from '../../../shared/contract/channel-names';
import { contract, type ChannelOutput, type ParsedInput } from '../../../shared/contract/contract';
import { AppError, type FieldIssue, type Result } from '../../../shared/contract/errors';

/** Who is calling. Each door describes its caller; the door's trust rule judges it. */
export type Sender =
  | { kind: 'electron'; frameUrl: string | null }
  | { kind: 'web'; tokenValid: boolean }
  | { kind: 'cli' };

type HandlerOutput<C extends ChannelName> = ChannelOutput<C> | z.input<(typeof contract)[C]['output']>;
/** A handler answers at once, or (a channel that waits on the network, e.g. `remotes:test`) with a promise. */
export type HandlerMap = { [C in ChannelName]: (input: ParsedInput<C>) => HandlerOutput<C> | Promise<HandlerOutput<C>> };

export interface Dispatcher {
  channels: readonly ChannelName[];
  /**
   * Synchronous: for tests and probes. A channel whose handler answers with a promise gets
   * E_INTERNAL here (its work still runs); doors use `dispatchAsync`.
   */
  dispatch(channel: string, rawInput: unknown, sender: Sender): Result<unknown>;
  /** Every channel, the asynchronous ones included. A synchronous handler still runs at call time. */
  dispatchAsync(channel: string, rawInput: unknown, sender: Sender): Promise<Result<unknown>>;
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
        const result = dispatchOnce(channel, rawInput, sender);
        if (!(result instanceof Promise)) return result;
        void result.then(options.afterCall, options.afterCall);
        return { ok: false, error: { code: 'E_INTERNAL', message: `${channel} answers asynchronously; call it through a core client` } };
      } finally {
        options.afterCall?.();
      }
    },
    async dispatchAsync(channel, rawInput, sender) {
      let pending: Result<unknown> | Promise<Result<unknown>>;
      try {
        pending = dispatchOnce(channel, rawInput, sender);
      } finally {
        options.afterCall?.();
      }
      if (!(pending instanceof Promise)) return pending;
      try {
        return await pending;
      } finally {
        options.afterCall?.();
      }
    },
  };

  /** The output check and the error mapping, for an answer given now or later. */
  function settle(channel: ChannelName, output: unknown): Result<unknown> {
    const parsed = contract[channel].output.safeParse(output);
    if (!parsed.success) {
      options.logError?.(channel, new Error(`output failed its schema: ${parsed.error.message}`));
      return { ok: false, error: { code: 'E_INTERNAL', message: 'Gatehouse produced an invalid response' } };
    }
    return { ok: true, data: parsed.data };
  }

  function failure(channel: string, error: unknown): Result<unknown> {
    if (error instanceof AppError) return { ok: false, error: error.toPayload() };
    // Busy, disk full, read-only or damaged store: say what happened and what to do, not E_INTERNAL.
    const storage = options.classifyError?.(error) ?? null;
    if (storage) return { ok: false, error: storage.toPayload() };
    options.logError?.(channel, error);
    return { ok: false, error: { code: 'E_INTERNAL', message: 'Something went wrong; nothing was changed' } };
  }

  function dispatchOnce(channel: string, rawInput: unknown, sender: Sender): Result<unknown> | Promise<Result<unknown>> {
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
        const output = handler(parsed.data);
        if (output instanceof Promise) {
          return output.then(
            (value: unknown) => settle(channel, value),
            (error: unknown) => failure(channel, error),
          );
        }
        return settle(channel, output);
      } catch (error) {
        return failure(channel, error);
      }
  }
}
