import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpEmbedder, type HttpEmbedderOptions } from '../../src/embed/http-embedder.ts';

interface Seen {
  body: { model: string; input: string[]; encoding_format?: string };
  authorization: string | undefined;
}

/** What the stand-in server does with the next request; after the script runs out, it answers normally. */
type Step = (reply: FastifyReply, body: Seen['body']) => unknown;

/** A not-normalised vector that depends on the text, so order and normalisation are both visible. */
function rawVector(text: string, dimension: number): number[] {
  return Array.from({ length: dimension }, (_, i) => ((text.length + 1) * (i + 1)) % 7 + 1);
}

function answer(body: Seen['body'], dimension: number): unknown {
  // Reversed, as a server may: the client must order by `index`.
  const data = body.input.map((text, index) => ({ object: 'embedding', index, embedding: rawVector(text, dimension) })).reverse();
  return { object: 'list', model: body.model, data, usage: { prompt_tokens: 1, total_tokens: 1 } };
}

describe('HttpEmbedder against a local /v1/embeddings', () => {
  let server: FastifyInstance;
  let base: string;
  let seen: Seen[] = [];
  let script: Step[] = [];
  let dimension = 8;

  beforeAll(async () => {
    server = Fastify();
    server.post('/v1/embeddings', async (request, reply) => {
      const body = request.body as Seen['body'];
      seen.push({ body, authorization: request.headers.authorization });
      const step = script.shift();
      return step ? step(reply, body) : answer(body, dimension);
    });
    base = `${await server.listen({ host: '127.0.0.1', port: 0 })}/v1`;
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    seen = [];
    script = [];
    dimension = 8;
  });

  const options = (extra: Partial<HttpEmbedderOptions> = {}): HttpEmbedderOptions => ({ url: base, model: 'fake-embed', backoffMs: 5, ...extra });

  it('returns unit vectors in input order and sends the OpenAI request shape', async () => {
    const embedder = await HttpEmbedder.create(options({ dimension: 8, apiKey: 'sk-test' }));
    expect(embedder.modelId).toBe('openai-compatible/fake-embed');
    const texts = ['a', 'bb', 'ccc'];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(3);
    vectors.forEach((vector, i) => {
      expect(Math.hypot(...vector)).toBeCloseTo(1, 10);
      const raw = rawVector(texts[i]!, 8);
      expect(vector[0]! / vector[1]!).toBeCloseTo(raw[0]! / raw[1]!, 10);
    });
    expect(seen).toEqual([{ body: { model: 'fake-embed', input: texts, encoding_format: 'float' }, authorization: 'Bearer sk-test' }]);
  });

  it('accepts the full endpoint URL as well as the API base', async () => {
    const embedder = await HttpEmbedder.create(options({ url: `${base}/embeddings`, dimension: 8 }));
    await embedder.embed(['x']);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.authorization).toBeUndefined();
  });

  it('learns the dimension from a probe when none is configured', async () => {
    dimension = 12;
    const embedder = await HttpEmbedder.create(options());
    expect(embedder.dimension).toBe(12);
    expect(seen).toHaveLength(1);
  });

  it('waits as a 429 retry-after asks, then succeeds', async () => {
    script = [(reply) => reply.code(429).header('retry-after', '1').send({ error: { type: 'rate_limit_exceeded', message: 'slow down' } })];
    const embedder = await HttpEmbedder.create(options({ dimension: 8 }));
    const started = Date.now();
    const vectors = await embedder.embed(['one', 'two']);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(vectors).toHaveLength(2);
    expect(seen).toHaveLength(2);
  });

  it('retries 5xx and timeouts with backoff, and gives up with a retryable error', async () => {
    script = [(reply) => reply.code(503).send('busy'), async (_reply, body) => new Promise((resolve) => setTimeout(() => resolve(answer(body, 8)), 300))];
    const embedder = await HttpEmbedder.create(options({ dimension: 8, timeoutMs: 100 }));
    await expect(embedder.embed(['x'])).resolves.toHaveLength(1);
    expect(seen).toHaveLength(3);

    seen = [];
    script = Array.from({ length: 3 }, () => (reply: FastifyReply) => reply.code(500).send({ error: { code: 'server_error' } }));
    const giving = await HttpEmbedder.create(options({ dimension: 8, retries: 2 }));
    await expect(giving.embed(['x'])).rejects.toMatchObject({ code: 'embed_request_failed', retryable: true, message: expect.stringContaining('500 (server_error)') });
    expect(seen).toHaveLength(3);
  });

  it('does not retry a client error, and does not echo the response body', async () => {
    script = [(reply) => reply.code(400).send({ error: { code: 'invalid_input', message: 'input "secret text" is too long' } })];
    const embedder = await HttpEmbedder.create(options({ dimension: 8 }));
    const failure = embedder.embed(['secret text']);
    await expect(failure).rejects.toMatchObject({ code: 'embed_request_failed', retryable: false });
    await expect(failure).rejects.not.toThrow(/secret/);
    expect(seen).toHaveLength(1);
  });

  it('refuses vectors of the wrong dimension with a typed error', async () => {
    const embedder = await HttpEmbedder.create(options({ dimension: 512 }));
    await expect(embedder.embed(['x'])).rejects.toMatchObject({
      code: 'embed_dimension_mismatch',
      retryable: false,
      message: expect.stringContaining('returned 8-d vectors, expected 512'),
    });
  });

  it('refuses a reply with missing or duplicate indexes', async () => {
    script = [(_reply, body) => ({ data: body.input.map((text) => ({ index: 0, embedding: rawVector(text, 8) })) })];
    const embedder = await HttpEmbedder.create(options({ dimension: 8 }));
    await expect(embedder.embed(['a', 'b'])).rejects.toMatchObject({ code: 'embed_bad_reply' });
  });

  it('splits large inputs into batches of the configured size', async () => {
    const embedder = await HttpEmbedder.create(options({ dimension: 8, batchSize: 3 }));
    const texts = Array.from({ length: 7 }, (_, i) => 'w'.repeat(i + 1));
    const vectors = await embedder.embed(texts);
    expect(seen.map((s) => s.body.input)).toEqual([texts.slice(0, 3), texts.slice(3, 6), texts.slice(6)]);
    expect(vectors).toHaveLength(7);
    const [first] = await embedder.embed([texts[6]!]);
    expect(vectors[6]).toEqual(first);
  });

  it('stops retrying once closed', async () => {
    script = [(reply) => reply.code(429).header('retry-after', '10').send()];
    const embedder = await HttpEmbedder.create(options({ dimension: 8 }));
    const pending = embedder.embed(['x']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await embedder.close();
    await expect(pending).rejects.toMatchObject({ code: 'embed_closed' });
  });
});
