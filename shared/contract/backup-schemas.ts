import { z } from 'zod';
import type { BackupChannelName } from './backup-channels';
import type { ChannelDefinition } from './channel-definition';
import { jobStatusSchema } from './job-schemas';

export const BACKUP_PASSPHRASE_MIN = 8;
export const BACKUP_PASSPHRASE_MAX = 1024;
/** The files a backup may hold, by their names in the data folder. */
export const BACKUP_ENTRY_NAMES = ['gatehouse.sqlite', 'provider-keys.key', 'provider-keys.wrapped'] as const;
export const BACKUP_FILE_EXTENSION = 'ghbackup';

/**
 * A secret: never logged, audited or echoed. Messages never include the value. Not trimmed
 * (spaces are part of a passphrase).
 */
export const backupPassphraseSchema = z
  .string()
  .min(BACKUP_PASSPHRASE_MIN, `The passphrase must be at least ${BACKUP_PASSPHRASE_MIN} characters`)
  .max(BACKUP_PASSPHRASE_MAX, `The passphrase must be at most ${BACKUP_PASSPHRASE_MAX} characters`);

/** Where the archive to read is: the door chooses it now (desktop dialog, CLI FILE), a browser upload, or one picked at inspect. */
export const backupSourceSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('file') }),
  z.strictObject({ source: z.literal('upload'), uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'Not an upload ID') }),
  z.strictObject({ source: z.literal('picked'), pickedId: z.string().regex(/^bkp-[a-f0-9]{16}$/, 'Not a picked backup ID') }),
]);
export type BackupSource = z.infer<typeof backupSourceSchema>;

const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, 'Not a SHA-256');

/** The manifest inside every archive (see electron/core/services/backup-archive.ts for the layout). */
export const backupManifestSchema = z.strictObject({
  format: z.literal('gatehouse-backup'),
  formatVersion: z.literal(1),
  appVersion: z.string().max(64),
  /** PRAGMA user_version of the store in the archive. */
  schemaVersion: z.int().min(0).max(10_000),
  createdAt: z.string().max(64),
  encrypted: z.boolean(),
  secrets: z.strictObject({
    /** Rows sealed with `provider-keys.key` (in the archive) and with the OS keychain (bound to the machine). */
    keyFileSealed: z.int().min(0),
    osKeychainSealed: z.int().min(0),
    /** True when some secrets can only be read on the computer (and OS user) that made the backup. */
    boundToThisMachine: z.boolean(),
    note: z.string().max(1000),
  }),
  entries: z
    .array(z.strictObject({ name: z.enum(BACKUP_ENTRY_NAMES), size: z.int().min(0), sha256: sha256Hex }))
    .min(1)
    .max(BACKUP_ENTRY_NAMES.length),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

export const backupCreateInput = z.strictObject({
  /** Optional: encrypts the whole archive (scrypt + AES-256-GCM). Without it the archive still holds the key file. */
  passphrase: backupPassphraseSchema.optional(),
});

export const backupInspectInput = z.strictObject({ file: backupSourceSchema, passphrase: backupPassphraseSchema.optional() });
export const backupInspectOutput = z.strictObject({
  /** Use it as `{source: 'picked', pickedId}` to restore this file without choosing it again (valid for an hour). */
  pickedId: z.string().nullable(),
  fileName: z.string(),
  sizeBytes: z.int().min(0),
  encrypted: z.boolean(),
  /** Null when the archive is encrypted and no passphrase was given. */
  manifest: backupManifestSchema.nullable(),
  /** What a restore would replace in the data folder in force, for the confirmation. */
  dataDir: z.string(),
  replaces: z.array(z.string()),
});

export const backupRestoreInput = z.strictObject({
  file: backupSourceSchema,
  passphrase: backupPassphraseSchema.optional(),
  /** The destructive confirmation: the store in force is replaced (and kept aside). */
  confirm: z.literal(true, 'Restoring replaces the store in force; confirm it'),
});

/**
 * `backup:create` answers the job's first status (kind `backup`, `waiting` while the door chooses where to save);
 * `backup:restore` answers the job's first status (kind `restore`). Results: see jobResultSchema.
 */
export const backupContract = {
  'backup:create': { input: backupCreateInput, output: jobStatusSchema },
  'backup:inspect': { input: backupInspectInput, output: backupInspectOutput },
  'backup:restore': { input: backupRestoreInput, output: jobStatusSchema },
} satisfies { [C in BackupChannelName]: ChannelDefinition };
