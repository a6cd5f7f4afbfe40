/**
 * Redaction benchmark: ~5,000 texts of ~1 KB (synthetic requests, half with PII sentences spliced
 * in) through `redact`, with and without name detection, plus the clean texts alone. Prints texts/s
 * and MB/s per configuration. Not a test: nothing here asserts.
 */
import { generateConversations } from '../src/generate/synthetic.ts';
import { pick, seededRandom } from '../src/util/random.ts';
import { mayContainName } from '../src/redact/names.ts';
import { redact } from '../src/redact/redact.ts';

const COUNT = Number(process.env.BENCH_REDACT_COUNT ?? 5_000);

const PII_SENTENCES: readonly string[] = [
  'Hi, I am Jane Canaryfield Doe and my email is canary.jane.doe@example.org.',
  'You can reach me on +1 415 555 0199 or (415) 555-0188 after work.',
  'My card 4111 1111 1111 1111 was charged twice, order 123456789012.',
  'The server at 192.168.10.24 and 2001:db8::42 stopped answering.',
  'It connects with postgres://admin:hunter2@db.example.com:5432/app right now.',
  'Here is my key sk-ant-api03-AbCdEf1234567890AbCdEf1234567890 please check it.',
  'Please ship it to 221B Baker Street, Apt 4 by Friday.',
  'My manager Grace Hopper asked Dr. Nguyen to review it.',
  'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'Call me Ishmael, or write to ishmael@whaling.example.com.',
];

/** Clean text that still has the usual traps: versions, dates, prices, times and capitals. */
const TRAPS: readonly string[] = [
  'I upgraded from v1.2.3 to 2.14.0 on 2026-11-27 at 14:00:00.',
  'The plan costs $1,299.99 per year for 25 seats.',
  'Python and TypeScript both work; see https://example.com/docs?page=2 for details.',
];

function texts(count: number, withPii: boolean): string[] {
  const random = seededRandom(11);
  const out: string[] = [];
  for (const { conversation } of generateConversations({ count, seed: 42, targetBytes: 1000 })) {
    const base = conversation.messages[0].content as string;
    const extra = [pick(random, TRAPS)];
    if (withPii && random() < 0.5) extra.push(pick(random, PII_SENTENCES), pick(random, PII_SENTENCES));
    out.push(`${base} ${extra.join(' ')}`);
  }
  return out;
}

function measure(inputs: readonly string[], names: boolean): { textsPerSecond: number; mbPerSecond: number; findings: number } {
  for (const text of inputs.slice(0, 200)) redact(text, { names }); // warm up the JIT and compromise
  let bytes = 0;
  let findings = 0;
  const started = performance.now();
  for (const text of inputs) {
    bytes += Buffer.byteLength(text);
    for (const n of Object.values(redact(text, { names }).counts)) findings += n ?? 0;
  }
  const seconds = (performance.now() - started) / 1000;
  return { textsPerSecond: inputs.length / seconds, mbPerSecond: bytes / 1e6 / seconds, findings };
}

export async function benchRedact(): Promise<Record<string, string>> {
  const mixed = texts(COUNT, true);
  const clean = texts(COUNT, false);
  const avgBytes = mixed.reduce((sum, t) => sum + Buffer.byteLength(t), 0) / mixed.length;
  const figures: Record<string, string> = {
    'redact texts': `${mixed.length} × ${avgBytes.toFixed(0)} B avg`,
    'redact texts reaching compromise (mixed)': `${((100 * mixed.filter(mayContainName).length) / mixed.length).toFixed(1)}%`,
    'redact texts reaching compromise (clean)': `${((100 * clean.filter(mayContainName).length) / clean.length).toFixed(1)}%`,
  };
  const runs: Array<[string, readonly string[], boolean]> = [
    ['mixed, names on', mixed, true],
    ['mixed, names off', mixed, false],
    ['clean, names on', clean, true],
    ['clean, names off', clean, false],
  ];
  for (const [label, inputs, names] of runs) {
    const r = measure(inputs, names);
    figures[`redact ${label}`] = `${r.textsPerSecond.toFixed(0)} texts/s, ${r.mbPerSecond.toFixed(2)} MB/s, ${r.findings} findings`;
  }
  return figures;
}

// Runnable on its own: `npx tsx bench/redact.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [k, v] of Object.entries(await benchRedact())) console.log(`${k.padEnd(44)} ${v}`);
}
