import type { DeadLetterReason } from '../ingest/validate.ts';
import type { SqlClient } from './sql.ts';

/** One valid conversation, reduced to what counting needs: keyed hashes, event time, cluster. */
export interface CountedConversation {
  idHash: string;
  accountHash: string;
  eventTimeMs: number;
  clusterId: string;
  offset: bigint;
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
}

export interface ChunkOutcome {
  /** Conversations counted for the first time. */
  counted: number;
  /** Conversation ids seen before (redelivery, or the same id sent twice). */
  duplicates: number;
  /** Records at offsets this store had already applied (replay after a crash). */
  alreadyApplied: number;
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
  constructor(private readonly db: SqlClient) {}

  get description(): string {
    return this.db.description;
  }

  /** The offset a partition resumes from, or null when it was never applied here. */
  async resumeOffset(consumer: string, topic: string, partition: number): Promise<bigint | null> {
    const rows = await this.db.query<{ next_offset: string | number }>(
      'SELECT next_offset FROM source_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3',
      [consumer, topic, partition],
    );
    return rows.length ? BigInt(rows[0]!.next_offset) : null;
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

  async applyChunk(update: ChunkUpdate): Promise<ChunkOutcome> {
    return this.db.transaction(async (tx) => {
      const stored = await tx.query<{ next_offset: string | number }>(
        'SELECT next_offset FROM source_offsets WHERE consumer = $1 AND topic = $2 AND partition = $3 FOR UPDATE',
        [update.consumer, update.topic, update.partition],
      );
      const from = stored.length ? BigInt(stored[0]!.next_offset) : -1n;
      const fresh = update.conversations.filter((c) => c.offset >= from);
      const letters = update.deadLetters.filter((d) => d.offset >= from);
      const alreadyApplied = update.conversations.length - fresh.length + update.deadLetters.length - letters.length;
      if (update.nextOffset <= from) return { counted: 0, duplicates: 0, alreadyApplied };

      const counted = await insertUnseen(tx, fresh);
      await addCounts(tx, counted, update.bucketMs);
      if (letters.length > 0) {
        const byReason = tally(letters.map((l) => l.reason));
        await tx.query(
          `INSERT INTO dead_letter_counts (reason, records) SELECT * FROM unnest($1::text[], $2::bigint[])
           ON CONFLICT (reason) DO UPDATE SET records = dead_letter_counts.records + excluded.records`,
          [[...byReason.keys()], [...byReason.values()]],
        );
      }
      await tx.query(
        `INSERT INTO source_offsets (consumer, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
         ON CONFLICT (consumer, topic, partition) DO UPDATE SET next_offset = excluded.next_offset`,
        [update.consumer, update.topic, update.partition, update.nextOffset.toString()],
      );
      return { counted: counted.length, duplicates: fresh.length - counted.length, alreadyApplied };
    });
  }

  async clusterCounts(): Promise<ClusterBucketCount[]> {
    const rows = await this.db.query<{ cluster_id: string; bucket_start: Date; conversations: string | number; unique_accounts: string | number }>(
      'SELECT cluster_id, bucket_start, conversations, unique_accounts FROM cluster_counts ORDER BY cluster_id, bucket_start',
    );
    return rows.map((r) => ({
      clusterId: r.cluster_id,
      bucketStartMs: new Date(r.bucket_start).getTime(),
      conversations: Number(r.conversations),
      uniqueAccounts: Number(r.unique_accounts),
    }));
  }

  async trafficCounts(): Promise<Array<{ bucketStartMs: number; conversations: number }>> {
    const rows = await this.db.query<{ bucket_start: Date; conversations: string | number }>(
      'SELECT bucket_start, conversations FROM traffic_counts ORDER BY bucket_start',
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

type Tx = Parameters<Parameters<SqlClient['transaction']>[0]>[0];

/** Records the ids as seen and returns the conversations whose id was new (first occurrence only). */
async function insertUnseen(tx: Tx, conversations: CountedConversation[]): Promise<CountedConversation[]> {
  if (conversations.length === 0) return [];
  const inserted = await tx.query<{ id_hash: string }>(
    `INSERT INTO seen_conversations (id_hash, event_time)
     SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT (id_hash) DO NOTHING RETURNING id_hash`,
    [conversations.map((c) => c.idHash), conversations.map((c) => new Date(c.eventTimeMs).toISOString())],
  );
  const isNew = new Set(inserted.map((r) => r.id_hash));
  return conversations.filter((c) => isNew.delete(c.idHash));
}

async function addCounts(tx: Tx, conversations: CountedConversation[], bucketMs: number): Promise<void> {
  if (conversations.length === 0) return;
  const bucketOf = (ms: number) => Math.floor(ms / bucketMs) * bucketMs;
  const iso = (ms: number) => new Date(ms).toISOString();

  // Distinct accounts: the primary key decides which (cluster, bucket, account) triples are new.
  const triples = new Map<string, [string, number, string]>();
  for (const c of conversations) {
    const bucket = bucketOf(c.eventTimeMs);
    triples.set(`${c.clusterId}\u0000${bucket}\u0000${c.accountHash}`, [c.clusterId, bucket, c.accountHash]);
  }
  const triplesList = [...triples.values()];
  const newAccounts = await tx.query<{ cluster_id: string; bucket_start: Date }>(
    `INSERT INTO cluster_accounts (cluster_id, bucket_start, account_hash)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[]) ON CONFLICT DO NOTHING RETURNING cluster_id, bucket_start`,
    [triplesList.map((t) => t[0]), triplesList.map((t) => iso(t[1])), triplesList.map((t) => t[2])],
  );

  const perKey = new Map<string, { clusterId: string; bucket: number; conversations: number; accounts: number }>();
  const entry = (clusterId: string, bucket: number) => {
    const key = `${clusterId}\u0000${bucket}`;
    let e = perKey.get(key);
    if (!e) perKey.set(key, (e = { clusterId, bucket, conversations: 0, accounts: 0 }));
    return e;
  };
  for (const c of conversations) entry(c.clusterId, bucketOf(c.eventTimeMs)).conversations += 1;
  for (const r of newAccounts) entry(r.cluster_id, new Date(r.bucket_start).getTime()).accounts += 1;
  const rows = [...perKey.values()];
  await tx.query(
    `INSERT INTO cluster_counts (cluster_id, bucket_start, conversations, unique_accounts)
     SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::bigint[])
     ON CONFLICT (cluster_id, bucket_start) DO UPDATE SET
       conversations = cluster_counts.conversations + excluded.conversations,
       unique_accounts = cluster_counts.unique_accounts + excluded.unique_accounts`,
    [rows.map((r) => r.clusterId), rows.map((r) => iso(r.bucket)), rows.map((r) => r.conversations), rows.map((r) => r.accounts)],
  );

  const traffic = tally(conversations.map((c) => bucketOf(c.eventTimeMs)));
  await tx.query(
    `INSERT INTO traffic_counts (bucket_start, conversations) SELECT * FROM unnest($1::timestamptz[], $2::bigint[])
     ON CONFLICT (bucket_start) DO UPDATE SET conversations = traffic_counts.conversations + excluded.conversations`,
    [[...traffic.keys()].map(iso), [...traffic.values()]],
  );
}

function tally<K>(keys: K[]): Map<K, number> {
  const counts = new Map<K, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}
