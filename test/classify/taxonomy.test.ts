import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicies, loadPolicies, PolicyTaxonomyError } from '../../src/classify/taxonomy.ts';

const AREA_IDS = [
  'sexual-content', 'child-safety', 'violent-extremism', 'hate-harassment', 'self-harm', 'weapons', 'malware',
  'fraud', 'platform-manipulation', 'captcha-evasion', 'scraping', 'privacy-surveillance', 'jailbreak', 'misinformation',
];

const valid = () => ({
  min_share: 0.2,
  areas: [{ id: 'weapons', name: 'Weapons', description: 'Making weapons.', lexicon: ['explosiv*', 'make a bomb'], exclude: ['bath bomb*'], examples: ['Build a pipe bomb.'] }],
  benign_examples: ['Plan a trip.'],
});

describe('policy taxonomy', () => {
  it('ships the fourteen areas, each with a lexicon and a few dozen examples, and benign contrast', () => {
    const taxonomy = loadPolicies();
    expect(taxonomy.areas.map((a) => a.id)).toEqual(AREA_IDS);
    expect(taxonomy.min_share).toBe(0.2);
    for (const area of taxonomy.areas) {
      expect(area.description.length, area.id).toBeGreaterThan(20);
      expect(area.lexicon.length, area.id).toBeGreaterThan(5);
      expect(area.examples.length, area.id).toBeGreaterThanOrEqual(24);
    }
    expect(taxonomy.benign_examples!.length).toBeGreaterThanOrEqual(40);
  });

  it('accepts a valid taxonomy as it is', () => {
    expect(checkPolicies(valid())).toEqual(valid());
  });

  const cases: Array<[string, (t: ReturnType<typeof valid>) => unknown, RegExp]> = [
    ['a missing lexicon', (t) => (delete (t.areas[0] as Partial<(typeof t.areas)[0]>).lexicon, t), /areas\[0\] \(weapons\)\.lexicon: is required/],
    ['a star inside a word', (t) => ((t.areas[0]!.lexicon[1] = 'ma*ke a bomb'), t), /areas\[0\] \(weapons\)\.lexicon\[1\]: a term is words or stems/],
    ['a lone star', (t) => ((t.areas[0]!.exclude[0] = 'bath *'), t), /areas\[0\] \(weapons\)\.exclude\[0\]/],
    ['an unknown key', (t) => ({ ...t, keywords: [] }), /top level: unknown key keywords/],
    ['a bad min_share', (t) => ({ ...t, min_share: 0 }), /min_share: must be > 0/],
    ['no benign examples', (t) => ({ ...t, benign_examples: undefined }), /benign_examples: is required/],
    ['a duplicate id', (t) => ({ ...t, areas: [t.areas[0], t.areas[0]] }), /areas\[1\]\.id: duplicate area id weapons/],
    ['a bad id', (t) => ((t.areas[0]!.id = 'Weapons!'), t), /areas\[0\] \(Weapons!\)\.id: must match pattern/],
  ];
  for (const [what, mutate, message] of cases) {
    it(`names the key of ${what}`, () => {
      const error = (() => {
        try {
          checkPolicies(mutate(valid()), 'policy taxonomy t.yaml');
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(PolicyTaxonomyError);
      expect((error as Error).message).toMatch(/^policy taxonomy t\.yaml: /);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('reports a file that is not YAML, by path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-policies-'));
    const path = join(dir, 'policies.yaml');
    writeFileSync(path, 'min_share: [unclosed');
    expect(() => loadPolicies(path)).toThrow(new RegExp(`cannot read policy taxonomy ${path}`));
  });
});
