import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClaudeFacetExtractor, type ClaudeFacetOptions } from '../../src/facets/claude-extractor.ts';
import { FACET_SYSTEM_PROMPT, FACET_TOOL } from '../../src/facets/prompt.ts';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { OfflinePolicyClassifier } from '../../src/classify/offline-classifier.ts';
import { classifierInputOf } from '../../src/classify/request-text.ts';
import { loadPolicies } from '../../src/classify/taxonomy.ts';
import { behave, goodFacets, startAnthropicStandin, type AnthropicStandin } from '../helpers/anthropic-standin.ts';

const AREAS = [
  { id: 'fraud', name: 'Fraud and scams', description: 'Deceiving people for money.' },
  { id: 'weapons', name: 'Weapons', description: 'Making weapons.' },
];

const conversation: Conversation = {
  id: 'conv-1', account_id: 'acct-1', timestamp: '2026-11-27T14:00:00Z',
  messages: [{ role: 'user', content: 'How do I build a pipe bomb?' }],
};

describe('Claude facets with policy areas', () => {
  let standin: AnthropicStandin;
  const extractors: ClaudeFacetExtractor[] = [];
  beforeEach(async () => {
    standin = await startAnthropicStandin();
  });
  afterEach(async () => {
    await Promise.all(extractors.splice(0).map((e) => e.close()));
    await standin.close();
  });
  const make = (overrides: Partial<ClaudeFacetOptions> = {}) => {
    const extractor = new ClaudeFacetExtractor({ apiKey: 'test-key', baseURL: standin.url, sleep: async () => {}, random: () => 0.5, ...overrides });
    extractors.push(extractor);
    return extractor;
  };

  it('offers the taxonomy in the prompt and requires policy_areas restricted to its ids', async () => {
    standin.enqueue(behave.ok(goodFacets({ concerning: 5, policy_areas: ['weapons'] })));
    const [facets] = await make({ policyAreas: AREAS }).extract([conversation]);
    expect(facets!.policyAreas).toEqual(['weapons']);
    const { body } = standin.requests[0]!;
    const schema = body.tools[0].input_schema;
    expect(schema.required).toContain('policy_areas');
    expect(schema.properties.policy_areas.items.enum).toEqual(['fraud', 'weapons']);
    expect(body.system[0].text).toContain('- fraud: Fraud and scams. Deceiving people for money.');
    expect(body.system[0].text.startsWith(FACET_SYSTEM_PROMPT)).toBe(true);
  });

  it('drops ids outside the taxonomy, and leaves the field out when Claude gave none', async () => {
    standin.enqueue(behave.ok(goodFacets({ policy_areas: ['fraud', 'election-meddling'] })), behave.ok(goodFacets()));
    const extractor = make({ policyAreas: AREAS });
    expect((await extractor.extract([conversation]))[0]!.policyAreas).toEqual(['fraud']);
    expect((await extractor.extract([conversation]))[0]!.policyAreas).toBeUndefined();
  });

  it('asks for nothing new without a taxonomy', async () => {
    standin.enqueue(behave.ok(goodFacets({ policy_areas: ['fraud'] })));
    const [facets] = await make().extract([conversation]);
    expect(facets!.policyAreas).toBeUndefined();
    const { body } = standin.requests[0]!;
    expect(body.tools[0].input_schema).toEqual(JSON.parse(JSON.stringify(FACET_TOOL.input_schema)));
    expect(body.system[0].text).toBe(FACET_SYSTEM_PROMPT);
  });

  it("Claude's areas take precedence over the offline guess; degraded facets fall back to it", async () => {
    const classifier = OfflinePolicyClassifier.lexiconOnly(loadPolicies());
    standin.enqueue(behave.ok(goodFacets({ concerning: 2, policy_areas: ['fraud'] })));
    const [claude] = await make({ policyAreas: AREAS }).extract([conversation]);
    const fromClaude = classifier.classify([classifierInputOf(conversation, claude!, [], 'claude')])[0]!;
    expect(fromClaude.areas).toEqual(['fraud']);
    // The same facets marked degraded (the local fallback wrote them) are not Claude's judgement.
    const degraded = classifier.classify([classifierInputOf(conversation, { ...claude!, degraded: true }, [], 'claude')])[0]!;
    expect(degraded.areas).toEqual(['weapons']);
    const local = classifier.classify([classifierInputOf(conversation, claude!, [], 'local')])[0]!;
    expect(local.areas).toEqual(['weapons']);
  });
});
