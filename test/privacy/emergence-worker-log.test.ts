import { afterAll, describe, expect, it } from 'vitest';
import type { RecentPoint } from '../../src/emerging/density-contrast.ts';
import { EmergenceScorer, failureOf } from '../../src/emerging/emergence-scorer.ts';
import { createLogger } from '../../src/log.ts';
import { seededRandom } from '../../src/util/random.ts';
import { CANARIES, findCanary, memoryStream } from '../helpers/canary.ts';
import { randomUnit } from '../helpers/vectors.ts';

const T0 = Date.parse('2026-11-27T00:00:00Z');
const OPTS = { knownSize: 1000, minSimilarity: 0.65, minAccounts: 10, minConversations: 20 };

/**
 * A window carrying every canary in its ids and summary words, one of whose words cannot be sent to
 * the worker: V8's DataCloneError quotes the value it could not clone, canary and all.
 */
function canaryWindow(): RecentPoint[] {
  const random = seededRandom(3);
  return Array.from({ length: 12 }, (_, i) => ({
    idHash: `${CANARIES.conversationId}-${i}`,
    accountHash: `${CANARIES.accountId}-${i}`,
    eventTimeMs: T0 + i * 60_000,
    vector: randomUnit(random, 16),
    known: [0.4, 0.3],
    nearestClusterId: 'c-1',
    explained: false,
    terms: i === 5 ? ([CANARIES.name, Symbol(CANARIES.email)] as unknown as string[]) : [CANARIES.name, CANARIES.phone],
  }));
}

describe('the emergence worker failure log line carries no personal data', () => {
  const scorer = new EmergenceScorer({ minWorkerPoints: 1 });
  afterAll(() => scorer.close());

  it('logs the failure by its kind, never by a message quoting the window', async () => {
    const log = memoryStream();
    const points = canaryWindow();
    // The window cannot be posted to the worker; it is scored on this thread instead.
    await scorer.groups(points, OPTS, createLogger('info', log));
    const lines = log.text().split('\n').filter((l) => l.includes('emergence worker failed'));
    expect(lines).toHaveLength(1);
    expect(findCanary(log.text())).toBeUndefined();
    expect(lines[0]).toContain('DataCloneError');
  }, 60_000);

  it('never lets a foreign error message through', () => {
    expect(failureOf(new TypeError(`cannot read ${CANARIES.email}`))).toBe('TypeError');
    const odd = Object.assign(new Error(CANARIES.phone), { name: `Error ${CANARIES.accountId}` });
    expect(failureOf(odd)).toBe('Error');
    expect(failureOf(CANARIES.name)).toBe('Error');
  });
});
