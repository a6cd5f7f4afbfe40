import { describe, expect, it } from 'vitest';
import { canaryNeedles, canarySentence, findLeaks, makeCanaries } from '../../src/eval/canary.ts';
import { seededRandom } from '../../src/util/random.ts';

const canaries = makeCanaries(seededRandom(4), 5, 3);
const cleanAlert = JSON.stringify({ id: 'spike-1:firing:1', alert: { kind: 'spike', cluster: { id: 'area:fraud', name: 'Requests to write scam e-mails' }, observed: { conversations: 41, unique_accounts: 30, share: 0.0415 } } });

describe('eval canaries', () => {
  it('plants an e-mail, a phone number, a name with digits, and canary conversation and account ids', () => {
    expect(canaries.email).toMatch(/^[a-z]+\.[a-z]+\d{2}@mailbox-[a-z0-9]{6}\.net$/);
    expect(canaries.phone).toMatch(/^\+1 \(415\) 555-01\d\d$/);
    expect(canaries.nameWithDigits).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+\d{7}$/);
    expect(canaries.conversationIds).toHaveLength(5);
    expect(canaries.accountIds).toHaveLength(3);
    const sentence = canarySentence(canaries);
    for (const s of [canaries.email, canaries.phone, canaries.nameWithDigits]) expect(sentence).toContain(s);
    expect(canaryNeedles(canaries)).toContain(canaries.nameWithDigits.replace(/\d+$/, ''));
  });

  it('reports 0 when no output carries a canary', () => {
    expect(findLeaks([{ place: 'alerts', text: cleanAlert }, { place: 'logs', text: '{"level":30,"msg":"bucket closed","conversations":4155550}' }], canaries)).toEqual({ total: 0, byPlace: { alerts: 0, logs: 0 } });
  });

  it('counts a planted leak in an alert line, per place', () => {
    const leaky = cleanAlert.replace('Requests to write scam e-mails', `Scam e-mails for ${canaries.nameWithDigits}`);
    const report = findLeaks([{ place: 'alerts', text: leaky }, { place: 'catalog', text: '{}' }], canaries);
    expect(report.total).toBeGreaterThanOrEqual(1);
    expect(report.byPlace.alerts).toBeGreaterThanOrEqual(1);
    expect(report.byPlace.catalog).toBe(0);
  });

  it('finds each kind of canary: e-mail in other case, the phone in another format, ids as whole tokens', () => {
    const at = (text: string) => findLeaks([{ place: 'logs', text }], canaries).total;
    expect(at(`mail ${canaries.email.toUpperCase()}`)).toBe(1);
    const digits = canaries.phone.replace(/\D/g, '').slice(1);
    expect(at(`call ${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6)}`)).toBe(1);
    expect(at(`{"conversation":"${canaries.conversationIds[1]}"}`)).toBe(1);
    expect(at(`{"account":"${canaries.accountIds[2]}"}`)).toBe(1);
    // cnry…-c1 is not found inside a longer id.
    expect(at(`${canaries.conversationIds[1]}7`)).toBe(0);
    const [first, last] = canaries.nameWithDigits.split(' ');
    expect(at(`named ${first} ${last!.replace(/\d+$/, '')}`)).toBe(1);
  });
});
