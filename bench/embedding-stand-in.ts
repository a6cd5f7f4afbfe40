/**
 * A stand-in embedding server for benchmarks that measure the pipeline, not the model: a small
 * HTTP server on 127.0.0.1 speaking the OpenAI embeddings wire format (POST /v1/embeddings
 * `{model, input: string | string[]}` → `{object: 'list', data: [{object: 'embedding', index,
 * embedding}], model, usage}`), so `clio-stream` reaches it through its ordinary
 * `embeddings.provider: http` client.
 *
 * The vectors are not a language model's: feature hashing of the lower-cased word tokens and word
 * bigrams of the text into DIMENSION signed buckets, L2-normalised. They are deterministic and cost
 * microseconds, and texts sharing words get nearby vectors, so clusters built and assigned with
 * them still group similar (templated) texts. Figures measured with it say nothing about the
 * model's throughput or about clustering quality.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Dimension of the stand-in vectors. */
export const DIMENSION = 256;
/** The model name the server reports (any name asked for is answered with these vectors). */
export const STAND_IN_MODEL = 'clio-bench-hashing-256';
/** Largest request body accepted. */
const MAX_BODY_BYTES = 32 << 20;
/** Weight of a word bigram relative to a word. */
const BIGRAM_WEIGHT = 0.5;

export interface EmbeddingStandIn {
  /** The API base, e.g. `http://127.0.0.1:41234/v1` (as CLIO_EMBEDDINGS_URL takes it). */
  readonly url: string;
  readonly model: string;
  /** Requests answered with vectors, and texts embedded, so far. */
  readonly served: { requests: number; texts: number };
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startEmbeddingStandIn(): Promise<EmbeddingStandIn> {
  const served = { requests: 0, texts: 0 };
  const server = createServer((req, res) => {
    handle(req, res, served).catch((error: Error) => {
      // A client that went away mid-request (e.g. `run` stopped): nothing left to answer.
      if (res.headersSent || res.destroyed) res.destroy();
      else reply(res, 500, { error: { message: error.message, type: 'server_error', code: 'internal' } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    model: STAND_IN_MODEL,
    served,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The stand-in vector of one text: signed feature hashing of words and word bigrams, unit length. */
export function standInVector(text: string, dimension = DIMENSION): number[] {
  const vector = new Array<number>(dimension).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const add = (feature: string, weight: number) => {
    const h = mix(fnv1a(feature));
    vector[h % dimension]! += (h & 0x8000_0000 ? -1 : 1) * weight;
  };
  for (let i = 0; i < words.length; i++) {
    add(words[i]!, 1);
    if (i > 0) add(`${words[i - 1]} ${words[i]}`, BIGRAM_WEIGHT);
  }
  let norm = Math.hypot(...vector);
  if (norm === 0) {
    // No words (or features that cancel out): a fixed vector still stands for "nothing to say".
    add('\u0000empty', 1);
    norm = Math.hypot(...vector);
  }
  return vector.map((x) => x / norm);
}

async function handle(req: IncomingMessage, res: ServerResponse, served: { requests: number; texts: number }): Promise<void> {
  const path = (req.url ?? '').split('?')[0]!.replace(/\/+$/, '');
  if (!path.endsWith('/embeddings')) return reply(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'invalid_request_error', code: 'not_found' } });
  if (req.method !== 'POST') return reply(res, 405, { error: { message: 'POST only', type: 'invalid_request_error', code: 'method_not_allowed' } });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return reply(res, 413, { error: { message: 'request body too large', type: 'invalid_request_error', code: 'too_large' } });
    chunks.push(chunk);
  }
  let body: { model?: unknown; input?: unknown; encoding_format?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
  } catch {
    return reply(res, 400, { error: { message: 'body is not JSON', type: 'invalid_request_error', code: 'invalid_json' } });
  }
  const input = typeof body?.input === 'string' ? [body.input] : body?.input;
  if (!Array.isArray(input) || input.length === 0 || !input.every((t) => typeof t === 'string')) {
    return reply(res, 400, { error: { message: 'input must be a string or a non-empty array of strings', type: 'invalid_request_error', code: 'invalid_input' } });
  }
  if (body.encoding_format !== undefined && body.encoding_format !== 'float') {
    return reply(res, 400, { error: { message: 'only encoding_format "float" is served', type: 'invalid_request_error', code: 'unsupported_encoding' } });
  }
  let tokens = 0;
  const data = (input as string[]).map((text, index) => {
    tokens += text.split(/\s+/).filter(Boolean).length;
    return { object: 'embedding', index, embedding: standInVector(text) };
  });
  served.requests += 1;
  served.texts += input.length;
  reply(res, 200, { object: 'list', data, model: typeof body.model === 'string' ? body.model : STAND_IN_MODEL, usage: { prompt_tokens: tokens, total_tokens: tokens } });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** 32-bit FNV-1a over UTF-16 code units. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3's finaliser: spreads FNV's bits so the bucket (low bits) and the sign (top bit) are independent. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
