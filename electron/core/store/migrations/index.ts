import type Database from 'better-sqlite3';
import { DatabaseTooNewError } from '../database-errors';
import { migration001Initial } from './001-initial';
import { migration002ApiKeys } from './002-api-keys';
import { migration003AuditIndexes } from './003-audit-indexes';
import { migration004Members } from './004-members';
import { migration005WorkspaceOwnerMember } from './005-workspace-owner-member';
import { migration006ModelCatalog } from './006-model-catalog';
import { migration007ProviderKeys } from './007-provider-keys';
import { migration008Usage } from './008-usage';
import { migration009Budgets } from './009-budgets';
import { migration010WorkspaceOwnerBackfill } from './010-workspace-owner-backfill';
import { migration011UsageImportStaging } from './011-usage-import-staging';
import { migration012Sync } from './012-sync';
import { migration013UsageTotals } from './013-usage-totals';
import { migration014WorkspacePolicy } from './014-workspace-policy';

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
}

/** Append-only. Never edit a shipped migration; add the next number. */
export const MIGRATIONS: readonly Migration[] = [
  migration001Initial, migration002ApiKeys, migration003AuditIndexes, migration004Members, migration005WorkspaceOwnerMember,
  migration006ModelCatalog,
  migration007ProviderKeys,
  migration008Usage,
  migration009Budgets,
  migration010WorkspaceOwnerBackfill,
  migration011UsageImportStaging,
  migration012Sync,
  migration013UsageTotals,
  migration014WorkspacePolicy,
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies pending migrations, each in its own IMMEDIATE transaction together with its
 * user_version bump. A current store is only read (no write lock), so opening it never waits for
 * another process's write. The version is re-read under the write lock, so two processes opening
 * a fresh store at once (app + CLI) never run the same migration twice.
 */
export function runMigrations(db: Database.Database, migrations: readonly Migration[], target = migrations.length): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration ${m.name} is numbered ${m.version}, expected ${i + 1}`);
  });
  assertNotTooNew(db, migrations.length);
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (const migration of migrations.slice(applied, target)) {
    db.transaction(() => {
      const current = db.pragma('user_version', { simple: true }) as number;
      if (current >= migration.version) return;
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

export function assertNotTooNew(db: Database.Database, latest: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw new DatabaseTooNewError(current, latest);
}
