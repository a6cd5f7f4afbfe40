/** Where a record sits in its source: a Kafka topic-partition offset, or a file line. */
export interface SourcePosition {
  topic: string;
  partition: number;
  /** Int64 as a decimal string, as Kafka gives it. */
  offset: string;
}

export interface RawRecord {
  value: Buffer | null;
  position: SourcePosition;
}

/** Consecutive records of one partition, handed to the pipeline as one unit of work. */
export interface SourceChunk {
  topic: string;
  partition: number;
  records: RawRecord[];
  /** The offset to resume from once this chunk is applied (last offset + 1). */
  nextOffset: string;
  /** Last offset + 1 the broker has for this partition, when known: lag = highWatermark - nextOffset. */
  highWatermark?: string;
  /** Keeps group membership alive during long work inside the chunk. */
  heartbeat(): Promise<void>;
}

export type ChunkHandler = (chunk: SourceChunk) => Promise<void>;

/** A partition just assigned to this reader: where it resumes and where the broker's records end (offsets as decimal strings). */
export interface PartitionAssignment {
  topic: string;
  partition: number;
  position: string;
  highWatermark: string;
}

/** The topic a consumer group reads and every partition it has: all of them are assigned to some member of the group. */
export interface GroupTopic {
  topic: string;
  partitions: number[];
}

/** What recording an assignment did besides: rows of partitions the group no longer reads, released from holding the event clock. */
export interface AssignmentOutcome {
  released: Array<{ topic: string; partition: number }>;
}

/**
 * Told the partitions of each (re)assignment before any chunk of it is handled, so partitions still
 * unread can hold the event clock back; and, when the source knows it, the topic the group reads with
 * all its partitions, so that a partition no longer read by anyone in the group stops holding it.
 */
export type AssignmentHandler = (partitions: PartitionAssignment[], group?: GroupTopic) => Promise<AssignmentOutcome | void>;

/**
 * A stream of conversations. `run` resolves when the source is exhausted (file) or stopped (Kafka);
 * a chunk's position is committed only after its handler returned.
 */
export interface Source {
  readonly description: string;
  run(handle: ChunkHandler, onAssignment?: AssignmentHandler): Promise<void>;
  /** Finishes the chunk in flight, commits it, and makes `run` resolve. */
  stop(): Promise<void>;
  /** Connected and consuming (for /readyz). */
  isReady(): boolean;
}
