import { randomBytes } from 'node:crypto';
import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { ProviderAccess, ProviderKey } from '../../../shared/contract/provider-key-schemas';
import { MAX_PROVIDER_KEYS, type SecretStatus } from '../../../shared/domain/provider-key-rules';
import type { ProviderAccessRow, ProviderKeyRepository, ProviderKeyRow } from '../store/provider-key-repository';
import type { WorkspaceRepository } from '../store/workspace-repository';
import { canonicalVendor, PROVIDER_VENDORS } from './provider-key-vendors';
import type { SecretProtection } from './secret-box';
import type { ServiceContext } from './service-context';

function newProviderKeyId(): string {
  return `pk-${randomBytes(8).toString('hex')}`;
}

/** Binds a ciphertext to its row: copied onto another row it does not decrypt. */
export const secretContext = (id: string) => `gatehouse/provider-key/${id}`;

const labelKey = (label: string) => label.normalize('NFKC').toLowerCase();

/**
 * What the audit log and the change log see of a provider key: no secret, no ciphertext. The change
 * log deliberately carries no ciphertext either: it is encrypted with a key of this laptop, useless
 * upstream, and sync must hand the gateway secrets over its own authenticated channel.
 */
function snapshot(row: ProviderKeyRow) {
  const { id, vendor, label, last4, scheme, version } = row;
  return { id, vendor, label, last4, scheme, version };
}

/** What the start-up move of legacy `os-keychain` rows onto the OS data key did. */
export interface LegacyRewrapOutcome {
  rewrapped: number;
  /** Legacy rows the OS keychain refused (or that belong to another row): left as they are. */
  unreadable: number;
  /** Why the move did not run to the end (nothing was changed then). */
  failed?: string;
}

export function createProviderKeyService(ctx: ServiceContext, repo: ProviderKeyRepository, workspaces: WorkspaceRepository, protection: SecretProtection) {
  const nowIso = () => ctx.now().toISOString();

  const require = (id: string): ProviderKeyRow => {
    const row = repo.get(id);
    if (!row) throw new AppError('E_NOT_FOUND', `Provider key ${id} does not exist`);
    return row;
  };

  /** Plaintext of a stored secret, for the upstream gateway only; never sent to a door. */
  const decryptSecret = (row: ProviderKeyRow): string => protection.decrypt(row.scheme, repo.ciphertextOf(row.id)!, secretContext(row.id));

  const secretStatus = (row: ProviderKeyRow): SecretStatus => {
    if (!protection.canDecrypt(row.scheme)) return 'unavailable-here';
    try {
      decryptSecret(row);
      return 'ok';
    } catch {
      return 'unreadable';
    }
  };

  const toProviderKey = (row: ProviderKeyRow): ProviderKey => ({ ...row, secretStatus: secretStatus(row) });

  const assertLabelFree = (vendor: string, label: string, exceptId?: string) => {
    if (repo.isLabelTaken(vendor, labelKey(label), exceptId)) throw AppError.field('E_CONFLICT', 'label', `A ${vendor} key labelled “${label}” already exists`);
  };

  const encryptInto = (id: string, secret: string) => ({ ...protection.encrypt(secret, secretContext(id)), last4: secret.slice(-4) });

  const log = (action: string, before: ProviderKeyRow | null, after: ProviderKeyRow | null, op: 'create' | 'update' | 'delete', at: string, extra: object = {}) => {
    const subject = (after ?? before)!;
    ctx.record({
      at,
      actor: ctx.actor(),
      action,
      entityType: 'provider_key',
      entityId: subject.id,
      workspaceId: null,
      before: before && { ...snapshot(before), ...(op === 'delete' ? extra : {}) },
      after: after && snapshot(after),
      change: { op, payload: after ? snapshot(after) : { id: subject.id }, baseVersion: before?.version ?? null },
    });
  };

  const accessView = (workspaceId: string): ProviderAccess => {
    const exceptions = new Map(repo.accessOf(workspaceId).map((row) => [row.providerKeyId, row.mode]));
    const byVendor = new Map<string, ProviderKeyRow[]>();
    for (const key of repo.list()) byVendor.set(key.vendor, [...(byVendor.get(key.vendor) ?? []), key]);
    return {
      workspaceId,
      vendors: [...byVendor].map(([vendor, keys]) => {
        const pinned = keys.find((k) => exceptions.get(k.id) === 'pinned')?.id ?? null;
        return {
          vendor,
          pinnedKeyId: pinned,
          keys: keys.map((k) => {
            const state = exceptions.get(k.id) ?? 'enabled';
            return { id: k.id, label: k.label, last4: k.last4, state, usable: pinned ? pinned === k.id : state === 'enabled' };
          }),
        };
      }),
    };
  };

  const requireWorkspace = (workspaceId: string) => {
    if (!workspaces.get(workspaceId)) throw AppError.field('E_NOT_FOUND', 'workspaceId', `Workspace ${workspaceId} does not exist`);
  };

  /**
   * Moves `os-keychain` rows of the pre-envelope format (safeStorage output) onto the OS data key:
   * the door decrypts them (`decryptLegacy`: only it has safeStorage), then one write re-encrypts
   * every one it could read, with one `provider_key.rewrap` audit entry each (no secret, no
   * ciphertext; local only: nothing the gateway sees changes). Rows the OS refuses stay as they
   * are and are listed `unreadable`. Runs once at start; a row changed meanwhile is left alone.
   */
  const rewrapLegacySecrets = async (): Promise<LegacyRewrapOutcome> => {
    if (!protection.canRewrapLegacy()) return { rewrapped: 0, unreadable: 0 };
    const legacy = repo
      .list()
      .map((row) => ({ row, blob: repo.ciphertextOf(row.id)! }))
      .filter(({ row, blob }) => protection.isLegacy(row.scheme, blob));
    if (legacy.length === 0) return { rewrapped: 0, unreadable: 0 };
    const plaintexts = await protection.openLegacy(legacy.map(({ row, blob }) => ({ blob, context: secretContext(row.id) })));
    if (!ctx.db.open) return { rewrapped: 0, unreadable: 0, failed: 'the store closed before the OS keychain answered' };
    const readable = legacy.flatMap(({ row, blob }, i) => {
      const plain = plaintexts[i];
      return typeof plain === 'string' ? [{ row, blob, plain }] : [];
    });
    const rewrapped = ctx.write(() => {
      const at = nowIso();
      let count = 0;
      for (const { row, blob, plain } of readable) {
        const current = repo.get(row.id);
        if (!current || !repo.ciphertextOf(row.id)?.equals(blob)) continue;
        repo.replaceSecret(row.id, 'os-keychain', protection.sealWithDataKey(plain, secretContext(row.id)), current.last4);
        const described = { ...snapshot(current), format: 'safeStorage' };
        ctx.record({
          at,
          actor: ctx.actor(),
          action: 'provider_key.rewrap',
          entityType: 'provider_key',
          entityId: row.id,
          workspaceId: null,
          before: described,
          after: { ...described, format: 'os-data-key' },
        });
        count += 1;
      }
      return count;
    });
    return { rewrapped, unreadable: legacy.length - readable.length };
  };
  // Never rejects: a failure (the store busy, the door gone) leaves the rows for the next start.
  const legacyRewrap: Promise<LegacyRewrapOutcome> = rewrapLegacySecrets().catch((error: unknown) => ({
    rewrapped: 0,
    unreadable: 0,
    failed: error instanceof AppError ? error.message : 'the legacy provider secrets could not be converted',
  }));

  return {
    /** Settles once the start-up move of legacy `os-keychain` rows is done (tests, diagnostics). */
    whenLegacyRewrapped: () => legacyRewrap,

    list() {
      return { items: repo.list().map(toProviderKey), protection: protection.describe(), vendors: [...PROVIDER_VENDORS], limit: MAX_PROVIDER_KEYS };
    },

    create(input: ParsedInput<'providerKeys:create'>) {
      const vendor = canonicalVendor(input.vendor);
      if (!vendor) throw AppError.field('E_VALIDATION', 'vendor', `“${input.vendor}” is not a vendor of the model catalog`);
      return ctx.write(() => {
        const at = nowIso();
        if (repo.count() >= MAX_PROVIDER_KEYS) throw new AppError('E_LIMIT', `You can have at most ${MAX_PROVIDER_KEYS} provider keys. Delete one before adding another.`);
        assertLabelFree(vendor, input.label);
        const id = newProviderKeyId();
        // Encrypted only once every check passed, so a refused call never creates the key file.
        const sealed = encryptInto(id, input.secret);
        repo.insert({ id, vendor, label: input.label, labelKey: labelKey(input.label), ...sealed, at });
        const row = require(id);
        log('provider_key.create', null, row, 'create', at);
        return toProviderKey(row);
      });
    },

    update(input: ParsedInput<'providerKeys:update'>) {
      return ctx.write(() => {
        const at = nowIso();
        const before = require(input.id);
        if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
          throw new AppError('E_CONFLICT', 'This provider key was changed elsewhere since you opened it; reload and try again');
        }
        const renamed = input.label !== undefined && input.label !== before.label;
        if (renamed) assertLabelFree(before.vendor, input.label!, before.id);
        if (!renamed && input.secret === undefined) return toProviderKey(before);
        const sealed = input.secret === undefined ? null : encryptInto(before.id, input.secret);
        if (renamed) repo.rename(before.id, input.label!, labelKey(input.label!));
        if (sealed) repo.replaceSecret(before.id, sealed.scheme, sealed.ciphertext, sealed.last4);
        repo.touch(before.id, at);
        const after = require(before.id);
        log(sealed ? (renamed ? 'provider_key.update' : 'provider_key.replace_secret') : 'provider_key.rename', before, after, 'update', at);
        return toProviderKey(after);
      });
    },

    /** Its pins and disables go with it (FK cascade); the audit entry says how many workspaces that touched. */
    delete(id: string) {
      return ctx.write(() => {
        const at = nowIso();
        const before = require(id);
        repo.delete(id);
        log('provider_key.delete', before, null, 'delete', at, { clearedWorkspaceOverrides: before.workspaceOverrides });
        return { deletedId: id, clearedWorkspaceOverrides: before.workspaceOverrides };
      });
    },

    /**
     * Deletes keys whose secrets cannot be decrypted here (the key file is lost and no backup has
     * it), exactly the ones the admin confirmed: each must still be `unreadable` (a key readable here
     * or in the desktop app is never forgotten), else nothing is deleted. One transaction, one
     * `provider_key.forget_unreadable` audit entry and one change-log delete per key, as a delete.
     * Then, if only remote admin keys still depend on the lost key file, a new key file is started.
     */
    forgetUnreadable(ids: string[]) {
      const forgotten = ctx.write(() => {
        const at = nowIso();
        const rows = [...new Set(ids)].map((id, i) => {
          const row = repo.get(id);
          if (!row) throw AppError.field('E_NOT_FOUND', `ids.${i}`, `Provider key ${id} does not exist`);
          const status = secretStatus(row);
          if (status !== 'unreadable') {
            const why = status === 'ok' ? 'can be decrypted here' : 'is readable in the desktop app';
            throw AppError.field('E_CONFLICT', `ids.${i}`, `The secret of the ${row.vendor} key “${row.label}” ${why}; it is not forgotten. Nothing was deleted.`);
          }
          return row;
        });
        for (const row of rows) {
          repo.delete(row.id);
          log('provider_key.forget_unreadable', row, null, 'delete', at, { clearedWorkspaceOverrides: row.workspaceOverrides, reason: 'secret unreadable here' });
        }
        return rows.map(({ id, vendor, label, last4, workspaceOverrides }) => ({ id, vendor, label, last4, clearedWorkspaceOverrides: workspaceOverrides }));
      });
      // After the commit: had it failed, the rows would still be there and the lost key file still needed.
      return { forgotten, ...protection.replaceLostKeyFile() };
    },

    getAccess(workspaceId: string) {
      requireWorkspace(workspaceId);
      return accessView(workspaceId);
    },

    /**
     * Rules: at most one pin per vendor; a pinned key must be of that vendor and cannot also be
     * disabled. Replaces the workspace's exceptions in one transaction with its audit entry.
     */
    saveAccess(input: ParsedInput<'providerAccess:save'>) {
      return ctx.write(() => {
        const at = nowIso();
        requireWorkspace(input.workspaceId);
        const rows: ProviderAccessRow[] = [];
        const pinnedVendors = new Map<string, number>();
        input.pins.forEach((pin, i) => {
          const key = repo.get(pin.providerKeyId);
          if (!key) throw AppError.field('E_NOT_FOUND', `pins.${i}.providerKeyId`, `Provider key ${pin.providerKeyId} does not exist`);
          if (key.vendor.toLowerCase() !== pin.vendor.toLowerCase()) {
            throw AppError.field('E_VALIDATION', `pins.${i}.providerKeyId`, `“${key.label}” is a ${key.vendor} key; it cannot be pinned for ${pin.vendor}`);
          }
          if (pinnedVendors.has(key.vendor)) throw AppError.field('E_VALIDATION', `pins.${i}.vendor`, `Pin at most one ${key.vendor} key per workspace`);
          pinnedVendors.set(key.vendor, i);
          rows.push({ providerKeyId: key.id, vendor: key.vendor, mode: 'pinned' });
        });
        const pinnedIds = new Set(rows.map((r) => r.providerKeyId));
        [...new Set(input.disabledKeyIds)].forEach((id, i) => {
          const key = repo.get(id);
          if (!key) throw AppError.field('E_NOT_FOUND', `disabledKeyIds.${i}`, `Provider key ${id} does not exist`);
          if (pinnedIds.has(id)) throw AppError.field('E_VALIDATION', `disabledKeyIds.${i}`, `“${key.label}” is pinned; a pinned key cannot also be disabled`);
          rows.push({ providerKeyId: id, vendor: key.vendor, mode: 'disabled' });
        });

        const summary = (list: ProviderAccessRow[]) => ({
          disabledKeyIds: list.filter((r) => r.mode === 'disabled').map((r) => r.providerKeyId).sort(),
          pins: list.filter((r) => r.mode === 'pinned').map((r) => ({ vendor: r.vendor, providerKeyId: r.providerKeyId })).sort((a, b) => a.vendor.localeCompare(b.vendor)),
        });
        const before = summary(repo.accessOf(input.workspaceId));
        const after = summary(rows);
        if (JSON.stringify(before) === JSON.stringify(after)) return accessView(input.workspaceId);
        repo.replaceAccess(input.workspaceId, rows, at);
        ctx.record({
          at,
          actor: ctx.actor(),
          action: 'provider_access.update',
          entityType: 'workspace_provider_access',
          entityId: input.workspaceId,
          workspaceId: input.workspaceId,
          before,
          after,
          change: { op: 'update', payload: { workspaceId: input.workspaceId, ...after }, baseVersion: null },
        });
        return accessView(input.workspaceId);
      });
    },

    /** The plaintext for the upstream gateway (sync); no channel returns it. */
    secretForUpstream(id: string): string {
      return decryptSecret(require(id));
    },
  };
}
export type ProviderKeyService = ReturnType<typeof createProviderKeyService>;
