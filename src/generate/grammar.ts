import { pick, type Random } from '../util/random.ts';

/**
 * A tiny template grammar, so that a few lines of phrasing yield thousands of distinct requests:
 *   {a|b|c}  one of the alternatives (may be empty: {|very })
 *   [text]   optional: kept half of the time
 *   {name}   a slot: one of `slots[name]`, itself expanded
 * Alternatives and options nest. An unknown slot is a bug in a phrase table and throws.
 */
export type Slots = Readonly<Record<string, readonly string[]>>;

export class GrammarError extends Error {}

export function expand(random: Random, template: string, slots: Slots = {}, depth = 0): string {
  if (depth > 8) throw new GrammarError('template slots nest too deeply');
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    if (c === '{' || c === '[') {
      const end = closing(template, i);
      const inner = template.slice(i + 1, end);
      if (c === '[') {
        if (random() < 0.5) out += expand(random, inner, slots, depth);
      } else {
        const parts = splitTop(inner);
        if (parts.length > 1) out += expand(random, pick(random, parts), slots, depth);
        else {
          const values = slots[inner];
          if (!values || values.length === 0) throw new GrammarError(`unknown slot {${inner}}`);
          out += expand(random, pick(random, values), slots, depth + 1);
        }
      }
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Spacing and capitals after expansion: optional parts leave double spaces and stray " ,". */
export function tidy(text: string): string {
  const t = text.replace(/\s+/g, ' ').replace(/\s+([,.?!:;])/g, '$1').replace(/([¿¡«]) /g, '$1').trim();
  return t.charAt(0).toUpperCase() + t.slice(1);
}

function closing(template: string, start: number): number {
  const open = template[start]!;
  const close = open === '{' ? '}' : ']';
  let level = 0;
  for (let i = start; i < template.length; i++) {
    const c = template[i];
    if (c === '{' || c === '[') level++;
    else if (c === '}' || c === ']') {
      level--;
      if (level === 0) {
        if (c !== close) throw new GrammarError(`mismatched ${open} in "${template}"`);
        return i;
      }
    }
  }
  throw new GrammarError(`unclosed ${open} in "${template}"`);
}

/** Splits on | at nesting level 0 only. */
function splitTop(inner: string): string[] {
  const parts: string[] = [];
  let level = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '{' || c === '[') level++;
    else if (c === '}' || c === ']') level--;
    else if (c === '|' && level === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(inner.slice(start));
  return parts;
}

/**
 * People type fast: a swapped or dropped letter, a missing capital or final mark. `rate` is the
 * chance that a text gets any typo at all; most get none.
 */
export function addTypos(random: Random, text: string, rate: number): string {
  if (random() >= rate) return text;
  let out = text;
  const edits = random() < 0.7 ? 1 : 2;
  for (let e = 0; e < edits; e++) {
    const kind = Math.floor(random() * 4);
    if (kind === 0) out = out.charAt(0).toLowerCase() + out.slice(1);
    else if (kind === 1) out = out.replace(/[.?!]$/, '');
    else {
      // Inside a word of at least four letters, so that no slot word becomes another word.
      const words = [...out.matchAll(/\p{L}{4,}/gu)];
      if (words.length === 0) continue;
      const w = pick(random, words);
      const at = w.index! + 1 + Math.floor(random() * (w[0].length - 2));
      out = kind === 2
        ? out.slice(0, at) + out[at + 1] + out[at] + out.slice(at + 2) // swap two letters
        : out.slice(0, at) + out.slice(at + 1); // drop one
    }
  }
  return out;
}
