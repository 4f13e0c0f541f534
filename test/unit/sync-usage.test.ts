/**
 * T15 / I10: the usage pull. Traffic generated on the reference gateway (`simulateTraffic`, what
 * `--simulate-traffic` runs) is pulled by cursor; duplicated pages and re-pulls insert nothing
 * twice; late records (old occurred_at, new ingestion) are still pulled; sums equal the gateway's
 * ground truth; a failure mid-pull keeps the pages already committed with their cursor, and the
 * resumed pull ends with exact sums; `usage:report` shows what was pulled.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fault } from '../reference-gateway/faulty-proxy';
import { converge, openLaptop, startSyncEnv, type Laptop, type SyncEnv } from './sync-harness';

let env: SyncEnv;
const laptops: Laptop[] = [];
afterEach(async () => {
  for (const laptop of laptops.splice(0)) laptop.dispose();
  await env?.close();
});

interface Sums {
  records: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicros: number;
}
const SUMS = `COUNT(*) AS records, COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(input_tokens), 0) AS inputTokens,
  COALESCE(SUM(output_tokens), 0) AS outputTokens, COALESCE(SUM(cached_tokens), 0) AS cachedTokens, COALESCE(SUM(cost_micros), 0) AS costMicros`;
const gatewaySums = () => env.gateway.db.prepare(`SELECT ${SUMS} FROM usage_records`).get() as Sums;
const laptopSums = (l: Laptop) => l.core.db.prepare(`SELECT ${SUMS} FROM usage_records`).get() as Sums;
const rollupSums = (l: Laptop) =>
  l.core.db
    .prepare(
      `SELECT COALESCE(SUM(record_count), 0) AS records, COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(input_tokens), 0) AS inputTokens,
              COALESCE(SUM(output_tokens), 0) AS outputTokens, COALESCE(SUM(cached_tokens), 0) AS cachedTokens, COALESCE(SUM(cost_micros), 0) AS costMicros
         FROM usage_daily`,
    )
    .get() as Sums;
const usageCursor = (l: Laptop) => l.core.db.prepare("SELECT cursor FROM sync_cursors WHERE remote_id = ? AND stream = 'usage'").pluck().get(l.remote.id) as string | undefined;

/** A synced laptop with two workspaces whose keys may call models: the gateway has traffic to make. */
async function withTraffic() {
  env = await startSyncEnv();
  const a = await openLaptop(env);
  laptops.push(a);
  for (const name of ['Search', 'Support']) {
    const ws = await a.ok('workspaces:create', { name });
    await a.ok('modelGrants:save', { workspaceId: ws.id, grants: [{ modelId: 'gpt-4o', rpmLimit: null, tpmLimit: null }, { modelId: 'gpt-4o-mini', rpmLimit: null, tpmLimit: null }] });
    await a.ok('keys:create', { workspaceId: ws.id, name: 'backend' });
    await a.ok('keys:create', { workspaceId: ws.id, name: 'batch' });
  }
  await converge(a);
  return a;
}

const utcDay = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('usage pull (T15)', () => {
  it('pulls simulated traffic; a re-pull inserts nothing; late records are still pulled; sums equal the ground truth; the report shows them', async () => {
    const a = await withTraffic();
    expect(env.gateway.simulateTraffic(2_500, { seed: 7, lateFraction: 0.3 })).toBe(2_500);
    const first = await a.pullUsage();
    expect(first).toMatchObject({ records: 2_500, inserted: 2_500, duplicates: 0 });
    expect(first.pages).toBeGreaterThanOrEqual(3);
    expect(laptopSums(a)).toEqual(gatewaySums());
    expect(rollupSums(a)).toEqual(gatewaySums());

    // A re-pull from where it was: nothing new.
    expect(await a.pullUsage()).toMatchObject({ records: 0, inserted: 0 });
    // A re-pull of everything (the cursor forgotten): every record is a duplicate, nothing counted twice.
    a.core.db.prepare("DELETE FROM sync_cursors WHERE stream = 'usage'").run();
    expect(await a.pullUsage()).toMatchObject({ records: 2_500, inserted: 0, duplicates: 2_500 });
    expect(laptopSums(a)).toEqual(gatewaySums());
    expect(rollupSums(a)).toEqual(gatewaySums());

    // Late records: events from hours ago, ingested now, come after the cursor and are pulled.
    env.gateway.simulateTraffic(400, { seed: 8, lateFraction: 1 });
    const oldest = env.gateway.db.prepare('SELECT MIN(occurred_at) FROM usage_records WHERE ingest_seq > 2500').pluck().get() as string;
    const newestPulled = a.core.db.prepare('SELECT MAX(at) FROM usage_records').pluck().get() as string;
    expect(oldest < newestPulled).toBe(true);
    expect(await a.pullUsage()).toMatchObject({ records: 400, inserted: 400, duplicates: 0 });
    expect(laptopSums(a)).toEqual(gatewaySums());
    expect(rollupSums(a)).toEqual(gatewaySums());
    const ids = (db: Laptop['core']['db'] | SyncEnv['gateway']['db']) => db.prepare('SELECT id FROM usage_records ORDER BY id').pluck().all();
    expect(ids(a.core.db)).toEqual(ids(env.gateway.db));

    // The report shows the pulled rows (grouped by workspace), with the gateway's totals.
    const report = await a.ok('usage:report', { from: utcDay(-2), to: utcDay(1), groupBy: 'workspace', bucket: 'day' });
    const truth = gatewaySums();
    expect(report.totals).toEqual([{ ...truth, currency: 'USD' }]);
    const byWorkspace = env.gateway.db.prepare('SELECT workspace_id AS id, SUM(cost_micros) AS cost FROM usage_records GROUP BY workspace_id ORDER BY workspace_id').all() as { id: string; cost: number }[];
    const reported = new Map<string, number>();
    for (const row of report.rows) reported.set(row.groupId, (reported.get(row.groupId) ?? 0) + row.costMicros);
    expect([...reported].sort(([x], [y]) => (x < y ? -1 : 1)).map(([id, cost]) => ({ id, cost }))).toEqual(byWorkspace);
    // The pull is audited as the remote's.
    expect(a.core.db.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'usage.pull' AND actor = 'sync: gw'").pluck().get()).toBe(4);
    expect((await a.ok('remotes:list', {})).remotes[0]!.lastUsagePullAt).not.toBeNull();
  });

  it('a page delivered twice (a cursor that went back) inserts nothing twice', async () => {
    const a = await withTraffic();
    env.gateway.simulateTraffic(2_200, { seed: 9 });
    // The second page request is answered with the first page again: the client sees page 1 twice.
    const seen: string[] = [];
    env.proxy.addRule({
      method: 'GET',
      path: /^\/v1\/usage-records/,
      action: fault.beforeForward((req) => {
        seen.push(req.path);
        if (seen.length === 2) req.path = seen[0]!;
      }),
    });
    const pulled = await a.pullUsage();
    expect(pulled).toMatchObject({ inserted: 2_200, duplicates: 1_000 });
    expect(pulled.records).toBe(3_200);
    expect(laptopSums(a)).toEqual(gatewaySums());
    expect(rollupSums(a)).toEqual(gatewaySums());
  });

  it('duplicated delivery of the requests changes nothing', async () => {
    const a = await withTraffic();
    env.gateway.simulateTraffic(1_500, { seed: 10 });
    env.proxy.addRule({ method: 'GET', path: /^\/v1\/usage-records/, action: 'duplicateDelivery' });
    expect(await a.pullUsage()).toMatchObject({ records: 1_500, inserted: 1_500, duplicates: 0 });
    expect(laptopSums(a)).toEqual(gatewaySums());
  });

  it('a failure mid-pull keeps the committed pages with their cursor; the resumed pull ends with exact sums', async () => {
    const a = await withTraffic();
    env.gateway.simulateTraffic(3_400, { seed: 11, lateFraction: 0.5 });
    // The third page never gets an answer (every attempt fails): the job fails after two pages.
    // (Rules are tried in order: the faults first, then the recorder for every other request.)
    const pages: string[] = [];
    for (let nth = 3; nth <= 8; nth++) env.proxy.addRule({ method: 'GET', path: /^\/v1\/usage-records/, nth, action: fault.status(500, 'before') });
    env.proxy.addRule({ method: 'GET', path: /^\/v1\/usage-records/, action: fault.beforeForward((req) => void pages.push(req.path)) });
    const failed = await a.job('sync:pullUsage', { remoteId: a.remote.id });
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'E_REMOTE' } });
    expect(pages).toHaveLength(2);
    // Exactly the first two pages, their rollup and the cursor after page 2 are committed together.
    expect(laptopSums(a).records).toBe(2_000);
    expect(rollupSums(a)).toEqual(laptopSums(a));
    const cursor = usageCursor(a);
    expect(cursor).toBeDefined();
    const firstTwo = env.gateway.db.prepare('SELECT id FROM usage_records ORDER BY ingest_seq LIMIT 2000').pluck().all();
    expect(a.core.db.prepare('SELECT id FROM usage_records ORDER BY id').pluck().all()).toEqual([...firstTwo].sort());

    env.proxy.clearRules();
    const resumed = await a.pullUsage();
    expect(resumed).toMatchObject({ records: 1_400, inserted: 1_400, duplicates: 0 });
    expect(laptopSums(a)).toEqual(gatewaySums());
    expect(rollupSums(a)).toEqual(gatewaySums());
  });
});
