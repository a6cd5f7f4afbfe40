/**
 * The one place that knows kafkajs (2.2.4, unmaintained upstream): building the client, mapping
 * its logs to ours, and turning its errors into clio-stream's typed errors.
 */
import kafkajs from 'kafkajs';
import type { Kafka, logCreator } from 'kafkajs';
import { ConfigError, SourceUnavailableError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { registerCodecs } from './codecs.ts';
import type { KafkaSecurity } from './security.ts';

const { Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;

export type { Kafka } from 'kafkajs';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  connectionTimeoutMs: number;
  /** Retries for one request before kafkajs gives up (the consumer restarts itself after that). */
  retries?: number;
  /** TLS and SASL, as kafkaSecurity() built them from kafka.ssl and kafka.sasl. */
  security?: KafkaSecurity;
}

export function createKafka(settings: KafkaSettings, logger: Logger): Kafka {
  // Every consumer and producer comes from a client built here, so lz4/snappy/zstd are known first.
  registerCodecs();
  return new KafkaClient({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    connectionTimeout: settings.connectionTimeoutMs,
    requestTimeout: 30_000,
    retry: { retries: settings.retries ?? 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    logLevel: logLevel.WARN,
    logCreator: toPino(logger.child({ component: 'kafkajs' })),
    ...(settings.security?.ssl ? { ssl: settings.security.ssl } : {}),
    ...(settings.security?.sasl ? { sasl: settings.security.sasl } : {}),
  });
}

/** kafkajs log entries carry broker addresses and error text, never message values. */
function toPino(logger: Logger): logCreator {
  return () => ({ level, log }) => {
    const { message, timestamp: _t, logger: _l, ...rest } = log as { message: string; timestamp?: string; logger?: string };
    const fields = { namespace: (log as { namespace?: string }).namespace, error: (rest as { error?: string }).error };
    // kafkajs retries what it logs as errors; our own code logs the failures that matter.
    if (level === logLevel.ERROR || level === logLevel.WARN) logger.warn(fields, message);
    else logger.debug(fields, message);
  };
}

/** Connects an admin client and creates the topics that do not exist yet. */
export async function ensureTopics(kafka: Kafka, brokers: readonly string[], topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: -1 })),
      });
    }
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Checks that the brokers answer, with a short, clear error when they do not. */
export async function checkReachable(kafka: Kafka, brokers: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Maps a kafkajs failure to our errors. Refused credentials or certificates are configuration
 * errors (exit 2, no point retrying); anything else is the source being unavailable.
 */
export function asSourceError(cause: unknown, brokers: readonly string[]): SourceUnavailableError | ConfigError {
  if (cause instanceof SourceUnavailableError || cause instanceof ConfigError) return cause;
  const error = cause as Error & { originalError?: Error; name?: string };
  const root = error.originalError ?? error;
  const why = root.message || String(root);
  const refused = securityError(cause, brokers);
  if (refused) return refused;
  if (/Connection|ECONNREFUSED|ENOTFOUND|ETIMEDOUT|NumberOfRetriesExceeded|timeout/i.test(`${error.name} ${why}`)) {
    const hint = /Closed connection|ECONNRESET/i.test(why) ? ' (a TLS or SASL listener drops clients without them: see kafka.ssl and kafka.sasl)' : '';
    return new SourceUnavailableError(`cannot reach Kafka at ${brokers.join(',')}: ${why}${hint}`, cause);
  }
  return new SourceUnavailableError(`Kafka at ${brokers.join(',')} failed: ${why}`, cause);
}

type KafkaError = Error & { originalError?: unknown; cause?: unknown; type?: string; code?: string };

/** The errors in a kafkajs chain (retries wrap the failure that ended them). */
function chain(cause: unknown): KafkaError[] {
  const out: KafkaError[] = [];
  for (let e = cause as KafkaError | undefined; e && typeof e === 'object' && out.length < 8; e = (e.originalError ?? e.cause) as KafkaError | undefined) {
    if (out.includes(e)) break;
    out.push(e);
  }
  return out;
}

const CERT_REFUSED = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE)$/;

function securityError(cause: unknown, brokers: readonly string[]): ConfigError | undefined {
  const at = brokers.join(',');
  for (const e of chain(cause)) {
    // A token file or command that fails on a later refresh (thrown inside kafkajs's authentication).
    if (e instanceof ConfigError) return e;
    const why = e.message ?? '';
    if (e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED') {
      if (/not supported by the server/i.test(why)) return new ConfigError('kafka.sasl.mechanism', `Kafka at ${at} does not offer it: ${why}`);
      if (/OAUTHBEARER/.test(why)) return new ConfigError('kafka.sasl', `Kafka at ${at} refused the token (${why}): check what kafka.sasl.tokenFile or kafka.sasl.tokenCommand gives`);
      return new ConfigError('kafka.sasl', `Kafka at ${at} refused the credentials (${why}): check kafka.sasl.username and kafka.sasl.password`);
    }
    if (e.type === 'ILLEGAL_SASL_STATE') {
      return new ConfigError('kafka.sasl.mechanism', `Kafka at ${at} does not expect SASL on this listener (${why}): set kafka.sasl.mechanism to none, or use the broker's SASL listener`);
    }
    if (e.type === 'UNSUPPORTED_SASL_MECHANISM') {
      return new ConfigError('kafka.sasl.mechanism', `Kafka at ${at} does not offer this mechanism (${why})`);
    }
    const code = e.code ?? '';
    if (CERT_REFUSED.test(code)) {
      return new ConfigError('kafka.ssl.caFile', `the certificate of Kafka at ${at} is not trusted (${code}): set kafka.ssl.caFile to the CA that signed it`);
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return new ConfigError('kafka.brokers', `the certificate of Kafka at ${at} does not name that host: use a broker address the certificate names`);
    }
    if (/^ERR_SSL_.*(CERTIFICATE_REQUIRED|BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN)/.test(code)) {
      return new ConfigError('kafka.ssl.certFile', `Kafka at ${at} refused the client certificate (${code})`);
    }
    if (/^ERR_SSL_WRONG_VERSION_NUMBER$/.test(code) || /before secure TLS connection was established/i.test(why)) {
      return new ConfigError('kafka.ssl.enabled', `Kafka at ${at} did not complete a TLS handshake: is this a TLS listener? (${why})`);
    }
  }
  return undefined;
}

/** Produces raw values to a topic in batches (demo and tools; the pipeline itself only consumes). */
export async function produceValues(kafka: Kafka, brokers: readonly string[], topic: string, values: ReadonlyArray<Buffer | null>): Promise<void> {
  const producer = createProducer(kafka);
  try {
    await producer.connect();
    // Requests stay well under the broker's default 1 MB limit per record batch.
    let batch: Array<{ value: Buffer | null }> = [];
    let bytes = 0;
    for (const value of values) {
      if (batch.length > 0 && (bytes + (value?.length ?? 0) > 512 * 1024 || batch.length >= 2000)) {
        await producer.send({ topic, acks: -1, messages: batch });
        batch = [];
        bytes = 0;
      }
      batch.push({ value });
      bytes += value?.length ?? 0;
    }
    if (batch.length > 0) await producer.send({ topic, acks: -1, messages: batch });
  } catch (cause) {
    throw asSourceError(cause, brokers);
  } finally {
    await producer.disconnect().catch(() => {});
  }
}

/** A producer with kafkajs's current default partitioner (named, which also silences its v2 notice). */
export function createProducer(kafka: Kafka) {
  return kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
}
