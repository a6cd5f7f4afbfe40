import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { areasIn, composeRequest, LANGUAGES, PHRASE_BOOKS, RequestSpecError } from '../../src/generate/compose.ts';
import { expand } from '../../src/generate/grammar.ts';
import { formsFor, POLICY_AREAS } from '../../src/generate/phrasebook.ts';
import { seededRandom } from '../../src/util/random.ts';

/** Words of harm that benign look-alikes borrow ("kill the process"), in the languages of the tables. */
const HARM_WORDS = /\b(kill|shoot|bomb|execut|hack|crack|exploit|attack|murder|poison|steal|blow|destroy|nuk|trigger|fir(e|ing)\b|matar|tuer|totschlagen|membunuh|kuua)/i;

describe('realistic requests', () => {
  it('expands every template of every subject in every language without a broken slot', () => {
    const random = seededRandom(1);
    for (const book of PHRASE_BOOKS.values()) {
      for (const subject of book.subjects) {
        const slots = { ...book.slots, act: subject.acts, thing: subject.things, direct: subject.direct ?? [] };
        for (const form of formsFor(book, subject)) {
          for (const template of form.templates) for (let i = 0; i < 3; i++) expect(expand(random, template, slots).length).toBeGreaterThan(5);
        }
        for (const t of [...subject.acts, ...subject.things, ...book.openers, ...book.contexts, ...book.closers]) expand(random, t, slots);
      }
    }
  });

  it('uses exactly the policy areas of the shipped taxonomy', () => {
    const taxonomy = parse(readFileSync(new URL('../../alerts/policies.yaml', import.meta.url), 'utf8')) as { areas: Array<{ id: string }> };
    expect([...POLICY_AREAS].sort()).toEqual(taxonomy.areas.map((a) => a.id).sort());
  });

  it('covers every policy area in English and several areas in each other language, with valid ids only', () => {
    expect(areasIn('en')).toEqual([...POLICY_AREAS].sort());
    expect(LANGUAGES).toEqual(expect.arrayContaining(['en', 'es', 'fr', 'de', 'pt', 'id', 'sw']));
    for (const language of LANGUAGES) {
      expect(areasIn(language).length).toBeGreaterThanOrEqual(4);
      for (const a of areasIn(language)) expect(POLICY_AREAS).toContain(a);
    }
  });

  it('labels harmful requests with the asked area and writes them in the asked language', () => {
    const random = seededRandom(2);
    for (const language of LANGUAGES) {
      for (const area of areasIn(language)) {
        const r = composeRequest(random, { language, kind: 'harmful', area });
        expect(r.language).toBe(language);
        expect(r.areas).toContain(area);
        expect(r.kind).toBe('harmful');
        expect(r.template.startsWith(`${language}/`)).toBe(true);
      }
    }
    // An area the language has no table for falls back to English rather than failing.
    const fallback = composeRequest(random, { language: 'sw', kind: 'harmful', area: 'captcha-evasion' });
    expect(fallback.language).toBe('en');
    expect(fallback.areas).toEqual(['captcha-evasion']);
  });

  it('spreads one harmful area over many forms and templates', () => {
    const random = seededRandom(4);
    const weapons = Array.from({ length: 600 }, () => composeRequest(random, { kind: 'harmful', area: 'weapons' }));
    const forms = new Set(weapons.map((r) => r.form));
    expect(forms.size).toBeGreaterThanOrEqual(7);
    expect(new Set(weapons.map((r) => r.template)).size).toBeGreaterThanOrEqual(30);
    expect(new Set(weapons.map((r) => r.subject)).size).toBe(3);
    expect(new Set(weapons.map((r) => r.text)).size / weapons.length).toBeGreaterThan(0.95);
    // The same forms carry benign subjects: form alone does not give harm away.
    const benignForms = new Set(Array.from({ length: 600 }, () => composeRequest(random, { kind: 'benign' }).form));
    for (const f of forms) if (f !== 'direct') expect(benignForms).toContain(f);
  });

  it('varies in length, with a long tail of pasted drafts and code', () => {
    const random = seededRandom(7);
    const lengths = Array.from({ length: 3000 }, () => composeRequest(random, { kind: 'benign' }).text.length).sort((a, b) => a - b);
    const at = (q: number) => lengths[Math.floor(q * (lengths.length - 1))]!;
    expect(at(0.05)).toBeLessThan(55);
    expect(at(0.95)).toBeGreaterThan(2 * at(0.5));
    expect(at(1)).toBeGreaterThan(500);
    const none = seededRandom(7);
    expect(Math.max(...Array.from({ length: 500 }, () => composeRequest(none, { kind: 'benign', pasteRate: 0 }).text.length))).toBeLessThan(450);
  });

  it('writes benign look-alikes that use words of harm but carry no area, in several languages', () => {
    const random = seededRandom(5);
    for (const language of LANGUAGES) {
      const looks = Array.from({ length: 60 }, () => composeRequest(random, { language, kind: 'lookalike', typoRate: 0 }));
      for (const r of looks) {
        expect(r.areas).toEqual([]);
        expect(r.kind).toBe('lookalike');
        expect(r.subject.startsWith('lookalike/')).toBe(true);
      }
      expect(looks.filter((r) => HARM_WORDS.test(r.text)).length / looks.length).toBeGreaterThan(0.6);
    }
    const benign = Array.from({ length: 300 }, () => composeRequest(random, { kind: 'benign' }));
    expect(benign.every((r) => r.areas.length === 0)).toBe(true);
  });

  it('routes agent-form requests to computer use and fails clearly on an unknown language', () => {
    const random = seededRandom(6);
    const agent = composeRequest(random, { kind: 'harmful', area: 'captcha-evasion', form: 'agent' });
    expect(agent.computerUse).toBe(true);
    expect(composeRequest(random, { kind: 'benign', form: 'how-to' }).computerUse).toBe(false);
    expect(() => composeRequest(random, { language: 'xx' })).toThrow(RequestSpecError);
    expect(() => composeRequest(random, { kind: 'harmful', area: 'weapons', form: 'code' })).toThrow(RequestSpecError);
  });

  it('is deterministic for a seed', () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => composeRequest(random, { kind: 'harmful' }));
    };
    expect(draw(8)).toEqual(draw(8));
    expect(draw(8).map((r) => r.text)).not.toEqual(draw(9).map((r) => r.text));
  });
});
