/**
 * The offline extractor's concerning score: a transparent lexicon of weighted English terms,
 * grouped by policy area, and documented thresholds that turn matched weight into Clio's 1–5
 * scale. It is a coarse screen for when Claude is unavailable, not a classifier: every rule is
 * here to read, and the tests pin its behaviour.
 *
 * Scoring, in order:
 *  1. Per area, sum the weights of the distinct entries that match (a term or an all-of combo).
 *  2. Points = the best area's sum, +1 when two or more areas match (CROSS_AREA_BONUS),
 *     +1 when the conversation has tool calls and the best area is one an agent can carry out
 *     (AGENTIC_AREAS: doing it, not talking about it), −2 when defensive wording appears
 *     (DEFENSIVE_CUES: protect against, detect, remove…).
 *  3. An ABSOLUTE area (sexual content involving minors) scores 5 on any match, whatever else.
 *  4. Points map to the score through CONCERN_THRESHOLDS.
 */

/** Policy areas the lexicon knows, in no particular order. */
export const POLICY_AREAS = [
  'weapons',
  'malware',
  'fraud',
  'captcha_evasion',
  'platform_manipulation',
  'scraping_at_scale',
  'self_harm',
  'violence',
  'hate',
  'sexual_minors',
] as const;
export type PolicyArea = (typeof POLICY_AREAS)[number];

/** A term (or all-of combination of terms) and how much it weighs: 1 weak, 2 notable, 3 strong. */
export interface LexiconEntry {
  all: readonly RegExp[];
  weight: 1 | 2 | 3;
}

export interface AreaLexicon {
  area: PolicyArea;
  entries: readonly LexiconEntry[];
  /** Any match scores 5 and no dampening applies. */
  absolute?: boolean;
}

/** Lowest points for each score, checked from the top. Zero points is score 1. */
export const CONCERN_THRESHOLDS: ReadonlyArray<{ minPoints: number; score: 2 | 3 | 4 | 5 }> = [
  { minPoints: 6, score: 5 },
  { minPoints: 4, score: 4 },
  { minPoints: 3, score: 3 },
  { minPoints: 1, score: 2 },
];

/** Points added when two or more areas match: harms that combine are worse. */
export const CROSS_AREA_BONUS = 1;
/** Points added when tools were used and the best area is agent-executable. */
export const AGENTIC_BONUS = 1;
/** Points removed when defensive wording appears. */
export const DEFENSIVE_PENALTY = 2;

/** Areas where an agent with tools performs the harm itself (signs up, solves, scrapes, sends). */
export const AGENTIC_AREAS: ReadonlySet<PolicyArea> = new Set([
  'captcha_evasion', 'platform_manipulation', 'scraping_at_scale', 'fraud', 'malware',
]);

/** Wording that marks a defensive or educational request. */
export const DEFENSIVE_CUES =
  /\b(protect (myself|me|us|against|from)|prevent(ing)?|detect(ing|ion)?|defend(ing)? against|remove|removing|recover(ing)? from|report(ing)?|mitigat\w*|spot|recogni[sz]e|warning signs|awareness|am i being|is this a scam)\b/;

const t = (source: string, weight: 1 | 2 | 3): LexiconEntry => ({ all: [new RegExp(source)], weight });
const all = (sources: string[], weight: 1 | 2 | 3): LexiconEntry => ({ all: sources.map((s) => new RegExp(s)), weight });

const MINOR = String.raw`\b(child|children|kid|kids|minor|minors|underage|preteen|pre-teen|little (girl|boy)|(1[0-7]|[1-9])[- ]?(year|yr)s?[- ]old|schoolgirl|schoolboy)\b`;
const SEXUAL = String.raw`\b(sex|sexual|sexually|nude|nudes|naked|explicit|porn\w*|erotic\w*|lewd|nsfw)\b`;

/** Matched against lower-cased text with whitespace collapsed. */
export const CONCERN_LEXICON: readonly AreaLexicon[] = [
  {
    area: 'weapons',
    entries: [
      t(String.raw`\b(build|make|assemble|construct)\s+(a |an )?(pipe |nail |car |fertili[sz]er )?(bomb|explosive device|ied)\b`, 3),
      t(String.raw`\b(pipe bomb|nail bomb|molotov|ied|det cord|detonator)\b`, 3),
      t(String.raw`\b(nerve agent|sarin|vx gas|ricin|anthrax|bioweapon|biological weapon|chemical weapon|weaponi[sz]e)\b`, 3),
      t(String.raw`\b(ghost gun|untraceable (gun|firearm)|3d[- ]print(ed)? (gun|firearm|receiver)|auto sear|full[- ]auto conversion)\b`, 3),
      t(String.raw`\b(explosives?|silencer|suppressor|thermite)\b`, 1),
    ],
  },
  {
    area: 'malware',
    entries: [
      t(String.raw`\b(ransomware|keylogger|credential stealer|info ?stealer|rootkit|botnet|rat trojan|remote access trojan)\b`, 3),
      t(String.raw`\b(evad(e|es|ing)|bypass(es|ing)?|avoid(s|ing)?) (the )?(antivirus|av|edr|windows defender|detection)\b`, 3),
      t(String.raw`\b(malware|trojan|worm that spreads|reverse shell|payload|shellcode|zero[- ]day|privilege escalation)\b`, 2),
      t(String.raw`\b(exploit|ddos|brute[- ]force)\b`, 1),
    ],
  },
  {
    area: 'fraud',
    entries: [
      t(String.raw`\b(phishing (email|page|site|kit)|fake (invoice|bank statement|pay ?stub|id|passport|receipt)|stolen (credit )?cards?|carding|cvv dump)\b`, 3),
      t(String.raw`\b(money laundering|launder (the )?money|identity theft|impersonate (a |the )?(bank|irs|police|support)|counterfeit|forge(d|ry)?)\b`, 3),
      t(String.raw`\b(phishing|scam|scams|fraudulent|chargeback fraud)\b`, 2),
    ],
  },
  {
    area: 'captcha_evasion',
    entries: [
      all([String.raw`\b(re|h)?captcha\b`, String.raw`\b(bypass|bypassing|solve|solving|solver|evade|get (past|around)|defeat|break|crack|automate)\b`], 3),
      t(String.raw`\b(captcha solver|captcha farm|captcha[- ]solving service|2captcha|anti-captcha)\b`, 3),
      t(String.raw`\b(re|h)?captcha\b`, 1),
    ],
  },
  {
    area: 'platform_manipulation',
    entries: [
      t(String.raw`\b(fake|sock ?puppet|burner|bot|throwaway) (accounts|profiles)\b`, 3),
      t(String.raw`\b((mass|bulk)[- ](create|creating|register|registering|sign(ing)? up)|(create|register|sign up|make) (\d{2,}|dozens of|hundreds of|many|multiple) (new )?(fake )?accounts)\b`, 2),
      t(String.raw`\b(\d{2,}|dozens of|hundreds of|thousands of) (fake |new )?accounts\b`, 2),
      t(String.raw`\b(fake reviews?|astroturf\w*|upvote bot|vote manipulation|ban evasion|evade (a |the )?ban|follower bot|like farm|engagement farm)\b`, 3),
    ],
  },
  {
    area: 'scraping_at_scale',
    entries: [
      all([String.raw`\b(scrape|scraping|scraper|crawl|harvest)\b`, String.raw`\b(thousands|millions|every (user|profile|member)|all (the )?(users|profiles|members)|at scale|in bulk)\b`], 2),
      t(String.raw`\b(rotat(e|ing) (the )?(proxies|ips|user[- ]agents)|residential proxies|bypass (the )?rate limits?|avoid (getting )?(blocked|rate[- ]limited|detected))\b`, 2),
      t(String.raw`\b(harvest|scrape|collect) (their |the )?(emails|email addresses|phone numbers|personal data)\b`, 3),
    ],
  },
  {
    area: 'self_harm',
    entries: [
      t(String.raw`\b(kill myself|end my life|take my own life|want to die|suicide method|hang myself)\b`, 3),
      t(String.raw`\b(painless way to die|how many pills|lethal dose|overdose on)\b`, 3),
      t(String.raw`\b(suicide|suicidal|self[- ]harm|cut myself|cutting myself)\b`, 2),
    ],
  },
  {
    area: 'violence',
    entries: [
      t(String.raw`\b(kill|murder|poison|stab|shoot) (him|her|them|someone|somebody|my (wife|husband|boss|neighbou?r|ex|teacher|coworker))\b`, 3),
      t(String.raw`\b(mass shooting|school shooting|massacre|terror attack|assassinat\w*)\b`, 3),
      t(String.raw`\b(hurt|beat up|attack) (him|her|them|someone|somebody)\b`, 2),
    ],
  },
  {
    area: 'hate',
    entries: [
      t(String.raw`\b(ethnic cleansing|exterminate (them|all)|inferior race|subhuman|white power|race war)\b`, 3),
      t(String.raw`\b(racial slurs?|hate speech|dehumani[sz]\w*|genocide)\b`, 2),
    ],
  },
  {
    area: 'sexual_minors',
    absolute: true,
    entries: [all([MINOR, SEXUAL], 3)],
  },
];

/** The score, the points behind it and the areas that matched. */
export interface ConcernResult {
  score: 1 | 2 | 3 | 4 | 5;
  points: number;
  /** Areas with at least one match, strongest first. */
  areas: PolicyArea[];
}

/** Scores already-lower-cased-or-not text; `agentic` is true when the conversation has tool calls. */
export function scoreConcern(text: string, options: { agentic: boolean }, lexicon: readonly AreaLexicon[] = CONCERN_LEXICON): ConcernResult {
  const normal = text.toLowerCase().replace(/\s+/g, ' ');
  const matched: Array<{ area: AreaLexicon; points: number }> = [];
  for (const area of lexicon) {
    const points = area.entries.filter((e) => e.all.every((re) => re.test(normal))).reduce((sum, e) => sum + e.weight, 0);
    if (points > 0) matched.push({ area, points });
  }
  matched.sort((a, b) => b.points - a.points);
  const areas = matched.map((m) => m.area.area);
  if (matched.some((m) => m.area.absolute)) return { score: 5, points: Infinity, areas };
  if (matched.length === 0) return { score: 1, points: 0, areas };

  const best = matched[0]!;
  let points = best.points;
  if (matched.length >= 2) points += CROSS_AREA_BONUS;
  if (options.agentic && AGENTIC_AREAS.has(best.area.area)) points += AGENTIC_BONUS;
  if (DEFENSIVE_CUES.test(normal)) points -= DEFENSIVE_PENALTY;
  // Something matched: never fall back to "not concerning at all".
  points = Math.max(1, points);
  return { score: scoreForPoints(points), points, areas };
}

/** Clio score for a number of points, per CONCERN_THRESHOLDS. */
export function scoreForPoints(points: number): 1 | 2 | 3 | 4 | 5 {
  return CONCERN_THRESHOLDS.find((t) => points >= t.minPoints)?.score ?? 1;
}
