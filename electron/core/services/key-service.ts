import { randomBytes } from 'node:crypto';
import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { ApiKey } from '../../../shared/contract/key-schemas';
import { workspaceNameKey } from '../../../shared/domain/workspace-rules';
import type { KeyRepository, KeyRow } from '../store/key-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import { checkKeySecret, generateKeySecret, hashKeySecret, maskParts } from './key-secret';
import type { ServiceContext } from './service-context';

function newKeyId(): string {
  return `key-${randomBytes(10).toString('hex').slice(0, 16)}`;
}

export function toApiKey(row: KeyRow): ApiKey {
  const { secretPrefix, last4, ...rest } = row;
  return { ...rest, maskedKey: `${secretPrefix}…${last4}` };
}

/** What the audit log and change log see of a key: never a secret or a hash. */
function snapshot(key: ApiKey) {
  const { id, workspaceId, name, maskedKey, status, expiresAt, revokedAt, rotatedAt, previousValidUntil, rpmLimit, tpmLimit, monthlyBudgetMinor, version } = key;
  return { id, workspaceId, name, maskedKey, status, expiresAt, revokedAt, rotatedAt, previousValidUntil, rpmLimit, tpmLimit, monthlyBudgetMinor, version };
}

export function createKeyService(ctx: ServiceContext, keys: KeyRepository, workspaces: WorkspaceRepository) {
  const { settings } = ctx;
  const nowIso = () => ctx.now().toISOString();

  const require = (id: string, now: string): KeyRow => {
    const row = keys.get(id, now);
    if (!row) throw new AppError('E_NOT_FOUND', `API key ${id} does not exist`);
    return row;
  };

  const log = (action: string, before: ApiKey | null, after: ApiKey | null, op: 'create' | 'update' | 'delete', at: string) => {
    const subject = (after ?? before)!;
    ctx.record({
      at,
      actor: ctx.actor(),
      action,
      entityType: 'api_key',
      entityId: subject.id,
      workspaceId: subject.workspaceId,
      before: before && snapshot(before),
      after: after && snapshot(after),
      change: { op, payload: after ? snapshot(after) : { id: subject.id }, baseVersion: before?.version ?? null },
    });
  };

  return {
    create(input: ParsedInput<'keys:create'>) {
      return ctx.write(() => {
        const at = nowIso();
        if (!workspaces.get(input.workspaceId)) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${input.workspaceId} does not exist`);
        if (input.expiresAt && new Date(input.expiresAt).getTime() <= ctx.now().getTime()) {
          throw AppError.field('E_VALIDATION', 'expiresAt', 'Expiry must be in the future');
        }
        const { maxActiveKeysPerWorkspace: limit, remoteLimits } = settings.get();
        // A remote's name limit applies to key names too (their own default, KEY_NAME_MAX, is in the schema).
        const nameLimit = remoteLimits.maxNameLength;
        if (nameLimit && input.name.trim().length > nameLimit.value) {
          throw AppError.field('E_VALIDATION', 'name', `Name must be at most ${nameLimit.value} characters (the limit of remote “${nameLimit.remoteName}”)`);
        }
        // Two live keys with one name in one workspace cannot be told apart in a list, a log or a sync plan.
        const nameKey = workspaceNameKey(input.name);
        if (keys.unrevokedNames(input.workspaceId).some((name) => workspaceNameKey(name) === nameKey)) {
          throw AppError.field('E_CONFLICT', 'name', `This workspace already has an API key named “${input.name.trim()}” (names are case-insensitive); pick another name or revoke that key first`);
        }
        if (keys.countActive(input.workspaceId, at) >= limit) {
          const remote = remoteLimits.maxActiveKeysPerWorkspace;
          const source = remote && remote.value === limit ? ` (the limit of remote “${remote.remoteName}”)` : '';
          throw new AppError('E_LIMIT', `A workspace can have at most ${limit} active API keys${source}. Revoke one before creating another.`);
        }
        const secret = generateKeySecret();
        const id = newKeyId();
        keys.insert({
          id,
          workspaceId: input.workspaceId,
          name: input.name,
          secretPrefix: maskParts(secret).prefix,
          last4: maskParts(secret).last4,
          secretHash: hashKeySecret(secret),
          expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
          rpmLimit: input.rpmLimit ?? null,
          tpmLimit: input.tpmLimit ?? null,
          monthlyBudgetMinor: input.monthlyBudgetMinor ?? null,
          createdAt: at,
        });
        const key = toApiKey(require(id, at));
        log('api_key.create', null, key, 'create', at);
        return { key, secret };
      });
    },

    list(input: ParsedInput<'keys:list'>) {
      const at = nowIso();
      if (!workspaces.get(input.workspaceId)) throw new AppError('E_NOT_FOUND', `Workspace ${input.workspaceId} does not exist`);
      return {
        items: keys.list(input, at).map(toApiKey),
        activeCount: keys.countActive(input.workspaceId, at),
        activeLimit: settings.get().maxActiveKeysPerWorkspace,
      };
    },

    rotate(input: ParsedInput<'keys:rotate'>) {
      return ctx.write(() => {
        const at = nowIso();
        const before = require(input.id, at);
        if (before.status !== 'active') throw new AppError('E_CONFLICT', `Only an active key can be rotated; this key is ${before.status}`);
        const hashes = keys.hashesOf(input.id)!;
        const secret = generateKeySecret();
        keys.rotate({
          id: input.id,
          secretHash: hashKeySecret(secret),
          last4: maskParts(secret).last4,
          previousSecretHash: input.graceSeconds > 0 ? hashes.secretHash : null,
          previousValidUntil: input.graceSeconds > 0 ? new Date(ctx.now().getTime() + input.graceSeconds * 1000).toISOString() : null,
          at,
        });
        const key = toApiKey(require(input.id, at));
        log('api_key.rotate', toApiKey(before), key, 'update', at);
        return { key, secret };
      });
    },

    revoke(id: string) {
      return ctx.write(() => {
        const at = nowIso();
        const before = require(id, at);
        if (before.status === 'revoked') throw new AppError('E_CONFLICT', 'This key is already revoked; revocation is final');
        keys.revoke(id, at);
        const key = toApiKey(require(id, at));
        log('api_key.revoke', toApiKey(before), key, 'update', at);
        return key;
      });
    },

    delete(id: string) {
      return ctx.write(() => {
        const at = nowIso();
        const before = require(id, at);
        if (before.status === 'active') throw new AppError('E_CONFLICT', 'Revoke this key before deleting it; only revoked or expired keys can be deleted');
        keys.delete(id);
        log('api_key.delete', toApiKey(before), null, 'delete', at);
        return { deletedId: id };
      });
    },

    /** Format and checksum are checked before the store is touched; the hash never leaves. */
    verify(secret: string) {
      const check = checkKeySecret(secret.trim());
      if (!check.ok) {
        throw AppError.field(
          'E_VALIDATION',
          'secret',
          check.reason === 'format' ? 'This is not a Gatehouse API key (wrong prefix or length)' : 'The key’s checksum does not match: it is mistyped or truncated',
        );
      }
      const at = nowIso();
      const row = keys.findByHash(hashKeySecret(secret.trim()), at);
      if (!row) throw new AppError('E_NOT_FOUND', 'No key in this store matches that secret');
      const workspace = workspaces.get(row.workspaceId)!;
      return { keyId: row.id, keyName: row.name, workspaceId: row.workspaceId, workspaceName: workspace.name, status: row.status, matched: row.matched };
    },
  };
}
