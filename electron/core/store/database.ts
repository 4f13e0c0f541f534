import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { assertNotTooNew, MIGRATIONS, runMigrations } from './migrations';

export { DatabaseTooNewError } from './database-errors';

export type Db = Database.Database;

export const DATABASE_FILE_NAME = 'gatehouse.sqlite';

export interface OpenDatabaseOptions {
  /** Path to a better_sqlite3.node built for the current runtime (the Electron shell passes its own). */
  nativeBinding?: string | undefined;
  readonly?: boolean;
}

/**
 * Pragmas set and then read back on every open. `synchronous = NORMAL` is the documented safe
 * choice for WAL: the database cannot be corrupted, and only a power loss (not an app crash) can
 * roll back the last commits, which sync can replay; FULL would fsync every admin click.
 */
const REQUIRED_PRAGMAS: ReadonlyArray<{ set: string; read: string; expect: string | number }> = [
  { set: 'journal_mode = WAL', read: 'journal_mode', expect: 'wal' },
  { set: 'synchronous = NORMAL', read: 'synchronous', expect: 1 },
  { set: 'foreign_keys = ON', read: 'foreign_keys', expect: 1 },
  { set: 'busy_timeout = 5000', read: 'busy_timeout', expect: 5000 },
  // Makes REPLACE fire DELETE triggers, so the audit log's no-delete trigger also stops REPLACE INTO.
  { set: 'recursive_triggers = ON', read: 'recursive_triggers', expect: 1 },
];

export function openDatabase(file: string, options: OpenDatabaseOptions = {}): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  try {
    // Refuse a newer store before touching it at all (not even its journal mode).
    assertNotTooNew(db, MIGRATIONS.length);
    applyPragmas(db);
    runMigrations(db, MIGRATIONS);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

export function applyPragmas(db: Db): void {
  for (const pragma of REQUIRED_PRAGMAS) {
    db.pragma(pragma.set);
    const actual = db.pragma(pragma.read, { simple: true });
    if (actual !== pragma.expect) {
      throw new Error(`PRAGMA ${pragma.read} is ${String(actual)}, expected ${String(pragma.expect)}`);
    }
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
