/**
 * Regex detectors for structured PII and secrets. Each detector rewrites the text it is given and
 * counts what it replaced; `redact` chains them, so a later detector only sees what earlier ones
 * left (a card never becomes a phone, a URL's token is never counted twice).
 *
 * Every quantifier is bounded or unambiguous so no input can make a pattern backtrack badly.
 */
import { passesLuhn } from './luhn.ts';

export type PiiKind = 'email' | 'phone' | 'card' | 'ip' | 'credential_url' | 'secret' | 'street_address' | 'handle' | 'person';
export type PiiCounts = Partial<Record<PiiKind, number>>;

export const PLACEHOLDER: Readonly<Record<PiiKind, string>> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  card: '[CARD]',
  ip: '[IP]',
  credential_url: '[URL]',
  secret: '[SECRET]',
  street_address: '[ADDRESS]',
  handle: '[HANDLE]',
  person: '[NAME]',
};

export interface Detector {
  kind: PiiKind;
  /** A cheap test that lets texts without the tell-tale character skip the regex. */
  mayMatch?: (text: string) => boolean;
  pattern: RegExp;
  /** The replacement for the whole match, or undefined to keep it unchanged. */
  decide: (match: RegExpExecArray, text: string) => string | undefined;
}

export function addCount(counts: PiiCounts, kind: PiiKind, n = 1): void {
  counts[kind] = (counts[kind] ?? 0) + n;
}

/** Runs one detector over `text`, returning the rewritten text (the same string when nothing matched). */
export function applyDetector(detector: Detector, text: string, counts: PiiCounts): string {
  if (detector.mayMatch && !detector.mayMatch(text)) return text;
  const { pattern } = detector;
  pattern.lastIndex = 0;
  let out = '';
  let copiedUpTo = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    const replacement = detector.decide(m, text);
    if (replacement === undefined) continue;
    out += text.slice(copiedUpTo, m.index) + replacement;
    copiedUpTo = m.index + m[0].length;
    addCount(counts, detector.kind);
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;

/** Splits sentence punctuation off the end of a match so it stays in the text. */
function splitTrailing(s: string, trailing = TRAILING_PUNCTUATION): [core: string, tail: string] {
  const t = trailing.exec(s);
  return t ? [s.slice(0, t.index), t[0]] : [s, ''];
}

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const freq = new Map<string, number>();
  for (const ch of s) freq.set(ch, (freq.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of freq.values()) {
    const p = n / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const HAS_DIGIT = /\d/;
const HAS_LETTER = /[A-Za-z]/;
const HAS_UPPER = /[A-Z]/;
const HAS_LOWER = /[a-z]/;
const HEX_ONLY = /^[0-9a-fA-F]+$/;
const TOKEN_CHARS_ONLY = /^[A-Za-z0-9+/=_\-.~]+$/;

/**
 * A value that looks machine-generated: long, digits and letters, varied characters, and either
 * hex, mixed case, or very long. Lower-case identifiers like `user_id_2024_backup` do not qualify.
 */
function looksLikeGeneratedSecret(value: string): boolean {
  if (value.length < 16 || !TOKEN_CHARS_ONLY.test(value)) return false;
  if (!HAS_DIGIT.test(value) || !HAS_LETTER.test(value)) return false;
  if (entropy(value) < 3) return false;
  return HEX_ONLY.test(value) || (HAS_UPPER.test(value) && HAS_LOWER.test(value)) || value.length >= 32;
}

// ---------------------------------------------------------------- secrets

/** PEM private keys; a block cut off before its END line is still redacted up to where it stops. */
const privateKeyBlock: Detector = {
  kind: 'secret',
  mayMatch: (t) => t.includes('-----BEGIN'),
  pattern:
    /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]{0,20000}?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,.-]*)/g,
  decide: () => PLACEHOLDER.secret,
};

/** Vendor token formats that are unambiguous on their own. */
const vendorToken: Detector = {
  kind: 'secret',
  pattern: new RegExp(
    '(?<![\\w-])(?:' +
      [
        'sk-ant-[A-Za-z0-9_-]{20,}', // Anthropic
        'sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}', // OpenAI and look-alikes
        '[rs]k_(?:live|test)_[A-Za-z0-9]{16,}', // Stripe
        '(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}', // AWS access key ids
        'gh[pousr]_[A-Za-z0-9]{30,}', // GitHub
        'github_pat_[A-Za-z0-9_]{22,}',
        'glpat-[A-Za-z0-9_-]{20,}', // GitLab
        'xox[baprs]-[A-Za-z0-9-]{10,}', // Slack
        'xapp-[A-Za-z0-9-]{10,}',
        'AIza[0-9A-Za-z_-]{35}', // Google API keys
        'eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*', // JWT (signature may be empty)
      ].join('|') +
      ')(?![\\w-])',
    'g',
  ),
  // `sk-` also starts ordinary hyphenated words; a real key has digits in it.
  decide: (m) => (m[0].startsWith('sk-') && !HAS_DIGIT.test(m[0]) ? undefined : PLACEHOLDER.secret),
};

const bearerToken: Detector = {
  kind: 'secret',
  mayMatch: (t) => t.includes('Bearer') || t.includes('Basic') || t.includes('bearer'),
  pattern: /\b([Bb]earer|Basic)(\s+)([A-Za-z0-9._~+/-]{16,}=*)(?![\w.~+/=-])/g,
  decide: (m) => (HAS_DIGIT.test(m[3]) && HAS_LETTER.test(m[3]) ? m[1] + m[2] + PLACEHOLDER.secret : undefined),
};

const SECRET_WORDS = ['api_key', 'api-key', 'apikey', 'secret', 'token', 'password', 'passwd', 'passphrase', 'pwd', 'pass', 'key', 'auth', 'credential', 'credentials'];
const PASSWORD_WORDS = new Set(['password', 'passwd', 'passphrase', 'pwd', 'pass']);
const capitalise = (w: string): string => w[0].toUpperCase() + w.slice(1);

/**
 * A value after a secret-ish word. The word may end an identifier (`AWS_SECRET_ACCESS_KEY`,
 * `clientSecret`) but not a longer word (`monkey`, `tokens`), which the look-arounds enforce
 * per letter case instead of an identifier prefix that could backtrack.
 */
const KEYWORD_VALUE = new RegExp(
  '(' +
    `(?:(?<![A-Za-z0-9])(?:${SECRET_WORDS.join('|')})(?![a-z])` +
    `|(?<![A-Z0-9])(?:${SECRET_WORDS.map(capitalise).join('|')}|ApiKey|APIKey)(?![a-z])` +
    `|(?<![A-Za-z0-9])(?:${SECRET_WORDS.map((w) => w.toUpperCase()).join('|')})(?![A-Za-z]))` +
    ')' +
    // Separator: `: ` `=` `=>` with optional quotes, or words like "is", or just a space.
    '((?:["\']?[ \\t]*(?::=|=>|->|[:=])[ \\t]*["\']?)|(?:[ \\t]+(?:is|was|of)[ \\t]+["\']?)|(?:[ \\t]+["\']?))' +
    '([^\\s"\'`,;<>(){}\\[\\]]{4,512})',
  'g',
);

const PASSWORD_SYMBOL = /[!@#$%^&*?~+]/;

const keywordSecret: Detector = {
  kind: 'secret',
  pattern: KEYWORD_VALUE,
  decide: (m) => {
    const [, word, separator, rawValue] = m;
    const [value, tail] = splitTrailing(rawValue, /[.,:!?]+$/);
    const explicit = /[:=>]|\b(?:is|was)\b/.test(separator);
    // A password after an explicit "password:" / "password is" need not be long: "hunter2" is one.
    // Code like `password: string` or `password=os.environ[...]` has neither digits nor symbols.
    const isPassword =
      explicit && PASSWORD_WORDS.has(word.toLowerCase()) && value.length >= 4 && (HAS_DIGIT.test(value) || PASSWORD_SYMBOL.test(value));
    if (!isPassword && !looksLikeGeneratedSecret(value)) return undefined;
    return word + separator + PLACEHOLDER.secret + tail;
  },
};

// ---------------------------------------------------------------- URLs with credentials

/** Query or fragment parameter names whose value is a credential (`access_token`, `X-Amz-Signature`, `apiKey`). */
const SECRET_PARAM = /(?:^|[_-]|access|refresh|api|auth|client|session|private|id)(?:token|key|sig|signature|password|passwd|pwd|secret|auth|credential)$/;
const WEBHOOK_HOST = /^(?:hooks\.slack\.com\/services\/|(?:discord|discordapp)\.com\/api\/webhooks\/)/i;

function urlCarriesCredentials(url: string): boolean {
  const afterScheme = url.slice(url.indexOf('://') + 3);
  if (WEBHOOK_HOST.test(afterScheme)) return true;
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd < 0 ? afterScheme : afterScheme.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0 && authority.slice(0, at).includes(':')) return true;
  const paramsStart = afterScheme.search(/[?#]/);
  if (paramsStart < 0) return false;
  for (const pair of afterScheme.slice(paramsStart + 1).split(/[&;?#]/)) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) continue;
    if (SECRET_PARAM.test(pair.slice(0, eq).toLowerCase())) return true;
  }
  return false;
}

/** Any URL with `user:pass@`, a secret query parameter, or a webhook path is replaced whole. */
const credentialUrl: Detector = {
  kind: 'credential_url',
  mayMatch: (t) => t.includes('://'),
  pattern: /\b[A-Za-z][A-Za-z0-9+.-]{1,15}:\/\/[^\s<>"'`]{1,4096}/g,
  decide: (m) => {
    const [url, tail] = splitTrailing(m[0]);
    return urlCarriesCredentials(url) ? PLACEHOLDER.credential_url + tail : undefined;
  },
};

// ---------------------------------------------------------------- email, IP

const email: Detector = {
  kind: 'email',
  mayMatch: (t) => t.includes('@'),
  pattern: /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}(?![\w-])/g,
  decide: () => PLACEHOLDER.email,
};

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const VERSION_CUE = /(?:\b[Vv]|\b(?:version|Version|ver|release|Release|build|Build|firmware))\.?[ \t]*$/;

/** Dotted quads with every octet ≤ 255, not inside a longer dotted run, not announced as a version. */
const ipv4: Detector = {
  kind: 'ip',
  pattern: new RegExp(`(?<![\\w.])(?:${OCTET}\\.){3}${OCTET}(?!\\w|\\.\\d)`, 'g'),
  decide: (m, text) => (VERSION_CUE.test(text.slice(Math.max(0, m.index - 12), m.index)) ? undefined : PLACEHOLDER.ip),
};

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const IPV4_EXACT = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);

/** Full IPv6 syntax check: 8 groups, or fewer around one `::`, optionally ending in a dotted quad. */
export function isIPv6(candidate: string): boolean {
  const address = candidate.split('%')[0];
  const halves = address.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  const parts = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === parts.length - 1 && part.includes('.')) {
      if (!IPV4_EXACT.test(part)) return false;
      groups += 2;
    } else if (HEX_GROUP.test(part)) {
      groups += 1;
    } else {
      return false;
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

const ipv6: Detector = {
  kind: 'ip',
  mayMatch: (t) => t.includes(':'),
  pattern: /(?<![\w:.])[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]{2,60}(?:%[0-9A-Za-z_.]{1,20})?/g,
  decide: (m, text) => {
    const [candidate, tail] = splitTrailing(m[0], /(?<!:)[.:]$/);
    const next = text[m.index + m[0].length] ?? '';
    if (/\w/.test(next)) return undefined;
    return isIPv6(candidate) ? PLACEHOLDER.ip + tail : undefined;
  },
};

// ---------------------------------------------------------------- cards, phones

/** Issuer families (Visa 4, Mastercard 2/5, Amex/Diners/JCB 3, Discover/UnionPay/Maestro 6). */
const CARD_FIRST_DIGIT = /^[2-6]/;

const card: Detector = {
  kind: 'card',
  pattern: /(?<![\w.,+-])(?:\d[ -]?){12,18}\d(?!\w|[.,]\d)/g,
  decide: (m) => {
    const digits = m[0].replace(/[ -]/g, '');
    if (digits.length < 13 || digits.length > 19) return undefined;
    return CARD_FIRST_DIGIT.test(digits) && passesLuhn(digits) ? PLACEHOLDER.card : undefined;
  },
};

const countDigits = (s: string): number => s.replace(/\D/g, '').length;

/** `+CC` then groups; the loose character class is linear, the checks below do the judging. */
const internationalPhone: Detector = {
  kind: 'phone',
  mayMatch: (t) => t.includes('+'),
  pattern: /(?<![\w+])\+\d[\d ().-]{6,24}\d(?!\w|[.,]\d)/g,
  decide: (m) => {
    // A wide gap or a spaced dash ends the number: "+1 415 555 0199 - 2026" keeps its year.
    const cut = m[0].search(/\s[-.]\s|\s{2,}/);
    const number = cut < 0 ? m[0] : m[0].slice(0, cut).replace(/[^\d)]+$/, '');
    if (/^\+\d+\.\d+$/.test(number)) return undefined; // a signed decimal
    const digits = countDigits(number);
    if (digits < 8 || digits > 15) return undefined;
    return PLACEHOLDER.phone + m[0].slice(number.length);
  },
};

/** North American numbers: (415) 555-0199, 415-555-0199, 415.555.0199, 415 555 0199, 1-800-555-0199. */
const northAmericanPhone: Detector = {
  kind: 'phone',
  pattern:
    /(?<![\w.+-])(?:(?:1[ .-]?)?\([2-9]\d{2}\)[ .-]?[2-9]\d{2}[ .-]?\d{4}|(?:1[ .-])?[2-9]\d{2}([ .-])[2-9]\d{2}\1\d{4})(?!\w|[.,-]?\d)/g,
  decide: () => PLACEHOLDER.phone,
};

/** National numbers with a trunk 0 written in groups: 020 7946 0958, 07700 900123, 06 12 34 56 78. */
const nationalPhone: Detector = {
  kind: 'phone',
  pattern: /(?<![\w.+-])0\d{1,4}(?:[ -]\d{2,4}){1,4}(?!\w|[.,-]?\d)/g,
  decide: (m) => {
    const digits = countDigits(m[0]);
    return digits >= 10 && digits <= 11 ? PLACEHOLDER.phone : undefined;
  },
};

/** A number right after "call", "phone", "tel" ...: catches unformatted forms like 4155550199. */
const cuedPhone: Detector = {
  kind: 'phone',
  pattern: /\b(?:[Pp]hone|PHONE|[Tt]el|TEL|[Tt]elephone|[Cc]all|[Mm]obile|[Cc]ell|[Tt]ext|[Ww]hats[Aa]pp|[Ff]ax)\b[^\n\d]{0,20}?(\+?\(?\d[\d .()-]{5,18}\d)(?!\w|[.,:]\d)/g,
  decide: (m) => {
    const number = m[1];
    const digits = countDigits(number);
    if (digits < 7 || digits > 15) return undefined;
    if (/^\d{4}-\d{2}-\d{2}/.test(number) || /^\d+\.\d+$/.test(number)) return undefined; // a date or a decimal
    return m[0].slice(0, m[0].length - number.length) + PLACEHOLDER.phone;
  },
};

// ---------------------------------------------------------------- street addresses

const STREET_SUFFIXES = [
  'Street', 'St', 'Avenue', 'Ave', 'Road', 'Rd', 'Boulevard', 'Blvd', 'Lane', 'Ln', 'Drive', 'Dr', 'Court', 'Ct',
  'Way', 'Place', 'Pl', 'Terrace', 'Parkway', 'Pkwy', 'Highway', 'Hwy', 'Circle', 'Square', 'Crescent', 'Close', 'Alley', 'Plaza',
];
// "123 Main street" is as common as "123 Main Street"; the name words still must be capitalised.
const SUFFIX = `(?:${STREET_SUFFIXES.map((s) => `[${s[0]}${s[0].toLowerCase()}]${s.slice(1)}`).join('|')})`;
const STREET_NAME_WORD = "(?:\\p{Lu}[\\p{L}'’.-]{0,30}|\\d{1,3}(?:st|nd|rd|th))";

/**
 * House number, one to four capitalised street-name words (or an ordinal: 5th), a suffix, and
 * optionally a direction, a unit (Apt 4B, Suite 200) and ", City, ST 12345".
 */
const streetAddress: Detector = {
  kind: 'street_address',
  pattern: new RegExp(
    "(?<![\\w.,'-])\\d{1,6}[A-Za-z]?(?:-\\d{1,5})?[ \\t]+" +
      '(?:(?:North|South|East|West|[NSEW]\\.?)[ \\t]+)?' +
      '(?!(?:The|A|An|And|Or|Of|In|On|At|To|For|By|Is)[ \\t])' +
      `(?:${STREET_NAME_WORD}[ \\t]+){1,4}${SUFFIX}\\b\\.?` +
      '(?:[ \\t]+(?:NW|NE|SW|SE|N|S|E|W)\\b)?' +
      '(?:,?[ \\t]*(?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|Room|Rm|#)\\.?[ \\t]*#?[A-Za-z0-9-]{1,6}\\b)?' +
      '(?:,[ \\t]*\\p{Lu}[\\p{L} .\'-]{1,30},[ \\t]*[A-Z]{2}[ \\t]+\\d{5}(?:-\\d{4})?\\b)?',
    'gu',
  ),
  // "350 5th Ave." may end a sentence; keeping the dot costs nothing when it was an abbreviation.
  decide: (m) => PLACEHOLDER.street_address + (m[0].endsWith('.') ? '.' : ''),
};

const poBox: Detector = {
  kind: 'street_address',
  pattern: /\bP\.?[ \t]?O\.?[ \t]+Box[ \t]+\d{1,7}\b/g,
  decide: () => PLACEHOLDER.street_address,
};

/**
 * In running order: keys and credential URLs first (a URL's token must not be half-eaten by the
 * email or IP patterns), cards before phones (a spaced card is also a run of digit groups).
 */
export const DETECTORS: readonly Detector[] = [
  privateKeyBlock,
  credentialUrl,
  vendorToken,
  bearerToken,
  keywordSecret,
  email,
  ipv6,
  ipv4,
  card,
  internationalPhone,
  northAmericanPhone,
  nationalPhone,
  cuedPhone,
  streetAddress,
  poBox,
];
