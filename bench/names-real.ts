/**
 * Offline cluster names on real public prompts (../shared/data, skipped when absent): the prompts
 * are redacted, condensed into the local request facet, embedded, clustered with k-means, and each
 * cluster is named twice — the former word-bag naming ("before") and today's TermNamer ("after") —
 * then passed through the offline auditor. Prints a table; nothing here asserts.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { OfflineAuditor } from '../src/catalog/audit.ts';
import { kmeans } from '../src/catalog/kmeans.ts';
import { clusterVocabularies, TermNamer, type Member, type ScoredTerm } from '../src/catalog/naming.ts';
import { properNouns, tokenize } from '../src/catalog/terms.ts';
import { CachedEmbedder } from '../src/embed/cache.ts';
import { LocalEmbedder } from '../src/embed/local-embedder.ts';
import { LocalFacetExtractor } from '../src/facets/local-extractor.ts';
import { seededRandom } from '../src/util/random.ts';
import { redact } from '../src/redact/redact.ts';

const DATA = new URL('../../shared/data/', import.meta.url).pathname;
const CLUSTERS = Number(process.env.BENCH_NAMES_CLUSTERS ?? 40);
const SHOWN = Number(process.env.BENCH_NAMES_SHOWN ?? 12);
const VOCABULARY_K = 5;
const ACCOUNTS = 900;

interface Prompt { source: string; text: string }

/** RFC 4180 rows: quoted fields may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

function csvObjects(path: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.filter((r) => r.length === header!.length).map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

function loadPrompts(): Prompt[] {
  const prompts: Prompt[] = [];
  for (const line of readFileSync(join(DATA, 'arena_hard/arena-hard-v2.0_question.jsonl'), 'utf8').split('\n')) {
    if (line.trim()) prompts.push({ source: 'arena_hard', text: JSON.parse(line).prompt });
  }
  for (const row of JSON.parse(readFileSync(join(DATA, 'alpaca_eval/alpaca_eval_gpt4_model_outputs.json'), 'utf8'))) {
    prompts.push({ source: 'alpaca_eval', text: row.instruction });
  }
  for (const row of csvObjects(join(DATA, 'harmbench/harmbench_behaviors_text_all.csv'))) prompts.push({ source: 'harmbench', text: row.Behavior! });
  const jail = csvObjects(join(DATA, 'multijail/MultiJail.csv'));
  for (const row of jail.slice(0, 150)) prompts.push({ source: 'multijail-en', text: row.en! });
  for (const row of jail.slice(0, 120)) prompts.push({ source: 'multijail-zh', text: row.zh! });
  const hh = gunzipSync(readFileSync(join(DATA, 'hh_rlhf_harmless/harmless-base_test.jsonl.gz'))).toString('utf8').split('\n');
  for (const line of hh.slice(0, 400)) {
    if (!line.trim()) continue;
    const first = /Human: ([\s\S]*?)\n\nAssistant:/.exec(JSON.parse(line).chosen)?.[1];
    if (first) prompts.push({ source: 'hh_rlhf', text: first });
  }
  return prompts.filter((p) => p.text && p.text.trim());
}

/** The vocabulary this project used before readable names: unigrams and stopword-skipping bigrams, c-TF-IDF. */
function wordBagVocabularies(clusters: readonly (readonly Member[])[], k: number): ScoredTerm[][] {
  const termsOf = (text: string): Set<string> => {
    const tokens = tokenize(text);
    const terms = new Set(tokens);
    for (let i = 0; i + 1 < tokens.length; i++) terms.add(`${tokens[i]} ${tokens[i + 1]}`);
    return terms;
  };
  const per = clusters.map((members) => {
    const frequency = new Map<string, number>();
    const accounts = new Map<string, Set<string>>();
    const capitalised = new Map<string, number>();
    for (const m of members) {
      for (const w of properNouns(m.text)) capitalised.set(w, (capitalised.get(w) ?? 0) + 1);
      for (const t of termsOf(m.text)) {
        frequency.set(t, (frequency.get(t) ?? 0) + 1);
        accounts.set(t, (accounts.get(t) ?? new Set()).add(m.account));
      }
    }
    const proper = new Set([...capitalised].filter(([w, n]) => n * 2 > (frequency.get(w) ?? 0)).map(([w]) => w));
    return { frequency, accounts, proper };
  });
  const overall = new Map<string, number>();
  let total = 0;
  for (const { frequency } of per) for (const [t, n] of frequency) overall.set(t, (overall.get(t) ?? 0) + n), (total += n);
  const mean = total / Math.max(1, clusters.length);
  return per.map(({ frequency, accounts, proper }) => {
    const size = [...frequency.values()].reduce((a, b) => a + b, 0) || 1;
    const ranked: ScoredTerm[] = [];
    for (const [term, n] of frequency) {
      if (accounts.get(term)!.size < k || term.split(' ').some((w) => proper.has(w))) continue;
      const all = overall.get(term)!;
      ranked.push({ term, score: (n / size) * Math.log(1 + mean / all) * (n / all), accounts: accounts.get(term)!.size });
    }
    return ranked.sort((a, b) => b.score - a.score || a.term.localeCompare(b.term));
  });
}

/** The naming this project used before readable names: up to three c-TF-IDF terms, comma-separated. */
function wordBagName(ranked: readonly ScoredTerm[]): string | undefined {
  const chosen: string[] = [];
  const covered = new Set<string>();
  const phrases = ranked.filter((t) => t.term.includes(' '));
  for (const scored of ranked) {
    const phrase = scored.term.includes(' ') ? undefined : phrases.find((p) => p.score >= 0.8 * scored.score && p.term.split(' ').includes(scored.term));
    const term = (phrase ?? scored).term;
    if (chosen.includes(term)) continue;
    const words = term.split(' ');
    if (words.every((w) => covered.has(w))) continue;
    if (chosen.join(' ').split(' ').length + words.length > 8) break;
    chosen.push(term);
    for (const w of words) covered.add(w);
    if (chosen.length === 3) break;
  }
  if (chosen.length === 0) return undefined;
  const name = chosen.join(', ');
  return name.charAt(0).toUpperCase() + name.slice(1);
}
/** Vectors cached in the temp folder by a hash of the texts (no text is written). */
async function embedAll(texts: string[]): Promise<number[][]> {
  const key = createHash('sha256').update(texts.join('\0')).digest('hex').slice(0, 16);
  const path = join(tmpdir(), `clio-bench-names-real-${key}.json`);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
  const model = await LocalEmbedder.start({ workers: 2 });
  try {
    const vectors = await new CachedEmbedder(model).embed(texts);
    writeFileSync(path, JSON.stringify(vectors));
    return vectors;
  } finally {
    await model.close();
  }
}

export async function benchNamesReal(): Promise<Record<string, string>> {
  if (!existsSync(DATA)) {
    process.stderr.write('names-real: ../shared/data is absent, skipped\n');
    return { 'names-real': 'skipped (no ../shared/data)' };
  }
  const random = seededRandom(7);
  const prompts = loadPrompts();
  const extractor = new LocalFacetExtractor();
  const items = prompts.map((p, i) => {
    const account = `acct-${Math.floor(random() * ACCOUNTS)}`;
    const conversation = { id: `c${i}`, account_id: account, timestamp: '2026-11-27T00:00:00Z', messages: [{ role: 'user' as const, content: redact(p.text).text }] };
    return { source: p.source, account, request: extractor.extractOne(conversation).request };
  });
  const vectors = await embedAll(items.map((i) => i.request));
  const result = kmeans(vectors, CLUSTERS, random);
  const groups: number[][] = result.centroids.map(() => []);
  result.assignment.forEach((c, i) => groups[c]!.push(i));
  const clusters = groups.filter((g) => g.length > 0).sort((a, b) => b.length - a.length);
  const members: Member[][] = clusters.map((g) => g.map((i) => ({ text: items[i]!.request, account: items[i]!.account })));
  const vocabularies = clusterVocabularies(members, VOCABULARY_K);
  const wordBags = wordBagVocabularies(members, VOCABULARY_K);
  const namer = new TermNamer();
  const auditor = new OfflineAuditor();

  let named = 0;
  let passed = 0;
  const rows: string[] = [];
  for (const [j, m] of members.entries()) {
    const before = wordBagName(wordBags[j]!);
    const sample = m.length <= 40 ? m : Array.from({ length: 40 }, (_, i) => m[Math.floor((i * m.length) / 40)]!);
    const after = await namer.nameCluster({ members: sample, contrast: [], ranked: vocabularies[j]!.ranked });
    const verdict = after ? await auditor.audit(after, vocabularies[j]!.allowed) : undefined;
    if (after) named++;
    if (verdict?.pass) passed++;
    if (j < SHOWN || (j < 60 && clusters[j]!.some((i) => items[i]!.source.startsWith('multijail-zh')) && j % 3 === 0)) {
      const sources = new Map<string, number>();
      for (const i of clusters[j]!) sources.set(items[i]!.source, (sources.get(items[i]!.source) ?? 0) + 1);
      const top = [...sources].sort((a, b) => b[1] - a[1])[0]!;
      rows.push(`| ${m.length} | ${top[0]} ${Math.round((100 * top[1]) / m.length)}% | ${before ?? '(unnamed)'} | ${after ? `${after.name}${verdict!.pass ? '' : ' [audit FAILED]'}` : '(unnamed)'} |`);
      if (process.env.BENCH_NAMES_DESCRIPTIONS && after) rows.push(`|   |   |   | ${after.description} |`);
    }
  }
  console.log('\n| size | main source | before (word bag) | after (phrase) |\n|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log('');
  return {
    'names-real prompts': String(items.length),
    'names-real clusters': String(members.length),
    'names-real named (after)': String(named),
    'names-real passed the offline audit (after)': String(passed),
  };
}
