import { describe, expect, it } from 'vitest';
import { OfflineAuditor } from '../../src/catalog/audit.ts';
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
    expect(await auditor.audit(named!, vocabulary!.allowed)).toMatchObject({ pass: true, score: 5 });

    const outside = await auditor.audit({ name: 'Write a short bedtime story about Velloria', description: named!.description }, vocabulary!.allowed);
    expect(outside).toMatchObject({ pass: false, score: 2 });
    const handle = await auditor.audit({ name: 'Write a short story', description: 'Requests like jsmith1987 story.' }, vocabulary!.allowed);
    expect(handle).toMatchObject({ pass: false, score: 1 });
    expect(handle.reasons.join(' ')).toMatch(/handle/);
    expect(handle.reasons.join(' ')).not.toContain('jsmith');
  });
});
