import { describe, expect, it } from 'vitest';
import { ClaudeNamer, sentenceCount, type ClaudeNamerOptions } from '../../src/catalog/claude-namer.ts';
import { TermNamer, type Member, type NamingInput } from '../../src/catalog/naming.ts';
import { DEFAULT_FACET_MODEL } from '../../src/facets/claude-options.ts';
import { behave, useAnthropicStandin } from '../helpers/anthropic-standin.ts';

const ACCOUNTS = ['hmac-7f3a91c2', 'hmac-0b44de17', 'hmac-c9e2a6f0'];
const member = (text: string, i: number): Member => ({ text, account: ACCOUNTS[i % ACCOUNTS.length]! });

const input: NamingInput = {
  members: [
    "The user's overall request for the assistant is to create many fake accounts on a forum.",
    "The user's overall request for the assistant is to register fake accounts on a discussion forum using the computer.",
    "The user's overall request for the assistant is to sign up several fake forum accounts.",
  ].map(member),
  contrast: [
    "The user's overall request for the assistant is to write product reviews for an online shop.",
    "The user's overall request for the assistant is to solve a captcha on a login page.",
  ].map((t, i) => member(t, i + 1)),
  ranked: [
    { term: 'fake accounts', score: 0.9, accounts: 3 },
    { term: 'forum', score: 0.5, accounts: 3 },
  ],
};

const GOOD = { name: 'Create fake accounts on discussion forums', description: 'Users asked for help creating many fake accounts on forums. Unlike nearby clusters, the requests targeted sign-ups rather than reviews or captchas.' };

describe('ClaudeNamer against the Messages API stand-in', () => {
  const claude = useAnthropicStandin();

  const make = (overrides: Partial<ClaudeNamerOptions> = {}) => new ClaudeNamer({ ...claude.options(), ...overrides });

  it('sends the privacy instructions, the cluster and contrast summaries, a forced tool, and no account hashes', async () => {
    claude.standin.enqueue(behave.ok(GOOD));
    await make().nameCluster(input);
    expect(claude.standin.requests).toHaveLength(1);
    const { body } = claude.standin.requests[0]!;
    expect(body.model).toBe(DEFAULT_FACET_MODEL);
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'name_cluster' });
    expect(body.tools.map((t: { name: string }) => t.name)).toEqual(['name_cluster']);
    const system = JSON.stringify(body.system);
    expect(system).toMatch(/no personal information/i);
    expect(system).toMatch(/no proper nouns/i);
    expect(system).toMatch(/do not quote/i);
    expect(system).toMatch(/describe the group as a whole, never an individual/i);
    expect(system).toMatch(/at most 10 words/i);
    expect(system).toMatch(/exactly two sentences/i);
    const user: string = body.messages[0].content;
    for (const m of input.members) expect(user).toContain(m.text);
    expect(user).toMatch(/<contrast_summaries>[\s\S]*write product reviews[\s\S]*solve a captcha[\s\S]*<\/contrast_summaries>/);
    const wire = JSON.stringify(body);
    for (const account of ACCOUNTS) expect(wire).not.toContain(account);
  });

  it('uses a valid reply', async () => {
    claude.standin.enqueue(behave.ok(GOOD));
    expect(await make().nameCluster(input)).toEqual(GOOD);
    expect(claude.standin.requests).toHaveLength(1);
  });

  it('retries an 11-word name once, then falls back to the offline TermNamer', async () => {
    const long = { ...GOOD, name: 'Create many fake accounts on discussion forums for a large campaign' };
    expect(long.name.split(' ')).toHaveLength(11);
    claude.standin.enqueue(behave.ok(long), behave.ok(long));
    const offline = await new TermNamer().nameCluster(input);
    expect(offline).toBeDefined();
    expect(await make().nameCluster(input)).toEqual(offline);
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('retries a three-sentence description once, then falls back to the offline TermNamer', async () => {
    const wordy = { ...GOOD, description: `${GOOD.description} Some mentioned moderators.` };
    claude.standin.enqueue(behave.ok(wordy), behave.ok(wordy));
    expect(await make().nameCluster(input)).toEqual(await new TermNamer().nameCluster(input));
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('uses the retry when it is valid', async () => {
    claude.standin.enqueue(behave.ok({ ...GOOD, description: 'Only one sentence.' }), behave.ok(GOOD));
    expect(await make().nameCluster(input)).toEqual(GOOD);
    expect(claude.standin.requests).toHaveLength(2);
  });

  it('falls back instead of failing the build when the API keeps failing', async () => {
    claude.standin.setDefault(behave.serverError());
    expect(await make({ maxRetries: 2 }).nameCluster(input)).toEqual(await new TermNamer().nameCluster(input));
    expect(claude.standin.requests).toHaveLength(3);
    expect(claude.waits).toHaveLength(2);
  });
});

describe('sentenceCount', () => {
  it('counts sentence breaks, not abbreviations, and requires a finished sentence', () => {
    expect(sentenceCount('Users asked for forms, e.g. sign-ups. They used bots.')).toBe(2);
    expect(sentenceCount('One. Two. Three.')).toBe(3);
    expect(sentenceCount('Users asked for forms. They used bots')).toBe(0);
  });
});
