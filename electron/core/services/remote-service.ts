import { randomBytes, X509Certificate } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ParsedInput } from '../../../shared/contract/contract';
import { AppError } from '../../../shared/contract/errors';
import type { Remote, RemoteLimits, RemoteTest } from '../../../shared/contract/sync-schemas';
import { capabilitiesSchema, type Capabilities } from '../../../shared/gateway-protocol/v1';
import { remoteNameKey, type RemoteRepository, type RemoteRow } from '../store/remote-repository';
import type { SecretProtection } from './secret-box';
import type { ServiceContext } from './service-context';
import { ADMIN_KEY_REJECTED, createGasaAdapter, RemoteCallError, type RemoteAdapter, type RetryPolicy } from './sync/gasa-adapter';
import { createHttpTransport, normalizeRemoteUrl } from './sync/http-transport';

/** `rem-` + 16 hex characters. */
function newRemoteId(): string {
  return `rem-${randomBytes(8).toString('hex')}`;
}

/** Binds a ciphertext to its remote: copied onto another row it does not decrypt. */
export const remoteCredentialContext = (id: string) => `gatehouse/remote/${id}`;

/** What an adapter needs to talk to one remote; the credential is plaintext only for the adapter's lifetime. */
export interface RemoteConnectionConfig {
  id: string;
  name: string;
  kind: RemoteRow['kind'];
  baseUrl: string;
  credential: string;
  caCertificate: string | null;
}

/** `test`: one attempt, a short timeout (someone is waiting for the answer); `sync`: the full retry policy. */
export type RemoteAdapterFactory = (config: RemoteConnectionConfig, purpose: 'test' | 'sync') => RemoteAdapter;

const TEST_TIMEOUT_MS = 10_000;
const SYNC_TIMEOUT_MS = 30_000;

/** The real adapters: gatehouse-v1 over node:http(s). Tests pass their own factory or use this one on 127.0.0.1. */
export function createRemoteAdapterFactory(options: { appVersion: string; retry?: Partial<RetryPolicy> }): RemoteAdapterFactory {
  return (config, purpose) =>
    createGasaAdapter({
      baseUrl: config.baseUrl,
      credential: config.credential,
      transport: createHttpTransport({ caCertificate: config.caCertificate, timeoutMs: purpose === 'test' ? TEST_TIMEOUT_MS : SYNC_TIMEOUT_MS }),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      random: Math.random,
      now: () => new Date(),
      appVersion: options.appVersion,
      retry: purpose === 'test' ? { ...options.retry, maxAttempts: 1 } : options.retry,
    });
}

/** What the audit log sees of a remote: never the credential, its ciphertext or the CA text. */
function snapshot(row: Pick<RemoteRow, 'id' | 'name' | 'kind' | 'baseUrl' | 'hasCustomCa'>) {
  const { id, name, kind, baseUrl, hasCustomCa } = row;
  return { id, name, kind, baseUrl, hasCustomCa };
}

export function limitsOf(capabilities: Capabilities): RemoteLimits {
  return {
    maxWorkspaces: capabilities.limits.max_workspaces,
    maxKeysPerWorkspace: capabilities.limits.max_keys_per_workspace,
    maxNameLength: capabilities.limits.max_name_length,
  };
}

/** The stored capabilities answer, re-checked on the way out (null when absent or no longer readable). */
function storedCapabilities(row: RemoteRow): Capabilities | null {
  if (!row.capabilitiesJson) return null;
  try {
    const parsed = capabilitiesSchema.safeParse(JSON.parse(row.capabilitiesJson));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toRemote(row: RemoteRow): Remote {
  const capabilities = storedCapabilities(row);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    baseUrl: row.baseUrl,
    hasCustomCa: row.hasCustomCa,
    limits: capabilities && limitsOf(capabilities),
    protocolVersion: capabilities?.api_version ?? null,
    lastTestedAt: row.lastTestedAt,
    lastSyncAt: row.lastSyncAt,
    lastUsagePullAt: row.lastUsagePullAt,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** One or more PEM certificates, each of which must parse; the text is stored as given. */
function checkCaCertificate(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw AppError.field('E_VALIDATION', 'caCertificate', 'Not a PEM certificate (-----BEGIN CERTIFICATE-----)');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      throw AppError.field('E_VALIDATION', 'caCertificate', 'The CA file holds a certificate that cannot be read');
    }
  }
  return pem.trim();
}

export interface RemoteConnection {
  remote: Remote;
  adapter: RemoteAdapter;
  /** The remote's capabilities, fetched once per connection and stored (their limits become local limits). */
  capabilities(): Promise<Capabilities>;
}

/**
 * Remotes are local configuration: every mutation is audited (without the credential) and none
 * goes to the change log, since no gateway has a "remote" to sync.
 */
export function createRemoteService(ctx: ServiceContext, repo: RemoteRepository, protection: SecretProtection, makeAdapter: RemoteAdapterFactory) {
  const nowIso = () => ctx.now().toISOString();

  const require = (id: string): RemoteRow => {
    const row = repo.get(id);
    if (!row) throw new AppError('E_NOT_FOUND', `Remote ${id} does not exist`);
    return row;
  };

  const assertNameFree = (name: string, exceptId?: string) => {
    const holder = repo.getByName(name);
    if (holder && holder.id !== exceptId) throw AppError.field('E_CONFLICT', 'name', `A remote named “${holder.name}” already exists (names are case-insensitive)`);
  };

  const log = (action: string, before: RemoteRow | null, after: RemoteRow | null, at: string) => {
    const subject = (after ?? before)!;
    ctx.record({
      at,
      actor: ctx.actor(),
      action,
      entityType: 'remote',
      entityId: subject.id,
      workspaceId: null,
      before: before && snapshot(before),
      after: after && snapshot(after),
      // No `change`: a remote is this laptop's configuration, not something to push.
    });
  };

  /** The plaintext credential, only to hand to an adapter. Errors never include it or its ciphertext. */
  const credentialOf = (row: RemoteRow): string => {
    const stored = repo.credentialOf(row.id);
    if (!stored) throw new AppError('E_NOT_FOUND', `Remote ${row.id} does not exist`);
    if (!protection.canDecrypt(stored.scheme)) {
      throw new AppError('E_CONFLICT', `The admin key of remote “${row.name}” was saved by the desktop app with the OS keychain; open Gatehouse desktop to use it, or enter the admin key again here.`);
    }
    try {
      return protection.decrypt(stored.scheme, stored.ciphertext, remoteCredentialContext(row.id));
    } catch {
      throw new AppError('E_CONFLICT', `The admin key of remote “${row.name}” cannot be decrypted on this computer; enter it again.`);
    }
  };

  const adapterFor = (row: RemoteRow, purpose: 'test' | 'sync') =>
    makeAdapter({ id: row.id, name: row.name, kind: row.kind, baseUrl: row.baseUrl, credential: credentialOf(row), caCertificate: repo.caCertificateOf(row.id) }, purpose);

  /** Stores what the remote said, unless the remote was deleted or moved to another URL meanwhile. */
  const storeAnswer = (asked: RemoteRow, capabilities: Capabilities | null, tested: boolean) => {
    if (!ctx.db.open) return;
    ctx.write(() => {
      const current = repo.get(asked.id);
      if (!current || current.baseUrl !== asked.baseUrl) return;
      const json = capabilities ? JSON.stringify(capabilities) : null;
      if (tested) repo.setTested(asked.id, nowIso(), json);
      else if (json) repo.setCapabilities(asked.id, json);
    });
  };

  /**
   * Reachable (GET /v1/health), authenticated (GET /v1/capabilities), its protocol version and
   * limits, the round trip, and what went wrong in words. A remote's failure is an answer, not an error.
   */
  async function runTest(row: RemoteRow, adapter: RemoteAdapter): Promise<RemoteTest> {
    const result: RemoteTest = { reachable: false, authenticated: false, protocolVersion: null, server: null, limits: null, latencyMs: null, problem: null };
    const explain = (error: unknown): string => {
      if (error instanceof RemoteCallError) return error.reason;
      if (error instanceof AppError) return error.message;
      throw error;
    };

    try {
      const health = await adapter.health();
      Object.assign(result, { reachable: true, protocolVersion: health.api_version, server: health.server });
    } catch (error) {
      const unreachable = error instanceof RemoteCallError && error.transport !== null;
      result.reachable = !unreachable;
      result.problem = unreachable ? explain(error) : `No gatehouse-v1 gateway answers at ${row.baseUrl}: ${explain(error)}`;
      storeAnswer(row, null, true);
      return result;
    }

    const started = performance.now();
    try {
      const capabilities = await adapter.capabilities();
      result.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      Object.assign(result, { authenticated: true, protocolVersion: capabilities.api_version, server: capabilities.server, limits: limitsOf(capabilities) });
      storeAnswer(row, capabilities, true);
    } catch (error) {
      result.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      result.problem = error instanceof RemoteCallError && error.status === 401 ? ADMIN_KEY_REJECTED : explain(error);
      storeAnswer(row, null, true);
    }
    return result;
  }

  return {
    list(): Remote[] {
      return repo.list().map(toRemote);
    },

    get(id: string): Remote {
      return toRemote(require(id));
    },

    create(input: ParsedInput<'remotes:create'>): Remote {
      const baseUrl = normalizeRemoteUrl(input.baseUrl);
      const caCertificate = input.caCertificate ? checkCaCertificate(input.caCertificate) : null;
      return ctx.write(() => {
        const at = nowIso();
        const name = input.name.trim();
        assertNameFree(name);
        const id = newRemoteId();
        // Encrypted only once every check passed, so a refused call never creates the key file.
        const sealed = protection.encrypt(input.credential, remoteCredentialContext(id));
        repo.insert({ id, name, nameKey: remoteNameKey(name), kind: input.kind, baseUrl, credentialScheme: sealed.scheme, credentialCiphertext: sealed.ciphertext, caCertificate, at });
        const row = require(id);
        log('remote.create', null, row, at);
        return toRemote(row);
      });
    },

    update(input: ParsedInput<'remotes:update'>): Remote {
      const baseUrl = input.baseUrl === undefined ? undefined : normalizeRemoteUrl(input.baseUrl);
      const newCa = input.caCertificate ? checkCaCertificate(input.caCertificate) : input.caCertificate;
      return ctx.write(() => {
        const at = nowIso();
        const before = require(input.id);
        if (input.expectedVersion !== undefined && input.expectedVersion !== before.version) {
          throw new AppError('E_CONFLICT', `This remote was changed elsewhere (version ${before.version}, you edited version ${input.expectedVersion}). Reload it and apply your changes again.`);
        }
        const name = input.name?.trim() ?? before.name;
        const currentCa = repo.caCertificateOf(before.id);
        const caCertificate = newCa === undefined ? currentCa : newCa;
        const moved = baseUrl !== undefined && baseUrl !== before.baseUrl;
        const renamed = name !== before.name;
        const caChanged = caCertificate !== currentCa;
        const rekeyed = input.credential !== undefined;
        if (!moved && !renamed && !caChanged && !rekeyed) return toRemote(before);
        if (renamed) assertNameFree(name, before.id);
        const credential = rekeyed ? protection.encrypt(input.credential!, remoteCredentialContext(before.id)) : undefined;
        repo.update(
          { id: before.id, name, nameKey: remoteNameKey(name), baseUrl: baseUrl ?? before.baseUrl, caCertificate, ...(credential ? { credential } : {}), at },
          { forgetCapabilities: moved },
        );
        const after = require(before.id);
        log(rekeyed && !moved && !renamed && !caChanged ? 'remote.replace_credential' : 'remote.update', before, after, at);
        return toRemote(after);
      });
    },

    /** Its links, cache, cursors, runs and resolutions go with it (FK cascade); local data stays. */
    delete(id: string): { id: string } {
      return ctx.write(() => {
        const before = require(id);
        repo.delete(id);
        log('remote.delete', before, null, nowIso());
        return { id };
      });
    },

    /**
     * Reachable (GET /v1/health), authenticated (GET /v1/capabilities), its protocol version and
     * limits, the round trip, and what went wrong in words. Never throws for a remote's failure:
     * only for an unknown id or a credential this door cannot decrypt.
     */
    test(id: string): Promise<RemoteTest> {
      // Unknown id or an undecryptable credential: thrown at once, before anything is sent.
      const row = require(id);
      return runTest(row, adapterFor(row, 'test'));
    },

    /** For the sync engine (no channel): the remote, an adapter with the full retry policy, and its capabilities. */
    connect(id: string): RemoteConnection {
      const row = require(id);
      const adapter = adapterFor(row, 'sync');
      let fetching: Promise<Capabilities> | null = null;
      return {
        remote: toRemote(row),
        adapter,
        capabilities() {
          fetching ??= adapter.capabilities().then(
            (capabilities) => {
              storeAnswer(row, capabilities, false);
              return capabilities;
            },
            (error: unknown) => {
              fetching = null; // the next call asks again
              throw error;
            },
          );
          return fetching;
        },
      };
    },
  };
}
export type RemoteService = ReturnType<typeof createRemoteService>;
