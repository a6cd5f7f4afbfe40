// Traffic for the read routes, through the real ingest pipeline (validation, keyed hashing, counting
// in the store) and a real Detector over the same store, served by the real workbench (auth included).
// Four leaves under one parent: a steady big one, a "mid" one that surges ×4 in its last two
// hours (from many new accounts: it alerts), a steady "other", and a "small" one whose
// conversations all come from 3 accounts and carry every canary (it must never be shown).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { MEMORY_STORE, openPglite } from '../../src/store/pglite-client.ts';
import { Registry } from 'prom-client';
import { AccessLog } from '../../src/api/auth/access-log.ts';
import { ROLES, type Role } from '../../src/api/auth/roles.ts';
import { hashToken, newToken } from '../../src/api/auth/tokens.ts';
import type { WorkbenchDeps } from '../../src/api/deps.ts';
import type { Assigner, Assignment } from '../../src/assign/assigner.ts';
import type { Notification } from '../../src/alerts/alert.ts';
import type { Catalog, CatalogCluster } from '../../src/catalog/catalog.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { Detector } from '../../src/detect/detector.ts';
import { DetectionMetrics } from '../../src/detect/metrics.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { FileDeadLetterSink } from '../../src/ingest/file-dead-letter.ts';
import { FileSource } from '../../src/ingest/file-source.ts';
import { createLogger } from '../../src/log.ts';
import { createIngestPipeline } from '../../src/pipeline/ingest-pipeline.ts';
import { createIdHasher } from '../../src/privacy/account-hash.ts';
import { parseRules, ruleLimitsOf, type RuleSet } from '../../src/rules/rules.ts';
import { buildApp } from '../../src/service/app.ts';
import { PipelineMetrics } from '../../src/pipeline/metrics.ts';
import { DetectionStore } from '../../src/store/detection-store.ts';
import { IngestStore } from '../../src/store/ingest-store.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { SqlClient } from '../../src/store/sql.ts';
import { CANARIES, canaryConversation, memoryStream } from '../helpers/canary.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const BUCKET = 5 * MIN;
export const T0 = Date.parse('2026-11-20T00:00:00Z');
/** The surge of c-mid: its last two hours. The event clock ends at the last event, 90 s before END. */
export const SURGE_START = T0 + 25 * HOUR;
export const END = T0 + 27 * HOUR;
/** The end of the last closed bucket (watermark = last event − 5 min of lateness). */
export const CLOSED = END - 10 * MIN;

export const RULES = `
rules:
  - name: topic-rise
    kind: spike
    description: A topic grows.
    match: { levels: [leaf, parent] }
    window: 1h
    baseline: 1d
    guard: 1h
    seasonality: false
    min_ratio: 2
    keep_firing_for: 0
    cooldown: 1h
    routing: { group_wait: 0s, group_interval: 5m, repeat_interval: 1d, group_by: [rule, cluster] }
`;

export const LIMITS = { bucketSeconds: 300, minAccounts: 10, minConversations: 20, floor: { minAccounts: 5, minConversations: 10 } };

function cluster(id: string, extra: Partial<CatalogCluster> = {}): CatalogCluster {
  return {
    id, name: `Topic ${id}`, description: `Requests about ${id}.`, parent: 'p-1', level: 0, centroid: [1, 0, 0, 0], size: 1000, unique_accounts: 200,
    policy_areas: [], provisional: false, named: true, similarity_threshold: 0.9, ...extra,
  };
}

export function fixtureCatalog(): Catalog {
  return {
    version: 3, created_at: '2026-11-19T00:00:00Z', embedding: { model_id: 'fake/4d', dimension: 4 }, facet_extractor: 'local',
    privacy: { min_accounts: 10, min_conversations: 20, vocabulary_k: 3 },
    clusters: [
      cluster('c-big', { policy_areas: ['fraud'], size: 2000 }),
      cluster('c-mid', { size: 1000 }),
      cluster('c-other', { size: 1000, provisional: true }),
      cluster('c-small', { size: 500 }),
      { ...cluster('p-1', { size: 4500 }), parent: null, level: 1, name: 'Topic group one' },
    ],
  };
}

/** The fixture's traffic: each conversation with the leaf it belongs to. */
export function fixtureTraffic(): Array<{ conversation: Conversation; clusterId: string }> {
  const out: Array<{ conversation: Conversation; clusterId: string }> = [];
  let n = 0;
  const add = (clusterId: string, t: number, account: string) => {
    const id = `conv-${clusterId}-${n++}`;
    out.push({ clusterId, conversation: { id, account_id: account, timestamp: new Date(t).toISOString(), messages: [{ role: 'user', content: `A question about ${clusterId}, number ${n}.` }] } });
  };
  let canary = 0;
  let big = 0;
  let mid = 0;
  let other = 0;
  for (let b = T0; b < END; b += BUCKET) {
    const surge = b >= SURGE_START;
    for (let i = 0; i < 24; i++) add('c-big', b + i * 10_000, `acct-big-${big++ % 200}`);
    // The surge comes from accounts new to the topic: a trend, not a few people repeating themselves.
    for (let i = 0; i < (surge ? 8 : 2); i++) add('c-mid', b + i * 30_000, surge ? `acct-surge-${mid++}` : `acct-mid-${mid++ % 30}`);
    for (let i = 0; i < 2; i++) add('c-other', b + i * MIN + 15_000, `acct-other-${other++ % 30}`);
    // The small topic: 2 conversations per bucket, all from 3 accounts, all carrying the canaries.
    for (let i = 0; i < 2; i++) {
      const c = canaryConversation(new Date(b + 2 * MIN + i * 20_000).toISOString(), canary++);
      out.push({ clusterId: 'c-small', conversation: { ...c, metadata: {}, account_id: `${CANARIES.accountId}-${canary % 3}` } });
    }
  }
  return out;
}

/** Assigns each fixture conversation to its leaf (under p-1), as the understanding stage would. */
class FixtureAssigner implements Assigner {
  constructor(private readonly clusterOf: ReadonlyMap<string, string>) {}
  async assign(conversations: readonly Conversation[]): Promise<Assignment[]> {
    return conversations.map((c) => {
      const clusterId = this.clusterOf.get(c.id) ?? 'c-other';
      return { clusterId, similarity: 0.9, novel: false, ancestorIds: ['p-1'], policyAreas: clusterId === 'c-big' ? ['fraud'] : [] };
    });
  }
}

/** Runs the fixture traffic through the real ingest pipeline into `db`, then the detector over it; returns what the detector released. */
export async function feedFixture(db: SqlClient, rules: RuleSet, logger = createLogger('silent')): Promise<Notification[]> {
  await migrate(db);
  const dir = mkdtempSync(join(tmpdir(), 'clio-read-fixture-'));
  try {
    const traffic = fixtureTraffic();
    const input = join(dir, 'traffic.jsonl');
    writeFileSync(input, `${traffic.map((t) => JSON.stringify(t.conversation)).join('\n')}\n`);
    const ingest = new IngestStore(db);
    const deadLetters = new FileDeadLetterSink(join(dir, 'dlq.jsonl'));
    const pipeline = createIngestPipeline({
      consumer: 'replay', limits: { maxMessageBytes: 16_384, maxMessages: 50, maxBlockChars: 8_000 }, bucketMs: BUCKET, store: ingest, deadLetters,
      assigner: new FixtureAssigner(new Map(traffic.map((t) => [t.conversation.id, t.clusterId]))),
      hashAccount: createIdHasher('read-fixture-secret-0123456789', 'account'),
      hashConversation: createIdHasher('read-fixture-secret-0123456789', 'conversation'),
      metrics: new PipelineMetrics({ processMetrics: false }), logger,
    });
    await new FileSource(input, 500).run(pipeline);
    await deadLetters.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const catalog = fixtureCatalog();
  const byId = new Map(catalog.clusters.map((c) => [c.id, c]));
  const detector = await Detector.open({
    store: new DetectionStore(db), index: { catalog, cluster: (id) => byId.get(id) }, rules: () => rules, bucketMs: BUCKET, allowedLatenessMs: 0,
    privacy: { minAccounts: 10, minConversations: 20 },
    emergence: { restore: async () => {}, pull: async () => {}, promote: async () => [], claim: () => {} },
    metrics: new DetectionMetrics(new Registry()), logger, policyAreas: [],
  });
  const released: Notification[] = [];
  // Judged as the live loop does: from the first day's end, pass after pass up to the last event.
  await detector.advance(T0 + 12 * HOUR);
  for (let clock = T0 + 12 * HOUR + BUCKET; clock <= END; clock += HOUR) released.push(...(await detector.advance(clock)));
  released.push(...(await detector.advance(END)));
  return released;
}

export interface ReadWorkbench {
  app: FastifyInstance;
  deps: WorkbenchDeps;
  config: Readonly<Config>;
  as(role: Role): { authorization: string };
  setRules(rules: RuleSet): void;
  close(): Promise<void>;
}

/** The real workbench (auth hook, error handler, every route) over `db`, with the fixture catalog and rules. */
export async function openReadWorkbench(db: SqlClient, rules: RuleSet): Promise<ReadWorkbench> {
  const tokens = Object.fromEntries(ROLES.map((role) => [role, newToken()])) as Record<Role, string>;
  const config = loadConfig({
    overrides: {
      privacy: { accountHashSecret: 'a-test-secret-of-enough-length' },
      api: { tokens: ROLES.map((role) => ({ name: `${role}-token`, role, sha256: hashToken(tokens[role]) })), authFailures: { max: 1000, windowSeconds: 60 } },
    },
  });
  const logs = memoryStream();
  const logger = createLogger('debug', logs);
  let inForce = rules;
  const catalog = fixtureCatalog();
  const deps: WorkbenchDeps = { db, config, logger, catalog: () => catalog, rules: () => inForce, access: new AccessLog(db, logger) };
  const app = buildApp({ metrics: new PipelineMetrics(), logger, readiness: { checks: async () => ({ store: true }) }, workbench: deps });
  await app.ready();
  return {
    app, deps, config,
    as: (role) => ({ authorization: `Bearer ${tokens[role]}` }),
    setRules: (next) => {
      inForce = next;
    },
    close: () => app.close(),
  };
}

export interface FedWorkbench {
  readonly db: SqlClient;
  readonly wb: ReadWorkbench;
  /** Every response body, for the canary checks. */
  readonly bodies: string[];
}

/**
 * A describe block's workbench: an in-memory store fed with the fixture week (then `prepare`), the real
 * workbench over it, closed after the block.
 */
export function useFedWorkbench(prepare?: (db: SqlClient) => Promise<void>): FedWorkbench {
  let db: SqlClient | undefined;
  let wb: ReadWorkbench | undefined;
  const bodies: string[] = [];
  beforeAll(async () => {
    db = await openPglite(MEMORY_STORE);
    const rules = fixtureRules();
    await feedFixture(db, rules);
    await prepare?.(db);
    wb = await openReadWorkbench(db, rules);
  }, 240_000);
  afterAll(async () => {
    await wb?.close();
    await db?.close();
  });
  return { get db() { return db!; }, get wb() { return wb!; }, bodies };
}

export function fixtureRules(extra = ''): RuleSet {
  return parseRules(`${RULES}${extra}`, 'rules.yaml', LIMITS);
}

export { ruleLimitsOf };
