import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    reporters: ['default', './test/reporters/summary-line.ts'],
    // Starts a local Kafka broker and a temporary PostgreSQL unless KAFKA_BROKERS / TEST_DATABASE_URL are set.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores and one shared broker: integration files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
