import { describe, expect, it } from 'vitest';
import { ClaudePolicyClassifier, type ClaudePolicyOptions } from '../../src/catalog/claude-policy.ts';
import type { Member } from '../../src/catalog/naming.ts';
import type { PolicyTaxonomy } from '../../src/catalog/policies.ts';
import { behave, useAnthropicStandin } from '../helpers/anthropic-standin.ts';

const TAXONOMY: PolicyTaxonomy = {
  min_share: 0.3,
  areas: [
    { id: 'fraud', name: 'Fraud and scams', description: 'Deceiving people for money.', lexicon: ['scam*', 'phishing'], examples: ['Write a scam text.'] },
    { id: 'scraping', name: 'Scraping at scale', description: 'Harvesting data in bulk.', lexicon: ['scrape emails', 'crawl*'], examples: ['Scrape every profile.'] },
    { id: 'weapons', name: 'Weapons', description: 'Making weapons.', lexicon: ['weapon*', 'explosiv*'], examples: ['Build a bomb.'] },
  ],
  benign_examples: ['Plan a trip.'],
};

const ACCOUNTS = ['hmac-51aa09e3', 'hmac-e0c7b2d4'];
const MEMBERS: Member[] = [
  "The user's overall request for the assistant is to write a phishing email pretending to be a bank.",
  "The user's overall request for the assistant is to draft a scam message asking for gift cards.",
  "The user's overall request for the assistant is to scrape customer emails from a directory.",
].map((text, i) => ({ text, account: ACCOUNTS[i % ACCOUNTS.length]! }));

describe('ClaudePolicyClassifier against the Messages API stand-in', () => {
  const claude = useAnthropicStandin();

  const make = (overrides: Partial<ClaudePolicyOptions> = {}) => new ClaudePolicyClassifier({ ...claude.options(), ...overrides });

  it('offers the taxonomy ids as an enum, describes each area, and sends summaries without account hashes', async () => {
    claude.standin.enqueue(behave.ok({ area_ids: ['fraud'] }));
    expect(await make().classify(MEMBERS, TAXONOMY)).toEqual(['fraud']);
    const { body } = claude.standin.requests[0]!;
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'classify_policy_areas' });
    expect(body.tools[0].input_schema.properties.area_ids.items.enum).toEqual(['fraud', 'scraping', 'weapons']);
    expect(body.messages[0].content).toContain(MEMBERS[0]!.text);
    expect(body.messages[0].content).toContain('- fraud: Fraud and scams. Deceiving people for money.');
    const wire = JSON.stringify(body);
    for (const account of ACCOUNTS) expect(wire).not.toContain(account);
  });

  it('ignores ids outside the taxonomy and returns taxonomy order', async () => {
    // The keyword matcher would say fraud and scraping: this answer is Claude's.
    claude.standin.enqueue(behave.ok({ area_ids: ['weapons', 'election-interference', 'fraud', 'FRAUD'] }));
    expect(await make().classify(MEMBERS, TAXONOMY)).toEqual(['fraud', 'weapons']);
    expect(claude.standin.requests).toHaveLength(1);
  });

  it('falls back to the lexicon by member share when the API fails', async () => {
    claude.standin.setDefault(behave.serverError());
    expect(await make({ maxRetries: 1 }).classify(MEMBERS, TAXONOMY)).toEqual(['fraud', 'scraping']);
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('falls back to the lexicon after a malformed reply and its retry', async () => {
    claude.standin.enqueue(behave.ok({ areas: 'fraud' }), behave.textOnly());
    expect(await make().classify(MEMBERS.slice(0, 2), TAXONOMY)).toEqual(['fraud']);
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('asks nothing for an empty cluster', async () => {
    expect(await make().classify([], TAXONOMY)).toEqual([]);
    expect(claude.standin.requests).toHaveLength(0);
  });
});
