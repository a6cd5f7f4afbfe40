import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EmbedError } from './errors.ts';

/** How a known model is run (src/embed/onnx-models.json). */
export interface OnnxModelSpec {
  upstream: string;
  languages: string;
  licence: string;
  pooling: 'mean';
  /** Text put before every input, as the model was trained (e5: "query: "). */
  prefix: string;
  maxTokens: number;
  /** Pinned sha256 of model.onnx and tokenizer.json; null when no registry package carries the model. */
  sha256: Record<ModelFile, string> | null;
  sources: { maven: string; entries: Record<ModelFile, string> }[];
}

export type ModelFile = 'model.onnx' | 'tokenizer.json';
export const MODEL_FILES: readonly ModelFile[] = ['model.onnx', 'tokenizer.json'];
/** Written by `npm run model:fetch` beside the files: the checksums they were verified against. */
export const CHECKSUMS_FILE = 'checksums.json';

const manifest = JSON.parse(readFileSync(new URL('./onnx-models.json', import.meta.url), 'utf8')) as { models: Record<string, OnnxModelSpec> };

export function knownOnnxModels(): string[] {
  return Object.keys(manifest.models);
}

export function onnxModelSpec(id: string): OnnxModelSpec {
  const spec = manifest.models[id];
  if (!spec) throw new EmbedError('embed_model_unknown', `unknown onnx model "${id}"; known: ${knownOnnxModels().join(', ')}`);
  return spec;
}

/** Where `npm run model:fetch` puts a model's files: <models dir>/<id>/. */
export function defaultModelsDir(): string {
  return resolve(new URL('../../.cache/models', import.meta.url).pathname);
}

export interface VerifiedModelFiles {
  dir: string;
  model: string;
  tokenizer: string;
  sha256: Record<ModelFile, string>;
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The model's files in `dir`, each checked against its pinned sha256 — the manifest's, else the
 * checksums the user pinned when fetching (checksums.json). Missing, unpinned or altered files
 * are a clear error saying how to fetch them: nothing is downloaded at run time.
 */
export async function verifiedModelFiles(id: string, dir: string): Promise<VerifiedModelFiles> {
  const spec = onnxModelSpec(id);
  const fetchHint = `run \`npm run model:fetch -- --model ${id}${spec.sources.length === 0 ? ' --from <folder with model.onnx and tokenizer.json> --sha256 <model>,<tokenizer>' : ''}\` (see README, "Multilingual traffic")`;
  const missing = MODEL_FILES.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) {
    throw new EmbedError('embed_model_missing', `the ${id} model files are not in ${dir} (missing ${missing.join(', ')}): ${fetchHint}`);
  }
  let pinned = spec.sha256;
  if (!pinned) {
    const lock = join(dir, CHECKSUMS_FILE);
    if (!existsSync(lock)) throw new EmbedError('embed_model_missing', `the ${id} files in ${dir} have no pinned checksums (${CHECKSUMS_FILE}): ${fetchHint}`);
    pinned = JSON.parse(readFileSync(lock, 'utf8')) as Record<ModelFile, string>;
  }
  const actual = {} as Record<ModelFile, string>;
  for (const file of MODEL_FILES) {
    actual[file] = await sha256File(join(dir, file));
    if (actual[file] !== pinned[file]) {
      throw new EmbedError('embed_model_corrupt', `${join(dir, file)} does not match its pinned sha256 (expected ${pinned[file]?.slice(0, 12)}…, found ${actual[file].slice(0, 12)}…): the file is damaged or another version; ${fetchHint}`);
    }
  }
  return { dir, model: join(dir, 'model.onnx'), tokenizer: join(dir, 'tokenizer.json'), sha256: actual };
}
