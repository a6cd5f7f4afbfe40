import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import type { Embedder } from '../embed/embedder.ts';
import { UsageError } from '../errors.ts';
import type { FacetExtractor, Facets } from '../facets/facets.ts';
import type { Conversation } from '../ingest/conversation.ts';
import { FileSource } from '../ingest/file-source.ts';
import { parseConversation, type IngestLimits } from '../ingest/validate.ts';
import { seededRandom } from '../util/random.ts';
import { redactConversation } from '../redact/redact.ts';
import type { Progress } from '../util/progress.ts';
import { ExemplarIndex, exemplarsPathFor } from '../emerging/exemplars.ts';
import { assembleCatalog, type CatalogItem } from '../catalog/assemble.ts';
import type { NameAuditor } from '../catalog/audit.ts';
import type { ClusterNamer, Member } from '../catalog/naming.ts';
import type { ParentGrouper } from '../catalog/hierarchy.ts';
import { writeCatalog, type Catalog } from '../catalog/catalog.ts';
import { enforceMinimums } from '../catalog/minimums.ts';
import type { PolicyTaxonomy } from '../catalog/policies.ts';
import type { PolicyClassifier } from '../classify/classifier.ts';
import { OfflinePolicyClassifier } from '../classify/offline-classifier.ts';
import { classifierInputOf } from '../classify/request-text.ts';

export interface BuildOptions {
  input: string;
  out: string;
  clusters?: number;
  seed: number;
  limits: IngestLimits;
  minAccounts: number;
  minConversations: number;
  vocabularyK: number;
  thresholdQuantile: number;
  extractor: FacetExtractor;
  embedder: Embedder;
  auditor: NameAuditor;
  namer?: ClusterNamer;
  groupParents?: ParentGrouper;
  classifyPolicies?: (members: readonly Member[]) => Promise<string[]>;
  policies: PolicyTaxonomy;
  /** Policy areas per conversation; default: the offline classifier over `policies`, with `embedder`. */
  classifier?: PolicyClassifier;
  progress: Progress;
  now?: () => Date;
}

/** Conversations per facet/embedding batch, and per checkpoint append. */
const BATCH = 64;

/**
 * `clio-stream catalog build`: Clio's batch pipeline over a JSONL sample — redact, facets, embed,
 * cluster, name, audit, hierarchy — into catalog.json, with a sample of known conversations beside it
 * (`catalog.exemplars.json`, for novelty). Facets and embeddings are checkpointed in
 * `<out>.work/` as they are made, so an interrupted build resumes where it stopped.
 */
export async function buildCatalog(o: BuildOptions): Promise<Catalog> {
  const conversations = await readSample(o.input, o.limits, o.progress);
  const accounts = new Set(conversations.map((c) => c.account_id)).size;
  const needed = Math.max(2 * (o.clusters ?? 2), o.minConversations * 2, 20);
  if (conversations.length < needed || accounts < o.minAccounts) {
    throw new UsageError(
      `${o.input} has ${conversations.length} valid conversations from ${accounts} accounts: too small to cluster (need at least ${needed} conversations and ${o.minAccounts} accounts)`,
    );
  }

  const work = `${o.out}.work`;
  const key = await checkpointKey(o);
  const meta = await openCheckpoint(work, key);
  const hashAccount = (id: string) => createHmac('sha256', meta.salt).update(id).digest('hex').slice(0, 24);

  // Stage 1: facets (request summaries) of redacted conversations.
  const facetsFile = `${work}/facets.jsonl`;
  type FacetRow = { request: string; account: string; concerning?: Facets['concerning']; policy_areas?: string[]; degraded?: boolean };
  const requests = existsSync(facetsFile) ? (await readFile(facetsFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as FacetRow) : [];
  o.progress.start('facets', conversations.length);
  for (let i = requests.length; i < conversations.length; i += BATCH) {
    const batch = conversations.slice(i, i + BATCH);
    const facets = await o.extractor.extract(batch.map((c) => redactConversation(c).conversation));
    const rows: FacetRow[] = facets.map((f, j) => ({
      request: f.request, account: hashAccount(batch[j]!.account_id), concerning: f.concerning, degraded: f.degraded, ...(f.policyAreas ? { policy_areas: f.policyAreas } : {}),
    }));
    await appendFile(facetsFile, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    requests.push(...rows);
    o.progress.update(requests.length);
  }
  o.progress.stop();

  // Stage 2: embeddings of the request facets, appended as raw float32 rows.
  const vectorsFile = `${work}/embeddings.f32`;
  const dim = o.embedder.dimension;
  const vectors: number[][] = [];
  if (existsSync(vectorsFile)) {
    const raw = await readFile(vectorsFile);
    const floats = new Float32Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 4));
    for (let r = 0; (r + 1) * dim <= floats.length; r++) vectors.push(Array.from(floats.subarray(r * dim, (r + 1) * dim)));
  }
  o.progress.start('embeddings', requests.length);
  for (let i = vectors.length; i < requests.length; i += BATCH) {
    const batch = await o.embedder.embed(requests.slice(i, i + BATCH).map((r) => r.request));
    const floats = new Float32Array(batch.length * dim);
    batch.forEach((v, j) => floats.set(v, j * dim));
    await appendFile(vectorsFile, Buffer.from(floats.buffer));
    vectors.push(...batch);
    o.progress.update(vectors.length);
  }
  o.progress.stop();

  // Stage 3: policy areas per conversation, cluster, name, audit, hierarchy (fast: recomputed on resume).
  const classifier = o.classifier ?? (await OfflinePolicyClassifier.create(o.policies, o.embedder));
  const signals = classifier.classify(
    requests.map((r, i) => classifierInputOf(redactConversation(conversations[i]!).conversation, { request: r.request, concerning: r.concerning ?? 1, policyAreas: r.policy_areas, degraded: r.degraded ?? false }, vectors[i]!, o.extractor.name)),
  );
  const items: CatalogItem[] = requests.map((r, i) => ({ request: r.request, account: r.account, vector: vectors[i]!, areas: signals[i]!.areas }));
  const catalog = await keepingCheckpoint(work, o.progress, () => assembleCatalog(items, {
    clusters: o.clusters,
    random: seededRandom(o.seed),
    minAccounts: o.minAccounts,
    minConversations: o.minConversations,
    vocabularyK: o.vocabularyK,
    thresholdQuantile: o.thresholdQuantile,
    policies: o.policies,
    auditor: o.auditor,
    namer: o.namer,
    groupParents: o.groupParents,
    classifyPolicies: o.classifyPolicies,
    embedding: { model_id: o.embedder.modelId, dimension: dim },
    facetExtractor: o.extractor.name,
    now: (o.now ?? (() => new Date()))(),
    onStep: (step) => o.progress.note(step),
  }));
  // catalog.json is for anyone who may see aggregates: no cluster under the privacy minimums (a
  // small cluster's centroid is a few people's embeddings). Each is folded into its nearest cluster.
  const shareable = enforceMinimums(catalog, items, { minAccounts: o.minAccounts, minConversations: o.minConversations, thresholdQuantile: o.thresholdQuantile });
  if (shareable.merged > 0) {
    o.progress.note(`privacy minimums: ${shareable.merged} cluster(s) under them folded into their nearest cluster${shareable.droppedParents > 0 ? `; ${shareable.droppedParents} parent(s) left without leaves dropped` : ''}`);
  }
  // Known conversations for novelty: a sidecar of individual-level vectors that stays in the secure
  // environment, never part of catalog.json. Written first, so no catalog is ever without its own.
  const exemplars = ExemplarIndex.fromVectors(vectors, { modelId: o.embedder.modelId, dimension: dim, seed: o.seed });
  await exemplars.write(exemplarsPathFor(o.out));
  o.progress.note(`exemplars: ${exemplars.size} known conversations for novelty, threshold ${exemplars.threshold.toFixed(3)}`);
  await writeCatalog(o.out, shareable.catalog);
  await rm(work, { recursive: true, force: true });
  return shareable.catalog;
}

/**
 * Runs the last stage; if it fails, says that the facets and embeddings already made are kept in
 * the checkpoint (only a finished catalog removes it), so the same command resumes from them.
 */
async function keepingCheckpoint<T>(work: string, progress: Progress, stage: () => Promise<T>): Promise<T> {
  try {
    return await stage();
  } catch (error) {
    progress.note(`the build failed after facets and embeddings; they are kept in ${work}: the same command resumes from them`);
    throw error;
  }
}

/** Valid conversations of the sample, deduplicated by id; invalid lines are counted and skipped. */
async function readSample(input: string, limits: IngestLimits, progress: Progress): Promise<Conversation[]> {
  try {
    await stat(input);
  } catch {
    throw new UsageError(`cannot read --input ${input}`);
  }
  const byId = new Map<string, Conversation>();
  let invalid = 0;
  await new FileSource(input, 1000).run(async (chunk) => {
    for (const record of chunk.records) {
      const parsed = parseConversation(record.value, { ...limits, maxFutureSeconds: 0 }); // a baseline sample is history
      if (parsed.ok) byId.set(parsed.value.conversation.id, parsed.value.conversation);
      else invalid++;
    }
  });
  if (invalid > 0) progress.note(`skipped ${invalid} invalid lines of ${input}`);
  return [...byId.values()];
}

/** What a checkpoint is valid for: the same input file, extractor and embedding model. */
async function checkpointKey(o: BuildOptions): Promise<string> {
  const s = await stat(o.input);
  return createHash('sha256').update(JSON.stringify([o.input, s.size, s.mtimeMs, o.extractor.name, o.embedder.modelId, o.embedder.dimension])).digest('hex');
}

async function openCheckpoint(work: string, key: string): Promise<{ key: string; salt: string }> {
  const metaFile = `${work}/meta.json`;
  if (existsSync(metaFile)) {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as { key: string; salt: string };
    if (meta.key === key) return meta;
    await rm(work, { recursive: true, force: true }); // stale: another input or model
  }
  await mkdir(work, { recursive: true });
  // Accounts are counted by a salted hash; the salt lives only as long as the checkpoint.
  const meta = { key, salt: randomBytes(16).toString('hex') };
  await writeFile(metaFile, JSON.stringify(meta));
  return meta;
}
