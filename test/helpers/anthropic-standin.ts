// A local stand-in for the Anthropic Messages API (POST /v1/messages), scriptable per test:
// queue behaviours, point the real SDK at `url` through `baseURL`, then assert on what arrived.
import { afterEach, beforeEach } from 'vitest';
import Fastify, { type FastifyReply, type FastifyInstance } from 'fastify';
import { REQUEST_PREFIX } from '../../src/facets/prompt.ts';

export interface StandinUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** What the stand-in does with one request. */
export type Behaviour =
  | { kind: 'ok'; input: Record<string, unknown>; usage?: Partial<StandinUsage> }
  | { kind: 'text'; text: string; usage?: Partial<StandinUsage> }
  | { kind: 'error'; status: number; type: string; headers?: Record<string, string> }
  | { kind: 'slow'; delayMs: number; then: Behaviour };

export const DEFAULT_USAGE: StandinUsage = { input_tokens: 1200, output_tokens: 80, cache_creation_input_tokens: 0, cache_read_input_tokens: 900 };

/** Facets a well-behaved model would record. */
export function goodFacets(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    request: `${REQUEST_PREFIX} book a table at a restaurant through its website.`,
    task: 'book a restaurant table',
    language: 'en',
    concerning: 1,
    actions: ['screenshot', 'click', 'type'],
    ...overrides,
  };
}

export const behave = {
  ok: (facets: Record<string, unknown> = goodFacets(), usage?: Partial<StandinUsage>): Behaviour => ({ kind: 'ok', input: facets, usage }),
  /** A tool_use reply whose input does not match the schema. */
  malformed: (input: Record<string, unknown> = { request: 'no prefix here', concerning: 'high' }): Behaviour => ({ kind: 'ok', input }),
  textOnly: (text = 'I would rather describe this in prose.'): Behaviour => ({ kind: 'text', text }),
  rateLimited: (retryAfter?: string): Behaviour => ({
    kind: 'error', status: 429, type: 'rate_limit_error', headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  }),
  overloaded: (): Behaviour => ({ kind: 'error', status: 529, type: 'overloaded_error' }),
  serverError: (status = 500): Behaviour => ({ kind: 'error', status, type: 'api_error' }),
  badRequest: (): Behaviour => ({ kind: 'error', status: 400, type: 'invalid_request_error' }),
  slow: (delayMs: number, then: Behaviour = behave.ok()): Behaviour => ({ kind: 'slow', delayMs, then }),
};

export interface RecordedRequest {
  body: Record<string, any>;
  headers: Record<string, string | string[] | undefined>;
}

export interface AnthropicStandin {
  /** Base URL for the SDK's `baseURL`. */
  url: string;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Most requests being handled at the same moment. */
  maxInFlight(): number;
  /** Queue behaviours for the next requests, in order. */
  enqueue(...behaviours: Behaviour[]): void;
  /** What happens once the queue is empty (initially ok(goodFacets())). */
  setDefault(behaviour: Behaviour): void;
  close(): Promise<void>;
}

export async function startAnthropicStandin(): Promise<AnthropicStandin> {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 10 * 1024 * 1024 });
  const requests: RecordedRequest[] = [];
  const queue: Behaviour[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let fallback: Behaviour = behave.ok();
  let inFlight = 0;
  let maxInFlight = 0;
  let messageSeq = 0;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** Answers with the tool the request forced, as the real API does (record_facets otherwise). */
  async function respond(reply: FastifyReply, behaviour: Behaviour, model: string, toolName = 'record_facets'): Promise<unknown> {
    switch (behaviour.kind) {
      case 'slow':
        await wait(behaviour.delayMs);
        return respond(reply, behaviour.then, model, toolName);
      case 'error':
        reply.code(behaviour.status).headers(behaviour.headers ?? {});
        return { type: 'error', error: { type: behaviour.type, message: `stand-in ${behaviour.type}` } };
      case 'ok':
      case 'text': {
        messageSeq += 1;
        const content =
          behaviour.kind === 'ok'
            ? [{ type: 'tool_use', id: `toolu_standin_${messageSeq}`, name: toolName, input: behaviour.input }]
            : [{ type: 'text', text: behaviour.text, citations: null }];
        reply.header('request-id', `req_standin_${messageSeq}`);
        return {
          id: `msg_standin_${messageSeq}`,
          type: 'message',
          role: 'assistant',
          model,
          content,
          stop_reason: behaviour.kind === 'ok' ? 'tool_use' : 'end_turn',
          stop_sequence: null,
          usage: { ...DEFAULT_USAGE, ...behaviour.usage },
        };
      }
    }
  }

  app.post('/v1/messages', async (request, reply) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const body = request.body as Record<string, any>;
      requests.push({ body, headers: { ...request.headers } });
      const behaviour = queue.shift() ?? fallback;
      const forced = body?.tool_choice?.type === 'tool' ? String(body.tool_choice.name) : undefined;
      return await respond(reply, behaviour, String(body?.model ?? 'unknown'), forced);
    } finally {
      inFlight -= 1;
    }
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    requests,
    maxInFlight: () => maxInFlight,
    enqueue: (...behaviours) => void queue.push(...behaviours),
    setDefault: (behaviour) => void (fallback = behaviour),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await app.close();
    },
  };
}

/**
 * A fresh stand-in for every test of the calling `describe`, and the options that point a Claude
 * client at it: no real sleeping (the waits asked for are recorded) and a fixed jitter.
 */
export function useAnthropicStandin(): { readonly standin: AnthropicStandin; readonly waits: number[]; options(): { apiKey: string; baseURL: string; sleep(ms: number): Promise<void>; random(): number } } {
  const state = { standin: undefined as AnthropicStandin | undefined, waits: [] as number[] };
  beforeEach(async () => {
    state.standin = await startAnthropicStandin();
    state.waits = [];
  });
  afterEach(async () => {
    await state.standin?.close();
  });
  return {
    get standin() {
      return state.standin!;
    },
    get waits() {
      return state.waits;
    },
    options: () => ({ apiKey: 'test-key', baseURL: state.standin!.url, sleep: async (ms: number) => void state.waits.push(ms), random: () => 0.5 }),
  };
}
