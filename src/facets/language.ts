/**
 * A small, transparent language detector for the offline extractor: the writing system decides
 * ru, ar, zh, ja and ko; among Latin-script languages, common function words (and a few letters
 * only one language uses) are counted and the clear winner taken. Anything unclear is "und".
 */

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

const SCRIPTS = {
  hangul: /[\uAC00-\uD7AF\u1100-\u11FF\u3130-\u318F]/g,
  kana: /[\u3040-\u30FF]/g,
  han: /[\u4E00-\u9FFF\u3400-\u4DBF]/g,
  cyrillic: /[\u0400-\u04FF]/g,
  arabic: /[\u0600-\u06FF\u0750-\u077F]/g,
  latin: /[A-Za-z\u00C0-\u024F]/g,
} as const;

/** Below this much evidence the answer is "und". */
const MIN_LATIN_WORD_HITS = 2;
const MIN_SCRIPT_CHARS = 2;

/** ISO 639-1 code of the text's main language among DETECTABLE_LANGUAGES, or "und". */
export function detectLanguage(text: string): DetectedLanguage {
  const sample = text.slice(0, 4000);
  const count = (re: RegExp) => sample.match(re)?.length ?? 0;
  const hangul = count(SCRIPTS.hangul);
  const kana = count(SCRIPTS.kana);
  const han = count(SCRIPTS.han);
  const cyrillic = count(SCRIPTS.cyrillic);
  const arabic = count(SCRIPTS.arabic);
  const latin = count(SCRIPTS.latin);

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
  const scores = new Map<LatinLanguage, number>();
  for (const [lang, list] of Object.entries(STOPWORDS) as Array<[LatinLanguage, ReadonlySet<string>]>) {
    scores.set(lang, tokens.filter((t) => list.has(t)).length);
  }
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
