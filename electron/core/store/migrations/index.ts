import type Database from 'better-sqlite3';
import { DatabaseTooNewError } from '../database-errors';
import { migration001Initial } from './001-initial';
import { migration002ApiKeys } from './002-api-keys';
import { migration003AuditIndexes } from './003-audit-indexes';
import { migration004Members } from './004-members';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

/** Append-only. Never edit a shipped migration; add the next number. */
export const MIGRATIONS: readonly Migration[] = [migration001Initial, migration002ApiKeys, migration003AuditIndexes, migration004Members];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/** Applies pending migrations, each in its own transaction together with its user_version bump. */
export function runMigrations(db: Database.Database, migrations: readonly Migration[], target = migrations.length): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) throw new DatabaseTooNewError(current, migrations.length);
  for (const migration of migrations.slice(current, target)) {
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
