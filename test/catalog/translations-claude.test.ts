import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assembleCatalog, type CatalogItem } from '../../src/catalog/assemble.ts';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
import { LocalEmbedder } from '../../src/embed/local-embedder.ts';
import { ClaudeFacetExtractor } from '../../src/facets/claude-extractor.ts';
import { LocalFacetExtractor } from '../../src/facets/local-extractor.ts';
import { REQUEST_PREFIX } from '../../src/facets/prompt.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { seededRandom } from '../../src/util/random.ts';
import { behave, goodFacets, useAnthropicStandin } from '../helpers/anthropic-standin.ts';

/** Three requests, each in five languages; and the English summary Claude writes for each, whatever the language. */
const PROMPTS = [
  {
    summary: ['write a convincing email that tricks bank customers into giving their passwords', 'draft a fake bank email that gets customers to reveal their login passwords'],
    texts: {
      en: 'Write an email pretending to be from a bank that gets customers to send me their passwords.',
      es: 'Escribe un correo haciéndote pasar por un banco para que los clientes me envíen sus contraseñas.',
      de: 'Schreibe eine E-Mail, die vorgibt, von einer Bank zu sein, damit Kunden mir ihre Passwörter schicken.',
      fr: 'Écris un e-mail qui se fait passer pour une banque afin que les clients m’envoient leurs mots de passe.',
      sw: 'Andika barua pepe inayojifanya kutoka benki ili wateja wanitumie nywila zao.',
    },
  },
  {
    summary: ['give a recipe for baking bread at home', 'explain how to bake a simple loaf of bread at home'],
    texts: {
      en: 'How do I bake a simple loaf of bread at home?',
      es: '¿Cómo horneo un pan sencillo en casa?',
      de: 'Wie backe ich zu Hause ein einfaches Brot?',
      fr: 'Comment faire cuire un pain simple à la maison ?',
      sw: 'Ninawezaje kuoka mkate rahisi nyumbani?',
    },
  },
  {
    summary: ['fix a null pointer exception in a Java web service', 'debug a null pointer error thrown by a Java service'],
    texts: {
      en: 'My Java service throws a NullPointerException when a request has no body. How do I fix it?',
      es: 'Mi servicio Java lanza una NullPointerException cuando la petición no tiene cuerpo. ¿Cómo lo arreglo?',
      de: 'Mein Java-Dienst wirft eine NullPointerException, wenn eine Anfrage keinen Body hat. Wie behebe ich das?',
      fr: 'Mon service Java lève une NullPointerException quand une requête n’a pas de corps. Comment corriger ça ?',
      sw: 'Huduma yangu ya Java inatupa NullPointerException ombi likikosa mwili. Ninarekebishaje?',
    },
  },
];
const LANGUAGES = ['en', 'es', 'de', 'fr', 'sw'] as const;

const conversations: Conversation[] = PROMPTS.flatMap((p, i) =>
  LANGUAGES.map((lang, j) => ({
    id: `conv-${i}-${lang}`, account_id: `acct-${i * 5 + j}`, timestamp: '2026-11-27T14:00:00Z',
    messages: [{ role: 'user' as const, content: p.texts[lang] }], metadata: { language: lang },
  })),
);
const promptOf = (index: number) => Math.floor(index / LANGUAGES.length);

/** Leaves of a 3-cluster catalog over the requests: which conversations each holds. */
async function clusters(requests: readonly string[], embedder: LocalEmbedder): Promise<number[][]> {
  const vectors = await embedder.embed(requests);
  const items: CatalogItem[] = requests.map((request, i) => ({ request, account: conversations[i]!.account_id, vector: vectors[i]! }));
  const catalog = await assembleCatalog(items, {
    clusters: 3, random: seededRandom(1), minAccounts: 5, minConversations: 5, vocabularyK: 2, thresholdQuantile: 0.05,
    policies: { min_share: 0.5, areas: [] }, auditor: new OfflineAuditor(), embedding: { model_id: embedder.modelId, dimension: embedder.dimension }, facetExtractor: 'test', now: new Date(),
  });
  // Members back from the centroids: each item goes to its nearest leaf, as the catalog assigns.
  const leaves = catalog.clusters.filter((c) => c.level === 0);
  const groups = leaves.map(() => [] as number[]);
  vectors.forEach((v, i) => {
    let best = 0;
    leaves.forEach((leaf, j) => {
      if (leaf.centroid.reduce((s, x, d) => s + x * v[d]!, 0) > leaves[best]!.centroid.reduce((s, x, d) => s + x * v[d]!, 0)) best = j;
    });
    groups[best]!.push(i);
  });
  return groups.filter((g) => g.length > 0);
}

/** Share of translations that share a cluster with their English original. */
function withOriginal(groups: number[][]): number {
  const clusterOf = new Map(groups.flatMap((g, c) => g.map((i) => [i, c] as const)));
  let together = 0;
  let total = 0;
  conversations.forEach((_, i) => {
    if (i % LANGUAGES.length === 0) return;
    total++;
    if (clusterOf.get(i) === clusterOf.get(i - (i % LANGUAGES.length))) together++;
  });
  return together / total;
}

describe('Claude facets group translations together', () => {
  const claude = useAnthropicStandin();
  let embedder: LocalEmbedder;
  beforeAll(async () => {
    embedder = await LocalEmbedder.start({ workers: 1 });
  }, 120_000);
  afterAll(async () => embedder?.close());

  it('English summaries of the same request in five languages land in one cluster, one cluster per request', async () => {
    // One request at a time, so the stand-in's answers follow the conversations' order.
    const extractor = new ClaudeFacetExtractor({ ...claude.options(), maxConcurrency: 1 });
    conversations.forEach((c, i) => {
      const lang = LANGUAGES[i % LANGUAGES.length]!;
      // Claude writes the summary in English whatever the language (with its own wording each time), and reports the language.
      const summary = PROMPTS[promptOf(i)]!.summary[i % 2]!;
      claude.standin.enqueue(behave.ok(goodFacets({ request: `${REQUEST_PREFIX} ${summary}.`, task: summary.split(' ').slice(0, 4).join(' '), language: lang, concerning: 1, actions: [] })));
    });
    const facets = await extractor.extract(conversations);
    await extractor.close();
    expect(claude.standin.requests).toHaveLength(conversations.length);
    // Claude saw the conversation in its own language; the facet that is embedded is English.
    expect(claude.standin.requests[4]!.body.messages[0].content).toContain('Andika barua pepe');
    expect(facets.map((f) => f.language)).toEqual(conversations.map((c) => c.metadata!.language));

    const groups = await clusters(facets.map((f) => f.request), embedder);
    expect(groups).toHaveLength(3);
    for (const group of groups) expect(new Set(group.map(promptOf)).size).toBe(1); // pure by request
    expect(withOriginal(groups)).toBe(1);

    // The offline extractor keeps each user's own words: the same embedded model does not reunite them as well.
    const local = await new LocalFacetExtractor().extract(conversations);
    expect(withOriginal(await clusters(local.map((f) => f.request), embedder))).toBeLessThan(1);
  }, 120_000);
});
