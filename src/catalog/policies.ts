import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ClioError } from '../errors.ts';

export interface PolicyArea {
  id: string;
  name: string;
  keywords: string[];
}

export interface PolicyTaxonomy {
  /** Share of a cluster's summaries that must mention an area's keyword for the cluster to get the area. */
  min_share: number;
  areas: PolicyArea[];
}

export const DEFAULT_POLICIES_FILE = new URL('../../alerts/policies.yaml', import.meta.url).pathname;

const validate = new Ajv({ strict: false }).compile<PolicyTaxonomy>({
  type: 'object',
  required: ['min_share', 'areas'],
  properties: {
    min_share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
    areas: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'keywords'],
        properties: { id: { type: 'string', pattern: '^[a-z0-9-]+$' }, name: { type: 'string' }, keywords: { type: 'array', minItems: 1, items: { type: 'string', minLength: 2 } } },
      },
    },
  },
});

export function loadPolicies(path = DEFAULT_POLICIES_FILE): PolicyTaxonomy {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ClioError('policies_invalid', `cannot read policy taxonomy ${path}: ${(cause as Error).message.split('\n')[0]}`);
  }
  if (!validate(parsed)) {
    const e = validate.errors![0]!;
    throw new ClioError('policies_invalid', `policy taxonomy ${path}: ${e.instancePath || '/'} ${e.message}`);
  }
  return parsed;
}

/** Keyword rules compiled once: whole words or phrases, case-insensitive. */
export function compilePolicyMatcher(taxonomy: PolicyTaxonomy): (texts: readonly string[]) => string[] {
  const rules = taxonomy.areas.map((area) => ({
    id: area.id,
    pattern: new RegExp(`\\b(?:${area.keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`, 'i'),
  }));
  return (texts) => {
    if (texts.length === 0) return [];
    return rules.filter((r) => texts.filter((t) => r.pattern.test(t)).length / texts.length >= taxonomy.min_share).map((r) => r.id);
  };
}
