import type { Assigner, Assignment } from '../assign/assigner.ts';
import type { DeadLetter, DeadLetterSink } from '../ingest/dead-letter.ts';
import type { AssignmentHandler, AssignmentOutcome, ChunkHandler, SourceChunk } from '../ingest/source.ts';
import { parseConversation, type IngestLimits } from '../ingest/validate.ts';
import type { ValidConversation } from '../ingest/conversation.ts';
import type { Logger } from '../log.ts';
import type { IdHasher } from '../privacy/account-hash.ts';
import type { PipelineMetrics } from './metrics.ts';
import type { ChunkOutcome, CountedConversation, IngestStore } from '../store/ingest-store.ts';
import { conversationLanguage } from '../facets/language.ts';

/**
 * Conversations per assigner call; a heartbeat follows each. Large enough to keep every embedding
 * worker busy (8 batches of 32: +20 % throughput over 64 here), small enough to heartbeat every few seconds.
 */
export const ASSIGN_BATCH = 256;

export interface IngestPipelineDeps {
  /** Names this pipeline's offsets in the store (the consumer group, or "replay"). */
  consumer: string;
  limits: IngestLimits;
  bucketMs: number;
  store: IngestStore;
  deadLetters: DeadLetterSink;
  assigner: Assigner;
  hashAccount: IdHasher;
  hashConversation: IdHasher;
  metrics: PipelineMetrics;
  logger: Logger;
  /** Buckets starting before this time are closed (the watermark): later arrivals are counted as late. */
  closedBeforeMs?: () => number;
  /** Called with each conversation's assignment (replay's --assignments-out; raw ids stay inside the secure environment). */
  onAssigned?: (rows: ReadonlyArray<{ id: string; assignment: Assignment }>) => Promise<void>;
  /** Runs after each applied chunk, before the source commits it (detection on bucket close). */
  afterChunk?: (outcome: ChunkOutcome) => Promise<void>;
}

/** A product name is a segment of the counts only when it is a short plain identifier (a closed, small set in practice). */
const PRODUCT_SEGMENT = /^[a-z0-9][a-z0-9._-]{0,47}$/;

export function productSegment(product: unknown): string | null {
  return typeof product === 'string' && PRODUCT_SEGMENT.test(product) ? product : null;
}

/**
 * One chunk of raw records → validate → dead-letter the invalid → skip what was already applied →
 * hash ids → assign → apply counts and the resume offset in one store transaction.
 * Raw records never go further than this function; the store sees hashes and cluster ids.
 */
export function createIngestPipeline(deps: IngestPipelineDeps): ChunkHandler {
  const { store, metrics, logger } = deps;
  return async (chunk: SourceChunk) => {
    const timer = metrics.chunkSeconds.startTimer();
    metrics.consumed.inc(chunk.records.length);

    const resume = (await store.resumeOffset(deps.consumer, chunk.topic, chunk.partition)) ?? -1n;
    const letters: DeadLetter[] = [];
    const valid: Array<{ value: ValidConversation; offset: bigint; idHash: string }> = [];
    let skipped = 0;
    for (const record of chunk.records) {
      const offset = BigInt(record.position.offset);
      if (offset < resume) {
        skipped += 1;
        continue;
      }
      const parsed = parseConversation(record.value, deps.limits);
      if (parsed.ok) valid.push({ value: parsed.value, offset, idHash: deps.hashConversation(parsed.value.conversation.id).toString('hex') });
      else letters.push({ value: record.value, reason: parsed.reason, detail: parsed.detail, position: record.position });
    }

    // Dead letters are sent before the offsets move: a crash in between re-sends them (at least once), never drops them.
    await deps.deadLetters.write(letters);
    await chunk.heartbeat();

    const unseen = await store.unseen(valid.map((v) => v.idHash));
    const toAssign = valid.filter((v) => unseen.has(v.idHash));
    // Understanding is slow (an embedding model, or Claude): assign in small batches and keep the
    // group membership alive between them, so a long chunk never looks like a dead consumer.
    const assignments: Assignment[] = [];
    for (let i = 0; i < toAssign.length; i += ASSIGN_BATCH) {
      assignments.push(...(await deps.assigner.assign(toAssign.slice(i, i + ASSIGN_BATCH).map((v) => v.value.conversation))));
      await chunk.heartbeat();
    }

    if (deps.onAssigned) await deps.onAssigned(toAssign.map((v, i) => ({ id: v.value.conversation.id, assignment: assignments[i]! })));

    const conversations: CountedConversation[] = toAssign.map((v, i) => {
      const a = assignments[i]!;
      return {
        idHash: v.idHash,
        accountHash: deps.hashAccount(v.value.conversation.account_id).toString('hex'),
        eventTimeMs: v.value.eventTimeMs,
        clusterId: a.clusterId,
        ancestorIds: a.ancestorIds,
        policyAreas: a.policyAreas,
        product: productSegment(v.value.conversation.metadata?.product),
        language: conversationLanguage(v.value.conversation),
        request: a.novelty ? { nearestClusterId: a.clusterId, embedding: a.novelty.embedding, summaryWords: a.novelty.summaryWords } : undefined,
        offset: v.offset,
      };
    });
    const outcome: ChunkOutcome = await store.applyChunk({
      consumer: deps.consumer,
      topic: chunk.topic,
      partition: chunk.partition,
      nextOffset: BigInt(chunk.nextOffset),
      bucketMs: deps.bucketMs,
      conversations,
      deadLetters: letters.map((l) => ({ reason: l.reason, offset: BigInt(l.position.offset) })),
      behind: chunk.highWatermark !== undefined && BigInt(chunk.highWatermark) > BigInt(chunk.nextOffset),
    }, deps.closedBeforeMs?.());

    for (const l of letters) metrics.deadLettered.inc({ reason: l.reason });
    metrics.processed.inc(outcome.counted);
    metrics.duplicates.inc(outcome.duplicates + (valid.length - toAssign.length));
    metrics.alreadyApplied.inc(outcome.alreadyApplied + skipped);
    metrics.late.inc(outcome.late);
    if (chunk.highWatermark !== undefined) {
      const lag = Number(BigInt(chunk.highWatermark) - BigInt(chunk.nextOffset));
      metrics.lag.set({ topic: chunk.topic, partition: String(chunk.partition) }, Math.max(0, lag));
    }
    if (deps.afterChunk) await deps.afterChunk(outcome);
    const seconds = timer();
    logger.debug(
      { topic: chunk.topic, partition: chunk.partition, nextOffset: chunk.nextOffset, records: chunk.records.length, counted: outcome.counted, deadLettered: letters.length, seconds },
      'chunk applied',
    );
  };
}

/**
 * Records each assignment in the store: partitions with records still to read hold the event clock
 * back until they catch up; rows of partitions the group no longer reads (another topic, a partition
 * gone) are released, else they would hold it forever.
 */
export function createAssignmentRecorder(store: IngestStore, consumer: string): AssignmentHandler {
  return async (partitions, group) => {
    const byTopic = new Map<string, typeof partitions>();
    if (group) byTopic.set(group.topic, []);
    for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p]);
    const released: AssignmentOutcome['released'] = [];
    for (const [topic, list] of byTopic) {
      const assigned = list.map((p) => ({ partition: p.partition, position: BigInt(p.position), highWatermark: BigInt(p.highWatermark) }));
      released.push(...(await store.recordAssignment(consumer, topic, assigned, group?.topic === topic ? group.partitions : undefined)));
    }
    return { released };
  };
}
