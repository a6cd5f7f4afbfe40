import { describe, expect, it } from 'vitest';
import { AUDIT_UNAVAILABLE, ClaudeAuditor } from '../../src/catalog/claude-auditor.ts';
import type { ClaudeCatalogOptions } from '../../src/catalog/claude-tool-call.ts';
import { assembleCatalog, type CatalogItem } from '../../src/catalog/assemble.ts';
import { seededRandom } from '../../src/util/random.ts';
import { behave, useAnthropicStandin } from '../helpers/anthropic-standin.ts';
import { near, randomUnit } from '../helpers/vectors.ts';

const CLEAN = { name: 'Create fake accounts on discussion forums', description: 'Users asked for help creating many fake accounts on forums. The requests targeted sign-up pages.' };
const NO_TERMS = new Set<string>();

describe('ClaudeAuditor against the Messages API stand-in', () => {
  const claude = useAnthropicStandin();

  const make = (overrides: Partial<ClaudeCatalogOptions> = {}) => new ClaudeAuditor({ ...claude.options(), ...overrides });

  it('fails a name carrying an email address without calling the model', async () => {
    const verdict = await make().audit({ ...CLEAN, description: 'Users wrote to jane.roe@example.com for fake accounts. The requests targeted forums.' }, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.score).toBe(1);
    expect(verdict.codes).toEqual(['personal_data']);
    expect(verdict.reasons).toEqual(['score 1', 'personal_data: email']);
    expect(claude.standin.requests).toHaveLength(0);
  });

  it('passes a score-4 rating, after asking with the 1–5 scale and the forced rate_privacy tool', async () => {
    claude.standin.enqueue(behave.ok({ score: 4, reason: 'General description of a common kind of request.' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    // Claude's reason is not kept: the verdict says the score and, on failure, a code.
    expect(verdict).toEqual({ pass: true, score: 4, codes: [], reasons: ['score 4'] });
    expect(claude.standin.requests).toHaveLength(1);
    const { body } = claude.standin.requests[0]!;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'rate_privacy' });
    expect(body.tools[0].input_schema.properties.score).toMatchObject({ type: 'integer', minimum: 1, maximum: 5 });
    expect(JSON.stringify(body.system)).toMatch(/1 = identifies a specific person or contains personal data[\s\S]*5 = no privacy concern/);
    expect(body.messages[0].content).toContain(`<cluster_name>${CLEAN.name}</cluster_name>`);
    expect(body.messages[0].content).toContain(CLEAN.description);
  });

  it('fails a score-2 rating', async () => {
    claude.standin.enqueue(behave.ok({ score: 2, reason: 'Points to one small organisation.' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.score).toBe(2);
    expect(verdict.reasons).toEqual(['score 2', 'low_privacy_score']);
  });

  it('never passes on Claude\'s free text: a reason quoting the name stays out of the verdict', async () => {
    claude.standin.enqueue(behave.ok({ score: 2, reason: 'It names Brandtwell Logistics, one company, and its Tuesday shift.' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    expect(verdict).toEqual({ pass: false, score: 2, codes: ['low_privacy_score'], reasons: ['score 2', 'low_privacy_score'] });
    expect(JSON.stringify(verdict)).not.toMatch(/Brandtwell|Tuesday/);
  });

  it('fails a name carrying a token neither common nor used by k accounts of the cluster, even when Claude would rate it 4', async () => {
    claude.standin.setDefault(behave.ok({ score: 4, reason: 'Looks general.' }));
    const rare = { name: 'Create fake accounts for Brandtwell', description: 'Users asked for help creating many fake accounts on the Brandtwell forums. The requests targeted sign-up pages.' };
    const verdict = await make().audit(rare, new Set(['fake accounts', 'forums', 'sign-up pages']));
    expect(verdict).toMatchObject({ pass: false, codes: ['rare_token'] });
    expect(JSON.stringify(verdict)).not.toContain('Brandtwell');
    expect(claude.standin.requests).toHaveLength(0);
    // The same name passes the rule, and goes to Claude, when k accounts of the cluster wrote the word.
    const shared = await make().audit(rare, new Set(['fake accounts', 'brandtwell forums']));
    expect(shared).toMatchObject({ pass: true, score: 4 });
    expect(claude.standin.requests).toHaveLength(1);
    // Digits make an id: never common language.
    const id = await make().audit({ ...CLEAN, description: 'Users asked about ticket 88213 and fake accounts. The requests targeted forums.' }, NO_TERMS);
    expect(id).toMatchObject({ pass: false, codes: ['rare_token'] });
  });

  it('passes a score-3 rating: the threshold is inclusive', async () => {
    claude.standin.enqueue(behave.ok({ score: 3, reason: 'Some specifics, nobody identifiable.' }));
    expect((await make().audit(CLEAN, NO_TERMS)).pass).toBe(true);
  });

  it('fails closed when the API keeps returning 500', async () => {
    claude.standin.setDefault(behave.serverError(500));
    const verdict = await make({ maxRetries: 2 }).audit(CLEAN, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.codes).toEqual([AUDIT_UNAVAILABLE]);
    expect(claude.standin.requests).toHaveLength(3);
    expect(claude.waits).toHaveLength(2);
  });

  it('fails closed when the rating is malformed twice (score out of range)', async () => {
    claude.standin.enqueue(behave.ok({ score: 7, reason: 'x' }), behave.ok({ score: 'high', reason: 'x' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.codes).toEqual([AUDIT_UNAVAILABLE]);
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('catalog build prints the score and a reason code for a failed audit, never Claude\'s reason', async () => {
    claude.standin.setDefault(behave.ok({ score: 2, reason: 'It singles out Brandtwell Logistics and its Tuesday night shift.' }));
    const random = seededRandom(3);
    const centres = [randomUnit(random, 8), randomUnit(random, 8)];
    const texts = ['write a bedtime story about a brave turtle', 'plan a weekend trip itinerary'];
    const items: CatalogItem[] = Array.from({ length: 80 }, (_, i) => ({ request: texts[i % 2]!, account: `a${i % 20}`, vector: near(random, centres[i % 2]!, 0.05) }));
    const printed: string[] = [];
    const catalog = await assembleCatalog(items, {
      clusters: 2, random: seededRandom(1), minAccounts: 5, minConversations: 10, vocabularyK: 3, thresholdQuantile: 0.05,
      policies: { min_share: 0.5, areas: [] }, auditor: make(), embedding: { model_id: 'test/model', dimension: 8 }, facetExtractor: 'claude',
      now: new Date('2026-11-27T00:00:00Z'), onStep: (line) => printed.push(line),
    });
    expect(catalog.clusters.every((c) => !c.named)).toBe(true);
    const failures = printed.filter((l) => l.includes('privacy audit'));
    expect(failures.length).toBeGreaterThan(0);
    for (const line of failures) expect(line).toMatch(/failed the claude privacy audit \(score 2; low_privacy_score\)/);
    expect(printed.join('\n')).not.toMatch(/Brandtwell|Tuesday|singles out/);
  });
});
