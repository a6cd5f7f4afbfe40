import { Ajv } from 'ajv';
import { FacetOutputError } from './errors.ts';
import type { Facets } from './facets.ts';
import { FACET_INPUT_SCHEMA, FACET_TOOL_NAME, REQUEST_PREFIX } from './prompt.ts';

interface FacetToolInput {
  request: string;
  task: string;
  language: string;
  concerning: 1 | 2 | 3 | 4 | 5;
  actions: string[];
  policy_areas?: string[];
}

const ajv = new Ajv({ allErrors: false, strict: true });
const validateInput = ajv.compile<FacetToolInput>(FACET_INPUT_SCHEMA);

/** The parts of a Messages API reply that matter here. */
export interface FacetReply {
  content: ReadonlyArray<{ type: string; name?: string; input?: unknown }>;
}

/**
 * The facets in a reply, or a FacetOutputError saying what was wrong. Error messages name schema
 * paths and rules only, never values: the values are model output about a conversation.
 */
export function parseFacetReply(reply: FacetReply): Facets {
  const call = reply.content.find((block) => block.type === 'tool_use' && block.name === FACET_TOOL_NAME);
  if (!call) throw new FacetOutputError('no_tool_use', `reply has no ${FACET_TOOL_NAME} tool call`);
  const input = normalise(call.input);
  if (!validateInput(input)) {
    const error = validateInput.errors?.[0];
    throw new FacetOutputError('schema', `tool input ${error?.instancePath || '/'} ${error?.message ?? 'is invalid'}`);
  }
  if (!input.request.startsWith(REQUEST_PREFIX)) {
    throw new FacetOutputError('request_prefix', 'request does not start with the required prefix');
  }
  return {
    request: input.request.trim(),
    task: input.task.trim(),
    language: input.language,
    concerning: input.concerning,
    actions: input.actions.map((a) => a.trim()).filter((a) => a.length > 0),
    ...(input.policy_areas ? { policyAreas: [...new Set(input.policy_areas)].sort() } : {}),
    degraded: false,
  };
}

/** Forgives what does not change meaning (surrounding spaces, a capitalised language code). */
function normalise(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  if (typeof copy.language === 'string') copy.language = copy.language.trim().toLowerCase();
  if (typeof copy.request === 'string') copy.request = copy.request.trim();
  return copy;
}
