import { describe, expect, it } from 'vitest';
import type { Conversation } from '../../src/ingest/conversation.ts';
import { passesLuhn } from '../../src/redact/luhn.ts';
import { isIPv6 } from '../../src/redact/patterns.ts';
import { redact, redactConversation, type PiiKind } from '../../src/redact/redact.ts';
import { CANARIES, canaryConversation, findCanary } from '../helpers/canary.ts';

interface Hit {
  kind: PiiKind;
  input: string;
  expected: string;
}

/** Each row: what goes in, exactly what must come out, and the kind that must be counted. */
const HITS: Hit[] = [
  // email
  { kind: 'email', input: 'write to canary.jane.doe@example.org today', expected: 'write to [EMAIL] today' },
  { kind: 'email', input: 'Contact: J.Smith+news@mail.co.uk.', expected: 'Contact: [EMAIL].' },
  { kind: 'email', input: '<ops_team@sub.example-corp.io>', expected: '<[EMAIL]>' },
  // phone
  { kind: 'phone', input: 'call +1 415 555 0199 now', expected: 'call [PHONE] now' },
  { kind: 'phone', input: 'US office (415) 555-0199.', expected: 'US office [PHONE].' },
  { kind: 'phone', input: 'dial 415-555-0199 or 415.555.0199', expected: 'dial [PHONE] or [PHONE]' },
  { kind: 'phone', input: 'toll free 1-800-555-0199', expected: 'toll free [PHONE]' },
  { kind: 'phone', input: 'London 020 7946 0958, mobile 07700 900123', expected: 'London [PHONE], mobile [PHONE]' },
  { kind: 'phone', input: 'ring +44 20 7946 0958 or +44 (0)20 7946 0958', expected: 'ring [PHONE] or [PHONE]' },
  { kind: 'phone', input: 'Paris 06 12 34 56 78, Berlin +49 30 12345678', expected: 'Paris [PHONE], Berlin [PHONE]' },
  { kind: 'phone', input: 'E.164 +14155550199', expected: 'E.164 [PHONE]' },
  { kind: 'phone', input: 'call me at 4155550199 tonight', expected: 'call me at [PHONE] tonight' },
  // card (all Luhn-valid test numbers)
  { kind: 'card', input: 'Visa 4111 1111 1111 1111 exp 12/29', expected: 'Visa [CARD] exp 12/29' },
  { kind: 'card', input: 'MC 5555-5555-5555-4444.', expected: 'MC [CARD].' },
  { kind: 'card', input: 'Amex 3782 822463 10005 and 378282246310005', expected: 'Amex [CARD] and [CARD]' },
  { kind: 'card', input: 'Discover 6011111111111117', expected: 'Discover [CARD]' },
  // ip
  { kind: 'ip', input: 'server 192.168.1.10 is down', expected: 'server [IP] is down' },
  { kind: 'ip', input: 'dns 8.8.8.8:53, 255.255.255.255', expected: 'dns [IP]:53, [IP]' },
  { kind: 'ip', input: 'v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334 here', expected: 'v6 [IP] here' },
  { kind: 'ip', input: 'http://[2001:db8::1]:8080/ and fe80::1%eth0 and ::1', expected: 'http://[[IP]]:8080/ and [IP] and [IP]' },
  { kind: 'ip', input: 'mapped ::ffff:192.0.2.128.', expected: 'mapped [IP].' },
  // credential_url
  { kind: 'credential_url', input: 'DATABASE_URL=postgres://admin:hunter2@db.example.com:5432/app', expected: 'DATABASE_URL=[URL]' },
  { kind: 'credential_url', input: 'open https://api.example.com/v1/data?format=json&access_token=abc123.', expected: 'open [URL].' },
  { kind: 'credential_url', input: '(see https://maps.example.com/api?key=AbC123xyz)', expected: '(see [URL])' },
  { kind: 'credential_url', input: 'https://s3.example.com/b/o?X-Amz-Signature=deadbeef&X-Amz-Date=1', expected: '[URL]' },
  { kind: 'credential_url', input: 'https://example.com/reset?password=pw1&user=x', expected: '[URL]' },
  { kind: 'credential_url', input: 'cb https://app.example.com/cb#token=zzz&state=1', expected: 'cb [URL]' },
  { kind: 'credential_url', input: 'https://example.com/x?sig=1&secret=2&auth=3', expected: '[URL]' },
  { kind: 'credential_url', input: 'webhook https://hooks.slack.com/services/T000/B000/XXXXXXXX', expected: 'webhook [URL]' },
  // secret
  { kind: 'secret', input: 'key sk-ant-api03-AbCdEf1234567890AbCdEf1234567890-xyz', expected: 'key [SECRET]' },
  { kind: 'secret', input: 'OPENAI sk-proj-abcDEF1234567890abcdefGHIJ', expected: 'OPENAI [SECRET]' },
  { kind: 'secret', input: 'aws AKIAIOSFODNN7EXAMPLE ok', expected: 'aws [SECRET] ok' },
  { kind: 'secret', input: 'gh ghp_1234567890abcdefghijABCDEFGHIJ123456', expected: 'gh [SECRET]' },
  { kind: 'secret', input: 'pat github_pat_11ABCDEFG0123456789_abcdefghijklmnop', expected: 'pat [SECRET]' },
  { kind: 'secret', input: 'slack xoxb-1234567890-0987654321-AbCdEf', expected: 'slack [SECRET]' },
  {
    kind: 'secret',
    input: 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
    expected: 'jwt [SECRET] end',
  },
  {
    kind: 'secret',
    input: 'pem -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA1234\nabcd==\n-----END RSA PRIVATE KEY----- after',
    expected: 'pem [SECRET] after',
  },
  { kind: 'secret', input: 'truncated -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA', expected: 'truncated [SECRET]' },
  { kind: 'secret', input: "api_key = 'a1b2c3d4e5f6a7b8c9d0e1f2'", expected: "api_key = '[SECRET]'" },
  { kind: 'secret', input: 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', expected: 'AWS_SECRET_ACCESS_KEY=[SECRET]' },
  { kind: 'secret', input: '{"clientSecret": "Zm9vYmFyYmF6cXV4MTIzNDU2"}', expected: '{"clientSecret": "[SECRET]"}' },
  { kind: 'secret', input: 'my password is P@ssw0rd! and passwd=hunter2', expected: 'my password is [SECRET]! and passwd=[SECRET]' },
  { kind: 'secret', input: 'Authorization: Bearer abcdefghijklmnop1234', expected: 'Authorization: Bearer [SECRET]' },
  // UUIDs are ids, not secrets, unless a secret word labels them (then they are often API tokens).
  { kind: 'secret', input: 'token: 550e8400-e29b-41d4-a716-446655440000', expected: 'token: [SECRET]' },
  // street_address
  { kind: 'street_address', input: 'I live at 221B Baker Street, Apt 4 now', expected: 'I live at [ADDRESS] now' },
  { kind: 'street_address', input: 'Ship to 1600 Pennsylvania Avenue NW, Washington, DC 20500.', expected: 'Ship to [ADDRESS].' },
  { kind: 'street_address', input: 'at 350 5th Ave. Then', expected: 'at [ADDRESS]. Then' },
  { kind: 'street_address', input: 'meet at 42 W Elm Rd Suite 200 please', expected: 'meet at [ADDRESS] please' },
  { kind: 'street_address', input: 'from 10 Downing St to 7 Old Mill Lane', expected: 'from [ADDRESS] to [ADDRESS]' },
  { kind: 'street_address', input: 'mail PO Box 1234', expected: 'mail [ADDRESS]' },
  // person
  { kind: 'person', input: 'Hi, I am Jane Canaryfield Doe.', expected: 'Hi, I am [NAME].' },
  { kind: 'person', input: 'Please ask Grace Hopper about it.', expected: 'Please ask [NAME] about it.' },
  { kind: 'person', input: 'My name is Kavya Raman and I need help.', expected: 'My name is [NAME] and I need help.' },
  { kind: 'person', input: "Hello! I'm Priya.", expected: "Hello! I'm [NAME]." },
  { kind: 'person', input: 'You can call me Ishmael.', expected: 'You can call me [NAME].' },
  { kind: 'person', input: 'Dear Ms. Okafor, thanks. Dr. Nguyen agrees.', expected: 'Dear Ms. [NAME], thanks. Dr. [NAME] agrees.' },
  { kind: 'person', input: 'Tickets for Taylor Swift sold out.', expected: 'Tickets for [NAME] sold out.' },
  { kind: 'person', input: 'José García met Siobhán O’Brien.', expected: '[NAME] met [NAME].' },
  // person: digits glued to a full name make an account name, known to the tagger or not
  { kind: 'person', input: 'Posted by Firstname Lastname0932564 today', expected: 'Posted by [NAME] today' },
  { kind: 'person', input: 'Reviewer: Maria Lopez_88 wrote this.', expected: 'Reviewer: [NAME] wrote this.' },
  { kind: 'person', input: 'Thanks to Quentin Vallory-Marsh2024 for the fix', expected: 'Thanks to [NAME] for the fix' },
  // person: letters' greetings and sign-offs
  { kind: 'person', input: 'Hi George,\n\nthanks for the couch.', expected: 'Hi [NAME],\n\nthanks for the couch.' },
  { kind: 'person', input: 'Dear Anneliese, the report is late.', expected: 'Dear [NAME], the report is late.' },
  { kind: 'person', input: 'See you soon.\nRegards,\nMarguerite', expected: 'See you soon.\nRegards,\n[NAME]' },
  // handle: usernames and @handles
  { kind: 'handle', input: 'my username is jsmith1987 there', expected: 'my username is [HANDLE] there' },
  { kind: 'handle', input: 'log in as maria.lopez88 now', expected: 'log in as [HANDLE] now' },
  { kind: 'handle', input: 'ask jsmith1987 or @jsmith1987 first', expected: 'ask [HANDLE] or [HANDLE] first' },
  { kind: 'handle', input: 'find me on Instagram @quill_and_fern.', expected: 'find me on Instagram [HANDLE].' },
  { kind: 'handle', input: 'follow me on Twitter @TomTechie', expected: 'follow me on Twitter [HANDLE]' },
  { kind: 'handle', input: 'Username: kx_wolf, password below', expected: 'Username: [HANDLE], password below' },
  { kind: 'handle', input: 'my gamertag is nightowl_42', expected: 'my gamertag is [HANDLE]' },
];

/** Each must come out exactly as it went in, with nothing counted. */
const NEAR_MISSES: Array<[why: string, input: string]> = [
  ['years and counts', 'In 2026 we shipped 1,234,567 rows to 42 customers in 12 countries.'],
  ['prices', 'It costs $1,299.99 (or €1.299,00) plus 19% VAT; was +12.5% last year.'],
  ['versions', 'Upgrade from v1.2.3 to version 2.14.0, then v1.2.3.4 and version 10.0.0.1.'],
  ['dotted quad with an octet over 255', 'build 10.0.19041.1 and 300.1.1.1 and 1.2.3.256'],
  ['dates', 'Due 2026-11-27, or 27/11/2026, or 27.11.2026, or 11-27-2026.'],
  ['times', 'Starts 14:00:00, ends 12:30:45.123, lunch at 12:30, ISO 2026-11-27T14:00:00Z.'],
  ['order numbers', 'Order #123456789012 and ticket 2026-0042-77 and invoice INV-20261127-001.'],
  ['non-Luhn 16 digits', 'Reference 4111 1111 1111 1112 is not a card.'],
  ['ISBN failing Luhn', 'ISBN 978-3-16-148410-0 and 9783161484100.'],
  ['NANP-shaped but invalid', 'Part 123-456-7890 (area codes never start with 1).'],
  ['MAC address and ratio', 'MAC 00:1a:2b:3c:4d:5e, aspect 16:9, C++ std::vector<int>.'],
  ['"Will" and "May" as words', 'Will it rain in May? May I ask why?'],
  ['street name without a number', 'Apple Street is lovely in spring; take Main Road north.'],
  ['counted things, not addresses', 'Here are 3 main points and 2 Main Points about the Way forward.'],
  ['"sk" alone and sk- words', 'The sk value, sk-learn and sk-some-long-hyphenated-word-here.'],
  ['short hex colours and hashes', 'Use colour #ff00aa or #FFF; commit a1b2c3d.'],
  ['UUIDs on their own are ids', 'Request 550e8400-e29b-41d4-a716-446655440000 failed.'],
  ['URL without secrets', 'See https://example.com/docs/page?lang=en&page=2#intro for details.'],
  ['code that names passwords', 'password: string; const token = getToken(); secret = os.environ["SECRET"]'],
  ['secret words with ordinary values', 'The secret is out, the key is patience, my token of thanks.'],
  ['sentence-initial and product capitals', 'Python is great. Claude Code and Visual Studio Code both work. Microsoft Teams too.'],
  ['places and organisations', 'We flew from New York City to San Francisco with Amazon Web Services.'],
  ['I am + adjective or demonym', "I am Canadian. I'm Happy to help. I am Sorry."],
  ['the assistant introducing itself', "I'm Claude, an AI assistant."],
  ['a lone first name without a cue', 'Thanks, Mark.'],
  ['email-like without a domain', 'Use user@localhost or @mention on Slack.'],
  ['maths and scores', 'Score 3-1, ratio 1:2:3, range 10-20, 2+2=4, temperature -5.'],
  ['types and encodings with digits', 'Cast to np.float32 or Int32, use base64 on arm64, see System32, llvm17 and test512.'],
  ['decorators and SQL variables', '@app.route("/x") and @staticmethod; DECLARE @total INT; SET @Skyscraper1 = 2; @param id the row'],
  ['acronyms with digits', "Add an 'EMA50' column and enable HTTP2 for COVID19 data."],
  ['snake_case columns', 'You have the following columns: customer_id, row_id, basket_key.'],
  ['greetings to no one in particular', 'Hello World! Hi Team, hi all. Hello, How are you?'],
  ['names that are also words, with digits', 'Due may2024 or june2023; see will2 and max100.'],
  ['product names with a version glued on', 'Visual Studio2022 and Claude Code2 both work.'],
  ['a capitalised word with digits alone', 'Windows11 and Covid-19 and Python3 are fine.'],
];

describe('redact: hits', () => {
  it.each(HITS)('$kind: $input', ({ kind, input, expected }) => {
    const { text, counts } = redact(input);
    expect(text).toBe(expected);
    expect(counts[kind] ?? 0).toBeGreaterThan(0);
  });
});

describe('redact: near-misses survive unchanged', () => {
  it.each(NEAR_MISSES)('%s', (_why, input) => {
    const { text, counts } = redact(input);
    expect(text).toBe(input);
    expect(counts).toEqual({});
  });
});

describe('redact: behaviour', () => {
  it('removes every planted canary', () => {
    const input = `Hi, I am ${CANARIES.name}. Email me at ${CANARIES.email} or call ${CANARIES.phone} about my order.`;
    const { text, counts } = redact(input);
    expect(findCanary(text)).toBeUndefined();
    expect(text).toBe('Hi, I am [NAME]. Email me at [EMAIL] or call [PHONE] about my order.');
    expect(counts).toEqual({ person: 1, email: 1, phone: 1 });
  });

  it('counts every occurrence', () => {
    const { counts } = redact('a@example.com, b@example.com, 10.0.0.1 and 10.0.0.2, Ann Lee and Bob Smith');
    expect(counts).toEqual({ email: 2, ip: 2, person: 2 });
  });

  it('skips names when names is false, and only names', () => {
    const input = 'I am Jane Canaryfield Doe, jane@example.org';
    expect(redact(input, { names: false })).toEqual({ text: 'I am Jane Canaryfield Doe, [EMAIL]', counts: { email: 1 } });
    expect(redact(input).text).toBe('I am [NAME], [EMAIL]');
  });

  it('is stable: redacting redacted text finds nothing more', () => {
    const once = redact(HITS.map((h) => h.input).join('\n')).text;
    expect(redact(once)).toEqual({ text: once, counts: {} });
  });

  it('returns the same text for an empty or clean string', () => {
    expect(redact('')).toEqual({ text: '', counts: {} });
    expect(redact('nothing to see here')).toEqual({ text: 'nothing to see here', counts: {} });
  });

  it('stays linear on adversarial input (no catastrophic backtracking)', () => {
    const inputs = [
      '1 '.repeat(50_000),
      'a:'.repeat(50_000),
      'AbcDef'.repeat(20_000),
      `${'a.'.repeat(30_000)}@`,
      `${'9'.repeat(100_000)}`,
      `https://${'a'.repeat(100_000)}`,
      `+${'1 '.repeat(50_000)}`,
      `key ${'Ab1'.repeat(30_000)}`,
      `-----BEGIN PRIVATE KEY-----${'x'.repeat(100_000)}`,
      'Jane Doe '.repeat(2_000),
      'I am Priya. '.repeat(3_000),
      'Word '.repeat(20_000),
    ];
    for (const input of inputs) {
      const started = performance.now();
      redact(input);
      // Catastrophic backtracking on 100 KB takes minutes; the bound leaves room for a loaded machine.
      expect(performance.now() - started, input.slice(0, 20)).toBeLessThan(5_000);
    }
  });
});

describe('redact: long texts', () => {
  it('still removes every name once the tagging budget is spent (falls back to redacting by shape)', () => {
    const input = 'Please ask Grace Hopper about it, then call me Ishmael. '.repeat(1_000);
    const { text, counts } = redact(input);
    expect(text).not.toMatch(/Grace|Hopper|Ishmael/);
    expect(counts.person).toBe(2_000);
  });
});

describe('luhn and IPv6 checks', () => {
  it.each([
    ['4111111111111111', true],
    ['378282246310005', true],
    ['4111111111111112', false],
    ['9783161484100', false],
    ['', false],
    ['41x1', false],
  ] as const)('passesLuhn(%s) = %s', (digits, ok) => expect(passesLuhn(digits)).toBe(ok));

  it.each([
    ['2001:db8::1', true],
    ['::1', true],
    ['1:2:3:4:5:6:7:8', true],
    ['::ffff:192.0.2.128', true],
    ['fe80::1%eth0', true],
    ['12:30:45', false],
    ['1::2::3', false],
    ['1:2:3:4:5:6:7:8:9', false],
    ['00:1a:2b:3c:4d:5e', false],
    ['::ffff:300.0.2.1', false],
  ] as const)('isIPv6(%s) = %s', (candidate, ok) => expect(isIPv6(candidate)).toBe(ok));
});

describe('redactConversation', () => {
  const conversation: Conversation = {
    id: 'conv-1',
    account_id: 'acct-jane@example.org',
    timestamp: '2026-11-27T14:00:00Z',
    messages: [
      { role: 'user', content: 'I am Jane Canaryfield Doe, reach me at jane@example.org.' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Calling +1 415 555 0199 now.' },
          {
            type: 'tool_use',
            id: 'tu_1',
            name: 'computer',
            input: {
              action: 'type',
              text: 'canary.jane.doe@example.org',
              retries: 3,
              nested: { targets: ['10.0.0.1', { card: '4111 1111 1111 1111' }], ok: true, none: null },
            },
          },
          { type: 'image', source: { type: 'base64', data: 'jane@example.org' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'tu_1', content: 'typed into 221B Baker Street form' },
          { type: 'tool_result', tool_use_id: 'tu_2', content: [{ type: 'text', text: 'token=ghp_1234567890abcdefghijABCDEFGHIJ123456' }, { type: 'other', text: 'kept' }] },
        ],
      },
    ],
    metadata: { product: 'computer-use' },
  };

  it('redacts strings, text blocks, nested tool inputs and tool results; keeps ids and structure', () => {
    const before = structuredClone(conversation);
    const { conversation: out, counts } = redactConversation(conversation);
    expect(conversation).toEqual(before); // the input is not mutated
    expect(out).not.toBe(conversation);
    expect(out).toEqual({
      id: 'conv-1',
      account_id: 'acct-jane@example.org',
      timestamp: '2026-11-27T14:00:00Z',
      messages: [
        { role: 'user', content: 'I am [NAME], reach me at [EMAIL].' },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Calling [PHONE] now.' },
            {
              type: 'tool_use',
              id: 'tu_1',
              name: 'computer',
              input: { action: 'type', text: '[EMAIL]', retries: 3, nested: { targets: ['[IP]', { card: '[CARD]' }], ok: true, none: null } },
            },
            { type: 'image', source: { type: 'base64', data: 'jane@example.org' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'tu_1', content: 'typed into [ADDRESS] form' },
            { type: 'tool_result', tool_use_id: 'tu_2', content: [{ type: 'text', text: 'token=[SECRET]' }, { type: 'other', text: 'kept' }] },
          ],
        },
      ],
      metadata: { product: 'computer-use' },
    });
    expect(counts).toEqual({ person: 1, email: 2, phone: 1, ip: 1, card: 1, street_address: 1, secret: 1 });
  });

  it('leaves no canary in the text of the shared canary conversation', () => {
    const { conversation: out } = redactConversation(canaryConversation('2026-11-27T14:00:00Z'));
    const text = JSON.stringify(out.messages);
    expect(findCanary(text)).toBeUndefined();
    expect(out.id).toBe(`${CANARIES.conversationId}-0`);
    expect(out.account_id).toBe(CANARIES.accountId);
  });
});
