// Where the real services for integration tests are: values provided by test/global-setup.ts
// (or the KAFKA_BROKERS / TEST_DATABASE_URL environment when run some other way).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

function provided(key: 'kafkaBrokers' | 'postgresUrl', envName: string): string {
  let value: string | undefined;
  try {
    value = inject(key);
  } catch {
    // inject() only works inside a vitest worker; fall back to the environment.
  }
  value ||= process.env[envName];
  if (!value) {
    throw new Error(
      `${envName} is not set and no ${key} was provided: run tests through vitest (test/global-setup.ts starts ` +
        `the services) or set ${envName}.`,
    );
  }
  return value;
}

export function kafkaBrokers(): string[] {
  return provided('kafkaBrokers', 'KAFKA_BROKERS')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

export function postgresUrl(): string {
  return provided('postgresUrl', 'TEST_DATABASE_URL');
}

/** A random name that is valid as a Kafka topic, consumer group and (lower-case) PostgreSQL identifier. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: postgresUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server; drop() removes it (closing any connections left open). */
export async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName('clio_test');
  const ident = pg.escapeIdentifier(name);
  await admin((c) => c.query(`CREATE DATABASE ${ident}`));
  const url = new URL(postgresUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`));
    },
  };
}
