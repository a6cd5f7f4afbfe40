/**
 * Account handles and usernames: "@jane_park_nyc", "my username is jsmith1987", "maria.lopez88".
 * Code is full of look-alikes (decorators "@app.route", SQL variables "@total", types "int32",
 * "base64"), so a token counts only with a cue in front of it ("follow me on Twitter", "username:")
 * or when its letters spell a person's name (a known first or last name, as compromise's lexicon
 * has them) and digits are glued on.
 */
import nlp from 'compromise';
import { PLACEHOLDER, type Detector } from './patterns.ts';

/** Words that announce an account name on the same line, a few words before it. */
const ACCOUNT_CUE =
  /\b(?:user[ _-]?names?|usernames?|user[ _-]?id|handles?|logins?|screen[ _-]?names?|gamer[ _-]?tags?|nick(?:names?)?|account(?:[ _-]?names?)?|profiles?|twitter|instagram|insta|tiktok|telegram|threads|mastodon|snapchat|discord|reddit|github|linkedin|youtube|twitch|follow(?:ed)? (?:me|us|her|him|them)|dm(?: me)?|tagged|mentioned)\b[^\n@]{0,24}$/i;

const looksCued = (text: string, at: number): boolean => ACCOUNT_CUE.test(text.slice(Math.max(0, at - 48), at));

const nameTags = new Map<string, ReadonlySet<string>>();
function tagsOf(word: string): ReadonlySet<string> {
  let tags = nameTags.get(word);
  if (!tags) {
    tags = nlp(word).docs[0]?.[0]?.tags ?? new Set<string>();
    if (nameTags.size < 10_000) nameTags.set(word, tags);
  }
  return tags;
}
/** Names that are also ordinary words ("may", "will", "mark", "max") do not count. */
const ALSO_A_WORD = ['Date', 'Month', 'Verb', 'Adjective', 'Modal', 'Value', 'Unit', 'Adverb', 'Preposition', 'Conjunction', 'Pronoun'];
const isNameWith = (w: string, tag: string): boolean => {
  if (w.length < 3) return false;
  const tags = tagsOf(w);
  return tags.has(tag) && !ALSO_A_WORD.some((t) => tags.has(t));
};
const isFirstName = (w: string): boolean => isNameWith(w, 'FirstName');
const isLastName = (w: string): boolean => isNameWith(w, 'LastName');

/**
 * Whether lower-case letters spell a person: "maria", "smith", "jsmith" (initial and surname),
 * "johnsmith", "maria.lopez" (first name and surname).
 */
export function spellsPerson(letters: string): boolean {
  if (!/\p{Ll}/u.test(letters)) return false; // an acronym: "EMA50", "HTTP2"
  const parts = letters.toLowerCase().split(/[._-]+/).filter(Boolean);
  if (parts.length === 2) return (isFirstName(parts[0]!) || parts[0]!.length === 1) && (isLastName(parts[1]!) || isFirstName(parts[1]!));
  if (parts.length !== 1) return false;
  const word = parts[0]!;
  if (isFirstName(word) || isLastName(word)) return true;
  if (isLastName(word.slice(1))) return true; // jsmith
  for (let i = 3; i <= word.length - 3; i++) {
    if (isFirstName(word.slice(0, i)) && isLastName(word.slice(i))) return true; // johnsmith
  }
  return false;
}

/** "@name" on social platforms; never an e-mail (those are replaced first) nor a decorator call. */
const handle: Detector = {
  kind: 'handle',
  mayMatch: (t) => t.includes('@'),
  pattern: /(?<![\w@.])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@(])/g,
  decide: (m, text) => {
    const body = m[1]!;
    if (looksCued(text, m.index)) return PLACEHOLDER.handle;
    return /\d|_/.test(body) && !body.includes('.') && spellsPerson(body.replace(/\d+$/, '').replace(/_+$/, '')) ? PLACEHOLDER.handle : undefined;
  },
};

/**
 * A username: letters with digits glued on ("jsmith1987", "maria_lopez88"), taken when its letters
 * spell a person or a cue announces it; with a cue, any token that mixes letters and digits or
 * underscores ("username: kx_7731").
 */
const username: Detector = {
  kind: 'handle',
  mayMatch: (t) => /\d|_/.test(t),
  pattern: /(?<![\w@./\\:-])([A-Za-z][A-Za-z._-]{0,30}[A-Za-z])[._-]?(\d{2,8})(?![\w@]|\.\w)/g,
  decide: (m, text) => {
    // "Ana Lopez88" is a full name with digits: names.ts replaces it whole.
    if (/^\p{Lu}/u.test(m[1]!) && /\p{Lu}\p{Ll}+[ \t]+$/u.test(text.slice(Math.max(0, m.index - 30), m.index))) return undefined;
    if (spellsPerson(m[1]!)) return PLACEHOLDER.handle;
    return looksCued(text, m.index) ? PLACEHOLDER.handle : undefined;
  },
};

/** A cued username without digits but with an underscore: "username: kx_wolf". */
const cuedUnderscoreName: Detector = {
  kind: 'handle',
  mayMatch: (t) => t.includes('_'),
  pattern: /(?<![\w@./\\:-])[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9](?![\w@(]|\.\w)/g,
  decide: (m, text) => (looksCued(text, m.index) && /(?:^|[:=]|\bis)[ \t]*["'`]?$/i.test(text.slice(Math.max(0, m.index - 8), m.index)) ? PLACEHOLDER.handle : undefined),
};

/** After e-mails and other structured kinds, before person names. */
export const HANDLE_DETECTORS: readonly Detector[] = [handle, username, cuedUnderscoreName];
