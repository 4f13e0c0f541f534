import { parseArgs } from 'node:util';
import { isChannelName } from '../../../shared/contract/channel-names';
import type { ErrorPayload, Result } from '../../../shared/contract/errors';
import type { Workspace } from '../../../shared/contract/workspace-schemas';
import { DEFAULT_CURRENCY, formatMoney, parseMoneyToMinor } from '../../../shared/domain/money';
import { ENVIRONMENTS, REGIONS, labelOf } from '../../../shared/domain/workspace-rules';
import { createInProcessClient } from '../../core/client/in-process-client';
import { CLI_SENDER, UsageError, type CliIo, type CliPlan, type CliValues } from './commands/cli-plan';
import { planModelsCommand } from './commands/models-command';
import { EXPORT_COMMANDS_HELP, planExportCommand } from './commands/export-command';
import { planUsageCommand, USAGE_COMMANDS_HELP } from './commands/usage-command';
import { CREDENTIAL_ON_ARGV, passesCredentialOnArgv, planRemotesCommand, REMOTES_COMMANDS_HELP } from './commands/remotes-command';
import { planSyncCommand, SYNC_COMMANDS_HELP } from './commands/sync-command';
import { planRoutesCommand, ROUTES_COMMANDS_HELP } from './commands/routes-command';
import { GUARDRAILS_COMMANDS_HELP, planGuardrailsCommand } from './commands/guardrails-command';
import { planProviderKeysCommand, PROVIDER_KEYS_COMMANDS_HELP } from './commands/provider-keys-command';
import { planCallCommand, SECRET_ON_ARGV, passesSecretOnArgv } from './commands/call-command';
import { InputRejected } from './commands/secret-input';
import { BACKUP_COMMANDS_HELP, PASSPHRASE_ON_ARGV, passesPassphraseOnArgv, planBackupCommand } from './commands/backup-command';
import { defaultDataDir } from '../../core/data-dir';
import { APP_VERSION } from '../app-version';
import { textTable } from './commands/cli-call';


export const CLI_USAGE = `Usage: gatehouse [--data-dir DIR] <command>

Commands:
  call <channel> '<json>' | - [--secret-stdin | --secret-file FILE]
                                          call any IPC channel; prints the result as JSON. "-" reads the JSON from stdin;
                                          a secret (provider key, remote admin key, API key to verify) never goes in the
                                          command line: leave it out of the JSON and add --secret-stdin or --secret-file
  workspaces list [--search Q] [--json]
  workspaces create --name NAME [--environment E] [--region R] [--budget AMOUNT] [--json]
  workspaces rename ID --name NAME [--json]
  workspaces delete ID --confirm NAME
  models list [--search Q] [--vendor V[,V]] [--type T[,T]] [--json]   the model catalog (types: text, vision, image-generation, …)
${USAGE_COMMANDS_HELP}
${EXPORT_COMMANDS_HELP}
${PROVIDER_KEYS_COMMANDS_HELP}
${REMOTES_COMMANDS_HELP}
${SYNC_COMMANDS_HELP}
${ROUTES_COMMANDS_HELP}
${GUARDRAILS_COMMANDS_HELP}
${BACKUP_COMMANDS_HELP}

Data dir: --data-dir, else $GATEHOUSE_DATA_DIR, else the desktop app's data folder.
Environments: ${ENVIRONMENTS.map((e) => e.label).join(', ')}. Regions: ${REGIONS.map((r) => r.label).join(', ')}.`;


/** Accepts an id ("eu") or a label ("EU", "Rwanda") case-insensitively. */
function pickOption(list: readonly { id: string; label: string }[], value: string | undefined, what: string): string | undefined {
  if (value === undefined) return undefined;
  const found = list.find((o) => o.id === value.toLowerCase() || o.label.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`Unknown ${what} "${value}". Choose one of: ${list.map((o) => o.label).join(', ')}`);
  return found.id;
}

function formatError(error: ErrorPayload): string {
  const issues = (error.issues ?? []).filter((i) => i.message !== error.message).map((i) => `\n  ${i.path}: ${i.message}`);
  return `${error.code}: ${error.message}${issues.join('')}`;
}

function workspaceTable(items: Workspace[]): string {
  const header = ['NAME', 'ID', 'ENVIRONMENT', 'REGION', 'STATUS', 'OWNER', 'BUDGET', 'KEYS'];
  const rows = items.map((w) => [
    w.isDefault ? `${w.name} (default)` : w.name,
    w.id,
    labelOf(ENVIRONMENTS, w.environment),
    labelOf(REGIONS, w.region),
    w.status,
    w.owner,
    formatMoney(w.monthlyBudgetMinor, w.currency),
    `${w.keyCount}/${w.keyLimit}`,
  ]);
  return textTable(header, rows);
}

export type { CliIo };

/** Runs one CLI invocation in-process and resolves the exit code (0 ok, 1 failed call, 2 bad usage). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Before parsing: a parse error would echo `--credential=VALUE`, i.e. the secret.
  if (passesCredentialOnArgv(argv)) {
    io.err(`E_VALIDATION: ${CREDENTIAL_ON_ARGV}`);
    return 2;
  }
  if (passesSecretOnArgv(argv)) {
    io.err(`E_VALIDATION: ${SECRET_ON_ARGV}`);
    return 2;
  }
  if (passesPassphraseOnArgv(argv)) {
    io.err(`E_VALIDATION: ${PASSPHRASE_ON_ARGV}`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        'data-dir': { type: 'string' },
        search: { type: 'string' },
        json: { type: 'boolean', default: false },
        name: { type: 'string' },
        environment: { type: 'string' },
        region: { type: 'string' },
        budget: { type: 'string' },
        currency: { type: 'string' },
        confirm: { type: 'string' },
        // models
        vendor: { type: 'string' },
        type: { type: 'string' },
        // usage and export
        days: { type: 'string' },
        rows: { type: 'string' },
        seed: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'group-by': { type: 'string' },
        bucket: { type: 'string' },
        workspace: { type: 'string' },
        out: { type: 'string' },
        // remotes
        url: { type: 'string' },
        kind: { type: 'string' },
        'credential-stdin': { type: 'boolean', default: false },
        'credential-file': { type: 'string' },
        'ca-file': { type: 'string' },
        // provider keys and `call`: secrets from stdin or a file, never argv
        label: { type: 'string' },
        'secret-stdin': { type: 'boolean', default: false },
        'secret-file': { type: 'string' },
        // sync
        remote: { type: 'string' },
        plan: { type: 'string' },
        yes: { type: 'boolean', default: false },
        'keep-local': { type: 'boolean', default: false },
        // backup and restore: the passphrase from stdin or a file, never argv
        'passphrase-stdin': { type: 'boolean', default: false },
        'passphrase-file': { type: 'string' },
        'take-remote': { type: 'boolean', default: false },
        // routes and guardrails
        file: { type: 'string' },
        fail: { type: 'string' },
        direction: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`E_VALIDATION: ${(error as Error).message}\n\n${CLI_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(CLI_USAGE);
    return values.help ? 0 : 2;
  }

  let request: CliPlan;
  try {
    // Input from stdin or a file (JSON, secrets) is read here, before the store is opened.
    request = await planRequest(positionals, values, io);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InputRejected) {
      io.err(`E_VALIDATION: ${error.message}`);
      return 2;
    }
    throw error;
  }

  const dataDir = values['data-dir'] ?? defaultDataDir(io.env);
  let client;
  try {
    client = createInProcessClient({
      dataDir,
      appVersion: APP_VERSION,
      isTrustedSender: (s) => s.kind === 'cli',
      logError: (c, e) => io.err(`[gatehouse] ${c}: ${(e as Error).message ?? e}`),
      // A one-shot command has no one to tell about other processes' writes.
      externalChangePollMs: 0,
      quickCheck: false,
      // Only the commands that run jobs stay open long enough to finish an interrupted import.
      resumeInterruptedWork: 'run' in request && request.resumesInterruptedWork !== false,
      ...('run' in request && request.capabilities ? { capabilities: request.capabilities } : {}),
      // Crash tests only: kill this process at a named point of a sync apply.
      ...(io.env.GH_SYNC_CRASH_AT ? { syncCrashAt: io.env.GH_SYNC_CRASH_AT } : {}),
    });
  } catch (error) {
    // The core reports storage problems (read-only, damaged, newer or busy store) typed; print them as they are.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'E_STORAGE' || code === 'E_BUSY') {
      io.err(`${code}: ${(error as Error).message}`);
      return 1;
    }
    io.err(`E_INTERNAL: Cannot open the Gatehouse store in ${dataDir}: ${(error as Error).message}`);
    return 1;
  }
  try {
    if ('run' in request) return await request.run(client, io);
    const result: Result<unknown> = await client.invoke(request.channel, request.input, CLI_SENDER);
    if (!result.ok) {
      io.err(formatError(result.error));
      return 1;
    }
    io.out(request.print(result.data));
    return 0;
  } finally {
    await client.close();
  }
}

async function planRequest(positionals: string[], values: CliValues, io: CliIo): Promise<CliPlan> {
  const [command, sub, arg, ...rest] = positionals;
  const json = values.json === true;
  const asJson = (data: unknown) => JSON.stringify(data, null, 2);
  const requireName = () => {
    if (typeof values.name !== 'string') throw new UsageError('--name NAME is required');
    return values.name;
  };

  if (command === 'call') {
    if (!sub || !isChannelName(sub)) throw new UsageError(`Unknown channel "${sub ?? ''}". Usage: gatehouse call <channel> '<json>'`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument after the JSON. Usage: gatehouse call <channel> '<json>'`);
    return planCallCommand(sub, arg, values, io);
  }
  if (command === 'provider-keys') return planProviderKeysCommand(positionals.slice(1), values, io);
  if (command === 'backup' || command === 'restore') return planBackupCommand(command, positionals.slice(1), values, io);
  if (values['passphrase-stdin'] === true || values['passphrase-file'] !== undefined) throw new UsageError('--passphrase-stdin and --passphrase-file go with backup and restore');
  if (values['secret-stdin'] === true || values['secret-file'] !== undefined) {
    throw new UsageError('--secret-stdin and --secret-file go with provider-keys add|rotate and call (remotes add takes --credential-stdin or --credential-file FILE)');
  }
  try {
    if (command === 'models') return planModelsCommand(positionals.slice(1), values);
    if (command === 'usage') return planUsageCommand(positionals.slice(1), values);
    if (command === 'export') return planExportCommand(positionals.slice(1), values);
    if (command === 'remotes') return planRemotesCommand(positionals.slice(1), values);
    if (command === 'sync') return planSyncCommand(positionals.slice(1), values);
    if (command === 'routes') return planRoutesCommand(positionals.slice(1), values);
    if (command === 'guardrails') return planGuardrailsCommand(positionals.slice(1), values);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}\n\n${CLI_USAGE}`);
    throw error;
  }
  if (command !== 'workspaces' || rest.length > 0) throw new UsageError(`Unknown command "${positionals.join(' ')}"\n\n${CLI_USAGE}`);

  if ((sub === 'list' || sub === 'create') && arg !== undefined) {
    throw new UsageError(`Unexpected argument "${arg}". Quote names that contain spaces, e.g. --name "My Team"`);
  }
  switch (sub) {
    case 'list':
      return {
        channel: 'workspaces:list',
        input: { search: (values.search as string | undefined) ?? '', page: { index: 0, size: 500 } },
        print: (data: unknown) => {
          const items = (data as { items: Workspace[] }).items;
          return json ? asJson(items) : items.length ? workspaceTable(items) : 'No workspaces match.';
        },
      };
    case 'create': {
      const currency = (values.currency as string | undefined)?.toUpperCase() ?? DEFAULT_CURRENCY;
      let monthlyBudgetMinor: number | undefined;
      if (typeof values.budget === 'string') {
        const minor = parseMoneyToMinor(values.budget, currency);
        if (minor === null) throw new UsageError(`--budget "${values.budget}" is not an amount like 1500 or 1500.50`);
        monthlyBudgetMinor = minor;
      }
      return {
        channel: 'workspaces:create',
        input: {
          name: requireName(),
          environment: pickOption(ENVIRONMENTS, values.environment as string | undefined, 'environment'),
          region: pickOption(REGIONS, values.region as string | undefined, 'region'),
          monthlyBudgetMinor,
          currency,
        },
        print: (data: unknown) => (json ? asJson(data) : `Created workspace ${(data as Workspace).name} (${(data as Workspace).id})`),
      };
    }
    case 'rename':
      if (!arg) throw new UsageError('Usage: gatehouse workspaces rename ID --name NAME');
      return {
        channel: 'workspaces:update',
        input: { id: arg, changes: { name: requireName() } },
        print: (data: unknown) => (json ? asJson(data) : `Renamed ${(data as Workspace).id} to ${(data as Workspace).name}`),
      };
    case 'delete':
      if (!arg || typeof values.confirm !== 'string') throw new UsageError('Usage: gatehouse workspaces delete ID --confirm NAME');
      return {
        channel: 'workspaces:delete',
        input: { id: arg, confirmName: values.confirm },
        print: (data: unknown) => (json ? asJson(data) : `Deleted workspace ${(data as { deletedId: string }).deletedId}`),
      };
    default:
      throw new UsageError(`Unknown workspaces command "${sub ?? ''}"\n\n${CLI_USAGE}`);
  }
}
