import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { configSchema, envBindings, type Config } from './schema.ts';

export type { Config } from './schema.ts';

type Tree = Record<string, unknown>;

const ajv = new Ajv({ useDefaults: true, allErrors: false, strict: false, verbose: true });
const validate = ajv.compile(configSchema);

export interface ConfigSources {
  /** Environment variables (process.env in the CLI, a literal object in tests). */
  env?: Record<string, string | undefined>;
  /** Path of an optional YAML file; CLIO_CONFIG in env names one too. */
  file?: string;
  /** Highest precedence: values set by command-line flags or tests, as a partial tree. */
  overrides?: Tree;
}

/**
 * Builds the configuration from defaults < YAML file < environment < overrides, validates it
 * once and freezes it. Errors name the offending key (and the variable or file it came from).
 */
export function loadConfig(sources: ConfigSources = {}): Readonly<Config> {
  const env = sources.env ?? {};
  const origin = new Map<string, string>();
  const tree: Tree = {};

  const file = sources.file ?? env.CLIO_CONFIG;
  if (file) {
    const fromFile = readYaml(file);
    merge(tree, fromFile);
    for (const key of leafKeys(fromFile)) origin.set(key, `file ${file}`);
  }
  for (const binding of envBindings) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    if (binding.env === 'KAFKA_BROKERS' && env.CLIO_KAFKA_BROKERS) continue;
    setPath(tree, binding.key, convert(raw, binding.kind, binding.key, binding.env));
    origin.set(binding.key, `env ${binding.env}`);
  }
  if (sources.overrides) merge(tree, structuredClone(sources.overrides));

  if (!validate(tree)) {
    const error = validate.errors![0]!;
    const path = error.instancePath.split('/').filter(Boolean);
    if (error.keyword === 'additionalProperties') path.push(String(error.params.additionalProperty));
    const key = path.filter((p) => !/^\d+$/.test(p)).join('.') || '(root)';
    const from = origin.get(key);
    const described = (error.parentSchema as { description?: string } | undefined)?.description;
    const expected =
      error.keyword === 'additionalProperties' ? 'is not a known setting'
      : error.keyword === 'pattern' && described ? `must be ${described}`
      : `${error.message}${described ? ` (${described})` : ''}`;
    throw new ConfigError(key, `${expected}${from ? ` (from ${from})` : ''}`);
  }
  checkKafkaSecurity(tree as unknown as Config, origin);
  checkDatabaseTls((tree as unknown as Config).store.databaseUrl);
  checkRetention(tree as unknown as Config, origin);
  return deepFreeze(tree) as unknown as Config;
}

/** Each roll-up keeps its rows at least as long as the finer grain before it. */
function checkRetention(config: Config, origin: Map<string, string>): void {
  const r = config.retention;
  const fail = (key: string, message: string): never => {
    const from = origin.get(key);
    throw new ConfigError(key, `${message}${from ? ` (from ${from})` : ''}`);
  };
  if (r.hourlyDays < r.bucketDays) fail('retention.hourlyDays', `must be at least retention.bucketDays (${r.bucketDays})`);
  if (r.aggregateMonths * 30 < r.hourlyDays) fail('retention.aggregateMonths', `must cover retention.hourlyDays (${r.hourlyDays} days)`);
}

/** Rules between the TLS and SASL keys that the schema cannot state clearly. Never quotes a value. */
function checkKafkaSecurity(config: Config, origin: Map<string, string>): void {
  const fail = (key: string, message: string): never => {
    const from = origin.get(key);
    throw new ConfigError(key, `${message}${from ? ` (from ${from})` : ''}`);
  };
  const { ssl, sasl } = config.kafka;
  for (const name of ['caFile', 'certFile', 'keyFile', 'keyPassphrase'] as const) {
    if (ssl[name] !== null && !ssl.enabled) fail(`kafka.ssl.${name}`, 'is set but kafka.ssl.enabled is false: set kafka.ssl.enabled (CLIO_KAFKA_SSL) to true to connect with TLS');
  }
  if (ssl.certFile !== null && ssl.keyFile === null) fail('kafka.ssl.keyFile', 'is required with kafka.ssl.certFile: mutual TLS needs the certificate and its private key');
  if (ssl.keyFile !== null && ssl.certFile === null) fail('kafka.ssl.certFile', 'is required with kafka.ssl.keyFile: mutual TLS needs the certificate and its private key');
  if (ssl.keyPassphrase !== null && ssl.keyFile === null) fail('kafka.ssl.keyPassphrase', 'is set without kafka.ssl.keyFile');
  if (sasl.mechanism === 'none') {
    if (sasl.username !== null || sasl.password !== null) {
      fail('kafka.sasl.mechanism', 'is none but a SASL username or password is set: choose plain, scram-sha-256 or scram-sha-512');
    }
    if (sasl.tokenFile !== null || sasl.tokenCommand !== null) fail('kafka.sasl.mechanism', 'is none but a token file or command is set: choose oauthbearer');
    return;
  }
  if (sasl.mechanism === 'oauthbearer') {
    if (sasl.username !== null) fail('kafka.sasl.username', 'is not used with kafka.sasl.mechanism oauthbearer (the token names the principal)');
    if (sasl.password !== null) fail('kafka.sasl.password', 'is not used with kafka.sasl.mechanism oauthbearer: give the token with kafka.sasl.tokenFile or kafka.sasl.tokenCommand');
    if (sasl.tokenFile !== null && sasl.tokenCommand !== null) fail('kafka.sasl.tokenCommand', 'and kafka.sasl.tokenFile are both set: choose one');
    if (sasl.tokenFile === null && sasl.tokenCommand === null) {
      fail('kafka.sasl.tokenFile', 'or kafka.sasl.tokenCommand is required with kafka.sasl.mechanism oauthbearer (CLIO_KAFKA_SASL_TOKEN_FILE or CLIO_KAFKA_SASL_TOKEN_COMMAND)');
    }
    return;
  }
  for (const name of ['tokenFile', 'tokenCommand'] as const) {
    if (sasl[name] !== null) fail(`kafka.sasl.${name}`, `is only used with kafka.sasl.mechanism oauthbearer, not ${sasl.mechanism}`);
  }
  if (sasl.username === null) fail('kafka.sasl.username', `is required with kafka.sasl.mechanism ${sasl.mechanism} (set it in the file or CLIO_KAFKA_SASL_USERNAME)`);
  if (sasl.password === null) fail('kafka.sasl.password', `is required with kafka.sasl.mechanism ${sasl.mechanism} (set it in the file or CLIO_KAFKA_SASL_PASSWORD)`);
}

const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * The TLS parameters of DATABASE_URL that `pg` reads (sslmode, sslrootcert, sslcert, sslkey),
 * checked at start. Messages name the parameter and the file, never the URL (it may hold a password).
 */
function checkDatabaseTls(url: string | null): void {
  if (!url) return;
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return; // pg's own parser is more lenient (and reports what it cannot read)
  }
  const mode = params.get('sslmode');
  if (mode !== null && !SSL_MODES.includes(mode)) {
    throw new ConfigError('store.databaseUrl', `sslmode must be one of ${SSL_MODES.join(', ')}`);
  }
  for (const name of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = params.get(name);
    if (file === null) continue;
    try {
      accessSync(file, fsConstants.R_OK);
    } catch (cause) {
      throw new ConfigError('store.databaseUrl', `${name} ${file} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
    }
  }
}

function readYaml(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('file', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause}`);
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (cause) {
    throw new ConfigError('file', `${file} is not valid YAML: ${(cause as Error).message.split('\n')[0]}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError('file', `${file} must hold a YAML mapping`);
  return parsed as Tree;
}

function convert(raw: string, kind: string, key: string, env: string): unknown {
  switch (kind) {
    case 'list':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(key, `must be a whole number, got "${raw}" (from env ${env})`);
      return Number(raw);
    }
    case 'number': {
      if (!Number.isFinite(Number(raw)) || raw.trim() === '') throw new ConfigError(key, `must be a number, got "${raw}" (from env ${env})`);
      return Number(raw);
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(key, `must be true or false, got "${raw}" (from env ${env})`);
    }
    default:
      return raw;
  }
}

function setPath(tree: Tree, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts.at(-1)!] = value;
}

function merge(target: Tree, source: Tree): void {
  for (const [k, v] of Object.entries(source)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object' && !Array.isArray(target[k])) {
      merge(target[k] as Tree, v as Tree);
    } else {
      target[k] = v;
    }
  }
}

function leafKeys(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? leafKeys(v as Tree, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
