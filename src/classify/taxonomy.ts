import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ClioError } from '../errors.ts';

/** One policy area of the taxonomy (alerts/policies.yaml, schemas/policies.schema.json). */
export interface PolicyArea {
  id: string;
  name: string;
  /** One sentence: what the area covers. */
  description: string;
  /** Terms that tag the area on their own: words, stems ending in `*`, phrases. */
  lexicon: string[];
  /** Ambiguous terms that need a second weak term of the area, or the example vote, to tag it. */
  weak?: string[];
  /** Terms that only confirm weak ones (a group noun with an insult); with them, weak terms need one. */
  context?: string[];
  /** Benign look-alike phrases; a lexicon hit of this area inside one is cancelled. */
  exclude?: string[];
  /** Example requests of the area, for the nearest-example vote. */
  examples: string[];
}

export interface PolicyTaxonomy {
  /** Share of a cluster's members that must carry an area for the cluster to get the area. */
  min_share: number;
  areas: PolicyArea[];
  /** Ordinary requests (some only look harmful): the vote's contrast. Required in the file; optional for taxonomies built in code. */
  benign_examples?: string[];
}

export const DEFAULT_POLICIES_FILE = new URL('../../alerts/policies.yaml', import.meta.url).pathname;

/** A taxonomy that cannot be used; the message names the file and the key. */
export class PolicyTaxonomyError extends ClioError {
  constructor(message: string) {
    super('policies_invalid', message);
  }
}

const schema = JSON.parse(readFileSync(new URL('../../schemas/policies.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: false, strict: false }).compile<PolicyTaxonomy>(schema);

export function loadPolicies(path = DEFAULT_POLICIES_FILE): PolicyTaxonomy {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new PolicyTaxonomyError(`cannot read policy taxonomy ${path}: ${(cause as Error).message.split('\n')[0]}`);
  }
  return checkPolicies(parsed, `policy taxonomy ${path}`);
}

/** Validates a parsed taxonomy: the schema, then what a schema cannot say (unique ids). */
export function checkPolicies(value: unknown, origin = 'policy taxonomy'): PolicyTaxonomy {
  if (!validate(value)) throw new PolicyTaxonomyError(`${origin}: ${describeError(value, validate.errors![0]!)}`);
  const seen = new Set<string>();
  for (const [i, area] of value.areas.entries()) {
    if (seen.has(area.id)) throw new PolicyTaxonomyError(`${origin}: areas[${i}].id: duplicate area id ${area.id}`);
    seen.add(area.id);
  }
  return value;
}

/** "areas[3] (weapons).lexicon[2]: must match …" — the key as a reader finds it in the YAML. */
function describeError(value: unknown, e: ErrorObject): string {
  const parts = e.instancePath.split('/').filter(Boolean);
  let key = '';
  let node: unknown = value;
  for (const part of parts) {
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (/^\d+$/.test(part)) {
      key += `[${part}]`;
      const id = (node as { id?: unknown } | undefined)?.id;
      if (key.startsWith('areas') && key.split('[').length === 2 && typeof id === 'string') key += ` (${id})`;
    } else key += key ? `.${part}` : part;
  }
  if (e.keyword === 'required') key += `${key ? '.' : ''}${(e.params as { missingProperty: string }).missingProperty}`;
  if (e.keyword === 'additionalProperties') return `${key || 'top level'}: unknown key ${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'pattern' && parts.at(-2) !== undefined && /lexicon|weak|exclude/.test(parts.at(-2)!)) {
    return `${key}: a term is words or stems ending in * (e.g. explosiv*, make a bomb), got ${JSON.stringify(node)}`;
  }
  return `${key || 'top level'}: ${e.keyword === 'required' ? 'is required' : e.message}`;
}
