import fs from 'node:fs/promises';
import type { ErrorPayload } from '../../../../shared/contract/errors';
import type { CliIo, CliValues } from './cli-plan';

/**
 * Secrets reach the CLI on standard input or in a file, never on argv (where `ps` and the shell
 * history would show them). These helpers read them; their messages never include what was read.
 */

/** Input the CLI could not take (empty, too large, unreadable); printed as `E_VALIDATION: message`. */
export class InputRejected extends Error {
  readonly payload: ErrorPayload;
  constructor(message: string) {
    super(message);
    this.payload = { code: 'E_VALIDATION', message };
  }
}

export const stdinOf = (io: CliIo): NodeJS.ReadableStream => io.stdin ?? process.stdin;

/** Reads a whole stream, refusing more than `max` bytes (`what` says what it should have been). */
export async function readLimited(stream: NodeJS.ReadableStream, max: number, source: string, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += bytes.length;
    if (size > max) throw new InputRejected(`${source} is larger than ${max} bytes; it cannot be ${what}`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readFileText(file: string, flag: string, max: number): Promise<string> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) throw new InputRejected(`${flag} ${file} is not a file`);
    if (stat.size > max) throw new InputRejected(`${flag} ${file} is larger than ${max} bytes`);
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof InputRejected) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputRejected(`Cannot read ${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable')}`);
  }
}

/** One line of visible text: the trailing newline of `echo KEY |` or a saved file is dropped, nothing else. */
export function oneLine(text: string, source: string, what: string): string {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new InputRejected(`${source} is empty; it must hold ${what}`);
  if (/[\r\n]/.test(trimmed)) throw new InputRejected(`${source} holds more than one line; it must hold only ${what}`);
  return trimmed;
}

/** Where `--secret-stdin` / `--secret-file FILE` say the secret is; null when neither was given. */
export type SecretSource = { from: 'stdin' } | { from: 'file'; file: string };

export function secretSourceOf(values: CliValues): SecretSource | null {
  const fromStdin = values['secret-stdin'] === true;
  const file = typeof values['secret-file'] === 'string' ? values['secret-file'] : null;
  if (fromStdin && file !== null) throw new InputRejected('Give the secret with one of --secret-stdin or --secret-file FILE, not both');
  return fromStdin ? { from: 'stdin' } : file !== null ? { from: 'file', file } : null;
}

/** Reads one secret (one line) from where `source` says; `max` is the longest secret there can be. */
export async function readSecret(source: SecretSource, io: CliIo, max: number, what = 'the secret'): Promise<string> {
  if (source.from === 'stdin') {
    const stdin = stdinOf(io);
    if ((stdin as { isTTY?: boolean }).isTTY) io.err(`Paste ${what}, then press Enter and Ctrl+D (it is shown as you type; prefer piping it in):`);
    return oneLine(await readLimited(stdin, max * 4, 'Standard input', what), 'Standard input', what);
  }
  return oneLine(await readFileText(source.file, '--secret-file', max * 4), `--secret-file ${source.file}`, what);
}
