import type { Migration } from './index';

/**
 * Per-currency totals of every usage amount, so a write can be refused before any sum Gatehouse
 * reports could pass 2^53 − 1 (USAGE_TOTAL_MAX): every report row, report total and budget spend
 * is a sum over the records of one currency, so it is at most these. Kept by usage-repository in
 * the same transaction as the records and the rollup; they also count the staged rows of an
 * import being written (its reservation, released chunk by chunk as duplicates turn up), so a
 * concurrent write cannot take the room an import was promised.
 *
 * Seeded from the rollup plus any import interrupted while writing. TOTAL() (a float) cannot
 * overflow on a store filled before the per-record caps; such a total is over the limit anyway
 * and is kept as a large integer, so that currency takes no more usage until it is exact again.
 */
export const migration013UsageTotals: Migration = {
  version: 13,
  name: '013-usage-totals',
  up(db) {
    const capped = (column: string) => `CAST(MIN(TOTAL(${column}), 9.0e18) AS INTEGER)`;
    db.exec(`
      CREATE TABLE usage_totals (
        currency TEXT PRIMARY KEY,
        record_count INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cost_micros INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;

      INSERT INTO usage_totals (currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros)
      SELECT currency, ${capped('record_count')}, ${capped('requests')}, ${capped('input_tokens')}, ${capped('output_tokens')},
             ${capped('cached_tokens')}, ${capped('cost_micros')}
        FROM (
          SELECT currency, record_count, requests, input_tokens, output_tokens, cached_tokens, cost_micros FROM usage_daily
          UNION ALL
          SELECT r.currency, 1, r.requests, r.input_tokens, r.output_tokens, r.cached_tokens, r.cost_micros
            FROM usage_import_rows r JOIN usage_imports i ON i.id = r.import_id
           WHERE i.state = 'applying' AND r.seq > i.applied_seq
        )
       GROUP BY currency;
    `);
  },
};
