/**
 * A small, transparent language detector for the offline extractor: the writing system decides
 * ru, ar, zh, ja and ko; among Latin-script languages, common function words (and a few letters
 * only one language uses) are counted and the clear winner taken. Anything unclear is "und".
 */

import type { Conversation } from '../ingest/conversation.ts';

/** Languages the detector can return, besides "und". */
export const DETECTABLE_LANGUAGES = ['en', 'es', 'fr', 'de', 'pt', 'it', 'nl', 'ru', 'zh', 'ja', 'ko', 'ar'] as const;
export type DetectedLanguage = (typeof DETECTABLE_LANGUAGES)[number] | 'und';

type LatinLanguage = 'en' | 'es' | 'fr' | 'de' | 'pt' | 'it' | 'nl';

/** Frequent function words; a word in several lists counts for each. */
const STOPWORDS: Record<LatinLanguage, ReadonlySet<string>> = {
  en: words('the and is are to of in that it for you with this what how can please my i be have do on me an not from would could your'),
  es: words('el la los las de del que y en un una es por para con cómo qué mi me no se lo al puedes está pero muy ayuda esto hola gracias'),
  fr: words('le la les des du de et est un une que qui pour dans avec ce cette je vous tu pas ne mon ma sur au aux comment bonjour merci peux faire il elle'),
  de: words('der die das und ist nicht ein eine ich du sie es zu mit auf für von den dem wie was bitte kannst mir mein auch wir oder sich hallo danke'),
  pt: words('o a os as de do da dos das e é um uma que não em no na para com por como você meu minha isso mas olá obrigado pode ajudar está são'),
  it: words('il lo la gli le di del della e è un una che non per con come mi sono questo questa ciao grazie puoi nel anche ho ma perché cosa'),
  nl: words('de het een en is van in dat niet ik je jij u met voor op te zijn wat hoe kun kunt mijn maar ook dit hallo bedankt alsjeblieft graag naar wil'),
};

/** Letters (or letter pairs) that point at one Latin-script language; each hit adds one point, at most three. */
const LETTER_HINTS: ReadonlyArray<[LatinLanguage, RegExp]> = [
  ['es', /[ñ¿¡]/g],
  ['pt', /[ãõ]/g],
  ['de', /[ßäöü]/g],
  ['nl', /ij/g],
  ['fr', /[êèëœ]/g],
];

/** Characters per writing system, counted in one pass over UTF-16 units (every range is in the BMP). */
function countScripts(text: string): { hangul: number; kana: number; han: number; cyrillic: number; arabic: number; latin: number } {
  let hangul = 0, kana = 0, han = 0, cyrillic = 0, arabic = 0, latin = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
    } else if (c >= 0xc0 && c <= 0x24f) latin++;
    else if (c >= 0x400 && c <= 0x4ff) cyrillic++;
    else if ((c >= 0x600 && c <= 0x6ff) || (c >= 0x750 && c <= 0x77f)) arabic++;
    else if ((c >= 0xac00 && c <= 0xd7af) || (c >= 0x1100 && c <= 0x11ff) || (c >= 0x3130 && c <= 0x318f)) hangul++;
    else if (c >= 0x3040 && c <= 0x30ff) kana++;
    else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) han++;
  }
  return { hangul, kana, han, cyrillic, arabic, latin };
}

/** Each function word's languages, so a text's words are looked up once. */
const WORD_LANGUAGES: ReadonlyMap<string, readonly LatinLanguage[]> = (() => {
  const map = new Map<string, LatinLanguage[]>();
  for (const [lang, list] of Object.entries(STOPWORDS) as Array<[LatinLanguage, ReadonlySet<string>]>) {
    for (const word of list) map.set(word, [...(map.get(word) ?? []), lang]);
  }
  return map;
})();

/** Below this much evidence the answer is "und". */
const MIN_LATIN_WORD_HITS = 2;
const MIN_SCRIPT_CHARS = 2;

/** ISO 639-1 code of the text's main language among DETECTABLE_LANGUAGES, or "und". */
export function detectLanguage(text: string): DetectedLanguage {
  const sample = text.slice(0, 4000);
  const { hangul, kana, han, cyrillic, arabic, latin } = countScripts(sample);

  // One CJK character carries about a word: weigh those scripts up against Latin letters.
  const candidates: Array<[DetectedLanguage | 'latin', number]> = [
    ['ko', hangul * 3],
    ['ja', kana > 0 ? (kana + han) * 3 : 0],
    ['zh', kana > 0 ? 0 : han * 3],
    ['ru', cyrillic],
    ['ar', arabic],
    ['latin', latin],
  ];
  candidates.sort((a, b) => b[1] - a[1]);
  const [script, weight] = candidates[0]!;
  if (weight === 0) return 'und';
  if (script !== 'latin') {
    const raw = script === 'ko' || script === 'ja' || script === 'zh' ? weight / 3 : weight;
    return raw >= MIN_SCRIPT_CHARS ? script : 'und';
  }
  return detectLatin(sample);
}

function detectLatin(text: string): DetectedLanguage {
  const lower = text.toLowerCase();
  const tokens = lower.match(/\p{L}+/gu) ?? [];
  const scores = new Map<LatinLanguage, number>(Object.keys(STOPWORDS).map((lang) => [lang as LatinLanguage, 0]));
  for (const token of tokens) for (const lang of WORD_LANGUAGES.get(token) ?? []) scores.set(lang, scores.get(lang)! + 1);
  for (const [lang, re] of LETTER_HINTS) {
    scores.set(lang, scores.get(lang)! + Math.min(3, lower.match(re)?.length ?? 0));
  }
  const ranked = [...scores].sort((a, b) => b[1] - a[1]);
  const [best, second] = [ranked[0]!, ranked[1]!];
  if (best[1] < MIN_LATIN_WORD_HITS || best[1] === second[1]) return 'und';
  return best[0];
}

function words(list: string): ReadonlySet<string> {
  return new Set(list.split(' '));
}

/** How much of the first user message the counting path reads: enough to tell the language, cheap at ingest rates. */
const SEGMENT_SCAN_CHARS = 300;
const LANGUAGE_CODE = /^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$/i;
const NOT_A_LANGUAGE = new Set(['und', 'mul', 'zxx', 'mis']);

/**
 * The language a conversation is counted under (its `lang:<code>` segment), or null when unknown:
 * metadata.language when the sender gives an ISO 639 code (its primary subtag: "pt-BR" → "pt"), as
 * metadata.product is taken from the sender; else the detector over the start of the first user
 * message. Only the code leaves this function, never text.
 */
export function conversationLanguage(conversation: Conversation): string | null {
  const given = conversation.metadata?.language;
  if (typeof given === 'string') {
    const m = LANGUAGE_CODE.exec(given.trim());
    // und, mul, zxx: "undetermined", "multiple", "no linguistic content" say nothing; detect instead.
    if (m && !NOT_A_LANGUAGE.has(m[1]!.toLowerCase())) return m[1]!.toLowerCase();
  }
  const first = conversation.messages.find((m) => m.role === 'user');
  if (!first) return null;
  const text = typeof first.content === 'string'
    ? first.content.slice(0, SEGMENT_SCAN_CHARS)
    : first.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n').slice(0, SEGMENT_SCAN_CHARS);
  const detected = detectLanguage(text);
  return detected === 'und' ? null : detected;
}
