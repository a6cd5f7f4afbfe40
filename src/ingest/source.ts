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

/** Told the partitions of each (re)assignment before any chunk of it is handled, so partitions still unread can hold the event clock back. */
export type AssignmentHandler = (partitions: PartitionAssignment[]) => Promise<void>;

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
