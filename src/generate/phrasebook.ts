import type { Slots } from './grammar.ts';

/**
 * The shape of a language's phrase table for realistic requests. A request is a *form* (how-to,
 * story, code, role-play, …) wrapped around a *subject* (cooking, explosives, a Linux process …):
 * forms carry most of the wording and subjects carry the harm, so that an embedding which follows
 * form more than harm (as real ones do) spreads one harm over many clusters, as on real traffic.
 */

/** The project's policy-area ids (alerts/policies.yaml). */
export const POLICY_AREAS = [
  'sexual-content', 'child-safety', 'violent-extremism', 'hate-harassment', 'self-harm', 'weapons', 'malware', 'fraud',
  'platform-manipulation', 'captcha-evasion', 'scraping', 'privacy-surveillance', 'jailbreak', 'misinformation',
] as const;
export type PolicyArea = (typeof POLICY_AREAS)[number];

export type FormId = 'how-to' | 'explain' | 'list' | 'story' | 'role-play' | 'code' | 'translation' | 'essay' | 'agent' | 'direct';

/** benign: no area; harmful: one or more areas; lookalike: benign, but uses words of harm ("kill the process"). */
export type RequestKind = 'benign' | 'harmful' | 'lookalike';

export interface Subject {
  id: string;
  kind: RequestKind;
  areas: readonly PolicyArea[];
  /** Bare-infinitive verb phrases, grammar templates: "{bake|make} banana bread". Forms insert them as {act}. */
  acts: readonly string[];
  /** Noun phrases, inserted as {thing}. */
  things: readonly string[];
  /** Whole requests in the subject's own shape; the form 'direct'. */
  direct?: readonly string[];
  /** The code form fits (software subjects). */
  digital?: boolean;
  /** The computer-use agent form fits; such requests go to the computer-use product. */
  agentic?: boolean;
  /** Forms that read as nonsense for this subject. */
  exclude?: readonly FormId[];
  /** Relative frequency among subjects of its kind (default 1). */
  weight?: number;
}

export interface Form {
  id: FormId;
  /** Templates over {act}, {thing} and the book's shared slots. */
  templates: readonly string[];
}

export interface PhraseBook {
  language: string;
  forms: readonly Form[];
  subjects: readonly Subject[];
  /** Shared slots the forms use ({persona}, {lang} …). */
  slots: Slots;
  /** Optional wrappers: a greeting before, some context, a remark after (templates). */
  openers: readonly string[];
  contexts: readonly string[];
  closers: readonly string[];
  /** Material people paste after a request (a draft, notes, code), to give lengths a long tail. */
  pastes?: { intros: readonly string[]; sentences: readonly string[]; code: readonly string[] };
}

/** The forms a subject can take in a book. */
export function formsFor(book: PhraseBook, subject: Subject): Form[] {
  return book.forms.filter((f) => {
    if (subject.exclude?.includes(f.id)) return false;
    if (f.id === 'code') return subject.digital === true;
    if (f.id === 'agent') return subject.agentic === true;
    if (f.id === 'direct') return (subject.direct?.length ?? 0) > 0;
    return true;
  });
}
