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
  /** Also listen with TLS + SCRAM (certificates made with openssl in dataDir/tls at every start). */
  secure?: SecureListenerOptions;
}
export interface SecureListenerOptions {
  /** SASL_SSL listener on 127.0.0.1 with SCRAM-SHA-256 and SCRAM-SHA-512. */
  port: number;
  /** Default "clio". */
  username?: string;
  /** 8+ characters from letters, digits and _.~- (the broker's tools parse it from a list). */
  password: string;
  /** Names for the certificate besides 127.0.0.1 and localhost. */
  hosts?: string[];
  /** A second SASL_SSL listener with OAUTHBEARER, checked by Kafka's unsecured-JWT validator: tests only. */
  oauthPort?: number;
}
export interface RunningKafka {
  /** "127.0.0.1:PORT" */
  brokers: string;
  pid: number;
  /** Seconds from storage format to the first answered request (excludes fetching jars). */
  startSeconds: number;
  /** With options.secure: the secured listener(s), up and letting the SCRAM user in. */
  secure?: {
    /** "127.0.0.1:PORT" of the TLS + SCRAM listener */
    brokers: string;
    /** PEM of the CA that signed the broker's certificate */
    caFile: string;
    username: string;
    /** Settings (password included, mode 0600) for Kafka's own tools: --command-config */
    clientProperties: string;
    /** "127.0.0.1:PORT" of the TLS + OAUTHBEARER listener, with options.secure.oauthPort */
    oauthBrokers?: string;
  };
  stop(): Promise<boolean>;
}
export function fetchKafkaJars(): Promise<string>;
export function startKafka(options?: StartKafkaOptions): Promise<RunningKafka>;
export function stopKafka(options?: { pidFile?: string; timeoutMs?: number }): Promise<boolean>;
/** A random KRaft cluster id that kafka-storage cannot mistake for an option (never starts with '-'). */
export function newClusterId(random?: (size: number) => Buffer): string;
