/**
 * SASL OAUTHBEARER: the token comes from a file (re-read whenever a connection authenticates, so a
 * sidecar or a projected volume can rotate it) or from a command (run again when the last token is
 * near its expiry). The first token is fetched and checked at start, so a missing file, a failing
 * command or an expired token stops `run` with the setting named. No token ever reaches a log
 * line or an error message.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import kafkajs from 'kafkajs';
import type { Mechanism } from 'kafkajs';
import { ConfigError } from '../../errors.ts';

const run = promisify(execFile);
// kafkajs's types declare no constructor arguments for it; the class takes a message.
const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
const COMMAND_TIMEOUT_MS = 30_000;
/** A JWT is fetched again once it has less than this left. */
const REFRESH_BEFORE_MS = 60_000;

export type TokenSettings = { tokenFile: string; tokenCommand?: null } | { tokenFile?: null; tokenCommand: string };

export interface TokenSource {
  /** The current token: from the cache while a JWT has more than a minute left, else fetched again. */
  token(): Promise<string>;
}

/** Fetches the first token now (synchronously, at start) and checks it; later ones on demand. */
export function tokenSource(settings: TokenSettings, now: () => number = Date.now): TokenSource {
  const key = settings.tokenFile ? 'kafka.sasl.tokenFile' : 'kafka.sasl.tokenCommand';
  const fetchNow = (): string =>
    settings.tokenFile ? readTokenFileSync(settings.tokenFile) : runTokenCommandSync(settings.tokenCommand!);
  const fetchLater = async (): Promise<string> =>
    settings.tokenFile ? readTokenFile(settings.tokenFile) : runTokenCommand(settings.tokenCommand!);

  let current = checked(key, describe(settings), fetchNow(), now());
  return {
    async token() {
      const expiresAt = jwtExpiry(current);
      // Opaque tokens carry no expiry: fetch each time a connection authenticates.
      if (expiresAt !== undefined && expiresAt - now() > REFRESH_BEFORE_MS) return current;
      current = checked(key, describe(settings), await fetchLater(), now());
      return current;
    },
  };
}

/** kafkajs's SASL option: OAUTHBEARER with a client that reads the broker's answer (see below). */
export function oauthBearerMechanism(source: TokenSource): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ saslAuthenticate }) => ({
      async authenticate() {
        const token = await source.token();
        // RFC 7628 initial response: GS2 header, then auth=Bearer <token>, framed by ^A.
        const message = Buffer.from(`n,,\x01auth=Bearer ${token}\x01\x01`);
        const challenge = await saslAuthenticate<Buffer>({
          request: { encode: async () => lengthPrefixed(message) },
          response: { decode: async (raw: Buffer) => raw.subarray(4), parse: (bytes: Buffer) => bytes },
        });
        // kafkajs's own OAUTHBEARER ignores this answer; a refused token then surfaces as a closed
        // connection. The broker answers a refusal with a JSON error (RFC 7628 3.2.2), success with nothing.
        if (challenge && challenge.length > 0) {
          const status = errorStatus(challenge);
          throw new SaslError(`SASL OAUTHBEARER authentication failed: the broker refused the token (${status})`);
        }
      },
    }),
  };
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const out = Buffer.alloc(4 + bytes.length);
  out.writeInt32BE(bytes.length, 0);
  bytes.copy(out, 4);
  return out;
}

/** The status of the broker's error challenge; only a short word of it, never the whole text. */
function errorStatus(challenge: Buffer): string {
  try {
    const status = (JSON.parse(challenge.toString('utf8')) as { status?: unknown }).status;
    if (typeof status === 'string' && /^[\w.-]{1,64}$/.test(status)) return status;
  } catch {
    // not JSON
  }
  return 'no status given';
}

function describe(settings: TokenSettings): string {
  return settings.tokenFile ? `the token in ${settings.tokenFile}` : 'the token kafka.sasl.tokenCommand printed';
}

/** A token must be one word of visible ASCII; a JWT must not have expired. Returns it trimmed. */
function checked(key: string, what: string, raw: string, nowMs: number): string {
  const token = raw.trim();
  if (token === '') throw new ConfigError(key, `${what} is empty`);
  if (!/^[\x21-\x7e]+$/.test(token)) throw new ConfigError(key, `${what} is not a single-line token (spaces or control characters in it)`);
  const expiresAt = jwtExpiry(token);
  if (expiresAt !== undefined && expiresAt <= nowMs) {
    throw new ConfigError(key, `${what} expired at ${new Date(expiresAt).toISOString()}`);
  }
  return token;
}

/** The `exp` of a JWT (milliseconds), or undefined for a token that is not a JWT or has none. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function readTokenFileSync(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('kafka.sasl.tokenFile', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
}

async function readTokenFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError('kafka.sasl.tokenFile', `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
}

// The command runs in a shell so that pipes work; its output is the token, so neither its stdout
// nor its stderr (which may echo credentials) is ever quoted.
function runTokenCommandSync(command: string): string {
  try {
    return execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
  } catch (cause) {
    throw commandError(cause);
  }
}

async function runTokenCommand(command: string): Promise<string> {
  try {
    return (await run('/bin/sh', ['-c', command], { encoding: 'utf8', timeout: COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 })).stdout;
  } catch (cause) {
    throw commandError(cause);
  }
}

function commandError(cause: unknown): ConfigError {
  const e = cause as NodeJS.ErrnoException & { status?: number | null; signal?: string | null; killed?: boolean };
  const how =
    e.code === 'ETIMEDOUT' || (e.killed && e.signal === 'SIGTERM') ? `did not finish within ${COMMAND_TIMEOUT_MS / 1000} s`
    : typeof e.status === 'number' ? `exited with code ${e.status} (its output is not shown: it may hold credentials)`
    : typeof e.code === 'number' ? `exited with code ${e.code} (its output is not shown: it may hold credentials)`
    : `could not be run (${e.signal ?? e.code ?? 'unknown error'})`;
  return new ConfigError('kafka.sasl.tokenCommand', how);
}
