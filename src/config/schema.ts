/**
 * The one configuration schema. Defaults live here and nowhere else; `loadConfig` applies them once
 * and hands out a frozen object, so no stage ever reads process.env or sees an undefined option.
 */
/** Privacy minimums no configuration can go below (DESIGN.md, privacy invariant 3). */
export const PRIVACY_FLOOR = Object.freeze({ minAccounts: 5, minConversations: 10, vocabularyK: 3 });

export const configSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['kafka', 'store', 'ingest', 'privacy', 'catalog', 'facets', 'embeddings', 'windows', 'alerts', 'api', 'log', 'shutdown'],
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
        deadLetterCompression: {
          enum: ['none', 'gzip', 'snappy', 'lz4'],
          default: 'none',
          description: 'none, gzip, snappy or lz4; zstd input is read, but clio-stream cannot write zstd',
        },
        ssl: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['enabled', 'caFile', 'certFile', 'keyFile', 'keyPassphrase', 'rejectUnauthorized'],
          properties: {
            enabled: { type: 'boolean', default: false, description: 'connect with TLS; without caFile the CAs Node trusts by default (plus NODE_EXTRA_CA_CERTS) are used' },
            caFile: { type: ['string', 'null'], minLength: 1, default: null, description: 'PEM file of the CA(s) that signed the brokers\' certificates' },
            certFile: { type: ['string', 'null'], minLength: 1, default: null, description: 'PEM client certificate, for mutual TLS (with keyFile)' },
            keyFile: { type: ['string', 'null'], minLength: 1, default: null, description: 'PEM private key of certFile' },
            keyPassphrase: { type: ['string', 'null'], minLength: 1, default: null, description: 'passphrase of an encrypted keyFile' },
            rejectUnauthorized: { type: 'boolean', default: true, description: 'false accepts any broker certificate (testing only)' },
          },
        },
        sasl: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['mechanism', 'username', 'password'],
          properties: {
            mechanism: { enum: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], default: 'none', description: 'none, plain, scram-sha-256 or scram-sha-512' },
            username: { type: ['string', 'null'], minLength: 1, default: null },
            password: { type: ['string', 'null'], minLength: 1, default: null },
          },
        },
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
        maxFutureSeconds: { type: 'integer', minimum: 0, default: 86400, description: 'event times further ahead of the wall clock are dead-lettered (0: no bound)' },
      },
    },
    privacy: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['accountHashSecret', 'minAccounts', 'minConversations', 'vocabularyK'],
      properties: {
        accountHashSecret: { type: ['string', 'null'], minLength: 16, default: null, description: 'HMAC key for account ids' },
        // The minimums below are floors the code enforces: config can raise them, never lower them.
        minAccounts: { type: 'integer', minimum: PRIVACY_FLOOR.minAccounts, default: 10, description: `at least ${PRIVACY_FLOOR.minAccounts} (the privacy floor)` },
        minConversations: { type: 'integer', minimum: PRIVACY_FLOOR.minConversations, default: 20, description: `at least ${PRIVACY_FLOOR.minConversations} (the privacy floor)` },
        vocabularyK: { type: 'integer', minimum: PRIVACY_FLOOR.vocabularyK, default: 5, description: `at least ${PRIVACY_FLOOR.vocabularyK} (the privacy floor)` },
      },
    },
    catalog: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['path'],
      properties: {
        path: { type: ['string', 'null'], default: null, description: 'catalog.json from `catalog build`; without it every conversation counts as unassigned' },
      },
    },
    facets: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['extractor', 'claude'],
      properties: {
        extractor: { enum: ['local', 'claude'], default: 'local' },
        claude: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['apiKey', 'baseUrl', 'model', 'maxConcurrency', 'timeoutMs', 'hourlySpendCapUsd'],
          properties: {
            apiKey: { type: ['string', 'null'], default: null },
            baseUrl: { type: ['string', 'null'], pattern: '^https?://', default: null, description: 'an http(s) URL' },
            model: { type: 'string', minLength: 1, default: 'claude-haiku-4-5' },
            maxConcurrency: { type: 'integer', minimum: 1, maximum: 256, default: 4 },
            timeoutMs: { type: 'integer', minimum: 1000, default: 60000 },
            hourlySpendCapUsd: { type: 'number', minimum: 0, default: 10 },
          },
        },
      },
    },
    embeddings: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['provider', 'workers', 'cacheEntries', 'http'],
      properties: {
        provider: { enum: ['local', 'http'], default: 'local' },
        workers: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
        cacheEntries: { type: 'integer', minimum: 0, default: 50000 },
        http: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['url', 'model', 'apiKey'],
          properties: {
            url: { type: ['string', 'null'], pattern: '^https?://', default: null, description: 'an OpenAI-compatible base URL such as http://host:8000/v1' },
            model: { type: ['string', 'null'], default: null },
            apiKey: { type: ['string', 'null'], default: null },
          },
        },
      },
    },
    windows: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['bucketSeconds', 'allowedLatenessSeconds'],
      properties: {
        bucketSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 300 },
        allowedLatenessSeconds: { type: 'integer', minimum: 0, maximum: 86400, default: 300, description: 'a bucket closes when the highest event time seen passes its end by this much' },
      },
    },
    alerts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['rulesDir', 'dashboardUrl', 'out', 'slack'],
      properties: {
        rulesDir: { type: ['string', 'null'], minLength: 1, default: null, description: 'directory of rule files (*.yaml), hot-reloaded; null = the shipped alerts/ directory' },
        dashboardUrl: { type: 'string', pattern: '^https?://', default: 'http://127.0.0.1:8080/', description: 'linked from every Slack alert' },
        out: { type: 'string', minLength: 1, default: '-', description: 'JSONL file for alerts when there is no Slack token ("-" = stdout)' },
        slack: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['token', 'apiUrl', 'defaultChannel'],
          properties: {
            token: { type: ['string', 'null'], minLength: 1, default: null, description: 'bot token; without it alerts go to alerts.out' },
            apiUrl: { type: ['string', 'null'], pattern: '^https?://', default: null, description: 'Web API base URL (tests point it at a stand-in)' },
            defaultChannel: { type: 'string', minLength: 1, default: '#clio-alerts', description: 'for rules without a channel' },
          },
        },
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
    deadLetterCompression: 'none' | 'gzip' | 'snappy' | 'lz4';
    ssl: { enabled: boolean; caFile: string | null; certFile: string | null; keyFile: string | null; keyPassphrase: string | null; rejectUnauthorized: boolean };
    sasl: { mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string | null; password: string | null };
  };
  store: { dataDir: string; databaseUrl: string | null };
  ingest: { maxMessageBytes: number; maxMessages: number; maxBlockChars: number; maxFutureSeconds: number };
  privacy: { accountHashSecret: string | null; minAccounts: number; minConversations: number; vocabularyK: number };
  catalog: { path: string | null };
  facets: {
    extractor: 'local' | 'claude';
    claude: { apiKey: string | null; baseUrl: string | null; model: string; maxConcurrency: number; timeoutMs: number; hourlySpendCapUsd: number };
  };
  embeddings: {
    provider: 'local' | 'http';
    workers: number;
    cacheEntries: number;
    http: { url: string | null; model: string | null; apiKey: string | null };
  };
  windows: { bucketSeconds: number; allowedLatenessSeconds: number };
  alerts: { rulesDir: string | null; dashboardUrl: string; out: string; slack: { token: string | null; apiUrl: string | null; defaultChannel: string } };
  api: { host: string; port: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  shutdown: { timeoutMs: number };
}

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list';

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
  { env: 'CLIO_KAFKA_DLQ_COMPRESSION', key: 'kafka.deadLetterCompression', kind: 'string' },
  { env: 'CLIO_KAFKA_SSL', key: 'kafka.ssl.enabled', kind: 'boolean' },
  { env: 'CLIO_KAFKA_SSL_CA_FILE', key: 'kafka.ssl.caFile', kind: 'string' },
  { env: 'CLIO_KAFKA_SSL_CERT_FILE', key: 'kafka.ssl.certFile', kind: 'string' },
  { env: 'CLIO_KAFKA_SSL_KEY_FILE', key: 'kafka.ssl.keyFile', kind: 'string' },
  { env: 'CLIO_KAFKA_SSL_KEY_PASSPHRASE', key: 'kafka.ssl.keyPassphrase', kind: 'string' },
  { env: 'CLIO_KAFKA_SSL_REJECT_UNAUTHORIZED', key: 'kafka.ssl.rejectUnauthorized', kind: 'boolean' },
  { env: 'CLIO_KAFKA_SASL_MECHANISM', key: 'kafka.sasl.mechanism', kind: 'string' },
  { env: 'CLIO_KAFKA_SASL_USERNAME', key: 'kafka.sasl.username', kind: 'string' },
  { env: 'CLIO_KAFKA_SASL_PASSWORD', key: 'kafka.sasl.password', kind: 'string' },
  { env: 'CLIO_DATA_DIR', key: 'store.dataDir', kind: 'string' },
  { env: 'DATABASE_URL', key: 'store.databaseUrl', kind: 'string' },
  { env: 'CLIO_MAX_MESSAGE_BYTES', key: 'ingest.maxMessageBytes', kind: 'integer' },
  { env: 'CLIO_MAX_MESSAGES', key: 'ingest.maxMessages', kind: 'integer' },
  { env: 'CLIO_MAX_BLOCK_CHARS', key: 'ingest.maxBlockChars', kind: 'integer' },
  { env: 'CLIO_MAX_FUTURE_SECONDS', key: 'ingest.maxFutureSeconds', kind: 'integer' },
  { env: 'CLIO_ACCOUNT_HASH_SECRET', key: 'privacy.accountHashSecret', kind: 'string' },
  { env: 'CLIO_MIN_ACCOUNTS', key: 'privacy.minAccounts', kind: 'integer' },
  { env: 'CLIO_MIN_CONVERSATIONS', key: 'privacy.minConversations', kind: 'integer' },
  { env: 'CLIO_VOCABULARY_K', key: 'privacy.vocabularyK', kind: 'integer' },
  { env: 'CLIO_CATALOG', key: 'catalog.path', kind: 'string' },
  { env: 'CLIO_FACET_EXTRACTOR', key: 'facets.extractor', kind: 'string' },
  { env: 'ANTHROPIC_API_KEY', key: 'facets.claude.apiKey', kind: 'string' },
  { env: 'ANTHROPIC_BASE_URL', key: 'facets.claude.baseUrl', kind: 'string' },
  { env: 'CLIO_CLAUDE_MODEL', key: 'facets.claude.model', kind: 'string' },
  { env: 'CLIO_CLAUDE_CONCURRENCY', key: 'facets.claude.maxConcurrency', kind: 'integer' },
  { env: 'CLIO_CLAUDE_HOURLY_SPEND_CAP_USD', key: 'facets.claude.hourlySpendCapUsd', kind: 'number' },
  { env: 'CLIO_EMBEDDINGS', key: 'embeddings.provider', kind: 'string' },
  { env: 'CLIO_EMBED_WORKERS', key: 'embeddings.workers', kind: 'integer' },
  { env: 'CLIO_EMBED_CACHE_ENTRIES', key: 'embeddings.cacheEntries', kind: 'integer' },
  { env: 'CLIO_EMBEDDINGS_URL', key: 'embeddings.http.url', kind: 'string' },
  { env: 'CLIO_EMBEDDINGS_MODEL', key: 'embeddings.http.model', kind: 'string' },
  { env: 'CLIO_EMBEDDINGS_API_KEY', key: 'embeddings.http.apiKey', kind: 'string' },
  { env: 'CLIO_BUCKET_SECONDS', key: 'windows.bucketSeconds', kind: 'integer' },
  { env: 'CLIO_ALLOWED_LATENESS_SECONDS', key: 'windows.allowedLatenessSeconds', kind: 'integer' },
  { env: 'CLIO_RULES_DIR', key: 'alerts.rulesDir', kind: 'string' },
  { env: 'CLIO_DASHBOARD_URL', key: 'alerts.dashboardUrl', kind: 'string' },
  { env: 'CLIO_ALERTS_OUT', key: 'alerts.out', kind: 'string' },
  { env: 'SLACK_BOT_TOKEN', key: 'alerts.slack.token', kind: 'string' },
  { env: 'SLACK_API_URL', key: 'alerts.slack.apiUrl', kind: 'string' },
  { env: 'CLIO_SLACK_CHANNEL', key: 'alerts.slack.defaultChannel', kind: 'string' },
  { env: 'CLIO_API_HOST', key: 'api.host', kind: 'string' },
  { env: 'CLIO_API_PORT', key: 'api.port', kind: 'integer' },
  { env: 'CLIO_LOG_LEVEL', key: 'log.level', kind: 'string' },
  { env: 'CLIO_SHUTDOWN_TIMEOUT_MS', key: 'shutdown.timeoutMs', kind: 'integer' },
];
