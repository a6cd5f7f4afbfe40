import { describe, expect, it } from 'vitest';
import { AUDIT_UNAVAILABLE, ClaudeAuditor } from '../../src/catalog/claude-auditor.ts';
import type { ClaudeCatalogOptions } from '../../src/catalog/claude-tool-call.ts';
import { behave, useAnthropicStandin } from '../helpers/anthropic-standin.ts';

const CLEAN = { name: 'Create fake accounts on discussion forums', description: 'Users asked for help creating many fake accounts on forums. The requests targeted sign-up pages.' };
const NO_TERMS = new Set<string>();

describe('ClaudeAuditor against the Messages API stand-in', () => {
  const claude = useAnthropicStandin();

  const make = (overrides: Partial<ClaudeCatalogOptions> = {}) => new ClaudeAuditor({ ...claude.options(), ...overrides });

  it('fails a name carrying an email address without calling the model', async () => {
    const verdict = await make().audit({ ...CLEAN, description: 'Users wrote to jane.roe@example.com for fake accounts. The requests targeted forums.' }, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.score).toBe(1);
    expect(verdict.reasons.join(' ')).toMatch(/personal data found: .*email/);
    expect(claude.standin.requests).toHaveLength(0);
  });

  it('passes a score-4 rating, after asking with the 1–5 scale and the forced rate_privacy tool', async () => {
    claude.standin.enqueue(behave.ok({ score: 4, reason: 'General description of a common kind of request.' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    expect(verdict).toEqual({ pass: true, score: 4, reasons: ['privacy score 4: General description of a common kind of request.'] });
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
  });

  it('passes a score-3 rating: the threshold is inclusive', async () => {
    claude.standin.enqueue(behave.ok({ score: 3, reason: 'Some specifics, nobody identifiable.' }));
    expect((await make().audit(CLEAN, NO_TERMS)).pass).toBe(true);
  });

  it('fails closed when the API keeps returning 500', async () => {
    claude.standin.setDefault(behave.serverError(500));
    const verdict = await make({ maxRetries: 2 }).audit(CLEAN, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons[0]).toBe(AUDIT_UNAVAILABLE);
    expect(claude.standin.requests).toHaveLength(3);
    expect(claude.waits).toHaveLength(2);
  });

  it('fails closed when the rating is malformed twice (score out of range)', async () => {
    claude.standin.enqueue(behave.ok({ score: 7, reason: 'x' }), behave.ok({ score: 'high', reason: 'x' }));
    const verdict = await make().audit(CLEAN, NO_TERMS);
    expect(verdict.pass).toBe(false);
    expect(verdict.reasons[0]).toBe(AUDIT_UNAVAILABLE);
    expect(claude.standin.requests).toHaveLength(2);
  });
});
