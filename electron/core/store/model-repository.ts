import type { Model } from '../../../shared/contract/model-schemas';
import type { ModelSortField, ModelType } from '../../../shared/domain/model-rules';
import type { Db } from './database';

export interface ModelFilter {
  /** Already normalised with `normalizeModelSearch`. */
  search: string;
  vendors: string[];
  types: ModelType[];
}

export interface ModelListQuery extends ModelFilter {
  sort: { field: ModelSortField; direction: 'asc' | 'desc' };
  page: { index: number; size: number };
}

export interface GrantRow {
  workspaceId: string;
  modelId: string;
  displayName: string;
  vendor: string;
  type: ModelType;
  tokenMetered: boolean;
  rpmLimit: number | null;
  tpmLimit: number | null;
}

const MODEL_COLUMNS = `id, display_name AS displayName, vendor, type, token_metered AS tokenMetered, context_window AS contextWindow,
  input_price_per_mtok_usd AS inputPricePerMTokUsd, output_price_per_mtok_usd AS outputPricePerMTokUsd,
  unit_price_usd AS unitPriceUsd, price_unit AS priceUnit`;

/** Whitelist from API sort field to SQL; caller text is never interpolated. NULLs sort last either way. */
const SORT_SQL: Record<ModelSortField, (dir: 'ASC' | 'DESC') => string> = {
  displayName: (d) => `name_key ${d}`,
  vendor: (d) => `vendor COLLATE NOCASE ${d}, name_key`,
  type: (d) => `type ${d}, name_key`,
  contextWindow: (d) => `context_window IS NULL, context_window ${d}, name_key`,
  inputPrice: (d) => `COALESCE(input_price_per_mtok_usd, unit_price_usd) IS NULL, COALESCE(input_price_per_mtok_usd, unit_price_usd) ${d}, name_key`,
};

type RawModel = Omit<Model, 'tokenMetered'> & { tokenMetered: 0 | 1 };
const toModel = (raw: RawModel): Model => ({ ...raw, tokenMetered: raw.tokenMetered === 1 });
type RawGrant = Omit<GrantRow, 'tokenMetered'> & { tokenMetered: 0 | 1 };
const toGrant = (raw: RawGrant): GrantRow => ({ ...raw, tokenMetered: raw.tokenMetered === 1 });

/** WHERE clause for a filter shape; lists are bound as JSON arrays so one statement serves any list length. */
function whereFor(filter: ModelFilter): string {
  const parts: string[] = [];
  if (filter.search) parts.push('instr(name_key, @search) > 0');
  if (filter.vendors.length) parts.push('vendor IN (SELECT value FROM json_each(@vendors))');
  if (filter.types.length) parts.push('type IN (SELECT value FROM json_each(@types))');
  return parts.length ? `WHERE ${parts.join(' AND ')}` : '';
}
const bind = (filter: ModelFilter) => ({ search: filter.search, vendors: JSON.stringify(filter.vendors), types: JSON.stringify(filter.types) });
const shapeKey = (filter: ModelFilter) => `${filter.search ? 's' : ''}${filter.vendors.length ? 'v' : ''}${filter.types.length ? 't' : ''}`;

export function createModelRepository(db: Db) {
  const cache = new Map<string, ReturnType<Db['prepare']>>();
  const cached = (key: string, sql: () => string) => {
    let statement = cache.get(key);
    if (!statement) {
      statement = db.prepare(sql());
      cache.set(key, statement);
    }
    return statement;
  };

  // Read once: it changes only when a catalog sync rewrites the table, which then calls invalidateCatalogVersion.
  let catalogVersionCache: string | null = null;
  const byIds = db.prepare(`SELECT ${MODEL_COLUMNS} FROM models WHERE id IN (SELECT value FROM json_each(?))`);
  const catalogVersion = db.prepare('SELECT MAX(catalog_version) FROM models').pluck();
  const labelsAndPrices = db.prepare(
    `SELECT id, display_name AS displayName, vendor, input_price_per_mtok_usd AS inputPricePerMTokUsd,
            output_price_per_mtok_usd AS outputPricePerMTokUsd FROM models`,
  );
  const vendorFacets = db.prepare(
    `SELECT vendor, COUNT(*) AS count FROM models WHERE (@search = '' OR instr(name_key, @search) > 0) GROUP BY vendor ORDER BY vendor COLLATE NOCASE`,
  );
  const typeFacets = db.prepare(
    `SELECT type, COUNT(*) AS count FROM models WHERE (@search = '' OR instr(name_key, @search) > 0) GROUP BY type ORDER BY type`,
  );

  const grantColumns = `g.workspace_id AS workspaceId, g.model_id AS modelId, m.display_name AS displayName, m.vendor, m.type,
    m.token_metered AS tokenMetered, g.rpm_limit AS rpmLimit, g.tpm_limit AS tpmLimit`;
  const grantsOf = db.prepare(
    `SELECT ${grantColumns} FROM workspace_model_grants g JOIN models m ON m.id = g.model_id WHERE g.workspace_id = ? ORDER BY m.name_key`,
  );
  const allGrants = db.prepare(`SELECT ${grantColumns} FROM workspace_model_grants g JOIN models m ON m.id = g.model_id ORDER BY g.workspace_id, m.name_key`);
  const insertGrant = db.prepare(
    `INSERT INTO workspace_model_grants (workspace_id, model_id, rpm_limit, tpm_limit, created_at, updated_at)
     VALUES (@workspaceId, @modelId, @rpmLimit, @tpmLimit, @at, @at)`,
  );
  const updateGrant = db.prepare(
    `UPDATE workspace_model_grants SET rpm_limit = @rpmLimit, tpm_limit = @tpmLimit, updated_at = @at WHERE workspace_id = @workspaceId AND model_id = @modelId`,
  );
  const deleteGrant = db.prepare('DELETE FROM workspace_model_grants WHERE workspace_id = ? AND model_id = ?');
  const permissionVersion = db.prepare('SELECT version FROM workspace_model_permissions WHERE workspace_id = ?').pluck();
  const bumpVersion = db.prepare(
    `INSERT INTO workspace_model_permissions (workspace_id, version, updated_at) VALUES (?, 1, ?)
     ON CONFLICT (workspace_id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at`,
  );

  const quotas = db.prepare(
    `SELECT q.model_id AS modelId, m.display_name AS displayName, q.tpm_quota AS tpmQuota,
            COALESCE((SELECT SUM(g.tpm_limit) FROM workspace_model_grants g WHERE g.model_id = q.model_id), 0) AS grantedTpm
       FROM model_quotas q JOIN models m ON m.id = q.model_id ORDER BY m.name_key`,
  );
  const upsertQuota = db.prepare(
    `INSERT INTO model_quotas (model_id, tpm_quota, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (model_id) DO UPDATE SET tpm_quota = excluded.tpm_quota, updated_at = excluded.updated_at`,
  );
  const deleteQuota = db.prepare('DELETE FROM model_quotas WHERE model_id = ?');

  return {
    list(query: ModelListQuery): { items: Model[]; total: number } {
      const where = whereFor(query);
      const dir = query.sort.direction === 'desc' ? 'DESC' : 'ASC';
      const rows = cached(`rows:${shapeKey(query)}:${query.sort.field}:${dir}`, () =>
        `SELECT ${MODEL_COLUMNS} FROM models ${where} ORDER BY ${SORT_SQL[query.sort.field](dir)}, id LIMIT @limit OFFSET @offset`,
      );
      const total = cached(`count:${shapeKey(query)}`, () => `SELECT COUNT(*) FROM models ${where}`).pluck();
      const params = bind(query);
      return {
        items: (rows.all({ ...params, limit: query.page.size, offset: query.page.index * query.page.size }) as RawModel[]).map(toModel),
        total: total.get(params) as number,
      };
    },
    /** Every matching ID in display order: "Select All Results" selects these, not just one page. */
    matchIds(filter: ModelFilter): string[] {
      const statement = cached(`ids:${shapeKey(filter)}`, () => `SELECT id FROM models ${whereFor(filter)} ORDER BY name_key, id`).pluck();
      return statement.all(bind(filter)) as string[];
    },
    facets(search: string) {
      return {
        vendors: vendorFacets.all({ search }) as Array<{ vendor: string; count: number }>,
        types: typeFacets.all({ search }) as Array<{ type: ModelType; count: number }>,
      };
    },
    getMany(ids: string[]): Map<string, Model> {
      return new Map((byIds.all(JSON.stringify(ids)) as RawModel[]).map((raw) => [raw.id, toModel(raw)]));
    },
    /** Every model's name, vendor and token prices (usage labels, sample pricing). */
    labelsAndPrices: () =>
      labelsAndPrices.all() as Array<{
        id: string;
        displayName: string;
        vendor: string;
        inputPricePerMTokUsd: number | null;
        outputPricePerMTokUsd: number | null;
      }>,
    catalogVersion: () => (catalogVersionCache ??= (catalogVersion.get() as string | null) ?? ''),
    invalidateCatalogVersion: () => {
      catalogVersionCache = null;
    },

    grantsOf: (workspaceId: string) => (grantsOf.all(workspaceId) as RawGrant[]).map(toGrant),
    allGrants: () => (allGrants.all() as RawGrant[]).map(toGrant),
    insertGrant: (row: { workspaceId: string; modelId: string; rpmLimit: number | null; tpmLimit: number | null; at: string }) => void insertGrant.run(row),
    updateGrant: (row: { workspaceId: string; modelId: string; rpmLimit: number | null; tpmLimit: number | null; at: string }) => void updateGrant.run(row),
    deleteGrant: (workspaceId: string, modelId: string) => void deleteGrant.run(workspaceId, modelId),
    /** 0 until the section is first saved. */
    permissionVersion: (workspaceId: string) => (permissionVersion.get(workspaceId) as number | undefined) ?? 0,
    bumpPermissionVersion: (workspaceId: string, at: string) => void bumpVersion.run(workspaceId, at),

    quotas: () => quotas.all() as Array<{ modelId: string; displayName: string; tpmQuota: number; grantedTpm: number }>,
    setQuota: (modelId: string, tpmQuota: number, at: string) => void upsertQuota.run(modelId, tpmQuota, at),
    deleteQuota: (modelId: string) => deleteQuota.run(modelId).changes === 1,
  };
}
export type ModelRepository = ReturnType<typeof createModelRepository>;
