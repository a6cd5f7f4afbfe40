import type { DeadLetterReason } from '../ingest/validate.ts';
import { areaSeriesId } from '../classify/classifier.ts';
import { ALL_PRODUCTS, languageSegment } from '../ingest/segments.ts';
import type { SqlClient } from './sql.ts';

const DAY_MS = 86_400_000;

/** One valid conversation, reduced to what counting needs: keyed hashes, event time, cluster. */
export interface CountedConversation {
  idHash: string;
  accountHash: string;
  eventTimeMs: number;
  /** The leaf cluster. */
  clusterId: string;
  /** The leaf's ancestors (parent level): counted too, so that rules can watch parents. */
  ancestorIds?: readonly string[];
  /** The conversation's policy areas: each counted under its area series (`area:<id>`), so rules can watch an area as one series. */
  policyAreas?: readonly string[];
  /** metadata.product when it is a plain identifier: counted under its own segment as well as under ''. */
  product?: string | null;
  /** The conversation's language (ISO 639-1, src/facets/language.ts): counted under its own segment `lang:<code>` as well. */
  language?: string | null;
  /** Its request facet, for emerging-group detection (density contrast over recent traffic); absent without a catalog. */
  request?: RequestRecord;
  offset: bigint;
}

/** What emergence detection keeps of a recent conversation: its request-facet embedding and summary words, never raw text. */
export interface RequestRecord {
  nearestClusterId: string;
  embedding: readonly number[];
  summaryWords: string;
}

/** Everything one source chunk changes, applied atomically with the partition's resume offset. */
export interface ChunkUpdate {
  consumer: string;
  topic: string;
  partition: number;
  nextOffset: bigint;
  bucketMs: number;
  conversations: CountedConversation[];
  deadLetters: Array<{ reason: DeadLetterReason; offset: bigint }>;
  /** The partition still had unread records after this chunk (Kafka lag > 0): its clock holds the watermark back. */
  behind?: boolean;
}

/** A partition as assigned to this consumer: where the source resumes reading it, and where its records end. */
export interface AssignedPartition {
  partition: number;
  /** The offset the source reads next (committed offset, or where a group without one starts). */
  position: bigint;
  /** Last offset + 1 the broker holds. */
  highWatermark: bigint;
}

export interface ChunkOutcome {
  /** Conversations counted for the first time. */
  counted: number;
  /** Conversation ids seen before (redelivery, or the same id sent twice). */
  duplicates: number;
  /** Records at offsets this store had already applied (replay after a crash). */
  alreadyApplied: number;
  /** Counted conversations whose bucket had already closed when they arrived (still counted). */
  late: number;
  /** The highest event time applied so far, after this chunk (null while the store is empty). */
  maxEventTimeMs: number | null;
}

/** A stored recent conversation, as emergence detection reads it back. */
export interface RecentConversation {
  idHash: string;
  accountHash: string;
  eventTimeMs: number;
  record: RequestRecord;
}

export interface ClusterBucketCount {
  clusterId: string;
  bucketStartMs: number;
  conversations: number;
  uniqueAccounts: number;
}

/**
 * Ingest state in PostgreSQL: dedupe ids, counts, distinct accounts and resume offsets change
 * together in one transaction, so a crash at any point loses nothing and counts nothing twice.
 * Writes are batched through `unnest` (an order of magnitude faster than per-row statements).
 */
export class IngestStore {
  /** @param options.releasedPartitions counts the stale partition rows recordAssignment releases (clio_stale_partitions_released_total). */
  constructor(private readonly db: SqlClient, private readonly options: { releasedPartitions?: { inc(rows: number): void } } = {}) {}

  get description(): string {
    return this.db.description;
  }

  /** The offset a partition resumes from, or null when it was never applied here. */
  async resumeOffset(consumer: string, topic: string, partition: number): Promise<bigint | null> {
    const rows = await this.db.query<{ next_offset: string | number }>(
      'SELECT next_offset FROM source_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3',
      [consumer, topic, partition],
    );
    // -1 marks a partition recorded at assignment whose first chunk has not been applied yet.
    return rows.length && BigInt(rows[0]!.next_offset) >= 0n ? BigInt(rows[0]!.next_offset) : null;
  }

  /**
   * Records the partitions this consumer was just assigned: one with records past both its stored
   * offset and the position the source resumes from is behind (a partition never applied here gets
   * a row with no clock yet, which holds the event clock back until its first chunk); one caught up
   * is not (an idle partition must not stall the clock).
   *
   * `topicPartitions`: every partition of `topic`, the one topic this consumer group reads. Each is
   * assigned to some member of the group, which records it in turn; a row of this consumer for any
   * other topic or partition is read by no one any more (the group moved to another topic, the topic
   * was re-created smaller): it stops holding the clock (its offset stays, should the topic come
   * back). Returns the rows so released.
   */
  async recordAssignment(consumer: string, topic: string, partitions: readonly AssignedPartition[], topicPartitions?: readonly number[]): Promise<Array<{ topic: string; partition: number }>> {
    if (partitions.length === 0 && !topicPartitions) return [];
    const outcome = await this.db.transaction(async (tx) => {
      const released = topicPartitions
        ? await tx.query<{ topic: string; partition: number }>(
          `UPDATE source_offsets SET behind = false WHERE consumer = $1 AND behind AND NOT (topic = $2 AND partition = ANY($3::int[]))
           RETURNING topic, partition`,
          [consumer, topic, [...topicPartitions]],
        )
        : [];
      if (partitions.length === 0) return released.map((r) => ({ topic: r.topic, partition: Number(r.partition) }));
      const stored = await tx.query<{ partition: number; next_offset: string | number }>(
        'SELECT partition, next_offset FROM source_offsets WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[]) FOR UPDATE',
        [consumer, topic, partitions.map((p) => p.partition)],
      );
      const storedOf = new Map(stored.map((r) => [Number(r.partition), BigInt(r.next_offset)]));
      const behind = partitions.map((p) => {
        const from = storedOf.get(p.partition) ?? -1n;
        return p.highWatermark > (from > p.position ? from : p.position);
      });
      await tx.query(
        `INSERT INTO source_offsets (consumer, topic, partition, next_offset, max_event_time, behind)
         SELECT $1, $2, p, -1, NULL, b FROM unnest($3::int[], $4::boolean[]) AS t(p, b)
         ON CONFLICT (consumer, topic, partition) DO UPDATE SET behind = excluded.behind`,
        [consumer, topic, partitions.map((p) => p.partition), behind],
      );
      return released.map((r) => ({ topic: r.topic, partition: Number(r.partition) }));
    });
    // Counted once committed: a rolled-back assignment released nothing.
    if (outcome.length > 0) this.options.releasedPartitions?.inc(outcome.length);
    return outcome;
  }

  /** The subset of ids not counted yet: lets the pipeline skip expensive work on redeliveries. */
  async unseen(idHashes: string[]): Promise<Set<string>> {
    if (idHashes.length === 0) return new Set();
    const seen = await this.db.query<{ id_hash: string }>(
      'SELECT id_hash FROM seen_conversations WHERE id_hash = ANY($1::text[])',
      [idHashes],
    );
    const seenSet = new Set(seen.map((r) => r.id_hash));
    return new Set(idHashes.filter((h) => !seenSet.has(h)));
  }

  /**
   * @param closedBeforeMs buckets starting before this were closed by the watermark: a conversation
   *   in one of them is late (counted, and reported in the outcome).
   */
  async applyChunk(update: ChunkUpdate, closedBeforeMs = -Infinity): Promise<ChunkOutcome> {
    return this.db.transaction(async (tx) => {
      const stored = await tx.query<{ next_offset: string | number }>(
        'SELECT next_offset FROM source_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
        [update.consumer, update.topic, update.partition],
      );
      const from = stored.length ? BigInt(stored[0]!.next_offset) : -1n;
      const fresh = update.conversations.filter((c) => c.offset >= from);
      const letters = update.deadLetters.filter((d) => d.offset >= from);
      const alreadyApplied = update.conversations.length - fresh.length + update.deadLetters.length - letters.length;
      if (update.nextOffset <= from) return { counted: 0, duplicates: 0, alreadyApplied, late: 0, maxEventTimeMs: await readClock(tx) };

      const counted = await insertUnseen(tx, fresh);
      await addCounts(tx, counted, update.bucketMs);
      await insertRecent(tx, counted);
      const late = counted.filter((c) => Math.floor(c.eventTimeMs / update.bucketMs) * update.bucketMs < closedBeforeMs).length;
      const maxEventTimeMs = await advanceClock(tx, counted);
      await unpackChangedDays(tx, counted, maxEventTimeMs);
      if (letters.length > 0) {
        const byReason = tally(letters.map((l) => l.reason));
        await tx.query(
          `INSERT INTO dead_letter_counts (reason, records) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (reason) DO UPDATE SET records = dead_letter_counts.records + excluded.records`,
          [[...byReason.keys()], [...byReason.values()]],
        );
      }
      const freshClock = clockOf(fresh.map((c) => c.eventTimeMs));
      const partitionMax = freshClock === null ? null : new Date(freshClock).toISOString();
      await tx.query(
        `INSERT INTO source_offsets (consumer, topic, partition, next_offset, max_event_time, behind) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset,
           max_event_time = GREATEST(source_offsets.max_event_time, excluded.max_event_time), behind = excluded.behind`,
        [update.consumer, update.topic, update.partition, update.nextOffset.toString(), partitionMax, update.behind ?? false],
      );
      return { counted: counted.length, duplicates: fresh.length - counted.length, alreadyApplied, late, maxEventTimeMs };
    });
  }

  /** The highest event time applied, or null before the first conversation. */
  async maxEventTime(): Promise<number | null> {
    return readClock(this.db);
  }

  /**
   * The event clock the watermark follows: the highest event time applied, held back to the
   * clock of any partition of this consumer that is still behind (it has older conversations to
   * come). Idle partitions do not hold it back.
   */
  async eventClock(consumer: string): Promise<number | null> {
    const rows = await this.db.query<{ lagging: Date | null; unstarted: string | number }>(
      `SELECT min(max_event_time) AS lagging, count(*) FILTER (WHERE max_event_time IS NULL) AS unstarted
       FROM source_offsets WHERE consumer = $1 AND behind`,
      [consumer],
    );
    // A partition behind with no clock yet (assigned, first chunk not applied) may hold the oldest
    // conversations of all: nothing may close until it has told its time.
    if (Number(rows[0]?.unstarted ?? 0) > 0) return null;
    const max = await readClock(this.db);
    const lagging = rows[0]?.lagging ? new Date(rows[0].lagging).getTime() : null;
    return max === null || lagging === null ? max : Math.min(max, lagging);
  }

  /** Every (cluster, bucket) count of one product segment (all traffic by default). */
  async clusterCounts(product = ALL_PRODUCTS): Promise<ClusterBucketCount[]> {
    const rows = await this.db.query<{ cluster_id: string; bucket_start: Date; conversations: string | number; unique_accounts: string | number }>(
      'SELECT cluster_id, bucket_start, conversations, unique_accounts FROM cluster_counts WHERE product = $1 ORDER BY cluster_id, bucket_start',
      [product],
    );
    return rows.map((r) => ({
      clusterId: r.cluster_id,
      bucketStartMs: new Date(r.bucket_start).getTime(),
      conversations: Number(r.conversations),
      uniqueAccounts: Number(r.unique_accounts),
    }));
  }

  async trafficCounts(product = ALL_PRODUCTS): Promise<Array<{ bucketStartMs: number; conversations: number }>> {
    const rows = await this.db.query<{ bucket_start: Date; conversations: string | number }>(
      'SELECT bucket_start, conversations FROM traffic_counts WHERE product = $1 ORDER BY bucket_start',
      [product],
    );
    return rows.map((r) => ({ bucketStartMs: new Date(r.bucket_start).getTime(), conversations: Number(r.conversations) }));
  }

  async deadLetterCounts(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ reason: string; records: string | number }>('SELECT reason, records FROM dead_letter_counts');
    return new Map(rows.map((r) => [r.reason, Number(r.records)]));
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/** One language's share of a series' conversations over a window. */
export interface LanguageShare {
  language: string;
  share: number;
}

/**
 * A series' language mix over [fromMs, toMs): each language's share of the series' conversations,
 * listed only when that language alone holds at least `minConversations` conversations from
 * `minAccounts` distinct accounts (the privacy minimums); smaller languages are not named, and
 * the shares listed then sum to less than 1. Largest first, two decimals.
 */
export async function languageMixOf(
  db: Pick<SqlClient, 'query'>,
  seriesId: string,
  fromMs: number,
  toMs: number,
  minimums: { minConversations: number; minAccounts: number },
): Promise<LanguageShare[]> {
  const range = [seriesId, new Date(fromMs).toISOString(), new Date(toMs).toISOString()];
  const counts = await db.query<{ product: string; conversations: string | number }>(
    `SELECT product, sum(conversations) AS conversations FROM cluster_counts
     WHERE cluster_id = $1 AND bucket_start >= $2 AND bucket_start < $3 AND (product = '' OR product LIKE 'lang:%') GROUP BY product`,
    range,
  );
  const total = Number(counts.find((r) => r.product === ALL_PRODUCTS)?.conversations ?? 0);
  const large = counts.filter((r) => r.product !== ALL_PRODUCTS && Number(r.conversations) >= minimums.minConversations);
  if (total === 0 || large.length === 0) return [];
  const accounts = await db.query<{ product: string; n: string | number }>(
    `SELECT product, count(DISTINCT account_hash) AS n FROM cluster_accounts
     WHERE cluster_id = $1 AND bucket_start >= $2 AND bucket_start < $3 AND product = ANY($4::text[]) GROUP BY product`,
    [...range, large.map((r) => r.product)],
  );
  const accountsOf = new Map(accounts.map((r) => [r.product, Number(r.n)]));
  return large
    .filter((r) => (accountsOf.get(r.product) ?? 0) >= minimums.minAccounts)
    .map((r) => ({ language: r.product.slice('lang:'.length), share: Math.round((Number(r.conversations) / total) * 100) / 100 }))
    .sort((a, b) => b.share - a.share || a.language.localeCompare(b.language));
}

type Tx = Parameters<Parameters<SqlClient['transaction']>[0]>[0];

/**
 * Rows per multi-row statement of a chunk. The embedded store runs each statement to the end on the
 * event loop, and a chunk's writes in one chain of awaits held it for the whole chunk: up to 2 s in
 * the soak, mostly one INSERT of ~7,000 distinct-account rows into a growing index. Bounded
 * statements with a turn of the loop before each (pglite-client.ts) hold it ~50 ms instead, for the
 * same throughput; to PostgreSQL it is a few more round trips per chunk.
 */
export const ROWS_PER_STATEMENT = 500;

/** Runs one statement per slice of at most ROWS_PER_STATEMENT rows (in the caller's transaction), concatenating what they return. */
async function inSlices<T, R>(rows: readonly T[], statement: (slice: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) out.push(...(await statement(rows.slice(i, i + ROWS_PER_STATEMENT))));
  return out;
}

/** Records the ids as seen and returns the conversations whose id was new (first occurrence only). */
async function insertUnseen(tx: Tx, conversations: CountedConversation[]): Promise<CountedConversation[]> {
  if (conversations.length === 0) return [];
  const inserted = await inSlices(conversations, (slice) => tx.query<{ id_hash: string }>(
    `INSERT INTO seen_conversations (id_hash, event_time)
     SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (id_hash) DO NOTHING RETURNING id_hash`,
    [slice.map((c) => c.idHash), slice.map((c) => new Date(c.eventTimeMs).toISOString())],
  ));
  const isNew = new Set(inserted.map((r) => r.id_hash));
  return conversations.filter((c) => isNew.delete(c.idHash));
}

/** The (cluster, segment) series a conversation counts in: its leaf, ancestors and areas, under all traffic, its product and its language. */
function segmentsOf(c: CountedConversation): Array<[string, string]> {
  const products = productsOf(c);
  const clusters = [c.clusterId, ...(c.ancestorIds ?? []), ...(c.policyAreas ?? []).map(areaSeriesId)];
  return clusters.flatMap((cluster) => products.map((product): [string, string] => [cluster, product]));
}

/** All traffic, and the conversation's own product and language when it has them. */
function productsOf(c: CountedConversation): string[] {
  const segments = c.product ? [ALL_PRODUCTS, c.product] : [ALL_PRODUCTS];
  if (c.language) segments.push(languageSegment(c.language));
  return segments;
}

async function addCounts(tx: Tx, conversations: CountedConversation[], bucketMs: number): Promise<void> {
  if (conversations.length === 0) return;
  const bucketOf = (ms: number) => Math.floor(ms / bucketMs) * bucketMs;
  const iso = (ms: number) => new Date(ms).toISOString();
  const sep = '\u0000';

  // Distinct accounts: the primary key decides which (cluster, product, bucket, account) rows are new.
  const quads = new Map<string, [string, string, number, string]>();
  for (const c of conversations) {
    const bucket = bucketOf(c.eventTimeMs);
    for (const [cluster, product] of segmentsOf(c)) quads.set([cluster, product, bucket, c.accountHash].join(sep), [cluster, product, bucket, c.accountHash]);
  }
  const quadList = [...quads.values()];
  const newAccounts = await inSlices(quadList, (slice) => tx.query<{ cluster_id: string; product: string; bucket_start: Date }>(
    `INSERT INTO cluster_accounts (cluster_id, product, bucket_start, account_hash)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) ON CONFLICT DO NOTHING RETURNING cluster_id, product, bucket_start`,
    [slice.map((q) => q[0]), slice.map((q) => q[1]), slice.map((q) => iso(q[2])), slice.map((q) => q[3])],
  ));

  const perKey = new Map<string, { clusterId: string; product: string; bucket: number; conversations: number; accounts: number }>();
  const entry = (clusterId: string, product: string, bucket: number) => {
    const key = [clusterId, product, bucket].join(sep);
    let e = perKey.get(key);
    if (!e) perKey.set(key, (e = { clusterId, product, bucket, conversations: 0, accounts: 0 }));
    return e;
  };
  for (const c of conversations) for (const [cluster, product] of segmentsOf(c)) entry(cluster, product, bucketOf(c.eventTimeMs)).conversations += 1;
  for (const r of newAccounts) entry(r.cluster_id, r.product, new Date(r.bucket_start).getTime()).accounts += 1;
  await inSlices([...perKey.values()], (rows) => tx.query(
    `INSERT INTO cluster_counts (cluster_id, product, bucket_start, conversations, unique_accounts)
     SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[])
     ON CONFLICT (cluster_id, product, bucket_start) DO UPDATE SET
       conversations = cluster_counts.conversations + excluded.conversations,
       unique_accounts = cluster_counts.unique_accounts + excluded.unique_accounts`,
    [rows.map((r) => r.clusterId), rows.map((r) => r.product), rows.map((r) => iso(r.bucket)), rows.map((r) => r.conversations), rows.map((r) => r.accounts)],
  ));

  const traffic = new Map<string, { product: string; bucket: number; conversations: number }>();
  for (const c of conversations) {
    for (const product of productsOf(c)) {
      const key = `${product}${sep}${bucketOf(c.eventTimeMs)}`;
      const t = traffic.get(key) ?? { product, bucket: bucketOf(c.eventTimeMs), conversations: 0 };
      t.conversations += 1;
      traffic.set(key, t);
    }
  }
  await inSlices([...traffic.values()], (trafficRows) => tx.query(
    `INSERT INTO traffic_counts (product, bucket_start, conversations) SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[])
     ON CONFLICT (product, bucket_start) DO UPDATE SET conversations = traffic_counts.conversations + excluded.conversations`,
    [trafficRows.map((t) => t.product), trafficRows.map((t) => iso(t.bucket)), trafficRows.map((t) => t.conversations)],
  ));
}

/** Every conversation with a request facet joins the recent window (detection thins it to a bounded sample at bucket close). */
async function insertRecent(tx: Tx, conversations: CountedConversation[]): Promise<void> {
  await inSlices(conversations.filter((c) => c.request), (recent) => tx.query(
    `INSERT INTO recent_conversations (id_hash, event_time, account_hash, nearest_cluster, embedding, summary_words)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::bytea[], $6::text[]) ON CONFLICT (id_hash) DO NOTHING`,
    [
      recent.map((c) => c.idHash),
      recent.map((c) => new Date(c.eventTimeMs).toISOString()),
      recent.map((c) => c.accountHash),
      recent.map((c) => c.request!.nearestClusterId),
      recent.map((c) => encodeEmbedding(c.request!.embedding)),
      recent.map((c) => c.request!.summaryWords),
    ],
  ));
}

async function advanceClock(tx: Tx, conversations: CountedConversation[]): Promise<number | null> {
  const max = clockOf(conversations.map((c) => c.eventTimeMs));
  if (max !== null) {
    await tx.query(
      `INSERT INTO event_clock (id, max_event_time) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET max_event_time = GREATEST(event_clock.max_event_time, excluded.max_event_time)`,
      [new Date(max).toISOString()],
    );
  }
  return readClock(tx);
}

/**
 * Drops the packed counts (settled_counts) of the days these conversations were just counted into.
 * The janitor packs only days that ended before the event clock, and does so holding the clock
 * row's lock, which advanceClock took in this transaction: a pack committed before this statement
 * is deleted by it, and one made after sees these counts.
 */
async function unpackChangedDays(tx: Tx, conversations: CountedConversation[], clockMs: number | null): Promise<void> {
  if (clockMs === null) return;
  const days = new Set<number>();
  for (const c of conversations) {
    const day = Math.floor(c.eventTimeMs / DAY_MS);
    if ((day + 1) * DAY_MS <= clockMs) days.add(day);
  }
  if (days.size > 0) await tx.query('DELETE FROM settled_counts WHERE day = ANY($1::int[])', [[...days]]);
}

/**
 * The widest gap in event time the clock will cross inside one chunk. A chunk's records follow each
 * other closely in event time; one dated days past the rest (a bad client clock) is still counted,
 * in its own bucket, but must not drag the watermark — and every bucket judgement in between — into
 * the future. When the traffic itself moves on, most of the chunk moves with it and so does the clock.
 */
export const MAX_CHUNK_GAP_MS = 6 * 3600_000;

/**
 * The latest event time of a chunk reachable from its median without crossing a gap wider than
 * MAX_CHUNK_GAP_MS; null for an empty chunk.
 */
export function clockOf(eventTimesMs: readonly number[]): number | null {
  if (eventTimesMs.length === 0) return null;
  const sorted = [...eventTimesMs].sort((a, b) => a - b);
  let i = Math.floor((sorted.length - 1) / 2);
  while (i + 1 < sorted.length && sorted[i + 1]! - sorted[i]! <= MAX_CHUNK_GAP_MS) i++;
  return sorted[i]!;
}

/** The highest event time applied, from the one-row event clock. */
export async function readClock(db: Tx | SqlClient): Promise<number | null> {
  const rows = await db.query<{ max_event_time: Date }>('SELECT max_event_time FROM event_clock WHERE id = 1');
  return rows.length ? new Date(rows[0]!.max_event_time).getTime() : null;
}

/** Float32 little-endian: compact, and exact enough for cosine similarity. */
export function encodeEmbedding(vector: readonly number[]): Buffer {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buffer.writeFloatLE(v, i * 4));
  return buffer;
}

export function decodeEmbedding(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

function tally<K>(keys: K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
