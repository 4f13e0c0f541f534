import fs from 'node:fs';
import { USAGE_CSV_COLUMNS } from '../../../shared/domain/usage-rules';
import type { Db } from '../store/database';

export interface UsageCsvFixture {
  /** Data rows written (header excluded). */
  rows: number;
  /** Distinct record IDs among them (a repeated ID is a duplicate within the file). */
  distinctIds: number;
  bytes: number;
}

export interface UsageCsvFixtureOptions {
  rows: number;
  /** IDs are `${idPrefix}-${n}`. */
  idPrefix: string;
  /** Every `repeatEvery`-th row repeats the previous row's ID (with other numbers); 0 = never. */
  repeatEvery?: number;
  /** Stop adding rows once the file reaches this many bytes (rows is then an upper bound). */
  maxBytes?: number;
}

const WORKSPACES = ['ws-alpha', 'ws-beta', 'ws-gamma', 'ws-delta', 'ws-epsilon'];
const KEYS = ['', 'key-a', 'key-b'];
const MODELS = ['gpt-4o', 'claude-sonnet-4', 'gemini-2.5-pro', 'mistral-large'];
const FIRST_DAY_MS = Date.parse('2026-01-01T00:00:00Z');

/**
 * Writes a valid, deterministic usage CSV to `file` in blocks (flat memory, any size): spread over
 * 60 days, 5 workspaces, 3 keys (one empty), 4 models, 2 currencies.
 */
export function writeUsageCsv(file: string, options: UsageCsvFixtureOptions): UsageCsvFixture {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let rows = 0;
  let distinctIds = 0;
  try {
    let block = `${USAGE_CSV_COLUMNS.join(',')}\n`;
    for (let n = 1; n <= options.rows; n++) {
      const repeat = options.repeatEvery ? n > 1 && n % options.repeatEvery === 0 : false;
      const idNumber = repeat ? n - 1 : n;
      if (!repeat) distinctIds += 1;
      const at = new Date(FIRST_DAY_MS + ((n * 7_919_113) % (60 * 86_400_000))).toISOString();
      const input = 100 + (n % 5000);
      const cells = [
        `${options.idPrefix}-${idNumber}`,
        at,
        WORKSPACES[n % WORKSPACES.length],
        KEYS[n % KEYS.length],
        MODELS[(n >> 2) % MODELS.length],
        1 + (n % 7),
        input,
        50 + (n % 3000),
        n % 97,
        1000 + ((n * 37) % 100_000),
        n % 11 === 0 ? 'EUR' : 'USD',
      ];
      block += `${cells.join(',')}\n`;
      rows += 1;
      if (block.length >= 1 << 20 || n === options.rows) {
        bytes += fs.writeSync(fd, block);
        block = '';
        if (options.maxBytes !== undefined && bytes >= options.maxBytes) break;
      }
    }
    if (block) bytes += fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
  return { rows, distinctIds, bytes };
}

/** `usage_daily` as stored, and as a raw GROUP BY over `usage_records` says it must be. */
export function dailyRollups(db: Db): { stored: unknown[]; raw: unknown[] } {
  const columns = 'day, workspace_id, key_id, model_id, currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros';
  const stored = db.prepare(`SELECT ${columns} FROM usage_daily ORDER BY 1, 2, 3, 4, 5`).all();
  const raw = db
    .prepare(
      `SELECT substr(at, 1, 10) AS day, workspace_id, COALESCE(key_id, '') AS key_id, model_id, currency, COUNT(*) AS record_count,
              SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
              SUM(cached_tokens) AS cached_tokens, SUM(cost_micros) AS cost_micros
         FROM usage_records GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`,
    )
    .all();
  return { stored, raw };
}
