import { describe, expect, it } from 'vitest';
import { OfflineAuditor, verdictOf } from '../../src/catalog/audit.ts';
import { clusterVocabularies, TermNamer, type Member } from '../../src/catalog/naming.ts';

const members: Member[] = Array.from({ length: 24 }, (_, i) => ({
  account: `acct-${i % 12}`,
  text: `Write a short bedtime story about a brave turtle ${['tonight', 'for my kid', 'please', 'in rhyme'][i % 4]}.`,
}));

describe('OfflineAuditor on readable names', () => {
  it('passes the namer’s phrase and fails a name with a word outside the vocabulary or with personal data', async () => {
    const [vocabulary] = clusterVocabularies([members], 5);
    const auditor = new OfflineAuditor();
    const named = await new TermNamer().nameCluster({ members, contrast: [], ranked: vocabulary!.ranked });
    expect(named!.name).toMatch(/bedtime story about a brave turtle/i);
    expect(await auditor.audit(named!, vocabulary!.allowed)).toMatchObject({ pass: true, score: 5, codes: [], reasons: ['score 5'] });

    const outside = await auditor.audit({ name: 'Write a short bedtime story about Velloria', description: named!.description }, vocabulary!.allowed);
    expect(outside).toMatchObject({ pass: false, score: 2, codes: ['rare_token', 'outside_vocabulary'] });
    // A common word the members did not use is outside the offline namer's stricter vocabulary, though not rare.
    const common = await auditor.audit({ name: 'Write a short bedtime story about a brave kitten', description: named!.description }, vocabulary!.allowed);
    expect(common).toMatchObject({ pass: false, codes: ['outside_vocabulary'] });
    const handle = await auditor.audit({ name: 'Write a short story', description: 'Requests like jsmith1987 story.' }, vocabulary!.allowed);
    expect(handle).toMatchObject({ pass: false, score: 1 });
    expect(handle.codes).toContain('personal_data');
    expect(handle.reasons.join(' ')).toMatch(/personal_data: .*handle/);
    expect(handle.reasons.join(' ')).not.toContain('jsmith');
    expect(outside.reasons.join(' ')).not.toMatch(/velloria/i);
  });
});

describe('verdictOf', () => {
  it('prints the score and codes only', () => {
    expect(verdictOf(2, ['low_privacy_score'])).toEqual({ pass: false, score: 2, codes: ['low_privacy_score'], reasons: ['score 2', 'low_privacy_score'] });
    expect(verdictOf(1, ['personal_data'], ['email', 'phone']).reasons).toEqual(['score 1', 'personal_data: email, phone']);
    expect(verdictOf(4, [])).toMatchObject({ pass: true, reasons: ['score 4'] });
  });
});
