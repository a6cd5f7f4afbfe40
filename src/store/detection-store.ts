import type { Catalog } from '../catalog/catalog.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';
import { decodeEmbedding, languageMixOf, readClock, type LanguageShare, type RecentConversation } from './ingest-store.ts';
import { checkFence, type Fence } from './leadership.ts';

/**
 * What detection reads and writes besides the ingest counts: count series over a time range,
 * distinct accounts over a window, the recent window of emergence detection, its own state documents and catalog versions.
 */
export class DetectionStore {
  /**
   * With a fence, every transaction first checks that this process still holds the lead it was
   * opened under (leadership.ts): a deposed leader's detector state and outbox rows are refused.
   */
  constructor(private readonly db: SqlClient, private readonly fence?: Fence) {}

  /** The same store, its writes fenced by `fence` (a detector opened under one lead). */
  fenced(fence: Fence | undefined): DetectionStore {
    return new DetectionStore(this.db, fence);
  }

  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await checkFence(tx, this.fence);
      return work(tx);
    });
  }

  /** The highest event time applied (the event clock), or null before the first conversation. */
  async maxEventTime(): Promise<number | null> {
    return readClock(this.db);
  }

  /** The first bucket with any traffic of the segment: history before it is unknown, not zero. */
  async firstBucket(product: string): Promise<number | null> {
    const rows = await this.db.query<{ first: Date | null }>('SELECT min(bucket_start) AS first FROM traffic_counts WHERE product = $1', [product]);
    return rows[0]?.first ? new Date(rows[0].first).getTime() : null;
  }

  /** Every cluster's conversations per bucket in [fromMs, toMs) for one product segment, plus the segment's traffic (cluster id null). */
  async countsBetween(product: string, fromMs: number, toMs: number): Promise<Array<{ clusterId: string | null; bucketStartMs: number; conversations: number }>> {
    const rows = await this.db.query<{ cluster_id: string | null; bucket_start: Date; conversations: string | number }>(
      `SELECT cluster_id, bucket_start, conversations FROM cluster_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3
       UNION ALL
       SELECT NULL, bucket_start, conversations FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3`,
      [product, iso(fromMs), iso(toMs)],
    );
    return rows.map((r) => ({ clusterId: r.cluster_id, bucketStartMs: new Date(r.bucket_start).getTime(), conversations: Number(r.conversations) }));
  }

  async trafficSeries(product: string, fromMs: number, toMs: number): Promise<Map<number, number>> {
    const rows = await this.db.query<{ bucket_start: Date; conversations: string | number }>(
      'SELECT bucket_start, conversations FROM traffic_counts WHERE product = $1 AND bucket_start >= $2 AND bucket_start < $3',
      [product, iso(fromMs), iso(toMs)],
    );
    return new Map(rows.map((r) => [new Date(r.bucket_start).getTime(), Number(r.conversations)]));
  }

  /** Exact distinct accounts of a cluster over a window (per-bucket counts cannot be summed: the same account recurs). */
  async distinctAccounts(clusterId: string, product: string, fromMs: number, toMs: number): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>(
      `SELECT count(DISTINCT account_hash) AS n FROM cluster_accounts
       WHERE cluster_id = $1 AND product = $2 AND bucket_start >= $3 AND bucket_start < $4`,
      [clusterId, product, iso(fromMs), iso(toMs)],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A series' language mix over a window, languages under the privacy minimums left unnamed (ingest-store.ts). */
  languageMix(seriesId: string, fromMs: number, toMs: number, minimums: { minConversations: number; minAccounts: number }): Promise<LanguageShare[]> {
    return languageMixOf(this.db, seriesId, fromMs, toMs, minimums);
  }

  /** The recent window from fromMs on (rebuilds emergence detection after a restart). */
  async recentSince(fromMs: number): Promise<Array<RecentConversation & { seq: number }>> {
    return this.recentRows('event_time >= $1 ORDER BY seq', [iso(fromMs)]);
  }

  /** Recent conversations stored (by any instance) after arrival number `seq`, in arrival order. */
  async recentAfter(seq: number): Promise<Array<RecentConversation & { seq: number }>> {
    return this.recentRows('seq > $1 ORDER BY seq', [seq]);
  }

  /** The last arrival number of the recent window (0 when empty). */
  async lastRecentSeq(): Promise<number> {
    const rows = await this.db.query<{ seq: string | number | null }>('SELECT max(seq) AS seq FROM recent_conversations');
    return Number(rows[0]?.seq ?? 0);
  }

  private async recentRows(where: string, params: unknown[]): Promise<Array<RecentConversation & { seq: number }>> {
    const rows = await this.db.query<{ seq: string | number; id_hash: string; account_hash: string; event_time: Date; nearest_cluster: string; embedding: Uint8Array; summary_words: string }>(
      `SELECT seq, id_hash, account_hash, event_time, nearest_cluster, embedding, summary_words FROM recent_conversations WHERE ${where}`,
      params,
    );
    return rows.map((r) => ({
      seq: Number(r.seq),
      idHash: r.id_hash,
      accountHash: r.account_hash,
      eventTimeMs: new Date(r.event_time).getTime(),
      record: { nearestClusterId: r.nearest_cluster, embedding: decodeEmbedding(r.embedding), summaryWords: r.summary_words },
    }));
  }

  /**
   * Bounds the recent window: forgets conversations before `beforeMs` (out of the horizon) and, in
   * each event-time slice of `sliceMs` that ended by `closedBeforeMs`, keeps only the `perSliceCap`
   * lowest id hashes — the same sample the detector scores (selectWindow), so a restart reads it back.
   */
  async pruneRecent(opts: { beforeMs: number; sliceMs: number; perSliceCap: number; closedBeforeMs: number }): Promise<void> {
    const closed = Math.floor(opts.closedBeforeMs / opts.sliceMs) * opts.sliceMs;
    await this.transaction(async (tx) => {
      await tx.query('DELETE FROM recent_conversations WHERE event_time < $1', [iso(opts.beforeMs)]);
      await tx.query(
        `DELETE FROM recent_conversations WHERE id_hash IN (
           SELECT id_hash FROM (
             SELECT id_hash, row_number() OVER (
               PARTITION BY floor(extract(epoch FROM event_time) * 1000 / $1::numeric) ORDER BY id_hash COLLATE "C") AS rank
             FROM recent_conversations WHERE event_time < $2) ranked
           WHERE rank > $3)`,
        [opts.sliceMs, iso(closed), opts.perSliceCap],
      );
    });
  }

  async loadState<T>(name: string): Promise<T | null> {
    const rows = await this.db.query<{ state: T }>('SELECT state FROM detector_state WHERE name = $1', [name]);
    return rows.length ? parseJson<T>(rows[0]!.state) : null;
  }

  static async saveState(tx: SqlExecutor, name: string, state: unknown): Promise<void> {
    await tx.query(
      `INSERT INTO detector_state (name, state, updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      [name, JSON.stringify(state)],
    );
  }

  async latestCatalogVersion(): Promise<number> {
    const rows = await this.db.query<{ version: number | null }>('SELECT max(version) AS version FROM catalog_versions');
    return Number(rows[0]?.version ?? 0);
  }

  async latestCatalog(): Promise<Catalog | null> {
    const rows = await this.db.query<{ catalog: Catalog }>('SELECT catalog FROM catalog_versions ORDER BY version DESC LIMIT 1');
    return rows.length ? parseJson<Catalog>(rows[0]!.catalog) : null;
  }

  static async saveCatalog(tx: SqlExecutor, catalog: Catalog): Promise<void> {
    await tx.query('INSERT INTO catalog_versions (version, catalog) VALUES ($1, $2::jsonb) ON CONFLICT (version) DO NOTHING', [catalog.version, JSON.stringify(catalog)]);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** node-postgres parses jsonb; PGlite may hand back a string. */
function parseJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
