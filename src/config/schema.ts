/**
 * The one configuration schema. Defaults live here and nowhere else; `loadConfig` applies them once
 * and hands out a frozen object, so no stage ever reads process.env or sees an undefined option.
 */
export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kafka', 'store', 'ingest', 'privacy', 'windows', 'api', 'log', 'shutdown'],
  properties: {
    kafka: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['brokers', 'clientId', 'groupId', 'topics', 'partitions', 'createTopics', 'connectionTimeoutMs', 'sessionTimeoutMs', 'chunkSize'],
      properties: {
        brokers: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[^:\\s]+:[0-9]{1,5}$', description: 'host:port, e.g. 127.0.0.1:9092' }, default: ['127.0.0.1:9092'] },
        clientId: { type: 'string', minLength: 1, default: 'clio-stream' },
        groupId: { type: 'string', minLength: 1, default: 'clio-stream' },
        topics: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['conversations', 'deadLetter'],
          properties: {
            conversations: { type: 'string', minLength: 1, default: 'clio.conversations' },
            deadLetter: { type: 'string', minLength: 1, default: 'clio.conversations.dlq' },
          },
        },
        partitions: { type: 'integer', minimum: 1, maximum: 1024, default: 3, description: 'partitions when clio-stream creates the topics' },
        createTopics: { type: 'boolean', default: true },
        connectionTimeoutMs: { type: 'integer', minimum: 100, default: 5000 },
        sessionTimeoutMs: { type: 'integer', minimum: 6000, default: 30000 },
        chunkSize: { type: 'integer', minimum: 1, maximum: 100000, default: 1000, description: 'records per store transaction inside a fetched batch' },
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['dataDir', 'databaseUrl'],
      properties: {
        dataDir: { type: 'string', minLength: 1, default: '.clio-data/pglite' },
        databaseUrl: { type: ['string', 'null'], pattern: '^postgres(ql)?://', default: null, description: 'a postgres:// or postgresql:// URL' },
      },
    },
    ingest: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['maxMessageBytes', 'maxMessages', 'maxBlockChars'],
      properties: {
        maxMessageBytes: { type: 'integer', minimum: 256, default: 1048576 },
        maxMessages: { type: 'integer', minimum: 1, default: 500 },
        maxBlockChars: { type: 'integer', minimum: 1, default: 200000 },
      },
    },
    privacy: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['accountHashSecret'],
      properties: {
        accountHashSecret: { type: ['string', 'null'], minLength: 16, default: null, description: 'HMAC key for account ids' },
      },
    },
    windows: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['bucketSeconds'],
      properties: {
        bucketSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 300 },
      },
    },
    api: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['host', 'port'],
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['level'],
      properties: {
        level: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
      },
    },
    shutdown: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['timeoutMs'],
      properties: {
        timeoutMs: { type: 'integer', minimum: 100, default: 30000 },
      },
    },
  },
} as const;

export interface Config {
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    topics: { conversations: string; deadLetter: string };
    partitions: number;
    createTopics: boolean;
    connectionTimeoutMs: number;
    sessionTimeoutMs: number;
    chunkSize: number;
  };
  store: { dataDir: string; databaseUrl: string | null };
  ingest: { maxMessageBytes: number; maxMessages: number; maxBlockChars: number };
  privacy: { accountHashSecret: string | null };
  windows: { bucketSeconds: number };
  api: { host: string; port: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  shutdown: { timeoutMs: number };
}

type Kind = 'string' | 'integer' | 'boolean' | 'list';

/** Environment variables and the config key each one sets. README's configuration table mirrors this list. */
export const envBindings: ReadonlyArray<{ env: string; key: string; kind: Kind }> = [
  { env: 'CLIO_KAFKA_BROKERS', key: 'kafka.brokers', kind: 'list' },
  { env: 'KAFKA_BROKERS', key: 'kafka.brokers', kind: 'list' },
  { env: 'CLIO_KAFKA_GROUP_ID', key: 'kafka.groupId', kind: 'string' },
  { env: 'CLIO_KAFKA_CLIENT_ID', key: 'kafka.clientId', kind: 'string' },
  { env: 'CLIO_TOPIC_CONVERSATIONS', key: 'kafka.topics.conversations', kind: 'string' },
  { env: 'CLIO_TOPIC_DEAD_LETTER', key: 'kafka.topics.deadLetter', kind: 'string' },
  { env: 'CLIO_KAFKA_PARTITIONS', key: 'kafka.partitions', kind: 'integer' },
  { env: 'CLIO_KAFKA_CREATE_TOPICS', key: 'kafka.createTopics', kind: 'boolean' },
  { env: 'CLIO_KAFKA_CHUNK_SIZE', key: 'kafka.chunkSize', kind: 'integer' },
  { env: 'CLIO_KAFKA_SESSION_TIMEOUT_MS', key: 'kafka.sessionTimeoutMs', kind: 'integer' },
  { env: 'CLIO_DATA_DIR', key: 'store.dataDir', kind: 'string' },
  { env: 'DATABASE_URL', key: 'store.databaseUrl', kind: 'string' },
  { env: 'CLIO_MAX_MESSAGE_BYTES', key: 'ingest.maxMessageBytes', kind: 'integer' },
  { env: 'CLIO_MAX_MESSAGES', key: 'ingest.maxMessages', kind: 'integer' },
  { env: 'CLIO_MAX_BLOCK_CHARS', key: 'ingest.maxBlockChars', kind: 'integer' },
  { env: 'CLIO_ACCOUNT_HASH_SECRET', key: 'privacy.accountHashSecret', kind: 'string' },
  { env: 'CLIO_BUCKET_SECONDS', key: 'windows.bucketSeconds', kind: 'integer' },
  { env: 'CLIO_API_HOST', key: 'api.host', kind: 'string' },
  { env: 'CLIO_API_PORT', key: 'api.port', kind: 'integer' },
  { env: 'CLIO_LOG_LEVEL', key: 'log.level', kind: 'string' },
  { env: 'CLIO_SHUTDOWN_TIMEOUT_MS', key: 'shutdown.timeoutMs', kind: 'integer' },
];
