import { setTimeout as sleep } from 'node:timers/promises';
import { batches } from './batches.ts';
import type { Embedder } from './embedder.ts';
import { EmbedError } from './errors.ts';
import { retryAfterFromHeaders, retryDelayMs, type BackoffPolicy } from '../util/backoff.ts';
import { toUnit } from './unit-vector.ts';

export interface HttpEmbedderOptions {
  /** The API base (`https://host/v1`, as OpenAI clients take it) or the full `.../embeddings` URL. */
  url: string;
  model: string;
  apiKey?: string;
  /** The expected dimension; when absent it is learnt from the reply to a one-text probe. */
  dimension?: number;
  /** Texts per request. Default 64. */
  batchSize?: number;
  /** Per request. Default 30 s. */
  timeoutMs?: number;
  /** Retries of one request after a 429, a 5xx, a timeout or a network error. Default 4. */
  retries?: number;
  /** First backoff step when the server does not say when to retry. Default 500 ms. */
  backoffMs?: number;
  /** Ceiling of any wait, a server's `retry-after` included. Default 30 s. */
  maxBackoffMs?: number;
}

/** The probe sent to learn the dimension; a fixed, content-free text. */
const PROBE_TEXT = 'dimension probe';

interface Reply {
  data: Array<{ index: number; embedding: number[] }>;
}

/** A retryable status: rate limited, timed out, or a server-side failure. */
function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * A client of any OpenAI-compatible `POST /v1/embeddings` endpoint. Requests go out one batch at
 * a time; the vectors are renormalised, since not every server returns unit vectors.
 */
export class HttpEmbedder implements Embedder {
  readonly modelId: string;
  private readonly endpoint: string;
  private readonly closing = new AbortController();

  private constructor(
    private readonly options: HttpEmbedderOptions,
    readonly dimension: number,
  ) {
    this.modelId = `openai-compatible/${options.model}`;
    const url = options.url.replace(/\/+$/, '');
    this.endpoint = url.endsWith('/embeddings') ? url : `${url}/embeddings`;
  }

  /** A client; without an expected dimension, one probe request learns it. */
  static async create(options: HttpEmbedderOptions): Promise<HttpEmbedder> {
    if (options.dimension !== undefined) return new HttpEmbedder(options, options.dimension);
    const probe = new HttpEmbedder(options, 0);
    const [vector] = await probe.request([PROBE_TEXT]);
    if (!vector?.length) throw new EmbedError('embed_bad_reply', `${probe.modelId} returned an empty vector to the dimension probe`);
    return new HttpEmbedder(options, vector.length);
  }

  async embed(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (const batch of batches(texts, this.options.batchSize ?? 64)) {
      const raw = await this.request(batch);
      for (const vector of raw) {
        if (vector.length !== this.dimension) {
          throw new EmbedError(
            'embed_dimension_mismatch',
            `${this.modelId} at ${this.endpoint} returned ${vector.length}-d vectors, expected ${this.dimension}`,
          );
        }
        out.push(toUnit(vector));
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  /** One batch, retried on transient failures; the raw vectors in input order. */
  private async request(input: string[]): Promise<number[][]> {
    const retries = this.options.retries ?? 4;
    const maxDelayMs = this.options.maxBackoffMs ?? 30_000;
    // A server's retry-after is shortened to the ceiling: waiting longer would stall the pipeline, and a retry refused costs nothing.
    const backoff: BackoffPolicy = { baseDelayMs: this.options.backoffMs ?? 500, maxDelayMs, retryAfterCapMs: maxDelayMs, maxRetries: retries };
    for (let attempt = 0; ; attempt++) {
      if (this.closing.signal.aborted) throw new EmbedError('embed_closed', `the ${this.modelId} client is closed`);
      const outcome = await this.attempt(input);
      if (outcome.ok) return outcome.vectors;
      const wait = outcome.error.retryable ? retryDelayMs(attempt + 1, backoff, outcome.retryAfterMs) : undefined;
      if (wait === undefined) throw outcome.error;
      await sleep(wait, undefined, { signal: this.closing.signal }).catch(() => undefined);
    }
  }

  private async attempt(input: string[]): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input, encoding_format: 'float' }),
        signal: AbortSignal.any([this.closing.signal, AbortSignal.timeout(this.options.timeoutMs ?? 30_000)]),
      });
    } catch (cause) {
      if (this.closing.signal.aborted) return failed(new EmbedError('embed_closed', `the ${this.modelId} client was closed`));
      const what = (cause as Error).name === 'TimeoutError' ? 'timed out' : `failed (${(cause as Error).message})`;
      return failed(new EmbedError('embed_request_failed', `POST ${this.endpoint} ${what}`, { retryable: true, cause }));
    }
    if (!response.ok) return this.failure(response);
    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      return failed(new EmbedError('embed_bad_reply', `POST ${this.endpoint} returned a body that is not JSON`, { retryable: true, cause }));
    }
    return this.parse(body, input.length);
  }

  /** A non-2xx reply. Only the status and the server's error code are kept: bodies may echo input text. */
  private async failure(response: Response): Promise<Outcome> {
    const body = (await response.json().catch(() => undefined)) as { error?: { code?: unknown; type?: unknown } } | undefined;
    const code = body?.error?.code ?? body?.error?.type;
    const detail = typeof code === 'string' ? ` (${code})` : '';
    const error = new EmbedError('embed_request_failed', `POST ${this.endpoint} for ${this.options.model} answered ${response.status}${detail}`, {
      retryable: retryableStatus(response.status),
    });
    return failed(error, retryAfterFromHeaders(response.headers, Date.now()));
  }

  private parse(body: unknown, expected: number): Outcome {
    const data = (body as Partial<Reply> | null)?.data;
    const wellFormed =
      Array.isArray(data) &&
      data.length === expected &&
      data.every((item) => Number.isInteger(item?.index) && Array.isArray(item.embedding) && item.embedding.every((x) => typeof x === 'number'));
    if (!wellFormed) {
      return failed(new EmbedError('embed_bad_reply', `POST ${this.endpoint} did not return ${expected} float embeddings (is encoding_format "float" supported?)`));
    }
    // Servers may answer out of order; `index` says which input each vector belongs to.
    const vectors = new Array<number[] | undefined>(expected).fill(undefined);
    for (const item of data) {
      if (item.index < 0 || item.index >= expected || vectors[item.index]) {
        return failed(new EmbedError('embed_bad_reply', `POST ${this.endpoint} returned embedding indexes that do not match the inputs`));
      }
      vectors[item.index] = item.embedding;
    }
    return { ok: true, vectors: vectors as number[][] };
  }
}

/** `retryAfterMs`: what the server asked, when it did. */
type Outcome = { ok: true; vectors: number[][] } | { ok: false; error: EmbedError; retryAfterMs?: number };

function failed(error: EmbedError, retryAfterMs?: number): Outcome {
  return { ok: false, error, retryAfterMs };
}
