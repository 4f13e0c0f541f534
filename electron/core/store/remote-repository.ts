import type { ProtectionScheme } from '../../../shared/domain/provider-key-rules';
import type { Db } from './database';

/**
 * A remote as the store describes it to services. The credential ciphertext and the CA text are
 * deliberately absent: `credentialOf` / `caCertificateOf` fetch them, so no list or get can leak one.
 */
export interface RemoteRow {
  id: string;
  name: string;
  kind: 'gatehouse-v1';
  baseUrl: string;
  hasCustomCa: boolean;
  /** The capabilities answer (wire form) of the last successful test or sync; null until then. */
  capabilitiesJson: string | null;
  lastTestedAt: string | null;
  lastSyncAt: string | null;
  lastUsagePullAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface RemoteInsert {
  id: string;
  name: string;
  nameKey: string;
  kind: 'gatehouse-v1';
  baseUrl: string;
  credentialScheme: ProtectionScheme;
  credentialCiphertext: Buffer;
  caCertificate: string | null;
  at: string;
}

export interface RemoteUpdate {
  id: string;
  name: string;
  nameKey: string;
  baseUrl: string;
  caCertificate: string | null;
  /** Omit to keep the stored credential. */
  credential?: { scheme: ProtectionScheme; ciphertext: Buffer };
  at: string;
}

const COLUMNS = `id, name, kind, base_url AS baseUrl, (ca_certificate IS NOT NULL) AS hasCustomCa,
  capabilities_json AS capabilitiesJson, last_tested_at AS lastTestedAt, last_sync_at AS lastSyncAt,
  last_usage_pull_at AS lastUsagePullAt, version, created_at AS createdAt, updated_at AS updatedAt`;

/** Case- and width-insensitive: "Prod" and "prod" are one name. */
export const remoteNameKey = (name: string) => name.trim().normalize('NFKC').toLowerCase();

type RawRow = Omit<RemoteRow, 'hasCustomCa'> & { hasCustomCa: number };
const toRow = (raw: RawRow | undefined): RemoteRow | undefined => raw && { ...raw, hasCustomCa: raw.hasCustomCa === 1 };

export function createRemoteRepository(db: Db) {
  const list = db.prepare(`SELECT ${COLUMNS} FROM sync_remotes ORDER BY name_key, id`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM sync_remotes WHERE id = ?`);
  const byNameKey = db.prepare(`SELECT ${COLUMNS} FROM sync_remotes WHERE name_key = ?`);
  const credentialOf = db.prepare('SELECT credential_scheme AS scheme, credential_ciphertext AS ciphertext FROM sync_remotes WHERE id = ?');
  const caOf = db.prepare('SELECT ca_certificate FROM sync_remotes WHERE id = ?').pluck();
  const insert = db.prepare(
    `INSERT INTO sync_remotes (id, name, name_key, kind, base_url, credential_scheme, credential_ciphertext, ca_certificate, version, created_at, updated_at)
     VALUES (@id, @name, @nameKey, @kind, @baseUrl, @credentialScheme, @credentialCiphertext, @caCertificate, 1, @at, @at)`,
  );
  const update = db.prepare(
    `UPDATE sync_remotes SET name = @name, name_key = @nameKey, base_url = @baseUrl, ca_certificate = @caCertificate,
            version = version + 1, updated_at = @at WHERE id = @id`,
  );
  const replaceCredential = db.prepare('UPDATE sync_remotes SET credential_scheme = @scheme, credential_ciphertext = @ciphertext WHERE id = @id');
  // A new address or CA makes the old answer meaningless: its limits stop applying until the next test.
  const forgetCapabilities = db.prepare('UPDATE sync_remotes SET capabilities_json = NULL, last_tested_at = NULL WHERE id = ?');
  const setTested = db.prepare('UPDATE sync_remotes SET last_tested_at = @at, capabilities_json = COALESCE(@capabilitiesJson, capabilities_json) WHERE id = @id');
  const setCapabilities = db.prepare('UPDATE sync_remotes SET capabilities_json = @capabilitiesJson WHERE id = @id');
  const remove = db.prepare('DELETE FROM sync_remotes WHERE id = ?');
  const idsSealedWith = db.prepare('SELECT id FROM sync_remotes WHERE credential_scheme = ? ORDER BY id').pluck();

  return {
    list: () => (list.all() as RawRow[]).map((raw) => toRow(raw)!),
    get: (id: string) => toRow(byId.get(id) as RawRow | undefined),
    getByName: (name: string) => toRow(byNameKey.get(remoteNameKey(name)) as RawRow | undefined),
    /** The only read of the ciphertext: for the service to decrypt right before a request. */
    credentialOf: (id: string) => credentialOf.get(id) as { scheme: ProtectionScheme; ciphertext: Buffer } | undefined,
    caCertificateOf: (id: string) => (caOf.get(id) as string | null | undefined) ?? null,
    insert: (row: RemoteInsert) => void insert.run(row),
    /** Bumps the version; call inside the mutation transaction. */
    update(row: RemoteUpdate, options: { forgetCapabilities: boolean }) {
      update.run({ id: row.id, name: row.name, nameKey: row.nameKey, baseUrl: row.baseUrl, caCertificate: row.caCertificate, at: row.at });
      if (row.credential) replaceCredential.run({ id: row.id, scheme: row.credential.scheme, ciphertext: row.credential.ciphertext });
      if (options.forgetCapabilities) forgetCapabilities.run(row.id);
    },
    /** A test ran: `capabilitiesJson` null keeps the last good answer (the remote was down or refused). */
    setTested: (id: string, at: string, capabilitiesJson: string | null) => void setTested.run({ id, at, capabilitiesJson }),
    /** A sync read the capabilities (not a test): their limits replace the stored ones. */
    setCapabilities: (id: string, capabilitiesJson: string) => void setCapabilities.run({ id, capabilitiesJson }),
    delete: (id: string) => void remove.run(id),
    /** Remotes whose admin key is sealed with `scheme` (the key-file guard counts them). */
    idsSealedWith: (scheme: ProtectionScheme) => idsSealedWith.all(scheme) as string[],
  };
}
export type RemoteRepository = ReturnType<typeof createRemoteRepository>;
