/** Base of every error clio-stream raises on purpose: a stable code and whether retrying can help. */
export class ClioError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Bad configuration: names the offending key and the expected form. */
export class ConfigError extends ClioError {
  readonly key: string;
  constructor(key: string, message: string) {
    super('config_invalid', `config ${key}: ${message}`);
    this.key = key;
  }
}

/** The Kafka cluster cannot be reached or refuses us. */
export class SourceUnavailableError extends ClioError {
  constructor(message: string, cause?: unknown) {
    super('source_unavailable', message, { retryable: true, cause });
  }
}

/** The state store failed; retryable when the failure is transient (connection loss, serialization). */
export class StoreError extends ClioError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('store_failed', message, options);
  }
}

/** A command-line usage problem (missing file, bad flag value): reported without a stack trace. */
export class UsageError extends ClioError {
  constructor(message: string) {
    super('usage', message);
  }
}
