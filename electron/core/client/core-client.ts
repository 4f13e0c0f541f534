import type { ChannelName } from '../../../shared/contract/channel-names';
import type { ChannelInput, ChannelOutput } from '../../../shared/contract/contract';
import type { Result } from '../../../shared/contract/errors';
import type { CoreEvent } from '../../../shared/contract/event-schemas';
import type { Sender } from '../handlers/pipeline';

export type { Sender };

/**
 * How a door (Electron main, browser host, CLI) talks to the core: always async, whether the core
 * runs in this thread (tests, short CLI commands) or in a worker (the app, the browser host).
 * The door's trust rule runs in the door, before anything reaches the core.
 */
export interface CoreClient {
  invoke(channel: string, input: unknown, sender: Sender): Promise<Result<unknown>>;
  /** Core events (job progress, committed changes); returns the unsubscribe function. */
  on(listener: (event: CoreEvent) => void): () => void;
  /** Cancels running jobs, waits for them to stop at a chunk boundary, closes the store. */
  close(): Promise<void>;
}

export const FORBIDDEN: Result<never> = { ok: false, error: { code: 'E_FORBIDDEN', message: 'This caller is not allowed to use Gatehouse' } };

/** Typed call for door code that knows its channel (CLI commands, tests). */
export async function call<C extends ChannelName>(client: CoreClient, channel: C, input: ChannelInput<C>, sender: Sender): Promise<Result<ChannelOutput<C>>> {
  return (await client.invoke(channel, input, sender)) as Result<ChannelOutput<C>>;
}
