import path from 'node:path';
import { BACKUP_PASSPHRASE_MAX } from '../../../../shared/contract/backup-schemas';
import type { CoreClient } from '../../../core/client/core-client';
import { formatCliError, jobFailure, runJob } from './cli-job';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { InputRejected, readSecret, type SecretSource } from './secret-input';

export const BACKUP_COMMANDS_HELP = `  backup --out FILE [--passphrase-stdin | --passphrase-file F] [--json]
                                          one archive with a consistent snapshot of the store and its key file (safe while
                                          the app runs); the passphrase encrypts it (scrypt + AES-256-GCM), never on argv
  restore FILE --yes [--passphrase-stdin | --passphrase-file F] [--json]
                                          checks the backup fully, then replaces the store in force (the previous one is
                                          kept in <data dir>/before-restore-<time>/)`;

export const PASSPHRASE_ON_ARGV =
  'A backup passphrase is never taken from the command line (it would stay in your shell history and the process list). Pipe it in with --passphrase-stdin (e.g. gatehouse backup --out b.ghbackup --passphrase-stdin < pass.txt) or name a file with --passphrase-file FILE.';

export const UNENCRYPTED_WARNING =
  'Warning: this backup is not encrypted. It holds the key file, so anyone with the file can read the provider secrets. Keep it private, or add --passphrase-stdin to encrypt it.';

/** True when argv tries to pass a passphrase as `--passphrase VALUE` or `--passphrase=VALUE` (checked before parsing, so it is never echoed). */
export function passesPassphraseOnArgv(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--passphrase' || arg.startsWith('--passphrase='));
}

function passphraseSource(values: CliValues): SecretSource | null {
  const fromStdin = values['passphrase-stdin'] === true;
  const file = typeof values['passphrase-file'] === 'string' ? values['passphrase-file'] : null;
  if (fromStdin && file !== null) throw new InputRejected('Give the passphrase with one of --passphrase-stdin or --passphrase-file FILE, not both');
  return fromStdin ? { from: 'stdin' } : file !== null ? { from: 'file', file } : null;
}

async function readPassphrase(values: CliValues, io: CliIo): Promise<string | undefined> {
  const source = passphraseSource(values);
  if (!source) return undefined;
  return readSecret(source.from === 'file' ? { from: 'file', file: source.file } : source, io, BACKUP_PASSPHRASE_MAX, 'the backup passphrase');
}

async function runBackup(client: CoreClient, io: CliIo, passphrase: string | undefined, json: boolean): Promise<number> {
  if (passphrase === undefined) io.err(UNENCRYPTED_WARNING);
  const outcome = await runJob(client, io, 'backup:create', passphrase === undefined ? {} : { passphrase }, { progressVerb: json ? null : 'backing up' });
  if (!outcome.ok) {
    io.err(formatCliError(outcome.error));
    return 1;
  }
  const { job } = outcome;
  if (job.state !== 'done' || job.result?.kind !== 'backup') {
    io.err(formatCliError(jobFailure(job, 'backup')));
    return 1;
  }
  const r = job.result;
  io.out(json ? JSON.stringify(r, null, 2) : `Wrote ${r.encrypted ? 'an encrypted' : 'an unencrypted'} backup (${r.sizeBytes} bytes, schema ${r.schemaVersion}) to ${r.savedTo ?? r.fileName}`);
  return 0;
}

async function runRestore(client: CoreClient, io: CliIo, passphrase: string | undefined, json: boolean): Promise<number> {
  const input = { file: { source: 'file' }, confirm: true, ...(passphrase === undefined ? {} : { passphrase }) };
  const outcome = await runJob(client, io, 'backup:restore', input, { progressVerb: json ? null : 'checking' });
  if (!outcome.ok) {
    io.err(formatCliError(outcome.error));
    return 1;
  }
  const { job } = outcome;
  if (job.state !== 'done' || job.result?.kind !== 'restore') {
    io.err(formatCliError(jobFailure(job, 'restore')));
    return 1;
  }
  const r = job.result;
  io.out(
    json
      ? JSON.stringify(r, null, 2)
      : `Restored the backup made ${r.backupCreatedAt}${r.migratedFrom !== null ? ` (upgraded from schema ${r.migratedFrom})` : ''}. The previous store and key file are in ${r.keptAside}`,
  );
  return 0;
}

/**
 * `gatehouse backup --out FILE` and `gatehouse restore FILE --yes`: the same jobs as the app. The CLI
 * is the door: `--out` answers chooseSavePath, FILE answers chooseOpenPath. The passphrase is read
 * here, before the store is opened, from stdin or a file.
 */
export async function planBackupCommand(command: 'backup' | 'restore', args: string[], values: CliValues, io: CliIo): Promise<CliPlan> {
  const json = values.json === true;
  if (command === 'backup') {
    if (args.length > 0) throw new UsageError(`Unexpected argument "${args.join(' ')}". Usage: gatehouse backup --out FILE [--passphrase-stdin]`);
    if (typeof values.out !== 'string' || values.out === '') throw new UsageError('--out FILE is required');
    const target = path.resolve(values.out);
    const passphrase = await readPassphrase(values, io);
    return {
      capabilities: { chooseSavePath: () => Promise.resolve(target) },
      resumesInterruptedWork: false,
      run: (client, runIo) => runBackup(client, runIo, passphrase, json),
    };
  }
  const [file, ...rest] = args;
  if (!file || rest.length > 0) throw new UsageError('Usage: gatehouse restore FILE --yes [--passphrase-stdin | --passphrase-file F]');
  if (values.yes !== true) throw new UsageError('Restoring replaces the store in force (it is kept aside in before-restore-<time>/); add --yes to go ahead');
  const source = path.resolve(file);
  const passphrase = await readPassphrase(values, io);
  return {
    capabilities: { chooseOpenPath: () => Promise.resolve(source) },
    resumesInterruptedWork: false,
    run: (client, runIo) => runRestore(client, runIo, passphrase, json),
  };
}
