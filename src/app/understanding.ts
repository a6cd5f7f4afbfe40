import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertSameModel } from '../embed/model-check.ts';
import type { Registry } from 'prom-client';
import { ExemplarIndex, exemplarsPathFor } from '../emerging/exemplars.ts';
import { PlaceholderAssigner, type Assigner } from '../assign/assigner.ts';
import { CatalogIndex } from '../assign/catalog-index.ts';
import { UnderstandingAssigner } from '../assign/understanding-assigner.ts';
import { OfflineAuditor, type NameAuditor } from '../catalog/audit.ts';
import { readCatalog } from '../catalog/catalog.ts';
import { ClaudeAuditor } from '../catalog/claude-auditor.ts';
import { ClaudeHierarchy } from '../catalog/claude-hierarchy.ts';
import { ClaudeNamer } from '../catalog/claude-namer.ts';
import type { ParentGrouper } from '../catalog/hierarchy.ts';
import { seededRandom } from '../util/random.ts';
import { ClaudePolicyClassifier } from '../catalog/claude-policy.ts';
import type { ClusterNamer, Member } from '../catalog/naming.ts';
import { OfflinePolicyClassifier } from '../classify/offline-classifier.ts';
import { DEFAULT_POLICIES_FILE, loadPolicies, type PolicyTaxonomy } from '../classify/taxonomy.ts';
import type { Config } from '../config/load.ts';
import { CachedEmbedder } from '../embed/cache.ts';
import type { Embedder } from '../embed/embedder.ts';
import { HttpEmbedder } from '../embed/http-embedder.ts';
import { LocalEmbedder } from '../embed/local-embedder.ts';
import { OnnxEmbedder } from '../embed/onnx-embedder.ts';
import { ConfigError } from '../errors.ts';
import { ClaudeFacetExtractor } from '../facets/claude-extractor.ts';
import type { FacetExtractor } from '../facets/facets.ts';
import { LocalFacetExtractor } from '../facets/local-extractor.ts';

/** The configured embedder — embedded model, ONNX model in-process, or OpenAI-compatible endpoint — behind a text-hash cache. */
export async function createEmbedder(config: Readonly<Config['embeddings']>): Promise<Embedder> {
  let inner: Embedder;
  if (config.provider === 'http') {
    if (!config.http.url || !config.http.model) {
      throw new ConfigError('embeddings.http.url', 'and embeddings.http.model are required when embeddings.provider is http (CLIO_EMBEDDINGS_URL, CLIO_EMBEDDINGS_MODEL)');
    }
    inner = await HttpEmbedder.create({ url: config.http.url, model: config.http.model, apiKey: config.http.apiKey ?? undefined });
  } else if (config.provider === 'onnx') {
    inner = await OnnxEmbedder.start({ model: config.onnx.model, dir: config.onnx.dir ?? undefined, threads: config.onnx.threads });
  } else {
    inner = await LocalEmbedder.start({ workers: config.workers });
  }
  return config.cacheEntries > 0 ? new CachedEmbedder(inner, { maxEntries: config.cacheEntries }) : inner;
}

/**
 * The policy taxonomy in force: policies.yaml in the configured rules folder when there is one
 * (rules and classifier then agree on the areas), else the shipped alerts/policies.yaml.
 */
export function policiesPathFor(config: Readonly<Config>): string {
  const beside = config.alerts.rulesDir ? join(config.alerts.rulesDir, 'policies.yaml') : null;
  return beside && existsSync(beside) ? beside : DEFAULT_POLICIES_FILE;
}

/**
 * The configured facet extractor: local (default), or Claude with the local one as its fallback.
 * Given the taxonomy, Claude also classifies each request into its areas.
 */
export function createExtractor(config: Readonly<Config['facets']>, registry?: Registry, policies?: PolicyTaxonomy): FacetExtractor {
  if (config.extractor === 'local') return new LocalFacetExtractor();
  const c = config.claude;
  if (!c.apiKey) throw new ConfigError('facets.claude.apiKey', 'is required when facets.extractor is claude (set ANTHROPIC_API_KEY)');
  return new ClaudeFacetExtractor({
    apiKey: c.apiKey,
    baseURL: c.baseUrl ?? undefined,
    model: c.model,
    maxConcurrency: c.maxConcurrency,
    timeoutMs: c.timeoutMs,
    hourlySpendCapUsd: c.hourlySpendCapUsd,
    fallback: new LocalFacetExtractor(),
    registry,
    policyAreas: policies?.areas.map(({ id, name, description }) => ({ id, name, description })),
  });
}

/**
 * The catalog build's namer, auditor, hierarchy and policy classifier: Claude's (with Clio's
 * prompts) when facets come from Claude, else the offline ones (distinctive k-anonymous terms, PII
 * scan plus vocabulary rule, k-means over centroids, keyword rules).
 */
export function createCatalogJudges(config: Readonly<Config>, policies: PolicyTaxonomy, seed = 1) {
  const c = config.facets.claude;
  if (config.facets.extractor !== 'claude' || !c.apiKey) return { auditor: new OfflineAuditor() as NameAuditor };
  const options = { apiKey: c.apiKey, baseURL: c.baseUrl ?? undefined, model: c.model, maxConcurrency: c.maxConcurrency, timeoutMs: c.timeoutMs, hourlySpendCapUsd: c.hourlySpendCapUsd };
  const classifier = new ClaudePolicyClassifier(options);
  return {
    auditor: new ClaudeAuditor(options) as NameAuditor,
    namer: new ClaudeNamer(options) as ClusterNamer,
    groupParents: new ClaudeHierarchy({ ...options, random: seededRandom(seed) }) as ParentGrouper,
    classifyPolicies: (members: readonly Member[]) => classifier.classify(members, policies),
  };
}

export interface Understanding {
  assigner: Assigner;
  /** The live catalog index (provisional clusters are added to it); absent without a catalog. */
  index?: CatalogIndex;
  description: string;
  close(): Promise<void>;
}

/**
 * The assigner for `run` and replay: the catalog's clusters when a catalog is configured, else the
 * placeholder. The catalog's embedding model must be the configured one.
 */
export async function createUnderstanding(config: Readonly<Config>, registry?: Registry, shared?: { embedder?: Embedder }): Promise<Understanding> {
  if (!config.catalog.path) {
    return { assigner: new PlaceholderAssigner(), description: 'no catalog: every conversation counts as unassigned', close: async () => {} };
  }
  const catalog = await readCatalog(config.catalog.path);
  // The exemplar sample (first-story novelty) sits beside the catalog when the build wrote one.
  const exemplarsPath = exemplarsPathFor(config.catalog.path);
  const exemplars = existsSync(exemplarsPath) ? await ExemplarIndex.read(exemplarsPath, { modelId: catalog.embedding.model_id, dimension: catalog.embedding.dimension }) : undefined;
  const policies = loadPolicies(policiesPathFor(config));
  // A caller that already runs the model (the demo, after building its catalog) lends it: it keeps ownership.
  const embedder = shared?.embedder ?? (await createEmbedder(config.embeddings));
  const closeEmbedder = shared?.embedder ? async () => {} : () => embedder.close();
  const extractor = createExtractor(config.facets, registry, policies);
  try {
    const index = new CatalogIndex(catalog, exemplars);
    assertSameModel({ modelId: catalog.embedding.model_id, dimension: catalog.embedding.dimension }, embedder);
    // Created once: the taxonomy's examples are embedded here, with the pipeline's own embedder.
    const classifier = await OfflinePolicyClassifier.create(policies, embedder);
    const assigner = new UnderstandingAssigner(extractor, embedder, index, classifier);
    return {
      assigner,
      index,
      description: `catalog ${config.catalog.path} (${catalog.clusters.length} clusters${exemplars ? `, ${exemplars.size} exemplars` : ''}), ${extractor.name} facets, ${embedder.modelId}`,
      close: async () => {
        await extractor.close?.();
        await closeEmbedder();
      },
    };
  } catch (error) {
    await closeEmbedder();
    throw error;
  }
}
