import { REMOTE_CA_MAX, REMOTE_CREDENTIAL_MAX, REMOTE_KINDS, type Remote, type RemoteTest } from '../../../../shared/contract/sync-schemas';
import type { CoreClient } from '../../../core/client/core-client';
import { formatCliError } from './cli-job';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { InputRejected, oneLine, readFileText, readLimited, stdinOf } from './secret-input';
import { CallFailed, callCore, textTable } from './cli-call';

export const REMOTES_COMMANDS_HELP = `  remotes add NAME --url URL [--kind gatehouse-v1] (--credential-stdin | --credential-file FILE) [--ca-file FILE]
                                          add a remote gateway; its admin key comes from stdin or a file, never the command line
  remotes list [--json]
  remotes test NAME [--json]              reachable, authenticated, protocol version, the remote's limits
  remotes remove NAME`;

const ADD_USAGE = 'Usage: gatehouse remotes add NAME --url URL [--kind gatehouse-v1] (--credential-stdin | --credential-file FILE) [--ca-file FILE]';

/** Why `--credential VALUE` is refused (checked before the arguments are parsed, so the value is never echoed). */
export const CREDENTIAL_ON_ARGV =
  'The admin key is never taken from the command line (it would stay in your shell history and the process list). Pipe it in with --credential-stdin (e.g. gatehouse remotes add NAME --url URL --credential-stdin < admin-key.txt) or name a file with --credential-file FILE.';

/** True when argv tries to pass a secret as `--credential VALUE` or `--credential=VALUE`. */
export function passesCredentialOnArgv(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--credential' || arg.startsWith('--credential='));
}

const asJson = (data: unknown) => JSON.stringify(data, null, 2);
const nameKey = (name: string) => name.trim().normalize('NFKC').toLowerCase();


/** Runs a command body; a failed call or unreadable input prints `CODE: message` and exits 1. */
const runCommand = (body: (client: CoreClient, io: CliIo) => Promise<number>): CliPlan => ({
  // Remote commands are one-shot: they do not stay to finish an interrupted import.
  resumesInterruptedWork: false,
  async run(client, io) {
    try {
      return await body(client, io);
    } catch (error) {
      if (!(error instanceof CallFailed || error instanceof InputRejected)) throw error;
      io.err(formatCliError(error.payload));
      return 1;
    }
  },
});

async function findRemote(client: CoreClient, name: string): Promise<Remote> {
  const { remotes } = await callCore<{ remotes: Remote[] }>(client, 'remotes:list', {});
  const found = remotes.find((r) => nameKey(r.name) === nameKey(name));
  if (!found) {
    const known = remotes.length ? ` Known remotes: ${remotes.map((r) => r.name).join(', ')}.` : ' No remote is set up yet (gatehouse remotes add).';
    throw new CallFailed({ code: 'E_NOT_FOUND', message: `No remote named “${name}”.${known}` });
  }
  return found;
}

function remoteTable(remotes: Remote[]): string {
  const header = ['NAME', 'ID', 'KIND', 'URL', 'LIMITS (WS/KEYS/NAME)', 'LAST TESTED', 'LAST SYNC'];
  const rows = remotes.map((r) => [
    r.name,
    r.id,
    r.kind,
    r.hasCustomCa ? `${r.baseUrl} (custom CA)` : r.baseUrl,
    r.limits ? `${r.limits.maxWorkspaces}/${r.limits.maxKeysPerWorkspace}/${r.limits.maxNameLength}` : '—',
    r.lastTestedAt ?? 'never',
    r.lastSyncAt ?? 'never',
  ]);
  return textTable(header, rows);
}

function testReport(remote: Remote, test: RemoteTest): string {
  const yesNo = (v: boolean) => (v ? 'yes' : 'no');
  const lines = [
    `Remote ${remote.name} (${remote.baseUrl})`,
    `  reachable:        ${yesNo(test.reachable)}`,
    `  authenticated:    ${yesNo(test.authenticated)}`,
    `  protocol version: ${test.protocolVersion ?? '—'}${test.server ? ` (${test.server})` : ''}`,
  ];
  if (test.limits) {
    lines.push(`  limits:           ${test.limits.maxWorkspaces} workspaces, ${test.limits.maxKeysPerWorkspace} keys per workspace, names up to ${test.limits.maxNameLength} characters`);
  }
  if (test.latencyMs !== null) lines.push(`  latency:          ${test.latencyMs} ms`);
  if (test.problem) lines.push(`  problem:          ${test.problem}`);
  return lines.join('\n');
}

/** `gatehouse remotes add|list|test|remove`. */
export function planRemotesCommand(args: string[], values: CliValues): CliPlan {
  const [sub, name, ...rest] = args;
  const json = values.json === true;
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest.join(' ')}". Quote names that contain spaces, e.g. "My gateway"`);
  const requireName = (usage: string) => {
    if (!name) throw new UsageError(usage);
    return name;
  };

  switch (sub) {
    case 'add': {
      const remoteName = requireName(ADD_USAGE);
      if (typeof values.url !== 'string') throw new UsageError(`--url URL is required. ${ADD_USAGE}`);
      const kind = typeof values.kind === 'string' ? values.kind : 'gatehouse-v1';
      if (!(REMOTE_KINDS as readonly string[]).includes(kind)) throw new UsageError(`Unknown --kind "${kind}". Choose one of: ${REMOTE_KINDS.join(', ')}`);
      const fromStdin = values['credential-stdin'] === true;
      const file = typeof values['credential-file'] === 'string' ? values['credential-file'] : null;
      if (fromStdin === (file !== null)) throw new UsageError(`Give the admin key with exactly one of --credential-stdin or --credential-file FILE. ${ADD_USAGE}`);
      const caFile = typeof values['ca-file'] === 'string' ? values['ca-file'] : null;
      const baseUrl = values.url;
      return runCommand(async (client, io) => {
        let credential: string;
        if (fromStdin) {
          const stdin = stdinOf(io);
          if ((stdin as { isTTY?: boolean }).isTTY) io.err('Paste the admin key, then press Enter and Ctrl+D (it is shown as you type; prefer piping it in):');
          credential = oneLine(await readLimited(stdin, REMOTE_CREDENTIAL_MAX * 4, 'Standard input', 'the admin key'), 'Standard input', 'the admin key');
        } else {
          credential = oneLine(await readFileText(file!, '--credential-file', REMOTE_CREDENTIAL_MAX * 4), `--credential-file ${file}`, 'the admin key');
        }
        const caCertificate = caFile === null ? null : await readFileText(caFile, '--ca-file', REMOTE_CA_MAX);
        const remote = await callCore<Remote>(client, 'remotes:create', { name: remoteName, kind, baseUrl, credential, ...(caCertificate === null ? {} : { caCertificate }) });
        io.out(json ? asJson(remote) : `Added remote ${remote.name} (${remote.id}) at ${remote.baseUrl}. Check it with: gatehouse remotes test "${remote.name}"`);
        return 0;
      });
    }
    case 'list':
      if (name !== undefined) throw new UsageError(`Unexpected argument "${name}". Usage: gatehouse remotes list [--json]`);
      return runCommand(async (client, io) => {
        const { remotes } = await callCore<{ remotes: Remote[] }>(client, 'remotes:list', {});
        io.out(json ? asJson(remotes) : remotes.length ? remoteTable(remotes) : 'No remotes yet. Add one with: gatehouse remotes add NAME --url URL --credential-stdin');
        return 0;
      });
    case 'test': {
      const remoteName = requireName('Usage: gatehouse remotes test NAME [--json]');
      return runCommand(async (client, io) => {
        const remote = await findRemote(client, remoteName);
        const test = await callCore<RemoteTest>(client, 'remotes:test', { id: remote.id });
        io.out(json ? asJson(test) : testReport(remote, test));
        // Exit 0 only when the remote is usable for sync.
        return test.reachable && test.authenticated ? 0 : 1;
      });
    }
    case 'remove': {
      const remoteName = requireName('Usage: gatehouse remotes remove NAME');
      return runCommand(async (client, io) => {
        const remote = await findRemote(client, remoteName);
        await callCore(client, 'remotes:delete', { id: remote.id });
        io.out(json ? asJson({ id: remote.id }) : `Removed remote ${remote.name} (${remote.id}); its sync history went with it, local data is unchanged`);
        return 0;
      });
    }
    default:
      throw new UsageError(`Unknown remotes command "${args.join(' ')}"`);
  }
}
