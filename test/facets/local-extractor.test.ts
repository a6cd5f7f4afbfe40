import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../../src/ingest/conversation.ts';
import { condenseRequest, deriveTask, LocalFacetExtractor } from '../../src/facets/local-extractor.ts';

function conversation(messages: Message[]): Conversation {
  return { id: 'conv-1', account_id: 'acct-1', timestamp: '2026-11-27T14:00:00Z', messages };
}

const computerUse = (request: string, typed: string): Conversation =>
  conversation([
    { role: 'user', content: request },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Taking a screenshot first.' },
        { type: 'tool_use', id: 't1', name: 'computer', input: { action: 'screenshot' } },
      ],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64' } }] }] },
    {
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 't2', name: 'computer', input: { action: 'left_click', coordinate: [200, 300] } },
        { type: 'tool_use', id: 't3', name: 'computer', input: { action: 'type', text: typed } },
        { type: 'tool_use', id: 't4', name: 'computer', input: { action: 'left_click', coordinate: [20, 30] } },
        { type: 'tool_use', id: 't5', name: 'str_replace_based_edit_tool', input: { command: 'view', path: '/tmp/notes.txt' } },
      ],
    },
  ]);

describe('LocalFacetExtractor', () => {
  const extractor = new LocalFacetExtractor();

  it('is deterministic and never degraded', async () => {
    const c = computerUse('Book a table for two at an Italian restaurant for Friday evening.', 'two people, 7pm');
    const [a] = await extractor.extract([c]);
    const [b] = await extractor.extract([structuredClone(c)]);
    expect(a).toEqual(b);
    expect(a!.degraded).toBe(false);
  });

  it('condenses the first user message: whitespace collapsed, bounded, cut at a word boundary', async () => {
    const long = `Please   write\n\n a detailed essay ${'about the history of bridges '.repeat(40)}`;
    const [facets] = await extractor.extract([conversation([{ role: 'user', content: long }])]);
    expect(facets!.request.length).toBeLessThanOrEqual(300);
    expect(facets!.request).toMatch(/^Please write a detailed essay about/);
    expect(facets!.request).not.toMatch(/\s{2,}/);
    expect(facets!.request.endsWith('…')).toBe(true);
    // The character before the ellipsis ends a whole word of the original.
    const words = long.split(/\s+/);
    expect(words).toContain(facets!.request.slice(0, -1).split(' ').pop());
    const short = await new LocalFacetExtractor({ maxRequestChars: 40 }).extract([conversation([{ role: 'user', content: long }])]);
    expect(short[0]!.request.length).toBeLessThanOrEqual(40);
  });

  it('appends the following user messages while the request is short', () => {
    expect(condenseRequest(['hi', 'I need a recipe', 'for vegan brownies with no nuts please', 'thanks'], 30, 300)).toBe(
      'hi I need a recipe for vegan brownies with no nuts please',
    );
    expect(condenseRequest([], 30, 300)).toBe('unspecified request');
    expect(condenseRequest(['A long enough first message that stands on its own.', 'ignored'], 20, 300)).toBe(
      'A long enough first message that stands on its own.',
    );
  });

  it('derives the task from the leading phrase, fillers stripped', () => {
    expect(deriveTask('Hi! Can you please write a Python function that parses dates? Thanks', 6)).toBe('write a python function that parses');
    expect(deriveTask('I want to plan a birthday party.', 6)).toBe('plan a birthday party');
    expect(deriveTask('???', 6)).toBe('unspecified task');
  });

  it('takes actions from tool_use blocks: computer input.action, else the tool name; each once, in order', async () => {
    const [facets] = await extractor.extract([computerUse('Book a table for two at a restaurant.', 'two people')]);
    expect(facets!.actions).toEqual(['screenshot', 'left_click', 'type', 'str_replace_based_edit_tool']);
    const [none] = await extractor.extract([conversation([{ role: 'user', content: 'Tell me a joke about cats.' }])]);
    expect(none!.actions).toEqual([]);
  });

  it('detects the language from the user text', async () => {
    const [facets] = await extractor.extract([conversation([{ role: 'user', content: 'Bonjour, peux-tu m’aider à écrire une lettre pour mon propriétaire ?' }])]);
    expect(facets!.language).toBe('fr');
  });

  it('scores a benign computer-use session 1 and a harmful one 5 (typed text counts)', async () => {
    const [benign] = await extractor.extract([computerUse('Find a vegetarian lasagna recipe and add the ingredients to my shopping list.', 'lasagna')]);
    expect(benign!.concerning).toBe(1);
    const [harmful] = await extractor.extract([
      computerUse('Register on the forum again and again, as many times as you can.', 'Sign up 200 fake accounts and solve the captcha on each'),
    ]);
    expect(harmful!.concerning).toBe(5);
  });
});
