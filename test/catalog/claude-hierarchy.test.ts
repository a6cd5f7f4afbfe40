import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ASSIGN_TOOL_NAME, ClaudeHierarchy, PROPOSE_TOOL_NAME } from '../../src/catalog/claude-hierarchy.ts';
import type { LeafSummary } from '../../src/catalog/hierarchy.ts';
import { seededRandom } from '../../src/util/random.ts';
import { behave, startAnthropicStandin, type AnthropicStandin } from '../helpers/anthropic-standin.ts';

const axis = (i: number, dim = 4) => Array.from({ length: dim }, (_, d) => (d === i ? 1 : 0.05));
const leaves: LeafSummary[] = [
  { name: 'Debug python scripts', description: 'Fixing errors in scripts.', centroid: axis(0), named: true },
  { name: 'Write sql queries', description: 'Queries over tables.', centroid: axis(0), named: true },
  { name: 'Build web pages', description: 'Layout and styling.', centroid: axis(1), named: true },
  { name: 'Vegetarian recipes', description: 'Meals without meat.', centroid: axis(2), named: true },
  { name: 'Baking bread', description: 'Doughs and ovens.', centroid: axis(2), named: true },
  { name: 'Unnamed cluster', description: 'Below the privacy thresholds, so not described.', centroid: axis(3).map((x, d) => (d === 2 ? 0.9 : x)), named: false },
];

describe('ClaudeHierarchy against the Messages API stand-in', () => {
  let standin: AnthropicStandin;
  beforeEach(async () => {
    standin = await startAnthropicStandin();
  });
  afterEach(async () => standin.close());

  const make = () =>
    new ClaudeHierarchy({ apiKey: 'test-key', baseURL: standin.url, maxConcurrency: 1, random: seededRandom(1), sleep: async () => {}, maxRetries: 1 });

  it('proposes categories, assigns each named leaf, and places unnamed leaves by centroid', async () => {
    standin.enqueue(behave.ok({ categories: ['Software development', 'Cooking and food', 'software development'] }));
    for (const category of ['Software development', 'Software development', 'Software development', 'Cooking and food', 'Cooking and food']) {
      standin.enqueue(behave.ok({ category }));
    }
    const groups = await make().group(leaves);
    expect(groups).toEqual([[0, 1, 2], [3, 4, 5]]);

    const [propose, ...assigns] = standin.requests;
    expect(propose!.body.tool_choice).toEqual({ type: 'tool', name: PROPOSE_TOOL_NAME });
    expect(JSON.stringify(propose!.body.system)).toMatch(/proper nouns/);
    const user = JSON.stringify(propose!.body.messages);
    expect(user).toContain('Debug python scripts');
    expect(user).not.toContain('Unnamed cluster'); // gated leaves are not shown
    expect(assigns).toHaveLength(5);
    expect(assigns[0]!.body.tool_choice).toEqual({ type: 'tool', name: ASSIGN_TOOL_NAME });
    // Proposals were merged case-insensitively: two categories offered.
    expect(assigns[0]!.body.tools[0].input_schema.properties.category.enum).toEqual(['Software development', 'Cooking and food']);
  });

  it('falls back to k-means when Claude cannot answer', async () => {
    standin.setDefault(behave.serverError(500));
    const groups = await make().group(leaves);
    expect(groups.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(groups.length).toBeGreaterThanOrEqual(2);
  });

  it('falls back when an answer is outside the offered categories', async () => {
    standin.enqueue(behave.ok({ categories: ['Software development', 'Cooking and food'] }));
    standin.setDefault(behave.ok({ category: 'Gardening' }));
    const groups = await make().group(leaves);
    expect(groups.flat().sort()).toEqual([0, 1, 2, 3, 4, 5]);
  });
});
