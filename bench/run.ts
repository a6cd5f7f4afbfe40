/** `npm run bench`: runs every benchmark and prints its figures. Not a test: nothing here asserts. */
import { benchAssign } from './assign.ts';
import { benchDetect } from './detect.ts';
import { benchEmbed } from './embed.ts';
import { benchIngest } from './ingest.ts';
import { benchRedact } from './redact.ts';
import { benchUnderstand } from './understand.ts';

const benches: Array<[string, () => Promise<Record<string, string>>]> = [
  ['ingest', benchIngest],
  ['redact', benchRedact],
  ['embed', benchEmbed],
  ['assign', benchAssign],
  ['understand', benchUnderstand],
  ['detect', benchDetect],
  ['detect-real', async () => (await import('./detect-real.ts')).benchDetectReal()],
  ['classify-real', async () => (await import('./classify-real.ts')).benchClassifyReal()],
  ['names-real', async () => (await import('./names-real.ts')).benchNamesReal()],
  ['api', async () => (await import('./api.ts')).benchApi()],
  ['multilingual', async () => (await import('./multilingual.ts')).benchMultilingual()],
  // Fails (exit non-zero) when memory keeps growing: BENCH_SOAK_MINUTES long, 3 by default.
  ['soak', async () => (await import('./soak.ts')).benchSoak()],
];
const only = process.argv[2];

for (const [name, bench] of benches) {
  if (only && only !== name) continue;
  process.stderr.write(`--- ${name}\n`);
  const figures = await bench();
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(44)} ${v}`);
}
