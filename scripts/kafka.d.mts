// Types for scripts/kafka.mjs (plain JS so it runs without a TypeScript loader).
export interface StartKafkaOptions {
  /** PLAINTEXT listener on 127.0.0.1; default 9092. */
  port?: number;
  /** CONTROLLER listener; default port + 1. */
  controllerPort?: number;
  /** Holds server.properties, kraft-logs/, logs/, kafka.out; default .cache/kafka/data. */
  dataDir?: string;
  /** Default .cache/kafka/kafka.pid. */
  pidFile?: string;
}
export interface RunningKafka {
  /** "127.0.0.1:PORT" */
  brokers: string;
  pid: number;
  /** Seconds from storage format to the first answered request (excludes fetching jars). */
  startSeconds: number;
  stop(): Promise<boolean>;
}
export function fetchKafkaJars(): Promise<string>;
export function startKafka(options?: StartKafkaOptions): Promise<RunningKafka>;
export function stopKafka(options?: { pidFile?: string; timeoutMs?: number }): Promise<boolean>;
