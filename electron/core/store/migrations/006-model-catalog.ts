// A frozen copy of catalog/model-catalog.json as it was when this migration shipped: later catalog
// syncs update the live file, and a shipped migration must seed the same rows forever.
import catalog from './006-model-catalog.snapshot.json';
import type { Migration } from './index';

/** The snapshot date in catalog/SOURCES.md; a later sync replaces rows and records its own version. */
export const BUNDLED_CATALOG_VERSION = '2026-11-23';

interface CatalogEntry {
  id: string;
  displayName: string;
  vendor: string;
  type: string;
  tokenMetered: boolean;
  contextWindow: number | null;
  inputPricePerMTokUsd: number | null;
  outputPricePerMTokUsd: number | null;
  unitPriceUsd: number | null;
  priceUnit: string | null;
}

/** Model catalog (seeded from the frozen 006 snapshot of catalog/model-catalog.json), workspace model grants, account quotas. */
export const migration006ModelCatalog: Migration = {
  version: 6,
  name: '006-model-catalog',
  up(db) {
    db.exec(`
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        -- lowercased NFKC "display name + id": the search key (frozen here; migrations never change)
        name_key TEXT NOT NULL,
        vendor TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('text', 'vision', 'image-generation', 'video-generation', 'embedding', 'speech-audio', 'rerank')),
        token_metered INTEGER NOT NULL CHECK (token_metered IN (0, 1)),
        context_window INTEGER CHECK (context_window IS NULL OR context_window > 0),
        input_price_per_mtok_usd REAL,
        output_price_per_mtok_usd REAL,
        unit_price_usd REAL,
        price_unit TEXT CHECK (price_unit IS NULL OR price_unit IN ('image', 'second', 'minute', '1k-characters')),
        -- 'bundled' (this migration) or 'sync' (a later catalog update from the gateway)
        source TEXT NOT NULL CHECK (source IN ('bundled', 'sync')),
        catalog_version TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      -- (name_key, id) is the display order: paging and "select all results" read it straight off the index.
      CREATE INDEX models_name_key ON models (name_key, id);
      CREATE INDEX models_vendor ON models (vendor, name_key, id);
      CREATE INDEX models_type ON models (type, name_key, id);

      -- Which models a sub-workspace may call, with per-model limits (NULL = gateway default).
      -- A catalog model cannot be removed while granted (no cascade): sync must revoke first.
      CREATE TABLE workspace_model_grants (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        model_id TEXT NOT NULL REFERENCES models (id),
        rpm_limit INTEGER CHECK (rpm_limit IS NULL OR rpm_limit BETWEEN 1 AND 1000000),
        tpm_limit INTEGER CHECK (tpm_limit IS NULL OR tpm_limit BETWEEN 1 AND 1000000000),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, model_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX workspace_model_grants_model ON workspace_model_grants (model_id);

      -- The grant list of a workspace is edited as one section; its version guards concurrent saves.
      CREATE TABLE workspace_model_permissions (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        version INTEGER NOT NULL CHECK (version > 0),
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Account-level tokens/min quota per model (the sum of workspace TPMs should stay under it).
      CREATE TABLE model_quotas (
        model_id TEXT PRIMARY KEY REFERENCES models (id) ON DELETE CASCADE,
        tpm_quota INTEGER NOT NULL CHECK (tpm_quota BETWEEN 1 AND 1000000000),
        updated_at TEXT NOT NULL
      ) STRICT;

      -- Last line of defence behind the service rule: no TPM limit on a model that is not billed by tokens.
      CREATE TRIGGER workspace_model_grants_tpm_insert BEFORE INSERT ON workspace_model_grants
        WHEN NEW.tpm_limit IS NOT NULL AND (SELECT token_metered FROM models WHERE id = NEW.model_id) = 0
        BEGIN SELECT RAISE(ABORT, 'tpm_limit on a model that is not token-metered'); END;
      CREATE TRIGGER workspace_model_grants_tpm_update BEFORE UPDATE OF tpm_limit ON workspace_model_grants
        WHEN NEW.tpm_limit IS NOT NULL AND (SELECT token_metered FROM models WHERE id = NEW.model_id) = 0
        BEGIN SELECT RAISE(ABORT, 'tpm_limit on a model that is not token-metered'); END;
    `);
    const insert = db.prepare(
      `INSERT INTO models (id, display_name, name_key, vendor, type, token_metered, context_window, input_price_per_mtok_usd,
                           output_price_per_mtok_usd, unit_price_usd, price_unit, source, catalog_version, updated_at)
       VALUES (@id, @displayName, @nameKey, @vendor, @type, @tokenMetered, @contextWindow, @inputPricePerMTokUsd,
               @outputPricePerMTokUsd, @unitPriceUsd, @priceUnit, 'bundled', @catalogVersion, @updatedAt)`,
    );
    const updatedAt = `${BUNDLED_CATALOG_VERSION}T00:00:00.000Z`;
    for (const entry of catalog as CatalogEntry[]) {
      insert.run({
        ...entry,
        nameKey: `${entry.displayName} ${entry.id}`.normalize('NFKC').toLowerCase(),
        tokenMetered: entry.tokenMetered ? 1 : 0,
        catalogVersion: BUNDLED_CATALOG_VERSION,
        updatedAt,
      });
    }
  },
};
