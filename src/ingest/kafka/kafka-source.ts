import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../../log.ts';
import type { AssignmentHandler, ChunkHandler, GroupTopic, PartitionAssignment, Source } from '../source.ts';
import { asSourceError } from './client.ts';

export interface KafkaSourceSettings {
  brokers: readonly string[];
  groupId: string;
  topic: string;
  sessionTimeoutMs: number;
  /** Records per handler call inside one fetched batch: bounds the work between commits and heartbeats. */
  chunkSize: number;
  /**
   * Where a group without committed offsets starts: the oldest retained record (true) or the next
   * one written (false). `run` passes kafka.fromBeginning; the demo and tests read fresh topics whole,
   * hence the default. A group with committed offsets always resumes from them.
   */
  fromBeginning?: boolean;
}

/**
 * A consumer-group member. Offsets are committed by hand, only after the handler applied a chunk
 * (the store keeps its own copy in the same transaction as the counts, which is what makes counts
 * exactly-once; the Kafka commit only spares re-reading).
 */
export class KafkaSource implements Source {
  readonly description: string;
  private consumer: Consumer | undefined;
  private ready = false;
  /** The last chunk failed: the consumer is retrying it (or crash-looping on it), not consuming. */
  private failing = false;
  private stopped = false;
  private settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  /** The current assignment's recording: batches wait for it, so no partition's first chunk moves the clock before the others are known. */
  private assigned: Promise<void> = Promise.resolve();
  /** Assigned partitions with records to read whose first chunk is not applied yet (they hold the event clock at nothing). */
  private unstarted = new Set<number>();
  /** Batches of nothing but transaction markers or aborted records, told to the handler as empty chunks, in turn with the others. */
  private passedOver: Promise<void> = Promise.resolve();

  constructor(private readonly kafka: Kafka, private readonly settings: KafkaSourceSettings, private readonly logger: Logger) {
    this.description = `Kafka topic ${settings.topic} (group ${settings.groupId})`;
  }

  /** Joined the group and applying chunks: false while a chunk keeps failing, so /readyz tells a stuck partition. */
  isReady(): boolean {
    return this.ready && !this.failing;
  }

  async run(handle: ChunkHandler, onAssignment?: AssignmentHandler): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.settings.groupId,
      sessionTimeout: this.settings.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(this.settings.sessionTimeoutMs / 3)),
      allowAutoTopicCreation: false,
      // A crash racing stop() (a connection closed by our own disconnect) must not restart the
      // consumer after it left: the restarted one would re-join and keep the process alive.
      retry: { retries: 5, restartOnFailure: async () => !this.stopped },
    });
    this.consumer = consumer;
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));

    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.ready = true;
      const partitions = e.payload.memberAssignment[this.settings.topic] ?? [];
      this.logger.info({ partitions }, 'joined consumer group');
      if (onAssignment) {
        // A failure here must not leave the clock free to run ahead: the batches wait on it and crash-restart the consumer.
        this.unstarted = new Set();
        this.assigned = this.describeAssignment(partitions).then(async ({ assignment, group }) => {
          this.unstarted = new Set(assignment.filter((a) => BigInt(a.highWatermark) > BigInt(a.position)).map((a) => a.partition));
          const outcome = await onAssignment(assignment, group);
          for (const r of outcome?.released ?? []) {
            this.logger.warn({ topic: r.topic, partition: r.partition }, 'a partition this group no longer reads was holding the event clock back: released');
          }
        });
        this.assigned.catch(() => {});
      }
    });
    // kafkajs hands no batch over when it held only transaction markers or aborted records, yet the
    // partition was read up to there: an empty chunk says so to the store, else a partition assigned
    // with such offsets unread would stay "behind, no clock" and hold the event clock for ever.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition, batchSize, lastOffset, highWatermark } = e.payload;
      if (batchSize !== 0 || topic !== this.settings.topic) return;
      this.passedOver = this.passedOver.then(() => this.passOver(handle, partition, lastOffset, highWatermark));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.ready = false;
      const restart = (e.payload as { restart?: boolean }).restart;
      if (this.stopped) {
        this.logger.warn({ err: e.payload.error?.message }, 'consumer failed while leaving the group; it stays stopped');
        return;
      }
      this.logger.error({ err: e.payload.error?.message, restart }, 'consumer crashed');
      if (!restart) this.settle?.reject(asSourceError(e.payload.error, this.settings.brokers));
    });
    consumer.on(consumer.events.STOP, () => {
      this.ready = false;
    });

    try {
      await consumer.connect();
      if (!this.stopped) await consumer.subscribe({ topics: [this.settings.topic], fromBeginning: this.settings.fromBeginning ?? true });
      if (!this.stopped) {
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: (payload) => this.consumeBatch(payload, handle),
        });
      }
    } catch (cause) {
      await consumer.disconnect().catch(() => {});
      if (!this.stopped) throw asSourceError(cause, this.settings.brokers);
    }
    // Stopped while starting: stop()'s disconnect may have come before the connection it had to close.
    if (this.stopped) {
      await consumer.disconnect().catch(() => {});
      this.settle?.resolve();
    }
    return done;
  }

  /**
   * Where each assigned partition resumes (committed offset, else where a new group starts) and where
   * it ends; and every partition of the topic (a member assigned none still learns them).
   */
  private async describeAssignment(partitions: readonly number[]): Promise<{ assignment: PartitionAssignment[]; group: GroupTopic }> {
    const { topic, groupId } = this.settings;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      const group = { topic, partitions: ends.map((o) => o.partition) };
      if (partitions.length === 0) return { assignment: [], group };
      const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [];
      const assignment = partitions.map((partition) => {
        const end = ends.find((o) => o.partition === partition);
        const high = end?.high ?? '0';
        const commit = committed.find((c) => c.partition === partition)?.offset ?? '-1';
        const low = end?.low ?? '0';
        const start = (this.settings.fromBeginning ?? true) ? low : high;
        // A commit older than the oldest retained record resumes from that record (retention deleted the rest).
        const position = BigInt(commit) < 0n ? start : BigInt(commit) < BigInt(low) ? low : commit;
        return { topic, partition, position, highWatermark: high };
      });
      return { assignment, group };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** Applies and commits an empty chunk up to `lastOffset` (the records there were markers or aborted); a failure is logged, never thrown into kafkajs. */
  private async passOver(handle: ChunkHandler, partition: number, lastOffset: string, highWatermark: string): Promise<void> {
    const { topic } = this.settings;
    const nextOffset = (BigInt(lastOffset) + 1n).toString();
    try {
      await this.assigned;
      await handle({ topic, partition, records: [], nextOffset, highWatermark, heartbeat: async () => {} });
      await this.consumer?.commitOffsets([{ topic, partition, offset: nextOffset }]);
      this.unstarted.delete(partition);
    } catch (error) {
      this.logger.warn({ partition, err: (error as Error).message }, 'could not record a partition read past records it does not hand over; it still holds the event clock');
    }
  }

  private async consumeBatch(payload: EachBatchPayload, handle: ChunkHandler): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    await this.assigned;
    await this.passedOver;
    const { chunkSize } = this.settings;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      // Stop between chunks on shutdown or rebalance; what was applied is already committed.
      if (!isRunning() || isStale()) return;
      const slice = batch.messages.slice(i, i + chunkSize);
      const last = slice.at(-1)!.offset;
      const nextOffset = (BigInt(last) + 1n).toString();
      try {
        await handle({
          topic: batch.topic,
          partition: batch.partition,
          records: slice.map((m) => ({ value: m.value, position: { topic: batch.topic, partition: batch.partition, offset: m.offset } })),
          nextOffset,
          highWatermark: batch.highWatermark,
          heartbeat,
        });
      } catch (error) {
        // A heartbeat inside the chunk found the member evicted: the chunk is not applied and is read again after re-joining.
        if (lostMembership(error)) {
          this.logger.warn({ err: (error as Error).message }, 'lost the group membership during a chunk; re-joining');
          return;
        }
        this.failing = true;
        throw error;
      }
      this.failing = false;
      resolveOffset(last);
      try {
        await this.consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: nextOffset }]);
        await heartbeat();
      } catch (error) {
        // Evicted (a pass held the event loop past the session timeout) or rebalancing: the chunk is
        // applied and its offset is in the store, so nothing is lost; leave the batch and let kafkajs
        // re-join, instead of a crash it counts as final.
        if (!lostMembership(error)) throw error;
        this.logger.warn({ err: (error as Error).message }, 'lost the group membership after applying a chunk; re-joining');
        return;
      }
      // While another assigned partition has not told its event time yet, read no further ahead than
      // one chunk per fetch: the rest of this batch is fetched again, after the others had their turn
      // (else a backlog's first partition is read whole before the clock can start, and detection,
      // which starts at the first clock, never judges the buckets it passed).
      this.unstarted.delete(batch.partition);
      if (this.unstarted.size > 0) return;
    }
  }

  /** Lets the chunk in flight finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.ready = false;
    await this.consumer?.disconnect();
    this.settle?.resolve();
  }
}

/** kafkajs errors that mean "this member is no longer (or not yet again) in the group": re-joining mends them. */
function lostMembership(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.type === 'UNKNOWN_MEMBER_ID' || e.type === 'ILLEGAL_GENERATION' || e.type === 'REBALANCE_IN_PROGRESS') return true;
  }
  return false;
}
