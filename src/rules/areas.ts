/**
 * The policy areas as rules and alerts see them: id, name and description. Read leniently from the
 * taxonomy file (alerts/policies.yaml): the classifier owns the file's full schema (lexicons,
 * examples); rules only need to know which areas exist and what to call them.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ClioError } from '../errors.ts';

export interface PolicyAreaRef {
  id: string;
  name: string;
  /** One sentence from the taxonomy; '' when the taxonomy has none. */
  description: string;
}

/** The shipped taxonomy, next to the shipped rules. */
export const DEFAULT_TAXONOMY_FILE = new URL('../../alerts/policies.yaml', import.meta.url).pathname;

const AREA_ID = /^[a-z0-9-]+$/;

/** A taxonomy whose areas cannot be read (the message names the file and the area). */
export class PolicyAreasError extends ClioError {
  constructor(message: string) {
    super('policies_invalid', message);
  }
}

/** The areas of a taxonomy file, in file order. */
export function readPolicyAreas(path = DEFAULT_TAXONOMY_FILE): PolicyAreaRef[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new PolicyAreasError(`cannot read policy taxonomy ${path}: ${(cause as Error).message.split('\n')[0]}`);
  }
  return policyAreasOf(parsed, path);
}

/** The areas of a parsed taxonomy: every area needs an id and a name; ids are unique. */
export function policyAreasOf(taxonomy: unknown, origin = 'policy taxonomy'): PolicyAreaRef[] {
  const areas = (taxonomy as { areas?: unknown } | null)?.areas;
  if (!Array.isArray(areas)) throw new PolicyAreasError(`${origin}: areas must be a list`);
  const seen = new Set<string>();
  return areas.map((raw, i) => {
    const { id, name, description } = (raw ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !AREA_ID.test(id)) throw new PolicyAreasError(`${origin}: areas[${i}].id must be lower-case letters, digits and hyphens`);
    if (seen.has(id)) throw new PolicyAreasError(`${origin}: areas[${i}].id: duplicate area id ${id}`);
    seen.add(id);
    if (typeof name !== 'string' || name.trim() === '') throw new PolicyAreasError(`${origin}: areas[${i}] (${id}).name is required`);
    return { id, name: name.trim(), description: typeof description === 'string' ? description.trim() : '' };
  });
}
