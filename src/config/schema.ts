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
        fromBeginning: { type: 'boolean', default: false, description: 'where a new consumer group starts: false = new records only (latest), true = the oldest retained record' },
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
          required: ['mechanism', 'username', 'password', 'tokenFile', 'tokenCommand'],
          properties: {
            mechanism: { enum: ['none', 'plain', 'scram-sha-256', 'scram-sha-512', 'oauthbearer'], default: 'none', description: 'none, plain, scram-sha-256 or scram-sha-512, or oauthbearer with tokenFile or tokenCommand' },
            username: { type: ['string', 'null'], minLength: 1, default: null },
            password: { type: ['string', 'null'], minLength: 1, default: null },
            tokenFile: { type: ['string', 'null'], minLength: 1, default: null, description: 'oauthbearer: file holding the token, re-read whenever a connection authenticates' },
            tokenCommand: { type: ['string', 'null'], minLength: 1, default: null, description: 'oauthbearer: shell command printing the token, run again when the token nears its expiry' },
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
      required: ['provider', 'workers', 'cacheEntries', 'http', 'onnx'],
      properties: {
        provider: { enum: ['local', 'http', 'onnx'], default: 'local', description: 'local: the embedded English model; http: an OpenAI-compatible endpoint; onnx: an ONNX sentence model in-process (multilingual)' },
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
        onnx: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['model', 'dir', 'threads'],
          properties: {
            model: { type: 'string', minLength: 1, default: 'multilingual-e5-small', description: 'a model of src/embed/onnx-models.json; its files come from `npm run model:fetch`' },
            dir: { type: ['string', 'null'], minLength: 1, default: null, description: 'folder with model.onnx, tokenizer.json and checksums.json; default .cache/models/<model>' },
            threads: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
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
      required: ['host', 'port', 'tokens', 'authFailures', 'rulesPollMs'],
      properties: {
        host: { type: 'string', minLength: 1, default: '127.0.0.1' },
        port: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
        tokens: {
          type: 'array',
          default: [],
          description: 'API tokens as hashes (never the token itself); more are made with `clio-stream tokens create`',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'role', 'sha256'],
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z0-9._@-]{1,64}$', description: 'a name of 1-64 letters, digits, ".", "_", "@" or "-"' },
              role: { enum: ['viewer', 'analyst', 'investigator', 'admin'] },
              sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'the hex SHA-256 of the token (64 lowercase hex digits)' },
            },
          },
        },
        authFailures: {
          type: 'object',
          additionalProperties: false,
          default: {},
          required: ['max', 'windowSeconds'],
          description: 'failed authentications allowed per client address and window before 429',
          properties: {
            max: { type: 'integer', minimum: 1, default: 10 },
            windowSeconds: { type: 'integer', minimum: 1, default: 60 },
          },
        },
        rulesPollMs: { type: 'integer', minimum: 100, default: 2000, description: 'how often every instance looks for new rule versions and silences in the database' },
      },
    },
    investigator: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['enabled', 'maxFacets', 'viewMinutes'],
      description: 'the audited investigator view of redacted request facets (off by default)',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'lets investigator tokens see up to maxFacets redacted request facets of one cluster or alert, with a case reference and a reason' },
        maxFacets: { type: 'integer', minimum: 1, maximum: 100, default: 20, description: 'facets per view' },
        viewMinutes: { type: 'integer', minimum: 1, maximum: 1440, default: 60, description: 'how long a view may be re-read' },
      },
    },
    retention: {
      type: 'object',
      additionalProperties: false,
      default: {},
      required: ['enabled', 'individualDays', 'bucketDays', 'hourlyDays', 'aggregateMonths', 'batchRows', 'intervalSeconds'],
      description: 'how long stored data is kept; the leader deletes and rolls up in small batches',
      properties: {
        enabled: { type: 'boolean', default: true, description: 'false keeps everything (not for production)' },
        individualDays: { type: 'integer', minimum: 1, maximum: 365, default: 7, description: 'individual-level rows: seen conversation-id hashes, account hashes per bucket, the recent pool (embeddings, summary words)' },
        bucketDays: { type: 'integer', minimum: 15, maximum: 3650, default: 35, description: 'per-bucket counts, then rolled up to hours (at least 15: detection reads two weeks plus a baseline)' },
        hourlyDays: { type: 'integer', minimum: 15, maximum: 3650, default: 90, description: 'hourly counts, then rolled up to days' },
        aggregateMonths: { type: 'integer', minimum: 1, maximum: 120, default: 13, description: 'daily counts, catalog versions, sent notifications and API access-log entries, then deleted' },
        batchRows: { type: 'integer', minimum: 10, maximum: 100000, default: 5000, description: 'rows per delete or roll-up statement' },
        intervalSeconds: { type: 'integer', minimum: 1, maximum: 86400, default: 300, description: 'how often the leader runs the janitor' },
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
    fromBeginning: boolean;
    deadLetterCompression: 'none' | 'gzip' | 'snappy' | 'lz4';
    ssl: { enabled: boolean; caFile: string | null; certFile: string | null; keyFile: string | null; keyPassphrase: string | null; rejectUnauthorized: boolean };
    sasl: { mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'oauthbearer'; username: string | null; password: string | null; tokenFile: string | null; tokenCommand: string | null };
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
    provider: 'local' | 'http' | 'onnx';
    workers: number;
    cacheEntries: number;
    http: { url: string | null; model: string | null; apiKey: string | null };
    onnx: { model: string; dir: string | null; threads: number };
  };
  windows: { bucketSeconds: number; allowedLatenessSeconds: number };
  alerts: { rulesDir: string | null; dashboardUrl: string; out: string; slack: { token: string | null; apiUrl: string | null; defaultChannel: string } };
  api: {
    host: string;
    port: number;
    tokens: Array<{ name: string; role: 'viewer' | 'analyst' | 'investigator' | 'admin'; sha256: string }>;
    authFailures: { max: number; windowSeconds: number };
    rulesPollMs: number;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  shutdown: { timeoutMs: number };
  investigator: { enabled: boolean; maxFacets: number; viewMinutes: number };
  retention: { enabled: boolean; individualDays: number; bucketDays: number; hourlyDays: number; aggregateMonths: number; batchRows: number; intervalSeconds: number };
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
  { env: 'CLIO_KAFKA_FROM_BEGINNING', key: 'kafka.fromBeginning', kind: 'boolean' },
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
  { env: 'CLIO_KAFKA_SASL_TOKEN_FILE', key: 'kafka.sasl.tokenFile', kind: 'string' },
  { env: 'CLIO_KAFKA_SASL_TOKEN_COMMAND', key: 'kafka.sasl.tokenCommand', kind: 'string' },
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
  { env: 'CLIO_ONNX_MODEL', key: 'embeddings.onnx.model', kind: 'string' },
  { env: 'CLIO_ONNX_DIR', key: 'embeddings.onnx.dir', kind: 'string' },
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
  { env: 'CLIO_INVESTIGATOR_ENABLED', key: 'investigator.enabled', kind: 'boolean' },
  { env: 'CLIO_RETENTION_ENABLED', key: 'retention.enabled', kind: 'boolean' },
  { env: 'CLIO_RETENTION_INDIVIDUAL_DAYS', key: 'retention.individualDays', kind: 'integer' },
  { env: 'CLIO_RETENTION_BUCKET_DAYS', key: 'retention.bucketDays', kind: 'integer' },
  { env: 'CLIO_RETENTION_HOURLY_DAYS', key: 'retention.hourlyDays', kind: 'integer' },
  { env: 'CLIO_RETENTION_AGGREGATE_MONTHS', key: 'retention.aggregateMonths', kind: 'integer' },
];
