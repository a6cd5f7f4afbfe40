/**
 * `npm run bench multilingual`: cross-lingual grouping and cost of each embedder on MultiJail
 * (../shared/data/multijail: 315 prompts, each in 10 languages), skipping cleanly when the data
 * is absent. Per embedder, in its own child process (its RSS its own): sentences/s on both cores,
 * peak RSS, and over the 3,150 texts: k-means with one cluster per prompt — share of translations
 * in their English original's cluster, purity by prompt and by language — and how often a
 * translation's nearest English text is its own original. Returns figures, prints nothing.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { kmeans } from '../src/catalog/kmeans.ts';
import { seededRandom } from '../src/util/random.ts';
import { defaultModelsDir } from '../src/embed/onnx-model-files.ts';
import type { Embedder } from '../src/embed/embedder.ts';

const DATA = new URL('../../shared/data/multijail/MultiJail.csv', import.meta.url);
const LANGUAGES = ['en', 'zh', 'it', 'vi', 'ar', 'ko', 'th', 'bn', 'sw', 'jv'] as const;
const CALL_SIZE = 100;
const ONNX_MODELS = ['e5-small-v2-q', 'multilingual-e5-small', 'paraphrase-multilingual-minilm-l12-v2'];

interface Text {
  prompt: number;
  language: string;
  text: string;
}

interface ChildResult {
  modelId: string;
  dimension: number;
  loadMs: number;
  embedMs: number;
  cores: number;
  peakRss: number;
  vectors: number[][];
}

function readMultiJail(): Text[] {
  const rows = parse(readFileSync(DATA), { columns: true, bom: true, skip_empty_lines: true }) as Array<Record<string, string>>;
  return rows.flatMap((row, prompt) => LANGUAGES.flatMap((language) => (row[language]?.trim() ? [{ prompt, language, text: row[language]!.trim() }] : [])));
}

async function startEmbedder(name: string): Promise<Embedder> {
  if (name === 'embedded') {
    const { LocalEmbedder } = await import('../src/embed/local-embedder.ts');
    return LocalEmbedder.start({ workers: 2 });
  }
  const { OnnxEmbedder } = await import('../src/embed/onnx-embedder.ts');
  return OnnxEmbedder.start({ model: name.replace(/^onnx:/, ''), threads: 2 });
}

/** Child side: embed the texts given on stdin with one embedder and report time, cores, RSS and the vectors. */
async function child(name: string): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const texts = JSON.parse(input) as string[];
  let started = performance.now();
  const embedder = await startEmbedder(name);
  const loadMs = performance.now() - started;
  await embedder.embed(texts.slice(0, 64)); // warm-up
  started = performance.now();
  const cpu = process.cpuUsage();
  const vectors: number[][] = [];
  for (let i = 0; i < texts.length; i += CALL_SIZE) vectors.push(...(await embedder.embed(texts.slice(i, i + CALL_SIZE))));
  const embedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  await embedder.close();
  const result: ChildResult = {
    modelId: embedder.modelId, dimension: embedder.dimension, loadMs, embedMs, cores: (used.user + used.system) / 1000 / embedMs,
    peakRss: process.resourceUsage().maxRSS * 1024, vectors: vectors.map((v) => v.map((x) => Math.round(x * 1e5) / 1e5)),
  };
  process.stdout.write(JSON.stringify(result));
}

function runChild(name: string, texts: readonly string[]): Promise<ChildResult> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', tsx, fileURLToPath(import.meta.url), '--child', name], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    proc.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    proc.on('error', reject);
    proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(Buffer.concat(chunks).toString()) as ChildResult) : reject(new Error(`multilingual bench child for ${name} exited with ${code}`))));
    proc.stdin.end(JSON.stringify(texts));
  });
}

const dot = (a: readonly number[], b: readonly number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** Weighted purity: the share of texts that belong to their cluster's most common label. */
function purity(assignment: readonly number[], labels: readonly (string | number)[]): number {
  const byCluster = new Map<number, Map<string | number, number>>();
  assignment.forEach((c, i) => {
    const counts = byCluster.get(c) ?? new Map();
    counts.set(labels[i]!, (counts.get(labels[i]!) ?? 0) + 1);
    byCluster.set(c, counts);
  });
  let top = 0;
  for (const counts of byCluster.values()) top += Math.max(...counts.values());
  return top / assignment.length;
}

function grouping(texts: readonly Text[], vectors: readonly number[][]): Record<string, number> {
  const prompts = new Set(texts.map((t) => t.prompt)).size;
  const { assignment } = kmeans(vectors, prompts, seededRandom(1), { restarts: 1 });
  const english = new Map<number, number>();
  texts.forEach((t, i) => t.language === 'en' && english.set(t.prompt, i));
  let together = 0;
  let nearestOwn = 0;
  let translations = 0;
  const englishIdx = [...english.values()];
  texts.forEach((t, i) => {
    const original = english.get(t.prompt);
    if (t.language === 'en' || original === undefined) return;
    translations++;
    if (assignment[i] === assignment[original]) together++;
    let best = -1;
    let bestSim = -Infinity;
    for (const j of englishIdx) {
      const s = dot(vectors[i]!, vectors[j]!);
      if (s > bestSim) [best, bestSim] = [j, s];
    }
    if (best === original) nearestOwn++;
  });
  return {
    withOriginal: together / translations,
    purityByPrompt: purity(assignment, texts.map((t) => t.prompt)),
    purityByLanguage: purity(assignment, texts.map((t) => t.language)),
    nearestEnglishIsOriginal: nearestOwn / translations,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export async function benchMultilingual(): Promise<Record<string, string>> {
  if (!existsSync(DATA)) return { multilingual: 'skipped: ../shared/data/multijail/MultiJail.csv is absent' };
  const texts = readMultiJail();
  const limit = Number(process.env.BENCH_MULTILINGUAL_PROMPTS ?? Infinity);
  const sample = texts.filter((t) => t.prompt < limit);
  const figures: Record<string, string> = { texts: `${sample.length} (${new Set(sample.map((t) => t.prompt)).size} prompts × ${LANGUAGES.length} languages)` };
  const embedders = ['embedded', ...ONNX_MODELS.map((m) => `onnx:${m}`)];
  for (const name of embedders) {
    const model = name.replace(/^onnx:/, '');
    if (name !== 'embedded' && !existsSync(`${defaultModelsDir()}/${model}/model.onnx`)) {
      figures[name] = `not fetched (npm run model:fetch -- --model ${model}${model === 'e5-small-v2-q' ? '' : ' --from <folder> --sha256 …'})`;
      continue;
    }
    const run = await runChild(name, sample.map((t) => t.text));
    const g = grouping(sample, run.vectors);
    figures[`${name}: model`] = `${run.modelId} (${run.dimension}-d), loaded in ${(run.loadMs / 1000).toFixed(1)} s`;
    figures[`${name}: speed`] = `${((sample.length * 1000) / run.embedMs).toFixed(1)} sentences/s (${run.cores.toFixed(2)} cores busy), peak RSS ${(run.peakRss / 1e6).toFixed(0)} MB`;
    figures[`${name}: translations with their original`] = pct(g.withOriginal!);
    figures[`${name}: nearest English text is the original`] = pct(g.nearestEnglishIsOriginal!);
    figures[`${name}: purity by prompt / by language`] = `${pct(g.purityByPrompt!)} / ${pct(g.purityByLanguage!)}`;
  }
  return figures;
}

if (process.argv[2] === '--child') await child(process.argv[3]!);
