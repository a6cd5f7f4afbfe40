import { addTypos, expand, tidy } from './grammar.ts';
import { ENGLISH } from './phrasebook-en.ts';
import { INTERNATIONAL } from './phrasebook-intl.ts';
import { formsFor, type FormId, type PhraseBook, type PolicyArea, type RequestKind, type Subject } from './phrasebook.ts';
import { pick, type Random } from '../util/random.ts';

/**
 * One realistic request: a form wrapped around a subject, in a language, sometimes with a greeting,
 * some context or a remark, sometimes with a typo. The result carries its ground truth (areas,
 * kind, subject, form, template) beside the text; the text itself never names its labels.
 */

export const PHRASE_BOOKS: ReadonlyMap<string, PhraseBook> = new Map([ENGLISH, ...INTERNATIONAL].map((b) => [b.language, b]));
/** Languages with a phrase table; 'en' has every area, the others a few (see areasIn). */
export const LANGUAGES: readonly string[] = [...PHRASE_BOOKS.keys()];

export interface RequestSpec {
  /** Default 'en'. A language without a subject for the asked area falls back to English. */
  language?: string;
  /** Default 'benign'. */
  kind?: RequestKind;
  /** For harmful requests: the area; default any, by `areaWeights`. */
  area?: PolicyArea;
  areaWeights?: Partial<Record<PolicyArea, number>>;
  /** A form; default any that fits the subject. */
  form?: FormId;
  /** Chance of one or two typos; default 0.15. */
  typoRate?: number;
  /** Chance of each wrapper (greeting, context, remark); default 0.25. */
  wrapRate?: number;
  /** Chance of pasted material after the request (a draft, notes, code), where the language has some; default 0.06. */
  pasteRate?: number;
}

export interface ComposedRequest {
  text: string;
  language: string;
  kind: RequestKind;
  /** Sorted policy areas; empty unless harmful. */
  areas: PolicyArea[];
  subject: string;
  form: FormId;
  /** `<language>/<form>/<index>`: which form template shaped the text. */
  template: string;
  /** The agent form is a computer-use request. */
  computerUse: boolean;
}

export class RequestSpecError extends RangeError {}

export function composeRequest(random: Random, spec: RequestSpec = {}): ComposedRequest {
  const kind = spec.kind ?? 'benign';
  let book = PHRASE_BOOKS.get(spec.language ?? 'en');
  if (!book) throw new RequestSpecError(`no phrase table for language "${spec.language}"; have ${LANGUAGES.join(', ')}`);
  let subjects = candidates(book, kind, spec.area);
  if (subjects.length === 0 && book !== ENGLISH) {
    book = ENGLISH;
    subjects = candidates(book, kind, spec.area);
  }
  if (subjects.length === 0) throw new RequestSpecError(`no ${kind} subject${spec.area ? ` for area ${spec.area}` : ''}`);
  const subject = subjects[weightedIndex(random, subjects.map((s) => subjectWeight(s, spec.areaWeights)))]!;
  const forms = formsFor(book, subject).filter((f) => !spec.form || f.id === spec.form);
  if (forms.length === 0) throw new RequestSpecError(`subject ${subject.id} has no form ${spec.form} in ${book.language}`);
  const form = pick(random, forms);
  const index = Math.floor(random() * form.templates.length);
  const slots = { ...book.slots, act: subject.acts, thing: subject.things, direct: subject.direct ?? [] };
  let text = expand(random, form.templates[index]!, slots);
  const wrap = spec.wrapRate ?? 0.25;
  if (random() < wrap && book.contexts.length > 0) {
    const context = expand(random, pick(random, book.contexts), slots).trim();
    text = `${context} ${/[.!?:]$/.test(context) ? text : lowerFirst(text)}`;
  }
  if (random() < wrap && book.openers.length > 0) text = `${pick(random, book.openers)}${text}`;
  if (random() < wrap && book.closers.length > 0) text = `${text}${expand(random, pick(random, book.closers), slots)}`;
  text = addTypos(random, tidy(text), spec.typoRate ?? 0.15);
  if (book.pastes && random() < (spec.pasteRate ?? 0.06)) text += paste(random, book.pastes, subject.digital === true);
  return {
    text, language: book.language, kind, areas: [...subject.areas].sort(), subject: subject.id, form: form.id,
    template: `${book.language}/${form.id}/${index}`, computerUse: form.id === 'agent',
  };
}

/** A pasted block of 2 to 12 lines: code for software subjects (half of the time), else prose. */
function paste(random: Random, pastes: NonNullable<PhraseBook['pastes']>, digital: boolean): string {
  const lines = 2 + Math.floor(random() * 11);
  if (digital && random() < 0.5) {
    const start = Math.floor(random() * pastes.code.length);
    const code = Array.from({ length: lines }, (_, i) => pastes.code[(start + i) % pastes.code.length]!);
    return `\n\n\`\`\`\n${code.join('\n')}\n\`\`\``;
  }
  return `\n\n${pick(random, pastes.intros)} ${Array.from({ length: lines }, () => pick(random, pastes.sentences)).join(' ')}`;
}

/** The areas that a language's table can write harmful requests for. */
export function areasIn(language: string): PolicyArea[] {
  const book = PHRASE_BOOKS.get(language);
  return book ? [...new Set(book.subjects.flatMap((s) => s.areas))].sort() : [];
}

function candidates(book: PhraseBook, kind: RequestKind, area: PolicyArea | undefined): Subject[] {
  return book.subjects.filter((s) => s.kind === kind && (!area || s.areas.includes(area)));
}

function subjectWeight(subject: Subject, areaWeights: RequestSpec['areaWeights']): number {
  const base = subject.weight ?? 1;
  if (subject.kind !== 'harmful' || !areaWeights) return base;
  return base * Math.max(0, ...subject.areas.map((a) => areaWeights[a] ?? 1));
}

/** Lower-cases the first letter unless the word looks like a name or acronym ("I", "Python", "SQL"). */
function lowerFirst(text: string): string {
  const first = /^\S+/.exec(text)?.[0] ?? '';
  if (first === 'I' || /^.\p{Lu}/u.test(first) || ['Python', 'SQL', 'React'].includes(first)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

export function weightedIndex(random: Random, weights: readonly number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) throw new RequestSpecError('weights must have a positive sum');
  let target = random() * total;
  for (let i = 0; i < weights.length; i++) {
    target -= weights[i]!;
    if (target < 0) return i;
  }
  return weights.length - 1;
}
