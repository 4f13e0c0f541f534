import type { ProtectionScheme } from '../../../shared/domain/provider-key-rules';
import type { Db } from './database';

/** A provider key as the store describes it to services; the ciphertext is fetched separately. */
export interface ProviderKeyRow {
  id: string;
  vendor: string;
  label: string;
  last4: string;
  scheme: ProtectionScheme;
  workspaceOverrides: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ProviderAccessRow {
  providerKeyId: string;
  vendor: string;
  mode: 'disabled' | 'pinned';
}

// The ciphertext is deliberately absent: nothing selected here can leak it.
const COLUMNS = `k.id, k.vendor, k.label, k.last4, k.scheme, k.version, k.created_at AS createdAt, k.updated_at AS updatedAt,
  (SELECT COUNT(*) FROM workspace_provider_access a WHERE a.provider_key_id = k.id) AS workspaceOverrides`;

export function createProviderKeyRepository(db: Db) {
  const list = db.prepare(`SELECT ${COLUMNS} FROM provider_keys k ORDER BY k.vendor, k.label_key, k.id`);
  const byId = db.prepare(`SELECT ${COLUMNS} FROM provider_keys k WHERE k.id = ?`);
  const ciphertextOf = db.prepare('SELECT ciphertext FROM provider_keys WHERE id = ?').pluck();
  const count = db.prepare('SELECT COUNT(*) FROM provider_keys').pluck();
  const labelTaken = db.prepare('SELECT id FROM provider_keys WHERE vendor = ? AND label_key = ? AND id <> ?').pluck();
  const insert = db.prepare(
    `INSERT INTO provider_keys (id, vendor, label, label_key, scheme, ciphertext, last4, version, created_at, updated_at)
     VALUES (@id, @vendor, @label, @labelKey, @scheme, @ciphertext, @last4, 1, @at, @at)`,
  );
  const rename = db.prepare('UPDATE provider_keys SET label = @label, label_key = @labelKey WHERE id = @id');
  const replaceSecret = db.prepare('UPDATE provider_keys SET scheme = @scheme, ciphertext = @ciphertext, last4 = @last4 WHERE id = @id');
  const touch = db.prepare('UPDATE provider_keys SET version = version + 1, updated_at = @at WHERE id = @id');
  const remove = db.prepare('DELETE FROM provider_keys WHERE id = ?');
  const idsSealedWith = db.prepare('SELECT id FROM provider_keys WHERE scheme = ? ORDER BY id').pluck();
  const accessOf = db.prepare(
    `SELECT provider_key_id AS providerKeyId, vendor, mode FROM workspace_provider_access WHERE workspace_id = ? ORDER BY vendor, provider_key_id`,
  );
  const clearAccess = db.prepare('DELETE FROM workspace_provider_access WHERE workspace_id = ?');
  const insertAccess = db.prepare(
    `INSERT INTO workspace_provider_access (workspace_id, provider_key_id, vendor, mode, created_at) VALUES (?, ?, ?, ?, ?)`,
  );

  return {
    list: () => list.all() as ProviderKeyRow[],
    get: (id: string) => byId.get(id) as ProviderKeyRow | undefined,
    ciphertextOf: (id: string) => ciphertextOf.get(id) as Buffer | undefined,
    count: () => count.get() as number,
    isLabelTaken: (vendor: string, labelKey: string, exceptId = '') => labelTaken.get(vendor, labelKey, exceptId) !== undefined,
    insert: (row: { id: string; vendor: string; label: string; labelKey: string; scheme: ProtectionScheme; ciphertext: Buffer; last4: string; at: string }) =>
      void insert.run(row),
    rename: (id: string, label: string, labelKey: string) => void rename.run({ id, label, labelKey }),
    replaceSecret: (id: string, scheme: ProtectionScheme, ciphertext: Buffer, last4: string) => void replaceSecret.run({ id, scheme, ciphertext, last4 }),
    touch: (id: string, at: string) => void touch.run({ id, at }),
    delete: (id: string) => void remove.run(id),
    /** Keys whose secret is sealed with `scheme` (the key-file guard counts them). */
    idsSealedWith: (scheme: ProtectionScheme) => idsSealedWith.all(scheme) as string[],
    accessOf: (workspaceId: string) => accessOf.all(workspaceId) as ProviderAccessRow[],
    /** Replaces a workspace's exceptions wholesale; call inside the mutation transaction. */
    replaceAccess(workspaceId: string, rows: ProviderAccessRow[], at: string) {
      clearAccess.run(workspaceId);
      for (const row of rows) insertAccess.run(workspaceId, row.providerKeyId, row.vendor, row.mode, at);
    },
  };
}
export type ProviderKeyRepository = ReturnType<typeof createProviderKeyRepository>;
