import { readFile, writeFile, rename } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { ClioError } from '../errors.ts';

/** One topic cluster of the catalog (schemas/catalog.schema.json). */
export interface CatalogCluster {
  id: string;
  name: string;
  description: string;
  parent: string | null;
  level: number;
  centroid: number[];
  size: number;
  unique_accounts: number;
  policy_areas: string[];
  policy_areas_override?: string[];
  provisional: boolean;
  named: boolean;
  similarity_threshold: number;
}

export interface Catalog {
  version: number;
  created_at: string;
  embedding: { model_id: string; dimension: number };
  facet_extractor: string;
  privacy: { min_accounts: number; min_conversations: number; vocabulary_k: number };
  clusters: CatalogCluster[];
  /** Share of the baseline's conversations carrying each policy area (aggregates only): the prior of area series. */
  policy_area_shares?: Record<string, number>;
}

const schema = JSON.parse(readFileSync(new URL('../../schemas/catalog.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: false, strict: false });
addFormats.default(ajv, ['date-time']);
const validateCatalog = ajv.compile<Catalog>(schema);

export class CatalogError extends ClioError {
  constructor(message: string) {
    super('catalog_invalid', message);
  }
}

/** The policy areas in force for a cluster: an analyst's override wins over the build's. */
export function policyAreasOf(cluster: CatalogCluster): string[] {
  return cluster.policy_areas_override ?? cluster.policy_areas;
}

/** Validates a catalog object against the schema and its own consistency rules. */
export function checkCatalog(catalog: unknown, origin = 'catalog'): Catalog {
  if (!validateCatalog(catalog)) {
    const e = validateCatalog.errors![0]!;
    throw new CatalogError(`${origin} is not a valid catalog: ${e.instancePath || '/'} ${e.message}`);
  }
  const ids = new Set<string>();
  for (const c of catalog.clusters) {
    if (ids.has(c.id)) throw new CatalogError(`${origin}: duplicate cluster id ${c.id}`);
    ids.add(c.id);
    if (c.centroid.length !== catalog.embedding.dimension) {
      throw new CatalogError(`${origin}: cluster ${c.id} has a ${c.centroid.length}-d centroid, expected ${catalog.embedding.dimension}`);
    }
  }
  for (const c of catalog.clusters) {
    if (c.parent !== null && !ids.has(c.parent)) throw new CatalogError(`${origin}: cluster ${c.id} names an unknown parent ${c.parent}`);
  }
  return catalog;
}

export async function readCatalog(path: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new CatalogError(`cannot read catalog ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CatalogError(`catalog ${path} is not JSON`);
  }
  return checkCatalog(parsed, `catalog ${path}`);
}

/** Writes atomically (temp file + rename) so a reader never sees half a catalog. */
export async function writeCatalog(path: string, catalog: Catalog): Promise<void> {
  checkCatalog(catalog);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(catalog, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 1e6) / 1e6 : v), 1)}\n`);
  await rename(tmp, path);
}
