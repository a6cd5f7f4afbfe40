/**
 * Person names through compromise. Tagging is by far the slowest step, so it runs only on a few
 * words around each candidate (two capitalised words in a row, or a cue such as "my name is" or
 * "Dr." before a capitalised word); texts without candidates never reach compromise.
 */
import nlp from 'compromise';
import { PLACEHOLDER } from './patterns.ts';

/** A character range of the text that holds a name. */
export interface NameSpan {
  start: number;
  end: number;
}

/** A word as compromise tagged it, placed in the original text. */
interface Word {
  text: string;
  tags: ReadonlySet<string>;
  start: number;
  end: number;
}

const CAPITALISED_PAIR = /\p{Lu}\p{Ll}+[ \t]+(?:\p{Lu}\.[ \t]+)?\p{Lu}\p{Ll}/u;
const CUE_BEFORE_CAPITAL = /(?:\b[Mm]y name is|\bI am|\bI[’']m|\b[Cc]all me|\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?)[ \t]+\p{Lu}\p{Ll}/u;
/** Letters open with "Dear Ana," or "Hi Ana,"; they close with "Regards,\nAna". */
const GREETING = '\\b(?:Dear|Hi|Hello|Hey|Hiya)';
const SIGN_OFF = '(?:Regards|Sincerely|Best|Cheers|Thanks|Thank you|Yours(?: truly| sincerely)?|Love|Best wishes|Warmly|Take care),?[ \\t]*\\r?\\n[ \\t]*';
const GREETING_BEFORE_CAPITAL = new RegExp(`${GREETING}[ \\t]+\\p{Lu}\\p{Ll}|${SIGN_OFF}\\p{Lu}\\p{Ll}`, 'u');
/** Capitalised full names with digits glued on ("Ana Lopez0932564", "Ana Lopez_88"): an account name. */
const NAME_WITH_DIGITS = /(?<![\p{L}\p{N}_])\p{Lu}\p{Ll}+(?:[ \t]+\p{Lu}\p{Ll}+(?:[-'’]\p{Lu}?\p{Ll}+)?){1,2}[_.-]?\d{2,}(?![\p{L}\p{N}])/gu;
const CANDIDATES = new RegExp(`${CAPITALISED_PAIR.source}|${CUE_BEFORE_CAPITAL.source}|${GREETING_BEFORE_CAPITAL.source}`, 'gu');

/** A cue that makes the capitalised word after it a name even if compromise does not say so. */
const STRONG_CUE_BEFORE = new RegExp(`(?:(?:\\b[Mm]y name is|\\b[Cc]all me|\\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\\.?|\\bDear)[ \\t]+|${SIGN_OFF})$`);
/** "Hi Ana," is a name; "Hello World" and "Hi Team," are not: the greeting must end right after it. */
const GREETING_CUE_BEFORE = /\b(?:Hi|Hello|Hey|Hiya)[ \t]+$/;
const GREETING_ENDS = /^\p{Lu}[\p{L}'’-]*(?:[ \t]+\p{Lu}[\p{L}'’-]*){0,2}[ \t]*(?:[,!:\n]|$)/u;
const NOT_GREETED = new Set(['world', 'team', 'all', 'everyone', 'everybody', 'guys', 'folks', 'there', 'friends', 'sir', 'madam', 'class', 'both', 'again', 'chatgpt', 'claude', 'assistant', 'bot', 'gpt']);
/** "I am Canadian", "I'm Happy to help": the word after these is a name only if tagged as one. */
const WEAK_CUE_BEFORE = /(?:\bI am|\bI[’']m)[ \t]+$/;

const IS_CAPITALISED = /^\p{Lu}(?:\p{Ll}|['’]\p{Lu})/u; // Jane, O’Brien
/** Tags that mean a capitalised word after a cue is not a name ("call me Tomorrow", "I am Sorry"). */
const NOT_A_NAME = ['Adjective', 'Verb', 'Adverb', 'Date', 'Value', 'Pronoun', 'Determiner', 'Preposition', 'Conjunction', 'Demonym', 'Expression', 'Place', 'Organization'];
/** Words that compromise takes for surnames in product names ("Claude Code", "Visual Studio"). */
const PRODUCT_WORDS = new Set(['code', 'studio', 'desktop', 'chrome', 'cloud', 'notebook', 'server', 'sonnet', 'opus', 'haiku', 'pro', 'max', 'mini', 'plus', 'ai', 'api', 'app', 'assistant', 'bot', 'copilot']);
/** "Code", "Code2", "Pro3": a version glued on does not make a product word a surname. */
const isProductWord = (word: string): boolean => PRODUCT_WORDS.has(word.toLowerCase().replace(/\d+$/, ''));
/** Assistant names that "I am ..." introduces in assistant turns. */
const ASSISTANT_NAMES = new Set(['claude', 'chatgpt', 'gemini', 'copilot', 'siri', 'alexa', 'cortana', 'bard']);

const BARE_NOUN_TAGS = new Set(['Noun', 'Singular', 'ProperNoun']);

const MAX_EXTRA_NAME_WORDS = 2;
/** About half a second of tagging per text at worst; a 1 KB text uses a few percent of it. */
const TAGGING_BUDGET_CHARS = 16_000;
/** compromise's fixed cost per call, in characters' worth of tagging. */
const TAGGING_CALL_COST_CHARS = 20;
/** Overlapping windows merge up to this size, so the budget is spent window by window. */
const MAX_WINDOW_CHARS = 1_000;
const REACH_BEFORE = 40;
const REACH_AFTER = 60;
const SENTENCE_END = /[.!?\n]/;
/** A dot after these does not end the sentence ("Dear Ms. Okafor"). */
const ABBREVIATION_BEFORE = /(?:^|[^\p{L}])(?:Mr|Mrs|Ms|Miss|Dr|Prof|St|Jr|Sr|Mt)$/u;

function endsSentence(text: string, i: number): boolean {
  if (!SENTENCE_END.test(text[i])) return false;
  return text[i] !== '.' || !ABBREVIATION_BEFORE.test(text.slice(Math.max(0, i - 6), i));
}

export function mayContainName(text: string): boolean {
  return CAPITALISED_PAIR.test(text) || CUE_BEFORE_CAPITAL.test(text) || GREETING_BEFORE_CAPITAL.test(text);
}

/**
 * Windows around each candidate, merged when they overlap: a few words either side (enough context
 * for the tagger, and "my name is" before), never past a sentence end. Tagging costs grow with
 * length, so a short window matters more than a whole sentence.
 */
function candidateWindows(text: string): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  CANDIDATES.lastIndex = 0;
  for (let m = CANDIDATES.exec(text); m; m = CANDIDATES.exec(text)) {
    // A sign-off ends its line; the name is on the next one, and so is the window.
    const lineBreak = m[0].lastIndexOf('\n');
    const at = lineBreak < 0 ? m.index : m.index + lineBreak + 1;
    let start = at;
    const floor = Math.max(0, at - REACH_BEFORE);
    while (start > floor && !endsSentence(text, start - 1)) start--;
    if (start > 0 && !endsSentence(text, start - 1)) start = Math.min(nextSpace(text, start), at); // do not cut a word
    let end = m.index + m[0].length;
    const ceiling = Math.min(text.length, end + REACH_AFTER);
    while (end < ceiling && !endsSentence(text, end)) end++;
    if (end < text.length && !endsSentence(text, end)) end = lastSpace(text, end, m.index + m[0].length);
    else end = Math.min(text.length, end + 1);
    const last = windows[windows.length - 1];
    if (last && start < last[1] && end - last[0] <= MAX_WINDOW_CHARS) last[1] = Math.max(last[1], end);
    else if (last && start < last[1]) windows.push([last[1], end]);
    else windows.push([start, end]);
  }
  return windows;
}

function nextSpace(text: string, from: number): number {
  const at = text.slice(from).search(/\s/);
  return at < 0 ? from : from + at + 1;
}

/** The last whitespace before `end` but not before `notBefore`, so the candidate stays whole. */
function lastSpace(text: string, end: number, notBefore: number): number {
  for (let i = end; i > notBefore; i--) if (/\s/.test(text[i])) return i;
  return end;
}

const NO_TAGS: ReadonlySet<string> = new Set();
const hasTag = (word: Word, tag: string): boolean => word.tags.has(tag);
const isNotAName = (word: Word): boolean => NOT_A_NAME.some((tag) => word.tags.has(tag));

/**
 * Tags `text[start, end)` and places each word in `text`. Reading `doc.docs` directly avoids
 * compromise's JSON output, which costs as much again as the tagging.
 */
function tagWords(text: string, start: number, end: number): Word[] {
  const words: Word[] = [];
  let cursor = start;
  for (const sentence of nlp(text.slice(start, end)).docs) {
    for (const term of sentence) {
      const at = term.text === '' ? cursor : text.indexOf(term.text, cursor);
      if (at < 0 || at >= end) continue; // compromise normalised it; not a word we can place
      words.push({ text: term.text, tags: term.tags ?? NO_TAGS, start: at, end: at + term.text.length });
      cursor = at + term.text.length;
    }
  }
  return words;
}

/** Whether a single capitalised word after a cue is a name, by compromise's reading of it. */
function isCuedName(word: Word, strongCue: boolean): boolean {
  if (!IS_CAPITALISED.test(word.text) || ASSISTANT_NAMES.has(word.text.toLowerCase())) return false;
  if (hasTag(word, 'Person')) return true;
  if (isNotAName(word)) return false;
  if (strongCue) return true;
  // "I'm Priya" leaves Priya an untyped proper noun, like "I'm Happy". Lower-cased, an ordinary
  // word gets its part of speech back and a name stays a bare noun.
  if (!hasTag(word, 'ProperNoun')) return false;
  const lower = nlp(`i am ${word.text.toLowerCase()}`).docs[0]?.at(-1)?.tags;
  return lower !== undefined && [...lower].every((tag) => BARE_NOUN_TAGS.has(tag));
}

/**
 * Finds names in `text`; offsets are into `text`. Tagging costs ~25 µs a character, so one text
 * gets a bounded amount of it; windows past the budget are judged by shape alone, which
 * over-redacts (fails closed) rather than letting a long text stall the stream or leak names.
 */
export function findNames(text: string): NameSpan[] {
  if (!mayContainName(text)) return [];
  const spans: NameSpan[] = [];
  let budget = TAGGING_BUDGET_CHARS;
  for (const [start, end] of candidateWindows(text)) {
    budget -= end - start + TAGGING_CALL_COST_CHARS;
    spans.push(...(budget >= 0 ? namesByTagger(text, start, end) : namesByShape(text, start, end)));
  }
  // Digits glued to a capitalised full name make it an account name whether or not the tagger knows it.
  for (const m of text.matchAll(NAME_WITH_DIGITS)) {
    const words = m[0].replace(/[_.-]?\d+$/, '').split(/[ \t]+/);
    if (words.slice(1).some(isProductWord)) continue;
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans.sort((a, b) => a.start - b.start || b.end - a.end);
}

const NAME_SHAPE = /(?<![\p{L}\p{N}])\p{Lu}(?:\p{Ll}|['’]\p{Lu})[\p{L}'’-]*(?:[ \t]+(?:\p{Lu}\.[ \t]+)?\p{Lu}(?:\p{Ll}|['’]\p{Lu})[\p{L}'’-]*){1,3}/gu;
const CUED_WORD = new RegExp(`(?:(?<=(?:\\b[Mm]y name is|\\bI am|\\bI[’']m|\\b[Cc]all me|\\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\\.?|${GREETING})[ \\t]+)|(?<=${SIGN_OFF}))\\p{Lu}\\p{Ll}[\\p{L}'’-]*`, 'gu');

/** Without the tagger: every run of capitalised words, and every capitalised word after a cue. */
function namesByShape(text: string, start: number, end: number): NameSpan[] {
  const window = text.slice(start, end);
  const spans: NameSpan[] = [];
  for (const pattern of [NAME_SHAPE, CUED_WORD]) {
    for (const m of window.matchAll(pattern)) {
      if (ASSISTANT_NAMES.has(m[0].toLowerCase())) continue;
      spans.push({ start: start + m.index, end: start + m.index + m[0].length });
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** Names in text[windowStart, windowEnd) by compromise's tags (as its `people()` reads them) and cues. */
function namesByTagger(text: string, windowStart: number, windowEnd: number): NameSpan[] {
  const spans: NameSpan[] = [];
  const words = tagWords(text, windowStart, windowEnd);
  const cueBefore = (word: Word): 'strong' | 'weak' | undefined => {
    const before = text.slice(Math.max(0, word.start - 24), word.start);
    if (STRONG_CUE_BEFORE.test(before)) return 'strong';
    if (WEAK_CUE_BEFORE.test(before)) return 'weak';
    const greeted = GREETING_CUE_BEFORE.test(before) && GREETING_ENDS.test(text.slice(word.start, word.start + 80));
    // "Hi Ana," with the greeting closed right after: as sure a cue as "my name is".
    return greeted && !NOT_GREETED.has(word.text.toLowerCase()) ? 'strong' : undefined;
  };
  const onlySpacesBetween = (a: Word, b: Word): boolean => /^[ \t]+$/.test(text.slice(a.end, b.start));
  /** Capitalised words right after words[index], separated by spaces only: the rest of a name. */
  const capitalisedRun = (index: number): Word[] => {
    const run: Word[] = [];
    for (let j = index + 1; j < words.length && run.length < MAX_EXTRA_NAME_WORDS; j++) {
      const next = words[j];
      if (!onlySpacesBetween(words[j - 1], next)) break;
      if (!IS_CAPITALISED.test(next.text) || isNotAName(next) || isProductWord(next.text)) break;
      run.push(next);
    }
    return run;
  };

  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!IS_CAPITALISED.test(word.text)) continue;
    // Titles stay: "Dr. [NAME]" keeps useful context and identifies no one.
    if (hasTag(word, 'Honorific')) continue;
    const afterHonorific = i > 0 && hasTag(words[i - 1], 'Honorific') && /^\.?[ \t]+$/.test(text.slice(words[i - 1].end, word.start));
    const cue = afterHonorific ? 'strong' : cueBefore(word);

    if (hasTag(word, 'Person')) {
      // A run of person words, then capitalised words compromise did not know ("Taylor Swift").
      let last = i;
      while (last + 1 < words.length && hasTag(words[last + 1], 'Person') && !hasTag(words[last + 1], 'Honorific') && onlySpacesBetween(words[last], words[last + 1]) && IS_CAPITALISED.test(words[last + 1].text)) last++;
      const name = [...words.slice(i, last + 1), ...capitalisedRun(last)];
      const productName = name.slice(1).some((w) => isProductWord(w.text));
      if (!productName && (name.length >= 2 || (cue !== undefined && isCuedName(word, cue === 'strong')))) {
        spans.push({ start: word.start, end: name[name.length - 1].end });
      }
      i += name.length - 1;
      continue;
    }

    // A cued capitalised word compromise did not call a person ("my name is Kavya Raman").
    if (cue !== undefined && isCuedName(word, cue === 'strong')) {
      const run = capitalisedRun(i);
      spans.push({ start: word.start, end: (run.at(-1) ?? word).end });
      i += run.length;
    }
  }
  return spans;
}

/** Replaces every name by [NAME]; returns the text and how many names it replaced. */
export function redactNames(text: string): { text: string; count: number } {
  const spans = findNames(text);
  if (spans.length === 0) return { text, count: 0 };
  let out = '';
  let copiedUpTo = 0;
  let count = 0;
  for (const span of spans) {
    if (span.start < copiedUpTo) {
      copiedUpTo = Math.max(copiedUpTo, span.end); // overlaps the name just replaced
      continue;
    }
    out += text.slice(copiedUpTo, span.start) + PLACEHOLDER.person;
    copiedUpTo = span.end;
    count++;
  }
  return { text: out + text.slice(copiedUpTo), count };
}
