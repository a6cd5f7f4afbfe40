/**
 * The offline classifier's transparent lexicon: words, stems (`explosiv*`) and phrases
 * (`make a bomb`) per policy area, over Unicode-aware lower-cased tokens. Rules, all here to read:
 *  - a plain word also matches its plural (bomb → bombs, boxes, parties);
 *  - a stem matches every token it begins (explosiv* → explosive, explosives);
 *  - inside a phrase, articles and possessives (a, an, the, my, your, his, her, their, some) are
 *    optional (at its start or end they are not: "kill my" stays two words), and up to MAX_GAP
 *    other tokens may sit between its words ("make a bomb" matches "make a pipe bomb", "make bombs");
 *  - an area's exclude phrase (a benign look-alike: "kill the process") cancels every hit of that
 *    area it overlaps.
 */

/** Other tokens allowed between two consecutive words of a phrase. */
export const MAX_GAP = 2;

const OPTIONAL = new Set(['a', 'an', 'the', 'my', 'your', 'his', 'her', 'their', 'some']);

/** Lower-cased (Unicode-aware) letter-and-digit tokens; apostrophes dropped so "don't" is one token. */
export function tokenize(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().replace(/['’`]/g, '').match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

interface TermToken {
  text: string;
  stem: boolean;
}

interface CompiledTerm {
  area: number;
  strength: 'strong' | 'weak' | 'context' | 'exclude';
  source: string;
  tokens: TermToken[];
}

/** One match of a term: its area (index), strength, and the token span [start, end). */
export interface LexiconHit {
  area: number;
  strength: 'strong' | 'weak' | 'context';
  term: string;
  start: number;
  end: number;
  /** The matched tokens, joined: two hits on the same words ("kids" as kid and kids) are one. */
  matched: string;
}

export interface LexiconAreaSource {
  lexicon: readonly string[];
  weak?: readonly string[];
  context?: readonly string[];
  exclude?: readonly string[];
}

/** The tokens of a term; optional words inside it dropped. */
export function termTokens(term: string): TermToken[] {
  const parts = term
    .trim()
    .split(/\s+/)
    .flatMap((word) => {
      const stem = word.endsWith('*');
      const tokens = tokenize(stem ? word.slice(0, -1) : word);
      // "self-harm*" → self, harm*: only the last piece of a word keeps the star.
      return tokens.map((text, i) => ({ text, stem: stem && i === tokens.length - 1 }));
    });
  return parts.filter((t, i) => t.stem || i === 0 || i === parts.length - 1 || !OPTIONAL.has(t.text));
}

/** Forms a plain word is looked up under: itself and its singulars. */
function singulars(token: string): string[] {
  if (token.length <= 3 || token.charCodeAt(token.length - 1) !== 115 /* s */) return [token];
  const out = [token];
  {
    out.push(token.slice(0, -1));
    if (token.endsWith('es')) out.push(token.slice(0, -2));
    if (token.endsWith('ies')) out.push(`${token.slice(0, -3)}y`);
  }
  return out;
}

function tokenMatches(t: TermToken, token: string): boolean {
  if (t.stem) return token.startsWith(t.text);
  return token === t.text || (token.length > 3 && singulars(token).includes(t.text));
}

const STEM_KEY = 3;

export class Lexicon {
  private readonly exact = new Map<string, CompiledTerm[]>();
  private readonly stems = new Map<string, CompiledTerm[]>();
  private readonly shortStems: CompiledTerm[] = [];

  constructor(areas: readonly LexiconAreaSource[]) {
    areas.forEach((area, index) => {
      const add = (terms: readonly string[] | undefined, strength: CompiledTerm['strength']) => {
        for (const source of terms ?? []) {
          const tokens = termTokens(source);
          if (tokens.length === 0) continue;
          this.index({ area: index, strength, source, tokens });
        }
      };
      add(area.lexicon, 'strong');
      add(area.weak, 'weak');
      add(area.context, 'context');
      add(area.exclude, 'exclude');
    });
  }

  private index(term: CompiledTerm): void {
    const first = term.tokens[0]!;
    if (!first.stem) push(this.exact, first.text, term);
    else if (first.text.length >= STEM_KEY) push(this.stems, first.text.slice(0, STEM_KEY), term);
    else this.shortStems.push(term);
  }

  /** Hits of the text's tokens, excluded ones removed, in token order. */
  match(tokens: readonly string[]): LexiconHit[] {
    const hits: LexiconHit[] = [];
    const excluded: Array<[number, number, number]> = [];
    const tryTerm = (term: CompiledTerm, i: number) => {
      if (!tokenMatches(term.tokens[0]!, tokens[i]!)) return;
      const end = matchRest(term.tokens, tokens, i);
      if (end === -1) return;
      if (term.strength === 'exclude') excluded.push([term.area, i, end]);
      else hits.push({ area: term.area, strength: term.strength, term: term.source, start: i, end, matched: tokens.slice(i, end).join(' ') });
    };
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      // A term is indexed once, under its first word or stem prefix; a plural token looks up its singulars too.
      const forms = singulars(token);
      for (let f = 0; f < forms.length; f++) {
        const list = this.exact.get(forms[f]!);
        if (list) for (const term of list) if (f === 0 || !forms.slice(0, f).includes(term.tokens[0]!.text)) tryTerm(term, i);
      }
      const stems = this.stems.get(token.slice(0, STEM_KEY));
      if (stems) for (const term of stems) tryTerm(term, i);
      for (const term of this.shortStems) tryTerm(term, i);
    }
    if (excluded.length === 0) return hits;
    return hits.filter((h) => !excluded.some(([area, s, e]) => area === h.area && h.start < e && s < h.end));
  }
}

/** End (exclusive) of the phrase whose first token is at `start`, or -1. */
function matchRest(terms: readonly TermToken[], tokens: readonly string[], start: number): number {
  let at = start;
  for (let t = 1; t < terms.length; t++) {
    let found = -1;
    for (let j = at + 1; j <= Math.min(tokens.length - 1, at + 1 + MAX_GAP); j++) {
      if (tokenMatches(terms[t]!, tokens[j]!)) {
        found = j;
        break;
      }
    }
    if (found === -1) return -1;
    at = found;
  }
  return at + 1;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
