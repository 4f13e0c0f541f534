import type { ChannelName } from '../../../../shared/contract/channel-names';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { InputRejected, readLimited, readSecret, secretSourceOf, stdinOf } from './secret-input';

/**
 * The input fields that carry a secret, per channel. On the command line they would show in `ps`
 * for every local user and stay in the shell history, so `call` refuses them in a JSON argument
 * and takes them from stdin (`-`, the whole JSON) or `--secret-stdin` / `--secret-file FILE`.
 */
export const SECRET_FIELDS: Partial<Record<ChannelName, string>> = {
  'providerKeys:create': 'secret',
  'providerKeys:update': 'secret',
  'remotes:create': 'credential',
  'remotes:update': 'credential',
  'keys:verify': 'secret',
  'backup:create': 'passphrase',
  'backup:inspect': 'passphrase',
  'backup:restore': 'passphrase',
};

/** Longest secret read for a call (the channel's schema has the exact limit). */
const CALL_SECRET_MAX = 4096;
/** Same cap as the browser host's JSON body. */
const CALL_JSON_MAX = 1024 * 1024;

/** Why `--secret VALUE` is refused (checked before the arguments are parsed, so the value is never echoed). */
export const SECRET_ON_ARGV =
  'A secret is never taken from the command line (it would stay in your shell history and the process list). Pipe it in with --secret-stdin (e.g. gatehouse provider-keys add --vendor OpenAI --label prod --secret-stdin < secret.txt) or name a file with --secret-file FILE.';

/** True when argv tries to pass a secret as `--secret VALUE` or `--secret=VALUE`. */
export function passesSecretOnArgv(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--secret' || arg.startsWith('--secret='));
}

const secretInJson = (channel: string, field: string) =>
  `The "${field}" of ${channel} is never taken from the command line (it would stay in your shell history and the process list); nothing was stored. ` +
  `Leave it out of the JSON and add --secret-stdin (e.g. gatehouse call ${channel} '{…}' --secret-stdin < secret.txt) or --secret-file FILE, or pipe the whole JSON in: gatehouse call ${channel} - < input.json`;

/** JSON.parse's message can quote the text around the error, i.e. a secret: keep only where it is. */
function jsonProblem(error: unknown): string {
  const position = /position (\d+)/.exec((error as Error).message)?.[1];
  return `${position === undefined ? '' : ` at position ${position}`} (the text is not shown: it may hold a secret)`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `gatehouse call <channel> ['<json>' | -] [--secret-stdin | --secret-file FILE]`: one channel call
 * with its result printed as JSON. Everything is read and checked before the store is opened.
 */
export async function planCallCommand(channel: ChannelName, arg: string | undefined, values: CliValues, io: CliIo): Promise<CliPlan> {
  const field = SECRET_FIELDS[channel];
  const source = secretSourceOf(values);
  if (source && !field) throw new UsageError(`${channel} takes no secret; drop --secret-stdin / --secret-file`);
  if (source?.from === 'stdin' && arg === '-') throw new UsageError('Standard input carries either the JSON (-) or the secret (--secret-stdin), not both: use --secret-file FILE for the secret');

  let input: unknown = {};
  if (arg === '-') {
    const text = await readLimited(stdinOf(io), CALL_JSON_MAX, 'Standard input', 'the JSON input of one call');
    try {
      input = JSON.parse(text);
    } catch (error) {
      throw new InputRejected(`The input on standard input is not valid JSON${jsonProblem(error)}`);
    }
  } else if (arg !== undefined) {
    try {
      input = JSON.parse(arg);
    } catch (error) {
      // A channel that takes a secret may have one in the text: never echo it.
      throw new UsageError(`The input is not valid JSON${field ? jsonProblem(error) : `: ${(error as Error).message}`}`);
    }
    // Checked on the parsed object, so an escaped key ("sec\u0072et") is caught as well.
    if (field && isObject(input) && Object.hasOwn(input, field)) throw new UsageError(secretInJson(channel, field));
  }

  if (source && field) {
    if (!isObject(input)) throw new UsageError(`The input of ${channel} must be a JSON object to add the secret to`);
    if (Object.hasOwn(input, field)) throw new UsageError(`The JSON already has "${field}"; give it either there (on stdin) or with --secret-stdin / --secret-file, not both`);
    input = { ...input, [field]: await readSecret(source, io, CALL_SECRET_MAX) };
  }
  return { channel, input, print: (data) => JSON.stringify(data, null, 2) };
}
