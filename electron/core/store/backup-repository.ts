/**
 * The SQL of backup and restore (issue #12): checking the store inside a backup before it may
 * replace anything, the restore marker that tells a finished swap from an interrupted one, and
 * the copy's own connection. Services keep the files, the archive and the job around it.
 */
import Database from 'better-sqlite3';
import type { Db } from './database';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, runMigrations } from './migrations';

/** A connection to the store extracted from a backup (never the store in force). */
export function openStoreCopy(file: string, nativeBinding: string | undefined, readonly = false): Db {
  return new Database(file, { readonly, fileMustExist: true, nativeBinding });
}

export interface StoreCopyCheck {
  /** 'ok', SQLite's first problems, or 'not a database'. */
  integrity: string;
  schemaVersion: number;
  /** Holds the tables every Gatehouse store has had since schema 1. */
  isGatehouseStore: boolean;
}

export function checkStoreCopy(copy: Db): StoreCopyCheck {
  let integrity: string;
  try {
    integrity = (copy.pragma('integrity_check(3)', { simple: false }) as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ');
  } catch {
    return { integrity: 'not a database', schemaVersion: 0, isGatehouseStore: false };
  }
  const schemaVersion = copy.pragma('user_version', { simple: true }) as number;
  const tables = copy.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('settings', 'workspaces', 'audit_log')").pluck().get() as number;
  return { integrity, schemaVersion, isGatehouseStore: schemaVersion >= 1 && tables === 3 };
}

/** Brings an older store copy up to this build's schema (the same migrations an open runs). */
export function migrateStoreCopy(copy: Db): void {
  if ((copy.pragma('user_version', { simple: true }) as number) >= LATEST_SCHEMA_VERSION) return;
  copy.pragma('foreign_keys = ON');
  runMigrations(copy, MIGRATIONS);
}

/**
 * Stamps the copy with the restore's id and folds its WAL into the main file: once the copy is in
 * the live file, the marker says "this restore's store is in place".
 */
export function markStoreCopy(copy: Db, restoreId: string): void {
  copy.exec('DROP TABLE IF EXISTS restore_marker; CREATE TABLE restore_marker (restore_id TEXT NOT NULL)');
  copy.prepare('INSERT INTO restore_marker (restore_id) VALUES (?)').run(restoreId);
  copy.pragma('wal_checkpoint(TRUNCATE)');
}

/** The restore id in the store's marker table, or null when there is none. */
export function restoreMarkerOf(db: Db): string | null {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'restore_marker'").get();
  if (!table) return null;
  const row = db.prepare('SELECT restore_id AS id FROM restore_marker LIMIT 1').get() as { id: string } | undefined;
  return row?.id ?? null;
}

/** Inside the transaction that records the finished restore. */
export function dropRestoreMarker(db: Db): void {
  db.exec('DROP TABLE IF EXISTS restore_marker');
}
