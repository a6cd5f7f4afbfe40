/** `npm run bench`: runs every benchmark and prints its figures. Not a test: nothing here asserts. */
import { benchIngest } from './ingest.ts';

const benches: Array<[string, () => Promise<Record<string, string>>]> = [['ingest', benchIngest]];
const only = process.argv[2];

for (const [name, bench] of benches) {
  if (only && only !== name) continue;
  process.stderr.write(`--- ${name}\n`);
  const figures = await bench();
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(44)} ${v}`);
}
