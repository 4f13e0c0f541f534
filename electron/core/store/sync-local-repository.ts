import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/contract/errors';
import { MAX_RPM, MAX_TPM } from '../../../shared/contract/key-schemas';
import {
  RESOURCE_ORDER,
  RESOURCE_TYPES,
  readableData,
  resourceIdSchemas,
  WORKSPACE_CHILDREN,
  WORKSPACE_DOCUMENTS,
  WRITE_ONLY_FIELDS,
  workspaceIdSchema,
  type ResourceType,
} from '../../../shared/gateway-protocol/v1';
import { DEFAULT_BUDGET_MODE, DEFAULT_THRESHOLDS, normalizeThresholds } from '../../../shared/domain/budget-math';
import { ENVIRONMENTS, WORKSPACE_STATUSES, workspaceNameKey } from '../../../shared/domain/workspace-rules';
import type { Db } from './database';
import { emailKey } from './member-repository';
import { canonicalJson } from '../../../shared/domain/canonical-json';
import { DEFAULT_GUARDRAIL_POLICY } from '../../../shared/domain/guardrail-rules';
import { createGuardrailRepository, guardrailsFromWire, guardrailsToWire, type WireGuardrails } from './guardrail-repository';
import { createRoutingRepository, routeFromWire, routeToWire, type WireRoute } from './routing-repository';

/**
 * Gatehouse's local state as sync sees it: every syncable resource in the canonical shape of the
 * gatehouse-v1 protocol (`resourceDataSchemas`, snake_case), and the writer that applies changes
 * pulled from a remote to the local rows.
 *
 * Read model over many tables: workspaces, workspace_budgets, workspace_model_permissions,
 * workspace_model_grants, models, api_keys, members, workspace_members, provider_keys,
 * workspace_provider_access, settings (active workspace) and change_log (was a row ever edited).
 * Sync needs one consistent picture of all of them, field by field, which no single domain
 * repository holds; it never replaces their rules for local edits.
 *
 * Pulled writes run in the caller's transaction and write no audit or change-log entry themselves:
 * the service records the audit entry (actor `sync: <remote>`) and, deliberately, no change-log
 * entry, so a pulled change never echoes back to the remote.
 */

export interface LocalResource {
  type: ResourceType;
  /** Local id (documents: the workspace id). */
  id: string;
  /** Local workspace id for workspace children, else null. */
  parentId: string | null;
  /** Canonical data: the protocol's field names; write-only and local-only fields included. */
  data: Record<string, unknown>;
  /** For people: `workspace "Search"`, `API key "backend"`, `member ana@example.com`, … */
  label: string;
  workspaceName: string | null;
  /** True when the row was never edited since it was created (version 1 / no update in change_log). */
  pristine: boolean;
}

export interface PulledChange {
  type: ResourceType;
  id: string;
  parentId: string | null;
  /** null = delete. */
  data: Record<string, unknown> | null;
}

export interface PullMeta {
  /** The one clock's time of this write (created_at / updated_at). */
  at: string;
  /** Who the change is attributed to (an owner-name snapshot of a pulled workspace without owner). */
  actor: string;
}

export interface PulledResult {
  /** Snapshots for the audit entry: canonical data without secrets, hashes or fingerprints. */
  before: object | null;
  after: object | null;
  workspaceId: string | null;
  /** The audit entity type of the local domain (`workspace_model_grants`, `workspace_budget`, …). */
  entityType: string;
  entityId: string;
  /** Parts of the change that cannot be stored here (a model not in the local catalog, …): their ids. */
  skipped: string[];
  /** False when the local rows already held this data (nothing was written). */
  changed: boolean;
}

/** Fields only this laptop has: never sent, never compared with the remote. */
export const LOCAL_ONLY_FIELDS: Record<ResourceType, readonly string[]> = {
  member: [],
  provider_key: ['secret_fingerprint'],
  workspace: [],
  workspace_member: [],
  model_grants: [],
  budget: [],
  provider_access: [],
  api_key: [],
  routing: [],
  guardrails: [],
};

/** The audit entity type each resource has in the local domain (as the services record it). */
export const LOCAL_ENTITY_TYPES: Record<ResourceType, string> = {
  member: 'member',
  provider_key: 'provider_key',
  workspace: 'workspace',
  workspace_member: 'workspace_member',
  model_grants: 'workspace_model_grants',
  budget: 'workspace_budget',
  provider_access: 'workspace_provider_access',
  api_key: 'api_key',
  routing: 'workspace_routes',
  guardrails: 'workspace_guardrails',
};

const PLACEHOLDER_PREFIX = 'remote:';
/**
 * The stored hash of a key pulled from a remote: its secret never left the laptop that made it,
 * so this one cannot know it. Not hex, so no secret's SHA-256 can ever match it.
 */
export const placeholderSecretHash = (keyId: string) => `${PLACEHOLDER_PREFIX}${keyId}`;
const isPlaceholder = (hash: string | null) => hash !== null && hash.startsWith(PLACEHOLDER_PREFIX);

const localEntityId = (type: ResourceType, id: string, parentId: string | null) => (type === 'workspace_member' ? `${parentId}/${id}` : id);

/** Deterministic JSON: object keys sorted at every depth. */
export { canonicalJson };
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedRecord = <V>(entries: Array<[string, V]>): Record<string, V> => Object.fromEntries([...entries].sort(([a], [b]) => byCodeUnit(a, b)));

const fingerprint = (ciphertext: Buffer) => createHash('sha256').update(ciphertext).digest('hex');
const isoOrNull = (value: unknown) => (typeof value === 'string' ? new Date(value).toISOString() : null);
const without = (data: Record<string, unknown>, fields: readonly string[]) =>
  Object.fromEntries(Object.entries(data).filter(([field]) => !fields.includes(field)));
const quoted = (text: string) => `“${text}”`;

interface WorkspaceRaw {
  id: string;
  name: string;
  description: string;
  environment: string;
  region: string;
  status: string;
  isDefault: number;
  ownerMemberId: string | null;
  monthlyBudgetMinor: number;
  currency: string;
  version: number;
  thresholds: string | null;
  mode: string | null;
  budgetVersion: number | null;
}
interface KeyRaw {
  id: string;
  workspaceId: string;
  name: string;
  secretPrefix: string;
  last4: string;
  secretHash: string;
  previousSecretHash: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
  rotatedAt: string | null;
  previousValidUntil: string | null;
  rpmLimit: number | null;
  tpmLimit: number | null;
  monthlyBudgetMinor: number | null;
  version: number;
}
interface ProviderKeyRaw {
  id: string;
  vendor: string;
  label: string;
  last4: string;
  ciphertext: Buffer;
  version: number;
}

export function createSyncLocalRepository(db: Db) {
  // ---- Reads: one statement for every row, one for a single id (an `@id IS NULL OR …` filter
  // would make SQLite scan the table even for one id) ------------------------------------------
  const readStatements = (sql: string, oneFilter: string) => ({ every: db.prepare(sql), one: db.prepare(`${sql} WHERE ${oneFilter}`) });
  const rowsOf = <T>(statements: ReturnType<typeof readStatements>, id: string | null): T[] =>
    (id === null ? statements.every.all() : statements.one.all({ id })) as T[];
  const workspaceRows = readStatements(
    `SELECT w.id, w.name, w.description, w.environment, w.region, w.status, w.is_default AS isDefault,
            w.owner_member_id AS ownerMemberId, w.monthly_budget_minor AS monthlyBudgetMinor, w.currency, w.version,
            b.thresholds, b.mode, b.version AS budgetVersion
       FROM workspaces w LEFT JOIN workspace_budgets b ON b.workspace_id = w.id`,
    'w.id = @id',
  );
  const workspaceNames = db.prepare('SELECT id, name FROM workspaces');
  const permissionRows = readStatements('SELECT workspace_id AS workspaceId, version FROM workspace_model_permissions', 'workspace_id = @id');
  const grantRows = readStatements(
    'SELECT workspace_id AS workspaceId, model_id AS modelId, rpm_limit AS rpmLimit, tpm_limit AS tpmLimit FROM workspace_model_grants',
    'workspace_id = @id',
  );
  const accessRows = readStatements(
    'SELECT workspace_id AS workspaceId, provider_key_id AS providerKeyId, vendor, mode FROM workspace_provider_access',
    'workspace_id = @id',
  );
  const keyRows = readStatements(
    `SELECT id, workspace_id AS workspaceId, name, secret_prefix AS secretPrefix, last4, secret_hash AS secretHash,
            previous_secret_hash AS previousSecretHash, expires_at AS expiresAt, revoked_at AS revokedAt, rotated_at AS rotatedAt,
            previous_valid_until AS previousValidUntil, rpm_limit AS rpmLimit, tpm_limit AS tpmLimit,
            monthly_budget_minor AS monthlyBudgetMinor, version
       FROM api_keys`,
    'id = @id',
  );
  const memberRows = readStatements('SELECT id, name, email, is_local_user AS isLocalUser, version FROM members', 'id = @id');
  const workspaceMemberSql = `SELECT wm.workspace_id AS workspaceId, wm.member_id AS memberId, wm.role, wm.created_at AS createdAt,
            wm.updated_at AS updatedAt, m.email
       FROM workspace_members wm JOIN members m ON m.id = wm.member_id`;
  const everyWorkspaceMember = db.prepare(workspaceMemberSql);
  const oneWorkspaceMember = db.prepare(`${workspaceMemberSql} WHERE wm.workspace_id = @workspaceId AND wm.member_id = @memberId`);
  const providerKeyRows = readStatements('SELECT id, vendor, label, last4, ciphertext, version FROM provider_keys', 'id = @id');
  // "Edited since created": local edits leave an `update` in the change log (some without a version
  // bump). change_log has no entity index, so this is one scan per readAll/read, never per pulled write.
  const editedEntities = db.prepare(
    `SELECT DISTINCT entity_type AS entityType, entity_id AS entityId FROM change_log
      WHERE op = 'update' AND (@id IS NULL OR entity_id = @id)`,
  );
  // The budget amount and currency live on the workspace row: a workspace edit that changed them edited the budget.
  const budgetEditedWorkspaces = db.prepare(
    `SELECT DISTINCT entity_id FROM change_log
      WHERE entity_type = 'workspace' AND op = 'update' AND (@id IS NULL OR entity_id = @id)
        AND (json_type(payload_json, '$.monthlyBudgetMinor') IS NOT NULL OR json_type(payload_json, '$.currency') IS NOT NULL)`,
  ).pluck();

  // ---- Writes ------------------------------------------------------------------------------
  const workspaceByNameKey = db.prepare('SELECT id, name FROM workspaces WHERE name_key = ?');
  const defaultWorkspace = db.prepare('SELECT id, name FROM workspaces WHERE is_default = 1');
  const memberName = db.prepare('SELECT name FROM members WHERE id = ?').pluck();
  const insertWorkspace = db.prepare(
    `INSERT INTO workspaces (id, name, name_key, description, environment, region, status, owner, owner_member_id,
                             monthly_budget_minor, currency, is_default, version, created_at, updated_at)
     VALUES (@id, @name, @nameKey, @description, @environment, @region, @status, @owner, @ownerMemberId,
             0, 'USD', @isDefault, 1, @at, @at)`,
  );
  const updateWorkspace = db.prepare(
    `UPDATE workspaces SET name = @name, name_key = @nameKey, description = @description, environment = @environment, region = @region,
            status = @status, owner = COALESCE(@owner, owner), owner_member_id = @ownerMemberId, version = version + 1, updated_at = @at
      WHERE id = @id`,
  );
  const deleteWorkspace = db.prepare('DELETE FROM workspaces WHERE id = ?');
  const cascadeCounts = db.prepare(
    `SELECT (SELECT COUNT(*) FROM api_keys WHERE workspace_id = @id) AS apiKeys,
            (SELECT COUNT(*) FROM workspace_members WHERE workspace_id = @id) AS workspaceMembers,
            (SELECT COUNT(*) FROM workspace_model_grants WHERE workspace_id = @id) AS modelGrants,
            (SELECT COUNT(*) FROM workspace_provider_access WHERE workspace_id = @id) AS providerAccess`,
  );
  const resetActiveWorkspace = db.prepare(
    'UPDATE settings SET active_workspace_id = (SELECT id FROM workspaces WHERE is_default = 1) WHERE id = 1 AND active_workspace_id = ?',
  );

  const memberByEmailKey = db.prepare('SELECT id, name FROM members WHERE email_key = ?');
  const insertMember = db.prepare(
    `INSERT INTO members (id, name, email, email_key, is_local_user, version, created_at, updated_at)
     VALUES (@id, @name, @email, @emailKey, 0, 1, @at, @at)`,
  );
  const updateMember = db.prepare('UPDATE members SET name = @name, email = @email, email_key = @emailKey, version = version + 1, updated_at = @at WHERE id = @id');
  const deleteMember = db.prepare('DELETE FROM members WHERE id = ?');
  const workspacesOwnedBy = db.prepare('SELECT name FROM workspaces WHERE owner_member_id = ? ORDER BY name_key').pluck();

  const upsertWorkspaceMember = db.prepare(
    `INSERT INTO workspace_members (workspace_id, member_id, role, created_at, updated_at) VALUES (@workspaceId, @memberId, @role, @at, @at)
     ON CONFLICT (workspace_id, member_id) DO UPDATE SET role = excluded.role, updated_at = excluded.updated_at`,
  );
  const deleteWorkspaceMember = db.prepare('DELETE FROM workspace_members WHERE workspace_id = ? AND member_id = ?');

  const catalogModels = db.prepare('SELECT id, token_metered AS tokenMetered FROM models WHERE id IN (SELECT value FROM json_each(?))');
  const insertGrant = db.prepare(
    `INSERT INTO workspace_model_grants (workspace_id, model_id, rpm_limit, tpm_limit, created_at, updated_at)
     VALUES (@workspaceId, @modelId, @rpmLimit, @tpmLimit, @at, @at)`,
  );
  const updateGrant = db.prepare(
    'UPDATE workspace_model_grants SET rpm_limit = @rpmLimit, tpm_limit = @tpmLimit, updated_at = @at WHERE workspace_id = @workspaceId AND model_id = @modelId',
  );
  const deleteGrant = db.prepare('DELETE FROM workspace_model_grants WHERE workspace_id = ? AND model_id = ?');
  const deleteGrants = db.prepare('DELETE FROM workspace_model_grants WHERE workspace_id = ?');
  const bumpPermissions = db.prepare(
    `INSERT INTO workspace_model_permissions (workspace_id, version, updated_at) VALUES (?, 1, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at`,
  );
  const deletePermissions = db.prepare('DELETE FROM workspace_model_permissions WHERE workspace_id = ?');

  const updateWorkspaceBudget = db.prepare(
    'UPDATE workspaces SET monthly_budget_minor = @amount, currency = @currency, version = version + 1, updated_at = @at WHERE id = @id',
  );
  const upsertBudget = db.prepare(
    `INSERT INTO workspace_budgets (workspace_id, thresholds, mode, version, updated_at) VALUES (@id, @thresholds, @mode, 1, @at)
     ON CONFLICT (workspace_id) DO UPDATE SET thresholds = excluded.thresholds, mode = excluded.mode, version = version + 1, updated_at = excluded.updated_at`,
  );
  const deleteBudget = db.prepare('DELETE FROM workspace_budgets WHERE workspace_id = ?');

  const providerKeyVendors = db.prepare('SELECT id, vendor FROM provider_keys WHERE id IN (SELECT value FROM json_each(?))');
  const providerLabelHolder = db.prepare('SELECT id FROM provider_keys WHERE vendor = ? AND label_key = ? AND id <> ?').pluck();
  const renameProviderKey = db.prepare('UPDATE provider_keys SET label = @label, label_key = @labelKey, version = version + 1, updated_at = @at WHERE id = @id');
  const deleteProviderKey = db.prepare('DELETE FROM provider_keys WHERE id = ?');
  const deleteAccessEntry = db.prepare('DELETE FROM workspace_provider_access WHERE workspace_id = ? AND provider_key_id = ?');
  const insertAccessEntry = db.prepare(
    'INSERT INTO workspace_provider_access (workspace_id, provider_key_id, vendor, mode, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const clearAccess = db.prepare('DELETE FROM workspace_provider_access WHERE workspace_id = ?');

  const workspaceExists = db.prepare('SELECT 1 FROM workspaces WHERE id = ?').pluck();
  const memberExists = db.prepare('SELECT 1 FROM members WHERE id = ?').pluck();
  const insertKey = db.prepare(
    `INSERT INTO api_keys (id, workspace_id, name, secret_prefix, last4, secret_hash, previous_secret_hash, previous_valid_until, expires_at,
                           revoked_at, rpm_limit, tpm_limit, monthly_budget_minor, rotated_at, version, created_at, updated_at)
     VALUES (@id, @workspaceId, @name, @secretPrefix, @last4, @secretHash, NULL, @previousValidUntil, @expiresAt,
             @revokedAt, @rpmLimit, @tpmLimit, @monthlyBudgetMinor, @rotatedAt, 1, @at, @at)`,
  );
  const updateKey = db.prepare(
    `UPDATE api_keys SET workspace_id = @workspaceId, name = @name, secret_prefix = @secretPrefix, last4 = @last4, secret_hash = @secretHash,
            previous_secret_hash = @previousSecretHash, previous_valid_until = @previousValidUntil, expires_at = @expiresAt, revoked_at = @revokedAt,
            rpm_limit = @rpmLimit, tpm_limit = @tpmLimit, monthly_budget_minor = @monthlyBudgetMinor, rotated_at = @rotatedAt,
            version = version + 1, updated_at = @at
      WHERE id = @id`,
  );
  const deleteKey = db.prepare('DELETE FROM api_keys WHERE id = ?');

  // ---- Reading ------------------------------------------------------------------------------

  interface ReadScope {
    names: Map<string, string>;
    edited: Set<string>;
    budgetEdited: Set<string>;
  }
  /** `withEdits: false` skips the change-log scan (pristine is then meaningless: pulled writes need only the data). */
  const scopeFor = (id: string | null, withEdits = true): ReadScope => ({
    names: new Map((workspaceNames.all() as Array<{ id: string; name: string }>).map((w) => [w.id, w.name])),
    edited: withEdits
      ? new Set((editedEntities.all({ id }) as Array<{ entityType: string; entityId: string }>).map((e) => `${e.entityType}\u0000${e.entityId}`))
      : new Set(),
    budgetEdited: withEdits ? new Set(budgetEditedWorkspaces.all({ id }) as string[]) : new Set(),
  });
  const wasEdited = (scope: ReadScope, type: ResourceType, entityId: string) => scope.edited.has(`${LOCAL_ENTITY_TYPES[type]}\u0000${entityId}`);

  const readWorkspaces = (id: string | null, scope: ReadScope, want: { workspace: boolean; budget: boolean }): LocalResource[] => {
    const out: LocalResource[] = [];
    for (const w of rowsOf<WorkspaceRaw>(workspaceRows, id)) {
      if (want.workspace) {
        out.push({
          type: 'workspace',
          id: w.id,
          parentId: null,
          data: {
            name: w.name,
            description: w.description,
            environment: w.environment,
            region: w.region,
            status: w.status,
            is_default: w.isDefault === 1,
            owner_member_id: w.ownerMemberId,
          },
          label: `workspace ${quoted(w.name)}`,
          workspaceName: w.name,
          pristine: w.version === 1 && !wasEdited(scope, 'workspace', w.id),
        });
      }
      if (want.budget) {
        out.push({
          type: 'budget',
          id: w.id,
          parentId: w.id,
          data: {
            monthly_limit_minor: w.monthlyBudgetMinor,
            currency: w.currency,
            thresholds: w.thresholds === null ? [...DEFAULT_THRESHOLDS] : (JSON.parse(w.thresholds) as number[]),
            mode: w.mode ?? DEFAULT_BUDGET_MODE,
          },
          label: `budget of ${quoted(w.name)}`,
          workspaceName: w.name,
          pristine: (w.budgetVersion === null || w.budgetVersion === 1) && !scope.budgetEdited.has(w.id),
        });
      }
    }
    return out;
  };

  const readModelGrants = (id: string | null, scope: ReadScope): LocalResource[] => {
    const versions = new Map(rowsOf<{ workspaceId: string; version: number }>(permissionRows, id).map((p) => [p.workspaceId, p.version]));
    const grants = new Map<string, Array<[string, { rpm_limit: number | null; tpm_limit: number | null }]>>();
    for (const g of rowsOf<{ workspaceId: string; modelId: string; rpmLimit: number | null; tpmLimit: number | null }>(grantRows, id)) {
      const list = grants.get(g.workspaceId) ?? [];
      list.push([g.modelId, { rpm_limit: g.rpmLimit, tpm_limit: g.tpmLimit }]);
      grants.set(g.workspaceId, list);
    }
    return [...new Set([...versions.keys(), ...grants.keys()])].map((workspaceId) => {
      const name = scope.names.get(workspaceId) ?? workspaceId;
      const version = versions.get(workspaceId);
      return {
        type: 'model_grants',
        id: workspaceId,
        parentId: workspaceId,
        data: { grants: sortedRecord(grants.get(workspaceId) ?? []) },
        label: `model grants of ${quoted(name)}`,
        workspaceName: name,
        pristine: version === undefined || version === 1,
      };
    });
  };

  const readProviderAccess = (id: string | null, scope: ReadScope): LocalResource[] => {
    const entries = new Map<string, Array<[string, string]>>();
    for (const a of rowsOf<{ workspaceId: string; providerKeyId: string; mode: string }>(accessRows, id)) {
      const list = entries.get(a.workspaceId) ?? [];
      list.push([a.providerKeyId, a.mode]);
      entries.set(a.workspaceId, list);
    }
    const workspaceIds = id === null ? [...scope.names.keys()] : scope.names.has(id) ? [id] : [];
    return workspaceIds.map((workspaceId) => {
      const name = scope.names.get(workspaceId)!;
      return {
        type: 'provider_access',
        id: workspaceId,
        parentId: workspaceId,
        data: { entries: sortedRecord(entries.get(workspaceId) ?? []) },
        label: `provider access of ${quoted(name)}`,
        workspaceName: name,
        pristine: !wasEdited(scope, 'provider_access', workspaceId),
      };
    });
  };

  const readKeys = (id: string | null, scope: ReadScope): LocalResource[] =>
    rowsOf<KeyRaw>(keyRows, id).map((k) => {
      const name = scope.names.get(k.workspaceId) ?? null;
      return {
        type: 'api_key',
        id: k.id,
        parentId: k.workspaceId,
        data: {
          name: k.name,
          secret_prefix: k.secretPrefix,
          last4: k.last4,
          status: k.revokedAt !== null ? 'revoked' : 'active',
          expires_at: k.expiresAt,
          revoked_at: k.revokedAt,
          rotated_at: k.rotatedAt,
          previous_valid_until: k.previousValidUntil,
          rpm_limit: k.rpmLimit,
          tpm_limit: k.tpmLimit,
          monthly_budget_minor: k.monthlyBudgetMinor,
          // Write-only on the wire; a placeholder (key pulled from a remote) is an unknown hash.
          secret_sha256: isPlaceholder(k.secretHash) ? null : k.secretHash,
          previous_secret_sha256: isPlaceholder(k.previousSecretHash) ? null : k.previousSecretHash,
        },
        label: `API key ${quoted(k.name)}`,
        workspaceName: name,
        pristine: k.version === 1 && !wasEdited(scope, 'api_key', k.id),
      };
    });

  const readMembers = (id: string | null, scope: ReadScope): LocalResource[] =>
    rowsOf<{ id: string; name: string; email: string; version: number }>(memberRows, id).map((m) => ({
      type: 'member',
      id: m.id,
      parentId: null,
      data: { name: m.name, email: m.email },
      label: `member ${m.email}`,
      workspaceName: null,
      pristine: m.version === 1 && !wasEdited(scope, 'member', m.id),
    }));

  const readWorkspaceMembers = (workspaceId: string | null, memberId: string | null, scope: ReadScope): LocalResource[] =>
    (
      (workspaceId === null || memberId === null ? everyWorkspaceMember.all() : oneWorkspaceMember.all({ workspaceId, memberId })) as Array<{
        workspaceId: string;
        memberId: string;
        role: string;
        createdAt: string;
        updatedAt: string;
        email: string;
      }>
    ).map((wm) => {
      const name = scope.names.get(wm.workspaceId) ?? null;
      return {
        type: 'workspace_member',
        id: wm.memberId,
        parentId: wm.workspaceId,
        data: { role: wm.role },
        label: `role of ${wm.email}`,
        workspaceName: name,
        pristine: wm.createdAt === wm.updatedAt && !wasEdited(scope, 'workspace_member', `${wm.workspaceId}/${wm.memberId}`),
      };
    });

  const readProviderKeys = (id: string | null, scope: ReadScope): LocalResource[] =>
    rowsOf<ProviderKeyRaw>(providerKeyRows, id).map((k) => ({
      type: 'provider_key',
      id: k.id,
      parentId: null,
      // The fingerprint changes when the secret is replaced; the secret itself is never read here.
      data: { vendor: k.vendor, label: k.label, last4: k.last4, secret_fingerprint: fingerprint(k.ciphertext) },
      label: `provider key ${quoted(k.label)} (${k.vendor})`,
      workspaceName: null,
      pristine: k.version === 1 && !wasEdited(scope, 'provider_key', k.id),
    }));

  // Model routes (issue #14): one `routing` document per workspace that ever saved routes.
  const routing = createRoutingRepository(db);
  const readRouting = (id: string | null, scope: ReadScope): LocalResource[] => {
    const versions = routing.versions();
    const routes = id === null ? routing.allRoutes() : new Map([[id, routing.routesOf(id)]]);
    const workspaceIds = [...new Set([...versions.keys(), ...[...routes].filter(([, list]) => list.length > 0).map(([ws]) => ws)])]
      .filter((ws) => (id === null || ws === id) && scope.names.has(ws));
    return workspaceIds.map((workspaceId) => {
      const name = scope.names.get(workspaceId)!;
      const version = versions.get(workspaceId);
      return {
        type: 'routing',
        id: workspaceId,
        parentId: workspaceId,
        data: { routes: sortedRecord((routes.get(workspaceId) ?? []).map((r) => [r.alias, routeToWire(r)])) },
        label: `model routes of ${quoted(name)}`,
        workspaceName: name,
        pristine: version === undefined || version === 1,
      };
    });
  };

  // Guardrails (issue #14): one `guardrails` document per workspace that ever saved its own setting.
  const guardrails = createGuardrailRepository(db);
  const readGuardrails = (id: string | null, scope: ReadScope): LocalResource[] => {
    const rows = id === null ? guardrails.allWorkspaces() : [guardrails.workspace(id)].filter((r) => r !== null);
    return rows
      .filter((r) => scope.names.has(r.workspaceId))
      .map((r) => {
        const name = scope.names.get(r.workspaceId)!;
        return {
          type: 'guardrails',
          id: r.workspaceId,
          parentId: r.workspaceId,
          data: guardrailsToWire(r.inherits, r.policy),
          label: `guardrails of ${quoted(name)}`,
          workspaceName: name,
          pristine: r.version === 1,
        };
      });
  };

  const readType = (type: ResourceType, id: string | null, parentId: string | null, scope: ReadScope): LocalResource[] => {
    switch (type) {
      case 'workspace':
        return readWorkspaces(id, scope, { workspace: true, budget: false });
      case 'budget':
        return readWorkspaces(id, scope, { workspace: false, budget: true });
      case 'model_grants':
        return readModelGrants(id, scope);
      case 'provider_access':
        return readProviderAccess(id, scope);
      case 'api_key':
        return readKeys(id, scope);
      case 'member':
        return readMembers(id, scope);
      case 'workspace_member':
        return readWorkspaceMembers(parentId, id, scope);
      case 'provider_key':
        return readProviderKeys(id, scope);
      case 'routing':
        return readRouting(id, scope);
      case 'guardrails':
        return readGuardrails(id, scope);
    }
  };

  const compareResources = (a: LocalResource, b: LocalResource) =>
    RESOURCE_ORDER[a.type] - RESOURCE_ORDER[b.type] || byCodeUnit(a.id, b.id) || byCodeUnit(a.parentId ?? '', b.parentId ?? '');

  const readOne = (type: ResourceType, id: string, parentId: string | null, withEdits = true): LocalResource | null => {
    if (type === 'workspace_member' && parentId === null) throw new Error('sync-local-repository.read: a workspace_member needs its workspace id (parentId)');
    const found = readType(type, id, parentId, scopeFor(localEntityId(type, id, parentId), withEdits));
    const match = found.find((r) => r.id === id && (type !== 'api_key' || parentId === null || r.parentId === parentId));
    return match ?? null;
  };

  // ---- Pulled writes ------------------------------------------------------------------------

  /** The pulled data, parsed with the protocol's readable schema (write-only and local-only fields dropped). */
  const parsePulled = (type: ResourceType, id: string, data: Record<string, unknown>): Record<string, unknown> => {
    const readable = without(data, [...WRITE_ONLY_FIELDS[type], ...LOCAL_ONLY_FIELDS[type]]);
    const parsed = readableData(type).safeParse(readable);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new AppError('E_REMOTE', `The remote sent an invalid ${type} ${id} (${where}${issue?.message ?? 'invalid'}); nothing was changed`);
    }
    return parsed.data as Record<string, unknown>;
  };

  /** The pulled data in the form readAll reports, for the "already stored" check. */
  const canonicalPulled = (type: ResourceType, data: Record<string, unknown>): Record<string, unknown> => {
    switch (type) {
      case 'budget':
        return { ...data, thresholds: normalizeThresholds(data.thresholds as number[]) };
      case 'api_key':
        return {
          ...data,
          expires_at: isoOrNull(data.expires_at),
          revoked_at: isoOrNull(data.revoked_at),
          rotated_at: isoOrNull(data.rotated_at),
          previous_valid_until: isoOrNull(data.previous_valid_until),
        };
      default:
        return data;
    }
  };

  const readablePart = (type: ResourceType, data: Record<string, unknown>) => without(data, [...WRITE_ONLY_FIELDS[type], ...LOCAL_ONLY_FIELDS[type]]);

  const auditSnapshot = (resource: LocalResource | null): Record<string, unknown> | null => {
    if (!resource) return null;
    const parent = WORKSPACE_CHILDREN.includes(resource.type) && !WORKSPACE_DOCUMENTS.includes(resource.type) ? { workspace_id: resource.parentId } : {};
    return { id: resource.id, ...parent, ...readablePart(resource.type, resource.data) };
  };

  const requireWorkspaceForChild = (type: ResourceType, id: string, workspaceId: string) => {
    if (workspaceExists.get(workspaceId) === undefined) {
      throw new AppError('E_NOT_FOUND', `The remote's ${type} ${id} belongs to workspace ${workspaceId}, which does not exist here; pull the workspace first`);
    }
  };

  const checkWorkspaceFields = (id: string, data: Record<string, unknown>) => {
    const environment = data.environment as string;
    const status = data.status as string;
    if (!ENVIRONMENTS.some((e) => e.id === environment)) {
      throw new AppError('E_REMOTE', `The remote's workspace ${id} has environment ${quoted(environment)}, which this Gatehouse does not know`);
    }
    if (!WORKSPACE_STATUSES.some((s) => s.id === status)) {
      throw new AppError('E_REMOTE', `The remote's workspace ${id} has status ${quoted(status)}, which this Gatehouse does not know`);
    }
    const nameKey = workspaceNameKey(data.name as string);
    const holder = workspaceByNameKey.get(nameKey) as { id: string; name: string } | undefined;
    if (holder && holder.id !== id) {
      throw AppError.field(
        'E_CONFLICT',
        'name',
        `The remote's workspace ${quoted(data.name as string)} (${id}) has the same name as the local workspace ${quoted(holder.name)} (${holder.id}); names are case-insensitive. Rename one of them.`,
      );
    }
    const ownerId = data.owner_member_id as string | null;
    let owner: string | null = null;
    if (ownerId !== null) {
      owner = (memberName.get(ownerId) as string | undefined) ?? null;
      if (owner === null) throw new AppError('E_NOT_FOUND', `The remote's workspace ${id} is owned by member ${ownerId}, who does not exist here; pull the member first`);
    }
    return { nameKey, owner };
  };

  const applyWorkspace = (id: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta) => {
    if (data === null) {
      if (!before) return {};
      if (before.data.is_default === true) {
        throw new AppError('E_FORBIDDEN', `The remote deleted workspace ${quoted(before.workspaceName ?? id)} (${id}), which is this laptop's default workspace; it cannot be deleted`);
      }
      // Mirrors workspaces:delete: the row goes and its keys, memberships, grants, budget and
      // provider access go with it (ON DELETE CASCADE); usage history stays (no foreign key).
      const removed = cascadeCounts.get({ id }) as Record<string, number>;
      deleteWorkspace.run(id);
      resetActiveWorkspace.run(id);
      return { removed };
    }
    const { nameKey, owner } = checkWorkspaceFields(id, data);
    const params = {
      id,
      name: data.name,
      nameKey,
      description: data.description,
      environment: data.environment,
      region: data.region,
      status: data.status,
      ownerMemberId: data.owner_member_id,
      at: meta.at,
    };
    if (!before) {
      if (data.is_default === true) {
        const local = defaultWorkspace.get() as { id: string; name: string } | undefined;
        if (local) {
          throw new AppError(
            'E_CONFLICT',
            `The remote's default workspace ${quoted(data.name as string)} (${id}) cannot be created here: this laptop's default is ${quoted(local.name)} (${local.id}); link the two instead`,
          );
        }
      }
      insertWorkspace.run({ ...params, owner: owner ?? meta.actor, isDefault: data.is_default === true ? 1 : 0 });
      return {};
    }
    if (before.data.is_default !== data.is_default) {
      throw new AppError('E_CONFLICT', `The remote changed whether workspace ${quoted(data.name as string)} (${id}) is the default; a laptop's default workspace cannot change`);
    }
    updateWorkspace.run({ ...params, owner });
    return {};
  };

  const applyMember = (id: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta) => {
    if (data === null) {
      if (!before) return;
      const row = rowsOf<{ isLocalUser: number }>(memberRows, id)[0]!;
      if (row.isLocalUser === 1) throw new AppError('E_FORBIDDEN', `The remote deleted member ${before.data.email as string} (${id}), who is this laptop's user; they cannot be removed`);
      const owned = workspacesOwnedBy.all(id) as string[];
      if (owned.length > 0) throw new AppError('E_CONFLICT', `The remote deleted member ${before.data.email as string} (${id}), who owns ${owned.join(', ')} here; choose another owner first`);
      deleteMember.run(id); // their workspace roles go with them (ON DELETE CASCADE)
      return;
    }
    const key = emailKey(data.email as string);
    const holder = memberByEmailKey.get(key) as { id: string; name: string } | undefined;
    if (holder && holder.id !== id) {
      throw AppError.field(
        'E_CONFLICT',
        'email',
        `The remote's member ${quoted(data.name as string)} (${id}) has the same email ${data.email as string} as the local member ${quoted(holder.name)} (${holder.id})`,
      );
    }
    const params = { id, name: data.name, email: data.email, emailKey: key, at: meta.at };
    if (!before) insertMember.run(params);
    else updateMember.run(params);
  };

  const applyWorkspaceMember = (memberId: string, workspaceId: string, data: Record<string, unknown> | null, meta: PullMeta) => {
    if (data === null) {
      deleteWorkspaceMember.run(workspaceId, memberId);
      return;
    }
    requireWorkspaceForChild('workspace_member', memberId, workspaceId);
    if (memberExists.get(memberId) === undefined) {
      throw new AppError('E_NOT_FOUND', `The remote gives member ${memberId} a role in workspace ${workspaceId}, but that member does not exist here; pull the member first`);
    }
    upsertWorkspaceMember.run({ workspaceId, memberId, role: data.role, at: meta.at });
  };

  type Limits = { rpm_limit: number | null; tpm_limit: number | null };
  const applyModelGrants = (workspaceId: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta, skipped: string[]) => {
    const exists = workspaceExists.get(workspaceId) !== undefined;
    if (data === null) {
      if (!exists) return;
      deleteGrants.run(workspaceId);
      deletePermissions.run(workspaceId);
      return;
    }
    requireWorkspaceForChild('model_grants', workspaceId, workspaceId);
    const wanted = data.grants as Record<string, Limits>;
    const isDefault = rowsOf<WorkspaceRaw>(workspaceRows, workspaceId)[0]!.isDefault === 1;
    const catalog = new Map(
      (catalogModels.all(JSON.stringify(Object.keys(wanted))) as Array<{ id: string; tokenMetered: number }>).map((m) => [m.id, m.tokenMetered === 1]),
    );
    // What the local store cannot hold is skipped and reported: the default workspace has no grant
    // list (it may call every model), a model missing from this catalog, a TPM limit on a model not
    // billed by tokens, a limit beyond the local maximum.
    const storable = new Map<string, Limits>();
    for (const modelId of Object.keys(wanted).sort(byCodeUnit)) {
      const limits = wanted[modelId]!;
      const metered = catalog.get(modelId);
      const fits =
        !isDefault &&
        metered !== undefined &&
        (limits.tpm_limit === null || metered) &&
        (limits.rpm_limit === null || limits.rpm_limit <= MAX_RPM) &&
        (limits.tpm_limit === null || limits.tpm_limit <= MAX_TPM);
      if (fits) storable.set(modelId, limits);
      else skipped.push(modelId);
    }
    const current = new Map(Object.entries((before?.data.grants ?? {}) as Record<string, Limits>));
    let writes = 0;
    for (const modelId of current.keys()) {
      if (!storable.has(modelId)) writes += deleteGrant.run(workspaceId, modelId).changes;
    }
    for (const [modelId, limits] of storable) {
      const row = { workspaceId, modelId, rpmLimit: limits.rpm_limit, tpmLimit: limits.tpm_limit, at: meta.at };
      const existing = current.get(modelId);
      if (!existing) writes += insertGrant.run(row).changes;
      else if (existing.rpm_limit !== limits.rpm_limit || existing.tpm_limit !== limits.tpm_limit) writes += updateGrant.run(row).changes;
    }
    // The section's version guards the local editor: bumped when the list changed (or first created).
    if (writes > 0 || before === null) bumpPermissions.run(workspaceId, meta.at);
  };

  const applyBudget = (workspaceId: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta) => {
    if (!before) {
      if (data === null) return; // the workspace is gone, and its budget with it
      requireWorkspaceForChild('budget', workspaceId, workspaceId);
    }
    const current = before!.data;
    // Every workspace has a budget; a deleted one means "none": no amount, default thresholds.
    const wanted =
      data === null
        ? { monthly_limit_minor: 0, currency: current.currency, thresholds: [...DEFAULT_THRESHOLDS], mode: DEFAULT_BUDGET_MODE }
        : { ...data, thresholds: normalizeThresholds(data.thresholds as number[]) };
    if (wanted.monthly_limit_minor !== current.monthly_limit_minor || wanted.currency !== current.currency) {
      updateWorkspaceBudget.run({ id: workspaceId, amount: wanted.monthly_limit_minor, currency: wanted.currency, at: meta.at });
    }
    if (data === null) deleteBudget.run(workspaceId);
    else if (canonicalJson(wanted.thresholds) !== canonicalJson(current.thresholds) || wanted.mode !== current.mode) {
      upsertBudget.run({ id: workspaceId, thresholds: JSON.stringify(wanted.thresholds), mode: wanted.mode, at: meta.at });
    }
  };

  const applyProviderKey = (id: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta) => {
    if (data === null) {
      if (before) deleteProviderKey.run(id); // its pins and disables go with it (ON DELETE CASCADE)
      return;
    }
    if (!before) throw new AppError('E_REMOTE', `Provider key ${quoted(data.label as string)} (${id}) exists only on the remote; its secret is write-only, so it cannot be pulled. Add the key here with its secret.`);
    const label = data.label as string;
    if (data.vendor !== before.data.vendor) {
      throw new AppError('E_REMOTE', `The remote changed the vendor of provider key ${quoted(label)} (${id}); a provider key's vendor cannot change`);
    }
    if (data.last4 !== before.data.last4) {
      throw new AppError('E_REMOTE', `The secret of provider key ${quoted(label)} (${id}) was replaced on the remote; its secret is write-only, so replace it here too`);
    }
    if (label === before.data.label) return;
    const labelKey = label.normalize('NFKC').toLowerCase();
    if (providerLabelHolder.get(before.data.vendor, labelKey, id) !== undefined) {
      throw AppError.field('E_CONFLICT', 'label', `The remote renamed provider key ${id} to ${quoted(label)}, but another ${before.data.vendor as string} key here has that label`);
    }
    renameProviderKey.run({ id, label, labelKey, at: meta.at });
  };

  const applyProviderAccess = (workspaceId: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta, skipped: string[]) => {
    const exists = workspaceExists.get(workspaceId) !== undefined;
    if (data === null) {
      if (exists) clearAccess.run(workspaceId);
      return;
    }
    requireWorkspaceForChild('provider_access', workspaceId, workspaceId);
    const wanted = data.entries as Record<string, 'disabled' | 'pinned'>;
    const vendors = new Map(
      (providerKeyVendors.all(JSON.stringify(Object.keys(wanted))) as Array<{ id: string; vendor: string }>).map((k) => [k.id, k.vendor]),
    );
    const storable = new Map<string, 'disabled' | 'pinned'>();
    const pinned = new Map<string, string>();
    for (const keyId of Object.keys(wanted).sort(byCodeUnit)) {
      const vendor = vendors.get(keyId);
      if (vendor === undefined) {
        skipped.push(keyId); // a provider key this laptop does not have
        continue;
      }
      const mode = wanted[keyId]!;
      if (mode === 'pinned') {
        const other = pinned.get(vendor);
        if (other) throw new AppError('E_REMOTE', `The remote pins two ${vendor} keys (${other}, ${keyId}) in workspace ${workspaceId}; a workspace pins at most one key per vendor`);
        pinned.set(vendor, keyId);
      }
      storable.set(keyId, mode);
    }
    const current = new Map(Object.entries((before?.data.entries ?? {}) as Record<string, string>));
    // Removals first, so a pin that moves between two keys of a vendor never holds both at once.
    for (const [keyId, mode] of current) if (storable.get(keyId) !== mode) deleteAccessEntry.run(workspaceId, keyId);
    for (const [keyId, mode] of storable) if (current.get(keyId) !== mode) insertAccessEntry.run(workspaceId, keyId, vendors.get(keyId)!, mode, meta.at);
  };

  const applyRouting = (workspaceId: string, data: Record<string, unknown> | null, before: LocalResource | null, meta: PullMeta) => {
    if (data === null) {
      if (workspaceExists.get(workspaceId) !== undefined) routing.clear(workspaceId);
      return;
    }
    requireWorkspaceForChild('routing', workspaceId, workspaceId);
    const wanted = data.routes as Record<string, WireRoute>;
    const current = (before?.data.routes ?? {}) as Record<string, WireRoute>;
    let writes = 0;
    for (const alias of Object.keys(current)) {
      if (!(alias in wanted)) {
        routing.remove(workspaceId, alias);
        writes += 1;
      }
    }
    for (const alias of Object.keys(wanted).sort(byCodeUnit)) {
      const route = routeFromWire(alias, wanted[alias]!);
      if (!(alias in current)) routing.insert(workspaceId, route, meta.at);
      else if (canonicalJson(current[alias]) !== canonicalJson(routeToWire(route))) routing.update(workspaceId, route, meta.at);
      else continue;
      writes += 1;
    }
    // The section's version guards the local editor: bumped when the list changed (or first created).
    if (writes > 0 || before === null) routing.bumpVersion(workspaceId, meta.at);
  };

  const applyGuardrails = (workspaceId: string, data: Record<string, unknown> | null, meta: PullMeta) => {
    if (data === null) {
      if (workspaceExists.get(workspaceId) !== undefined) guardrails.clearWorkspace(workspaceId);
      return;
    }
    requireWorkspaceForChild('guardrails', workspaceId, workspaceId);
    // Null sections of an own policy take this laptop's org defaults (the remote's are not synced yet).
    const wanted = guardrailsFromWire(data as WireGuardrails, guardrails.defaults()?.policy ?? DEFAULT_GUARDRAIL_POLICY);
    guardrails.saveWorkspace(workspaceId, wanted.inherits, wanted.policy, meta.at);
  };

  const applyApiKey = (id: string, workspaceId: string, data: Record<string, unknown> | null, meta: PullMeta) => {
    const existing = rowsOf<KeyRaw>(keyRows, id)[0];
    if (data === null) {
      if (existing) deleteKey.run(id);
      return;
    }
    requireWorkspaceForChild('api_key', id, workspaceId);
    const revokedAt = isoOrNull(data.revoked_at);
    if ((data.status === 'revoked') !== (revokedAt !== null)) {
      throw new AppError('E_REMOTE', `The remote's API key ${id} is ${data.status as string} but ${revokedAt ? 'has' : 'has no'} revocation time; nothing was changed`);
    }
    const fields = {
      id,
      workspaceId,
      name: data.name,
      secretPrefix: data.secret_prefix,
      last4: data.last4,
      expiresAt: isoOrNull(data.expires_at),
      revokedAt,
      rotatedAt: isoOrNull(data.rotated_at),
      previousValidUntil: isoOrNull(data.previous_valid_until),
      rpmLimit: data.rpm_limit,
      tpmLimit: data.tpm_limit,
      monthlyBudgetMinor: data.monthly_budget_minor,
      at: meta.at,
    };
    if (!existing) {
      insertKey.run({ ...fields, secretHash: placeholderSecretHash(id) });
      return;
    }
    // The local hash stays valid unless the secret changed on the remote (new last 4, prefix or
    // rotation): then this laptop cannot know it. A previous secret without a grace window is gone.
    const secretChanged = existing.last4 !== fields.last4 || existing.secretPrefix !== fields.secretPrefix || existing.rotatedAt !== fields.rotatedAt;
    updateKey.run({
      ...fields,
      secretHash: secretChanged ? placeholderSecretHash(id) : existing.secretHash,
      previousSecretHash: secretChanged || fields.previousValidUntil === null || fields.revokedAt !== null ? null : existing.previousSecretHash,
    });
  };

  return {
    /** Every syncable resource, ordered by RESOURCE_ORDER, then id (then workspace id). */
    readAll(): LocalResource[] {
      const scope = scopeFor(null);
      return RESOURCE_TYPES.flatMap((type) => readType(type, null, null, scope)).sort(compareResources);
    },

    /** One resource; a workspace_member needs its workspace id (`parentId`), its id being the member id. */
    read(type: ResourceType, id: string, parentId: string | null = null): LocalResource | null {
      return readOne(type, id, WORKSPACE_DOCUMENTS.includes(type) ? id : parentId);
    },

    /**
     * Writes one pulled resource (upsert, or delete when `data` is null) in the caller's
     * transaction and returns the audit snapshots. Throws AppError: E_CONFLICT (a name or email
     * another local row holds), E_NOT_FOUND (its workspace or member is not here), E_FORBIDDEN (the
     * default workspace or the laptop's user would go), E_REMOTE (data this store cannot hold, a
     * provider key that exists only on the remote).
     */
    applyPulled(change: PulledChange, meta: PullMeta): PulledResult {
      if (!db.inTransaction) throw new Error("sync-local-repository.applyPulled must run inside the caller's transaction");
      const { type, id } = change;
      if (!resourceIdSchemas[type].safeParse(id).success) throw new AppError('E_REMOTE', `The remote sent a ${type} with an invalid id`);
      let parentId: string | null = null;
      if (WORKSPACE_DOCUMENTS.includes(type)) parentId = id;
      else if (WORKSPACE_CHILDREN.includes(type)) {
        if (change.parentId === null || !workspaceIdSchema.safeParse(change.parentId).success) {
          throw new AppError('E_REMOTE', `The remote sent ${type} ${id} without a valid workspace id`);
        }
        parentId = change.parentId;
      }
      const data = change.data === null ? null : parsePulled(type, id, change.data);
      const before = readOne(type, id, type === 'api_key' ? null : parentId, false);
      const result = (after: LocalResource | null, skipped: string[], extraBefore: object = {}): PulledResult => {
        const beforeSnap = auditSnapshot(before);
        return {
          before: beforeSnap && { ...beforeSnap, ...extraBefore },
          after: auditSnapshot(after),
          workspaceId: type === 'workspace' ? id : parentId,
          entityType: LOCAL_ENTITY_TYPES[type],
          entityId: localEntityId(type, id, parentId),
          skipped,
          changed: canonicalJson(before && [before.parentId, before.data]) !== canonicalJson(after && [after.parentId, after.data]),
        };
      };
      // Already stored as pulled: nothing to write (no version bump, nothing to audit).
      if (data !== null && before !== null && before.parentId === parentId) {
        if (canonicalJson(readablePart(type, before.data)) === canonicalJson(canonicalPulled(type, data))) return result(before, []);
      }
      const skipped: string[] = [];
      let extraBefore: object = {};
      switch (type) {
        case 'workspace':
          extraBefore = applyWorkspace(id, data, before, meta);
          break;
        case 'member':
          applyMember(id, data, before, meta);
          break;
        case 'workspace_member':
          applyWorkspaceMember(id, parentId!, data, meta);
          break;
        case 'model_grants':
          applyModelGrants(id, data, before, meta, skipped);
          break;
        case 'budget':
          applyBudget(id, data, before, meta);
          break;
        case 'provider_key':
          applyProviderKey(id, data, before, meta);
          break;
        case 'provider_access':
          applyProviderAccess(id, data, before, meta, skipped);
          break;
        case 'api_key':
          applyApiKey(id, parentId!, data, meta);
          break;
        case 'routing':
          applyRouting(id, data, before, meta);
          break;
        case 'guardrails':
          applyGuardrails(id, data, meta);
          break;
      }
      return result(readOne(type, id, type === 'api_key' ? null : parentId, false), skipped, extraBefore);
    },
  };
}
export type SyncLocalRepository = ReturnType<typeof createSyncLocalRepository>;
