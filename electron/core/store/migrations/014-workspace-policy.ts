import type { Migration } from './index';

/**
 * Workspace runtime policy (issue #14): model routes and guardrails.
 *
 * - `workspace_routing`: one row per workspace that ever saved routes; its version guards the
 *   Routes section (optimistic concurrency) like `workspace_model_permissions`.
 * - `workspace_routes`: alias → strategy, ordered targets (JSON array of {target, weight}), retries,
 *   timeout, failover error classes (JSON array), expected RPM. The rules (granted targets, loops,
 *   capacity) live in shared/domain/routing-rules; the CHECKs are a backstop for shape.
 * - `guardrail_defaults`: the one org-level policy (JSON, shape checked by the service).
 * - `workspace_guardrails`: a workspace's own policy, or `inherits = 1` (use the org defaults).
 *
 * Everything belongs to its workspace (ON DELETE CASCADE). No backfill: no row = no routes / the
 * defaults.
 */
export const migration014WorkspacePolicy: Migration = {
  version: 14,
  name: '014-workspace-policy',
  up(db) {
    db.exec(`
      CREATE TABLE workspace_routing (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE workspace_routes (
        workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
        alias TEXT NOT NULL CHECK (length(alias) BETWEEN 1 AND 64),
        strategy TEXT NOT NULL CHECK (strategy IN ('priority', 'weighted', 'lowest-latency', 'least-busy')),
        targets_json TEXT NOT NULL CHECK (json_valid(targets_json) AND json_type(targets_json) = 'array'
                                          AND json_array_length(targets_json) BETWEEN 1 AND 20),
        retries INTEGER NOT NULL CHECK (retries BETWEEN 0 AND 10),
        timeout_ms INTEGER NOT NULL CHECK (timeout_ms BETWEEN 1000 AND 600000),
        failover_on_json TEXT NOT NULL CHECK (json_valid(failover_on_json) AND json_type(failover_on_json) = 'array'),
        expected_rpm INTEGER CHECK (expected_rpm IS NULL OR expected_rpm >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (workspace_id, alias)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE guardrail_defaults (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        policy_json TEXT NOT NULL CHECK (json_valid(policy_json) AND json_type(policy_json) = 'object'),
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL
      ) STRICT;

      CREATE TABLE workspace_guardrails (
        workspace_id TEXT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
        inherits INTEGER NOT NULL CHECK (inherits IN (0, 1)),
        policy_json TEXT CHECK (policy_json IS NULL OR (json_valid(policy_json) AND json_type(policy_json) = 'object')),
        version INTEGER NOT NULL CHECK (version >= 1),
        updated_at TEXT NOT NULL,
        CHECK (inherits = 1 OR policy_json IS NOT NULL)
      ) STRICT;
    `);
  },
};
