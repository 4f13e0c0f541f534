import type { ProviderKey, ProviderKeyForgetUnreadableOutput } from '../../../../shared/contract/provider-key-schemas';
import { maskedSecret, PROVIDER_SECRET_MAX, protectionSchemeLabel } from '../../../../shared/domain/provider-key-rules';
import { formatCliError } from './cli-job';
import { UsageError, type CliIo, type CliPlan, type CliValues } from './cli-plan';
import { readSecret, secretSourceOf } from './secret-input';
import { CallFailed, callCore, textTable } from './cli-call';

export const PROVIDER_KEYS_COMMANDS_HELP = `  provider-keys list [--json]
  provider-keys add --vendor V --label L (--secret-stdin | --secret-file FILE) [--json]
                                          store an upstream provider key; its secret comes from stdin or a file, never the command line
  provider-keys rotate ID (--secret-stdin | --secret-file FILE) [--json]
                                          replace a key's secret
  provider-keys remove ID
  provider-keys forget-unreadable --yes   delete the keys whose secrets cannot be decrypted here (a lost key file with no backup)`;

const SECRET_USAGE = 'Give the secret with --secret-stdin (e.g. < secret.txt) or --secret-file FILE; it is never taken from the command line';

const asJson = (data: unknown) => JSON.stringify(data, null, 2);

const STATUS_TEXT: Record<ProviderKey['secretStatus'], string> = {
  ok: 'ok',
  unreadable: 'unreadable here',
  'unavailable-here': 'desktop app only',
};

function keyTable(keys: ProviderKey[]): string {
  const header = ['VENDOR', 'LABEL', 'ID', 'SECRET', 'PROTECTION', 'STATUS', 'OVERRIDES'];
  const rows = keys.map((k) => [k.vendor, k.label, k.id, maskedSecret(k.last4), protectionSchemeLabel(k.scheme), STATUS_TEXT[k.secretStatus], String(k.workspaceOverrides)]);
  return textTable(header, rows);
}


function forgetReport(outcome: ProviderKeyForgetUnreadableOutput): string {
  const lines = outcome.forgotten.length
    ? outcome.forgotten.map((k) => `Forgot the ${k.vendor} key “${k.label}” (${maskedSecret(k.last4)})${k.clearedWorkspaceOverrides ? `, and its settings in ${k.clearedWorkspaceOverrides} workspace(s)` : ''}`)
    : ['No provider key is unreadable here; nothing was deleted.'];
  if (outcome.newKeyFile) lines.push('Started a new key file for the secrets you enter from now on.');
  if (outcome.remoteCredentialsToReenter) {
    lines.push(
      `The admin key of ${outcome.remoteCredentialsToReenter} remote(s) was sealed with the lost key file: enter it again with gatehouse call remotes:update '{"id":"rem-…"}' --secret-stdin.`,
    );
  }
  return lines.join('\n');
}

/**
 * `gatehouse provider-keys list|add|rotate|remove|forget-unreadable`. The secret for add and rotate
 * is read here, before the store is opened, from stdin or `--secret-file`.
 */
export async function planProviderKeysCommand(args: string[], values: CliValues, io: CliIo): Promise<CliPlan> {
  const [sub, id, ...rest] = args;
  const json = values.json === true;
  if (rest.length > 0) throw new UsageError(`Unexpected argument "${rest.join(' ')}". Quote labels that contain spaces, e.g. --label "EU prod"`);
  const requireId = (usage: string) => {
    if (!id) throw new UsageError(usage);
    return id;
  };
  const noId = (usage: string) => {
    if (id !== undefined) throw new UsageError(`Unexpected argument "${id}". ${usage}`);
  };
  const secret = async () => {
    const source = secretSourceOf(values);
    if (!source) throw new UsageError(SECRET_USAGE);
    return readSecret(source, io, PROVIDER_SECRET_MAX, 'the provider secret');
  };

  switch (sub) {
    case 'list':
      noId('Usage: gatehouse provider-keys list [--json]');
      return {
        channel: 'providerKeys:list',
        input: {},
        print: (data) => {
          const list = data as { items: ProviderKey[]; protection: { description: string } };
          if (json) return asJson(list.items);
          return list.items.length ? `${keyTable(list.items)}\n\n${list.protection.description}` : `No provider keys yet. ${list.protection.description}`;
        },
      };
    case 'add': {
      const usage = 'Usage: gatehouse provider-keys add --vendor V --label L (--secret-stdin | --secret-file FILE)';
      noId(usage);
      if (typeof values.vendor !== 'string' || typeof values.label !== 'string') throw new UsageError(`--vendor V and --label L are required. ${usage}`);
      const input = { vendor: values.vendor, label: values.label, secret: await secret() };
      return {
        channel: 'providerKeys:create',
        input,
        print: (data) => {
          const key = data as ProviderKey;
          return json ? asJson(key) : `Added the ${key.vendor} key “${key.label}” (${key.id}, ${maskedSecret(key.last4)}), protected by ${protectionSchemeLabel(key.scheme).toLowerCase()}`;
        },
      };
    }
    case 'rotate': {
      const keyId = requireId('Usage: gatehouse provider-keys rotate ID (--secret-stdin | --secret-file FILE)');
      const input = { id: keyId, secret: await secret() };
      return {
        channel: 'providerKeys:update',
        input,
        print: (data) => {
          const key = data as ProviderKey;
          return json ? asJson(key) : `Replaced the secret of “${key.label}” (${key.id}); it now ends in ${key.last4}`;
        },
      };
    }
    case 'remove': {
      const keyId = requireId('Usage: gatehouse provider-keys remove ID');
      return {
        channel: 'providerKeys:delete',
        input: { id: keyId },
        print: (data) => {
          const deleted = data as { deletedId: string; clearedWorkspaceOverrides: number };
          return json ? asJson(deleted) : `Removed provider key ${deleted.deletedId}${deleted.clearedWorkspaceOverrides ? ` and its settings in ${deleted.clearedWorkspaceOverrides} workspace(s)` : ''}`;
        },
      };
    }
    case 'forget-unreadable':
      noId('Usage: gatehouse provider-keys forget-unreadable --yes');
      if (values.yes !== true) {
        throw new UsageError(
          'forget-unreadable deletes the provider keys whose secrets cannot be decrypted here, for good. Restore provider-keys.key from a backup of the data folder if you can; otherwise add --yes.',
        );
      }
      return {
        resumesInterruptedWork: false,
        async run(client, out) {
          try {
            // Exactly the keys unreadable now: the core refuses the call if one became readable meanwhile.
            const { items } = await callCore<{ items: ProviderKey[] }>(client, 'providerKeys:list', {});
            const ids = items.filter((k) => k.secretStatus === 'unreadable').map((k) => k.id);
            const outcome = await callCore<ProviderKeyForgetUnreadableOutput>(client, 'providerKeys:forgetUnreadable', { ids });
            out.out(json ? asJson(outcome) : forgetReport(outcome));
            return 0;
          } catch (error) {
            if (!(error instanceof CallFailed)) throw error;
            out.err(formatCliError(error.payload));
            return 1;
          }
        },
      };
    default:
      throw new UsageError(`Unknown provider-keys command "${args.join(' ')}"`);
  }
}
