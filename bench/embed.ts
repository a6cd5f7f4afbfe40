/**
 * Embedding throughput: the embedded model on 1 and 2 worker threads over ~600 distinct
 * sentences, and behind the cache on traffic that repeats itself. Each worker-count run is its
 * own child process, so its resident memory is its own. Returns figures, prints nothing.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { CachedEmbedder } from '../src/embed/cache.ts';
import { LocalEmbedder } from '../src/embed/local-embedder.ts';
import { pick, seededRandom } from '../src/util/random.ts';
import { fillTemplate } from '../src/generate/synthetic.ts';
import { TOPICS } from '../src/generate/topics.ts';

const SENTENCES = 600;
const CALL_SIZE = 100; // texts per embed() call, about what one stream chunk brings

/** `count` distinct sentences from the synthetic topics' templates. */
function sentences(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const out = new Set<string>();
  for (let i = 0; out.size < count; i++) {
    const text = fillTemplate(random, pick(random, TOPICS));
    out.add(out.has(text) ? `${text} (variant ${i})` : text);
  }
  return [...out];
}

async function embedAll(embedder: { embed(texts: readonly string[]): Promise<number[][]> }, texts: readonly string[]): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < texts.length; i += CALL_SIZE) await embedder.embed(texts.slice(i, i + CALL_SIZE));
  return performance.now() - started;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;
const rate = (count: number, ms: number): string => `${((count * 1000) / ms).toFixed(1)} sentences/s`;

/** The launcher's V8 flags (bin/clio-stream.js), to see what they cost the model. */
const LAUNCHER_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=8'];

interface ChildRun {
  baseRss: number;
  loadMs: number;
  loadedRss: number;
  embedMs: number;
  /** CPU time over wall time while embedding: how many cores the run really got. */
  cores: number;
  peakRss: number;
}

/** Runs `LocalEmbedder` with `workers` threads over `texts` in a fresh Node process. */
function runInChild(workers: number, texts: readonly string[], nodeFlags: readonly string[] = []): Promise<ChildRun> {
  const tsx = createRequire(import.meta.url).resolve('tsx');
  const module = new URL('../src/embed/local-embedder.ts', import.meta.url).href;
  const code = `
    const { LocalEmbedder } = await import(${JSON.stringify(module)});
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const { texts, workers, callSize } = JSON.parse(input);
    const baseRss = process.memoryUsage().rss;
    let started = performance.now();
    const embedder = await LocalEmbedder.start({ workers });
    const loadMs = performance.now() - started;
    const loadedRss = process.memoryUsage().rss;
    await embedder.embed(texts.slice(0, 32 * workers)); // warm-up
    started = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < texts.length; i += callSize) await embedder.embed(texts.slice(i, i + callSize));
    const embedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const cores = (used.user + used.system) / 1000 / embedMs;
    await embedder.close();
    process.stdout.write(JSON.stringify({ baseRss, loadMs, loadedRss, embedMs, cores, peakRss: process.resourceUsage().maxRSS * 1024 }));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '--import', tsx, '--input-type=module', '--eval', code], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => (exitCode === 0 ? resolve(JSON.parse(out) as ChildRun) : reject(new Error(`embed bench child exited with ${exitCode}`))));
    child.stdin.end(JSON.stringify({ texts, workers, callSize: CALL_SIZE }));
  });
}

export async function benchEmbed(): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  const texts = sentences(SENTENCES, 42);
  const runs: Array<[string, number, readonly string[]]> = [
    ['1 worker', 1, []],
    ['2 workers', 2, []],
    ['2 workers, launcher V8 flags', 2, LAUNCHER_FLAGS],
  ];
  for (const [label, workers, flags] of runs) {
    const run = await runInChild(workers, texts, flags);
    // On a shared machine the cores figure tells a slow run from a starved one.
    figures[`local model, ${label}`] = `${rate(texts.length, run.embedMs)} (${run.cores.toFixed(2)} cores busy)`;
    figures[`model load, ${label}`] = `${run.loadMs.toFixed(0)} ms`;
    figures[`rss before / loaded / peak, ${label}`] = `${mb(run.baseRss)} / ${mb(run.loadedRss)} / ${mb(run.peakRss)}`;
  }

  // Repeated traffic: 3 000 texts drawn from 150 distinct ones, skewed (a few texts very common).
  const random = seededRandom(7);
  const distinct = sentences(150, 9);
  const traffic = Array.from({ length: 3_000 }, () => distinct[Math.floor(distinct.length * random() ** 2)]!);
  const cached = new CachedEmbedder(await LocalEmbedder.start({ workers: 2 }));
  try {
    const ms = await embedAll(cached, traffic);
    const { hits, misses } = cached.stats();
    figures['cached, 2 workers, 3000 texts / 150 distinct'] = rate(traffic.length, ms);
    figures['cache hit rate'] = `${((100 * hits) / (hits + misses)).toFixed(1)} % (${misses} model calls)`;
    const warm = await embedAll(cached, traffic);
    figures['cached, all hits'] = rate(traffic.length, warm);
  } finally {
    await cached.close();
  }
  return figures;
}
