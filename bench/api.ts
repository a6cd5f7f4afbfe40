/**
 * Workbench API benchmark: p50/p99 latency of GET /api/clusters and of a 7-day series with 1,000
 * clusters in the store, and the time of a backtest over 14 days × 500 clusters (POST
 * /api/backtest: the candidate rule and the rules in force, each judged by the live detector's
 * code, in worker threads side by side while the counts are read). The store is embedded PGlite,
 * filled with counts generated in SQL (leaves with steady, noisy shares, parents as the sums of
 * their leaves, a few surges carried by many accounts).
 */
import { loadavg } from 'node:os';
import fastify from 'fastify';
import pino from 'pino';
import { AccessLog } from '../src/api/auth/access-log.ts';
import { errorResponseSchema } from '../src/api/auth/errors.ts';
import type { WorkbenchDeps } from '../src/api/deps.ts';
import { backtestRoutes } from '../src/api/routes/backtest.ts';
import { clustersRoutes } from '../src/api/routes/clusters.ts';
import { seriesRoutes } from '../src/api/routes/series.ts';
import type { Catalog, CatalogCluster } from '../src/catalog/catalog.ts';
import { loadConfig } from '../src/config/load.ts';
import { DEFAULT_RULES_DIR, loadRules, ruleLimitsOf } from '../src/rules/rules.ts';
import { Janitor } from '../src/store/janitor.ts';
import { migrate } from '../src/store/migrate.ts';
import { MEMORY_STORE, openPglite } from '../src/store/pglite-client.ts';
import type { SqlClient } from '../src/store/sql.ts';

const DAY_MS = 24 * 3600_000;
/** Smaller stores for a quick run: BENCH_API_CLUSTERS (reads) and BENCH_API_BACKTEST_CLUSTERS. */
const READ_CLUSTERS = Number(process.env.BENCH_API_CLUSTERS ?? 1000);
const BACKTEST_CLUSTERS = Number(process.env.BENCH_API_BACKTEST_CLUSTERS ?? 500);
const BUCKET_MS = 300_000;
/** Where the generated history ends (a Monday, 00:00 UTC). */
export const BENCH_END_MS = Date.parse('2026-11-30T00:00:00Z');

/** A catalog of `leaves` named leaves under leaves/10 parents, every tenth leaf tagged with a policy area. */
export function benchCatalog(leaves: number): Catalog {
  const clusters: CatalogCluster[] = [];
  const parents = Math.max(1, Math.ceil(leaves / 10));
  const base = { centroid: [1, 0, 0, 0], unique_accounts: 500, provisional: false, named: true, similarity_threshold: 0.8 };
  for (let p = 0; p < parents; p++) {
    clusters.push({ ...base, id: `p-${p}`, name: `Topic group ${p}`, description: `Requests of topic group ${p}.`, parent: null, level: 1, size: 10_000, policy_areas: [] });
  }
  for (let i = 0; i < leaves; i++) {
    clusters.push({
      ...base, id: `c-${i}`, name: `Topic ${i}`, description: `Requests about topic ${i}.`, parent: `p-${i % parents}`, level: 0, size: 1000,
      policy_areas: i % 10 === 0 ? ['fraud'] : [],
    });
  }
  return {
    version: 1, created_at: '2026-11-01T00:00:00Z', embedding: { model_id: 'bench/4d', dimension: 4 }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 5 }, clusters,
  };
}

/**
 * Fills the store with `days` of 5-minute counts ending at BENCH_END_MS for a benchCatalog(leaves):
 * every leaf 1-12 conversations per bucket around its own rate, parents and traffic as sums, the
 * event clock at the end, and a 6-hour ×4 surge in a few leaves on the last days with its accounts
 * in cluster_accounts (distinct accounts are what the privacy gate and the alerts read).
 */
export async function seedCounts(db: SqlClient, leaves: number, days: number): Promise<void> {
  const from = new Date(BENCH_END_MS - days * DAY_MS).toISOString();
  const to = new Date(BENCH_END_MS - BUCKET_MS).toISOString();
  const parents = Math.max(1, Math.ceil(leaves / 10));
  await db.query('SELECT setseed(0.42)');
  await db.query(
    `INSERT INTO cluster_counts (cluster_id, product, bucket_start, conversations, unique_accounts)
     SELECT 'c-' || i, '', b, n, greatest(1, n - 1)
     FROM generate_series(0, $1::int - 1) AS i, generate_series($2::timestamptz, $3::timestamptz, interval '5 minutes') AS b,
          LATERAL (SELECT (1 + (i % 6) + floor(random() * (2 + i % 6)))::bigint
                          * CASE WHEN i % 97 = 3 AND b >= $3::timestamptz - interval '2 days' AND b < $3::timestamptz - interval '42 hours' THEN 4 ELSE 1 END AS n) AS x`,
    [leaves, from, to],
  );
  await db.query(
    `INSERT INTO cluster_counts (cluster_id, product, bucket_start, conversations, unique_accounts)
     SELECT 'p-' || (substr(cluster_id, 3)::int % $1::int), '', bucket_start, sum(conversations), sum(unique_accounts)
     FROM cluster_counts WHERE cluster_id LIKE 'c-%' GROUP BY 1, 3`,
    [parents],
  );
  await db.query(
    `INSERT INTO cluster_counts (cluster_id, product, bucket_start, conversations, unique_accounts)
     SELECT 'area:fraud', '', bucket_start, sum(conversations), sum(unique_accounts)
     FROM cluster_counts WHERE cluster_id LIKE 'c-%' AND substr(cluster_id, 3)::int % 10 = 0 GROUP BY bucket_start`,
  );
  await db.query(
    `INSERT INTO traffic_counts (product, bucket_start, conversations)
     SELECT '', bucket_start, sum(conversations) FROM cluster_counts WHERE cluster_id LIKE 'c-%' GROUP BY bucket_start`,
  );
  // The accounts behind the last three hours (the current window and sparklines) and behind the
  // surges (what the privacy gate reads when they fire): one hash per account a bucket counted.
  await db.query(
    `INSERT INTO cluster_accounts (cluster_id, product, bucket_start, account_hash)
     SELECT cluster_id, '', bucket_start, 'acct-' || cluster_id || '-' || k
     FROM cluster_counts, generate_series(1, unique_accounts::int) AS k
     WHERE product = '' AND (bucket_start >= $1::timestamptz - interval '3 hours'
       OR (bucket_start >= $1::timestamptz - interval '2 days 1 hour' AND bucket_start < $1::timestamptz - interval '41 hours'))`,
    [to],
  );
  await db.query('INSERT INTO event_clock (id, max_event_time) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET max_event_time = excluded.max_event_time', [
    new Date(BENCH_END_MS).toISOString(),
  ]);
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function openBenchApp(leaves: number, days: number, figures: Record<string, string>) {
  const db = await openPglite(MEMORY_STORE);
  await migrate(db);
  const t0 = performance.now();
  await seedCounts(db, leaves, days);
  process.stderr.write(`seeded ${leaves} leaves × ${days} days in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  const config = loadConfig({ overrides: { privacy: { accountHashSecret: 'bench-api-secret-0123456789' } } });
  // A running deployment's janitor has packed its closed days for backtests by now (one pass here, unbounded).
  const t1 = performance.now();
  const { packedDays } = await new Janitor(db, config.retention, { budgetMs: Infinity }).pass(BENCH_END_MS);
  figures[`janitor: ${packedDays} closed days of ${leaves} clusters packed for backtests (done once, in the background)`] = `${((performance.now() - t1) / 1000).toFixed(1)} s`;
  const rules = await loadRules(DEFAULT_RULES_DIR, ruleLimitsOf(config));
  const catalog = benchCatalog(leaves);
  const logger = pino({ level: 'silent' });
  const deps: WorkbenchDeps = { db, config, logger, catalog: () => catalog, rules: () => rules, access: new AccessLog(db) };
  const app = fastify();
  app.addSchema(errorResponseSchema);
  // The bench measures the routes, not authentication: a fixed principal stands in for the auth hook.
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    (request as unknown as { principal: unknown }).principal = { name: 'bench', role: 'analyst' };
  });
  await app.register(async (scope) => {
    await clustersRoutes(scope, deps);
    await seriesRoutes(scope, deps);
    await backtestRoutes(scope, deps);
  });
  await app.ready();
  return { app, db };
}

async function latencies(run: () => Promise<void>, n: number): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 5; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

export async function benchApi(): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  {
    const { app, db } = await openBenchApp(READ_CLUSTERS, 8, {});
    try {
      const get = (url: string) => async () => {
        const res = await app.inject({ method: 'GET', url });
        if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      };
      // The first read after start computes the trailing baselines (a week of counts); later ones move them by a bucket.
      const t0 = performance.now();
      await get('/api/clusters')();
      figures[`GET /api/clusters, ${READ_CLUSTERS} clusters: first read after start`] = ms(performance.now() - t0);
      const clusters = await latencies(get('/api/clusters'), 200);
      figures[`GET /api/clusters, ${READ_CLUSTERS} clusters: p50 / p99`] = `${ms(clusters.p50)} / ${ms(clusters.p99)}`;
      const from = new Date(BENCH_END_MS - 7 * DAY_MS).toISOString();
      const to = new Date(BENCH_END_MS).toISOString();
      let k = 0;
      // A different cluster each time: nothing is served from a per-cluster cache.
      const series = await latencies(async () => get(`/api/clusters/c-${k++ % READ_CLUSTERS}/series?from=${from}&to=${to}`)(), 200);
      figures['GET series, 7 days of 5-min buckets: p50 / p99'] = `${ms(series.p50)} / ${ms(series.p99)}`;
    } finally {
      await app.close();
      await db.close();
    }
  }
  {
    const { app, db } = await openBenchApp(BACKTEST_CLUSTERS, 14, figures);
    try {
      const candidate = { name: 'topic-spike-candidate', kind: 'spike', description: 'A stricter topic rule.', match: { levels: ['leaf', 'parent'] }, min_ratio: 4, significance: 0.001 };
      const body = { rules: [candidate], from: new Date(BENCH_END_MS - 14 * DAY_MS).toISOString(), to: new Date(BENCH_END_MS).toISOString() };
      const times: number[] = [];
      // CPU time of the whole process (every thread): what the backtest costs whatever else runs on the machine.
      const cpu: number[] = [];
      let found = '';
      // As the dashboard does when its rule editor opens (with the period chosen): the workers load and
      // the period's counts are read meanwhile; an analyst takes a few seconds to edit.
      const prepared = await app.inject({ method: 'POST', url: '/api/backtest/prepare', payload: { from: body.from, to: body.to } });
      if (prepared.statusCode !== 202) throw new Error(`prepare: ${prepared.statusCode} ${prepared.body.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 3000));
      // The first, then three more: later ones reuse the workers and the counts already read.
      for (let i = 0; i < 4; i++) {
        const t0 = performance.now();
        const c0 = process.cpuUsage();
        const res = await app.inject({ method: 'POST', url: '/api/backtest', payload: body });
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        if (res.statusCode !== 200) throw new Error(`backtest: ${res.statusCode} ${res.body.slice(0, 300)}`);
        const out = res.json() as { candidate: unknown[]; current: unknown[] };
        found = `${out.candidate.length} candidate / ${out.current.length} current episodes`;
      }
      // The first backtest judges in workers loaded but not yet warmed up, and reads the counts (kept
      // for later ones, which read only what may have changed).
      const s = (x: number) => `${(x / 1000).toFixed(2)} s`;
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      figures[`POST /api/backtest, 14 days × ${BACKTEST_CLUSTERS} clusters: first (3 s after the editor's prepare) / median of the 3 later`] = `${s(times[0]!)} / ${s(median(times.slice(1)))} (${found})`;
      figures['  the same, CPU time of all threads: first / median of the 3 later'] = `${s(cpu[0]!)} / ${s(median(cpu.slice(1)))} (load average ${loadavg()[0]!.toFixed(1)})`;
    } finally {
      await app.close();
      await db.close();
    }
  }
  return figures;
}
