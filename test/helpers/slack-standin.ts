// A local stand-in for Slack's Web API (POST /api/<method>, form-encoded or JSON), scriptable per
// test: point the real WebClient at `${url}/api/` through `slackApiUrl`, queue faults, then assert
// on the calls that arrived and the messages each channel holds.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';

/** A fault for the next calls; `method` limits it to one API method. */
export type SlackFault =
  | { kind: 'rate_limited'; retryAfterS: number; method?: string }
  | { kind: 'http'; status: number; method?: string }
  | { kind: 'error'; error: string; method?: string }
  /** Does the work (a post is stored) and then answers 500: the reply is lost, not the message. */
  | { kind: 'lost_reply'; method?: string };

export interface StoredMessage {
  ts: string;
  text: string;
  blocks: any[] | undefined;
  metadata: { event_type: string; event_payload: Record<string, unknown> } | undefined;
  edited: boolean;
}

export interface RecordedCall {
  method: string;
  /** Parameters as received, with JSON-valued ones (blocks, metadata, attachments) decoded. */
  body: Record<string, any>;
  contentType: string;
  authorization: string | undefined;
  receivedAtMs: number;
  /** 'ok', or what went wrong: the fault kind or Slack's error string. */
  outcome: string;
}

export interface SlackStandin {
  url: string;
  /** Every call, in arrival order. */
  calls: RecordedCall[];
  /** Calls of one method that succeeded. */
  succeeded(method: string): RecordedCall[];
  /** Messages in a channel, oldest first. */
  messages(channel: string): StoredMessage[];
  /** The next `count` calls (of `fault.method`, if set) fail this way. */
  fail(count: number, fault: SlackFault): void;
  /** Forgets recorded calls and pending faults (messages stay). */
  reset(): void;
  close(): Promise<void>;
}

const JSON_PARAMS = ['blocks', 'metadata', 'attachments'];

export async function startSlackStandin(options: { token?: string } = {}): Promise<SlackStandin> {
  const token = options.token ?? 'xoxb-standin';
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  const calls: RecordedCall[] = [];
  const faults: SlackFault[] = [];
  const channels = new Map<string, StoredMessage[]>();
  let lastTsMicros = 0;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** Slack timestamps: epoch seconds with six decimals, unique and increasing per workspace. */
  function nextTs(): string {
    lastTsMicros = Math.max(lastTsMicros + 1, Date.now() * 1000);
    return `${Math.floor(lastTsMicros / 1e6)}.${String(lastTsMicros % 1e6).padStart(6, '0')}`;
  }

  function takeFault(method: string): SlackFault | undefined {
    const at = faults.findIndex((f) => f.method === undefined || f.method === method);
    return at >= 0 ? faults.splice(at, 1)[0] : undefined;
  }

  function channelOf(name: string): StoredMessage[] {
    let list = channels.get(name);
    if (!list) channels.set(name, (list = []));
    return list;
  }

  type Handler = (body: Record<string, any>) => Record<string, unknown>;
  const handlers: Record<string, Handler> = {
    'auth.test': () => ({ ok: true, url: 'https://standin.slack.test/', team: 'Stand-in', user: 'clio', team_id: 'T0STANDIN', user_id: 'U0CLIO', bot_id: 'B0CLIO' }),
    'chat.postMessage': (body) => {
      if (!body.channel) return { ok: false, error: 'channel_not_found' };
      if (!body.text && !body.blocks) return { ok: false, error: 'no_text' };
      const message: StoredMessage = { ts: nextTs(), text: body.text ?? '', blocks: body.blocks, metadata: body.metadata, edited: false };
      channelOf(body.channel).push(message);
      return { ok: true, channel: body.channel, ts: message.ts, message: wire(message) };
    },
    'chat.update': (body) => {
      const message = channels.get(body.channel)?.find((m) => m.ts === body.ts);
      if (!message) return { ok: false, error: 'message_not_found' };
      Object.assign(message, { text: body.text ?? message.text, blocks: body.blocks ?? message.blocks, edited: true });
      if (body.metadata) message.metadata = body.metadata;
      return { ok: true, channel: body.channel, ts: message.ts, text: message.text, message: wire(message) };
    },
    'conversations.history': (body) => {
      if (!channels.has(body.channel)) return { ok: false, error: 'channel_not_found' };
      const oldest = Number(body.oldest ?? 0);
      const withMetadata = body.include_all_metadata === true || body.include_all_metadata === 'true';
      const newestFirst = channels.get(body.channel)!.filter((m) => Number(m.ts) >= oldest).reverse();
      const limit = Math.max(1, Math.min(Number(body.limit ?? 100), 1000));
      const from = Number(body.cursor || 0);
      const page = newestFirst.slice(from, from + limit);
      const hasMore = from + limit < newestFirst.length;
      return {
        ok: true,
        messages: page.map((m) => (withMetadata ? wire(m) : { ...wire(m), metadata: undefined })),
        has_more: hasMore,
        response_metadata: { next_cursor: hasMore ? String(from + limit) : '' },
      };
    },
  };

  function wire(m: StoredMessage): Record<string, unknown> {
    return { type: 'message', user: 'U0CLIO', bot_id: 'B0CLIO', text: m.text, ts: m.ts, blocks: m.blocks, metadata: m.metadata, ...(m.edited ? { edited: { user: 'U0CLIO', ts: m.ts } } : {}) };
  }

  app.post('/api/:method', async (request, reply: FastifyReply) => {
    const method = (request.params as { method: string }).method;
    const body = decode((request.body ?? {}) as Record<string, any>);
    const call: RecordedCall = {
      method,
      body,
      contentType: String(request.headers['content-type'] ?? ''),
      authorization: request.headers.authorization,
      receivedAtMs: Date.now(),
      outcome: 'ok',
    };
    calls.push(call);
    const handler = handlers[method];
    if (!handler) return reply.code(404).send('unknown method');

    const fault = takeFault(method);
    if (fault) {
      call.outcome = fault.kind;
      switch (fault.kind) {
        case 'rate_limited':
          return reply.code(429).header('retry-after', String(fault.retryAfterS)).send({ ok: false, error: 'ratelimited' });
        case 'http':
          return reply.code(fault.status).send('stand-in server error');
        case 'error':
          call.outcome = fault.error;
          return { ok: false, error: fault.error };
        case 'lost_reply':
          handler(body);
          return reply.code(500).send('stand-in lost the reply');
      }
    }
    const presented = (request.headers.authorization ?? '').replace(/^Bearer /, '') || body.token;
    if (presented !== token) {
      call.outcome = 'invalid_auth';
      return { ok: false, error: 'invalid_auth' };
    }
    const result = handler(body);
    if (result.ok !== true) call.outcome = String(result.error);
    return result;
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    calls,
    succeeded: (method) => calls.filter((c) => c.method === method && c.outcome === 'ok'),
    messages: (channel) => channels.get(channel) ?? [],
    fail: (count, fault) => {
      for (let i = 0; i < count; i += 1) faults.push(fault);
    },
    reset: () => {
      calls.length = 0;
      faults.length = 0;
    },
    close: () => app.close(),
  };
}

/** Form-encoded calls carry structured parameters as JSON strings; the real API decodes them, so do we. */
function decode(body: Record<string, any>): Record<string, any> {
  const out = { ...body };
  for (const key of JSON_PARAMS) {
    if (typeof out[key] === 'string') {
      try {
        out[key] = JSON.parse(out[key]);
      } catch {
        // Left as received: a test can see the malformed value.
      }
    }
  }
  return out;
}
