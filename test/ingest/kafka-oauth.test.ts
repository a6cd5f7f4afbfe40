// kafka.sasl.mechanism oauthbearer: settings checked at start, the token provider (file re-read,
// command re-run near expiry), and the SASL exchange. A real broker test: kafka-security-broker.test.ts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthenticationProviderArgs } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { jwtExpiry, oauthBearerMechanism, tokenSource } from '../../src/ingest/kafka/oauth-token.ts';
import { kafkaSecurity } from '../../src/ingest/kafka/security.ts';
import { configErrorOf } from '../helpers/config-error.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clio-oauth-'));
});

function jwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part(claims)}.`;
}
const inSeconds = (s: number, from = Date.now()) => Math.floor(from / 1000) + s;

function write(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const oauth = (sasl: Record<string, unknown>) => loadConfig({ overrides: { kafka: { sasl: { mechanism: 'oauthbearer', ...sasl } } } }).kafka;

describe('oauthbearer settings', () => {
  it.each([
    ['no token source', {}, 'kafka.sasl.tokenFile', /or kafka\.sasl\.tokenCommand is required/],
    ['both a file and a command', { tokenFile: '/t', tokenCommand: 'echo t' }, 'kafka.sasl.tokenCommand', /both set: choose one/],
    ['a username', { tokenFile: '/t', username: 'clio' }, 'kafka.sasl.username', /not used with kafka\.sasl\.mechanism oauthbearer/],
    ['a password', { tokenFile: '/t', password: 'pw-never-shown' }, 'kafka.sasl.password', /not used with kafka\.sasl\.mechanism oauthbearer/],
  ])('refuses %s, naming the key', (_what, sasl, key, message) => {
    const error = configErrorOf(() => oauth(sasl));
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('pw-never-shown');
  });

  it('refuses a token source with another mechanism', () => {
    const error = configErrorOf(() => loadConfig({ overrides: { kafka: { sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p', tokenFile: '/t' } } } }));
    expect(error.key).toBe('kafka.sasl.tokenFile');
    expect(error.message).toMatch(/only used with kafka\.sasl\.mechanism oauthbearer, not scram-sha-512/);
  });

  it('reads the token settings from the environment', () => {
    const config = loadConfig({ env: { CLIO_KAFKA_SASL_MECHANISM: 'oauthbearer', CLIO_KAFKA_SASL_TOKEN_COMMAND: 'print-token' } });
    expect(config.kafka.sasl).toMatchObject({ mechanism: 'oauthbearer', tokenCommand: 'print-token', tokenFile: null });
    expect(loadConfig({ env: { CLIO_KAFKA_SASL_MECHANISM: 'oauthbearer', CLIO_KAFKA_SASL_TOKEN_FILE: '/run/token' } }).kafka.sasl.tokenFile).toBe('/run/token');
  });
});

describe('the first token is fetched and checked at start', () => {
  it.each([
    ['a missing file', () => ({ tokenFile: join(dir, 'absent') }), 'kafka.sasl.tokenFile', /cannot read .*absent: ENOENT/],
    ['an empty file', () => ({ tokenFile: write('empty', '\n') }), 'kafka.sasl.tokenFile', /the token in .*empty is empty/],
    ['two words', () => ({ tokenFile: write('two', 'Bearer abc\n') }), 'kafka.sasl.tokenFile', /not a single-line token/],
    ['an expired JWT', () => ({ tokenFile: write('expired', jwt({ sub: 'x', exp: inSeconds(-10) })) }), 'kafka.sasl.tokenFile', /expired at 20\d\d-/],
    ['a failing command', () => ({ tokenCommand: 'echo secret-in-stderr-Xq1 >&2; echo secret-in-stdout-Xq1; exit 3' }), 'kafka.sasl.tokenCommand', /exited with code 3 \(its output is not shown/],
    ['a command that is not there', () => ({ tokenCommand: 'no-such-token-tool-xyz' }), 'kafka.sasl.tokenCommand', /exited with code 127/],
  ])('stops on %s, naming the key and quoting no output', (_what, sasl, key, message) => {
    const error = configErrorOf(() => kafkaSecurity(oauth(sasl())));
    expect(error.key).toBe(key);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/secret-in-|Bearer abc/);
  });

  it('gives kafkajs an OAUTHBEARER mechanism with its own authenticator', () => {
    const security = kafkaSecurity(oauth({ tokenFile: write('ok', 'opaque-token\n') }));
    expect(security.sasl).toMatchObject({ mechanism: 'oauthbearer', authenticationProvider: expect.any(Function) });
  });
});

describe('tokenSource', () => {
  it('re-reads a file holding an opaque token at every authentication', async () => {
    const file = write('rotating', 'token-one\n');
    const source = tokenSource({ tokenFile: file });
    expect(await source.token()).toBe('token-one');
    writeFileSync(file, 'token-two');
    expect(await source.token()).toBe('token-two');
  });

  it('keeps a JWT until a minute before it expires, then fetches the next one', async () => {
    let now = Date.now();
    const file = write('jwt', jwt({ sub: 'a', exp: inSeconds(120, now) }));
    const source = tokenSource({ tokenFile: file }, () => now);
    const first = await source.token();
    const next = jwt({ sub: 'b', exp: inSeconds(3600, now) });
    writeFileSync(file, next);
    expect(await source.token()).toBe(first);
    now += 70_000;
    expect(await source.token()).toBe(next);
  });

  it('runs the command again when its token nears expiry, and says so when it fails later', async () => {
    let now = Date.now();
    const counter = write('runs', '');
    const tokenFile = write('cmd-jwt', jwt({ sub: 'a', exp: inSeconds(90, now) }));
    const source = tokenSource({ tokenCommand: `echo run >> '${counter}'; cat '${tokenFile}'` }, () => now);
    await source.token();
    await source.token();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
    now += 60_000;
    await source.token();
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(2);
    writeFileSync(tokenFile, '');
    now += 60_000;
    await expect(source.token()).rejects.toMatchObject({ key: 'kafka.sasl.tokenCommand', message: expect.stringMatching(/is empty/) });
  });

  it('reads exp from a JWT only', () => {
    expect(jwtExpiry(jwt({ exp: 2_000_000_000 }))).toBe(2_000_000_000_000);
    expect(jwtExpiry('opaque')).toBeUndefined();
    expect(jwtExpiry('a.b.c')).toBeUndefined();
  });
});

describe('the OAUTHBEARER exchange', () => {
  async function exchange(challenge: Buffer): Promise<{ sent: Buffer; error: unknown }> {
    const mechanism = oauthBearerMechanism({ token: async () => 'tok-123' });
    let sent: Buffer = Buffer.alloc(0);
    const saslAuthenticate = (async ({ request, response }) => {
      sent = await request.encode();
      // What kafkajs hands the response decoder: the broker's bytes, length-prefixed.
      const framed = Buffer.concat([Buffer.alloc(4), challenge]);
      framed.writeInt32BE(challenge.length, 0);
      return response!.parse(await response!.decode(framed));
    }) as AuthenticationProviderArgs['saslAuthenticate'];
    const error = await mechanism
      .authenticationProvider({ host: 'h', port: 1, logger: undefined as never, saslAuthenticate })
      .authenticate()
      .then(() => undefined, (e: unknown) => e);
    return { sent, error };
  }

  it('sends the RFC 7628 initial response and accepts an empty answer', async () => {
    const { sent, error } = await exchange(Buffer.alloc(0));
    expect(error).toBeUndefined();
    const message = 'n,,\x01auth=Bearer tok-123\x01\x01';
    expect(sent.readInt32BE(0)).toBe(message.length);
    expect(sent.subarray(4).toString()).toBe(message);
  });

  it('turns the broker\'s error answer into a SASL authentication error with its status only', async () => {
    const { error } = await exchange(Buffer.from('{"status":"invalid_token","scope":"x"}'));
    expect((error as Error).name).toBe('KafkaJSSASLAuthenticationError');
    expect((error as Error).message).toBe('SASL OAUTHBEARER authentication failed: the broker refused the token (invalid_token)');
  });
});
