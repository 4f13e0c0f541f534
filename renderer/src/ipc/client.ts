import type { ChannelName } from '../../../shared/contract/channel-names';
import type { ChannelInput, ChannelOutput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import { getBridge } from './bridge';

/**
 * The only way the renderer talks to the core. Failures become AppError (code, message, field
 * issues); the browser bridge has already turned HTTP trouble into typed errors (401 → E_FORBIDDEN,
 * 413 → E_LIMIT with the host's message, no answer → "could not be reached").
 */
export async function invoke<C extends ChannelName>(channel: C, input: ChannelInput<C>): Promise<ChannelOutput<C>> {
  let result;
  try {
    result = await getBridge().invoke(channel, input);
  } catch (error) {
    throw new AppError('E_INTERNAL', `Gatehouse could not be reached: ${(error as Error).message}`);
  }
  if (!result.ok) throw new AppError(result.error.code, result.error.message, result.error.issues);
  return result.data as ChannelOutput<C>;
}

/** Field path → message, for showing core errors next to the right input. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof AppError) || !error.issues) return {};
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.replace(/^changes\./, '');
    out[key] ??= issue.message;
  }
  return out;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
