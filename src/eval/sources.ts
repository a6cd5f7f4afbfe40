import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { UsageError } from '../errors.ts';
import type { Condition, SourceSpec } from './scenario.ts';

/** One labelled prompt of an eval input. */
export interface LabelledText {
  text: string;
  /** At least one; the first is the record's own label. */
  labels: string[];
  source: string;
  language?: string;
  product?: string;
}

/** A bad input file (unreadable, unparsable, a field missing everywhere): names the file and what is wrong. */
export class EvalInputError extends UsageError {}

/** Reads one source: parses the file, keeps the records that pass the filter, maps text and label fields. */
export function loadSource(spec: SourceSpec): LabelledText[] {
  const records = readRecords(spec);
  const out: LabelledText[] = [];
  let kept = 0;
  for (const record of records) {
    if (!passes(record, spec.filter)) continue;
    const before = out.length;
    for (const field of spec.text) {
      for (const { text, scope } of textsAt(record, field)) {
        const clean = text.trim().slice(0, spec.maxChars);
        if (!clean) continue;
        out.push({
          text: clean,
          labels: labelsOf(record, scope, spec),
          source: spec.name,
          language: spec.language === 'from_field' ? field : spec.language,
          product: spec.product,
        });
      }
    }
    if (out.length > before && spec.limit !== undefined && ++kept >= spec.limit) break;
  }
  if (records.length > 0 && out.length === 0) {
    throw new EvalInputError(`${spec.path}: no record has a non-empty text field ${spec.text.map((f) => `"${f}"`).join(' or ')}${Object.keys(spec.filter).length ? ' (after the filter)' : ''}`);
  }
  return out;
}

function readRecords(spec: SourceSpec): Array<Record<string, unknown>> {
  let raw: Buffer;
  try {
    raw = readFileSync(spec.path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new EvalInputError(`${spec.path}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? cause})`}`);
  }
  if (spec.path.toLowerCase().endsWith('.gz')) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw new EvalInputError(`${spec.path}: not a gzip file`);
    }
  }
  const text = raw.toString('utf8');
  switch (spec.format) {
    case 'jsonl':
      return parseJsonl(text, spec.path);
    case 'json':
      return parseJsonArray(text, spec.path);
    case 'csv':
      return parseCsvRecords(text, spec.path);
  }
}

function parseJsonl(text: string, path: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new EvalInputError(`${path}:${i + 1}: not JSON (a JSONL file holds one JSON object per line)`);
    }
    if (!isObject(value)) throw new EvalInputError(`${path}:${i + 1}: expected a JSON object`);
    out.push(value);
  }
  return out;
}

function parseJsonArray(text: string, path: string): Array<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new EvalInputError(`${path}: not JSON (${(cause as Error).message})`);
  }
  if (!Array.isArray(value)) throw new EvalInputError(`${path}: expected a JSON array of objects`);
  value.forEach((v, i) => {
    if (!isObject(v)) throw new EvalInputError(`${path}: item ${i} is not an object`);
  });
  return value as Array<Record<string, unknown>>;
}

function parseCsvRecords(text: string, path: string): Array<Record<string, unknown>> {
  try {
    return parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, relax_quotes: false, trim: false }) as Array<Record<string, unknown>>;
  } catch (cause) {
    const e = cause as Error & { lines?: number };
    throw new EvalInputError(`${path}${e.lines ? `:${e.lines}` : ''}: not valid CSV (${e.message.replace(/^Invalid [^:]*: /, '')})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Value at a dotted path (a.b); undefined when any step is missing. */
function get(value: unknown, path: string): unknown {
  let cur = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The texts a field path gives: one, or one per list item for `list[].field`; `scope` is the item (for a label path under the same list). */
function textsAt(record: Record<string, unknown>, path: string): Array<{ text: string; scope: { prefix: string; item: unknown } | null }> {
  const cut = path.indexOf('[]');
  if (cut < 0) {
    const v = get(record, path);
    return typeof v === 'string' || typeof v === 'number' ? [{ text: String(v), scope: null }] : [];
  }
  const prefix = path.slice(0, cut);
  const rest = path.slice(cut + 2).replace(/^\./, '');
  const list = get(record, prefix);
  if (!Array.isArray(list)) return [];
  return list.flatMap((item) => {
    const v = rest ? get(item, rest) : item;
    return typeof v === 'string' ? [{ text: v, scope: { prefix, item } }] : [];
  });
}

function labelsOf(record: Record<string, unknown>, scope: { prefix: string; item: unknown } | null, spec: SourceSpec): string[] {
  let raw: unknown;
  if (spec.label) {
    raw = scope && spec.label.startsWith(`${scope.prefix}[]`) ? get(scope.item, spec.label.slice(scope.prefix.length + 2).replace(/^\./, '')) : get(record, spec.label.replace('[]', ''));
  }
  let labels = (spec.labelList ? listOf(raw) : [raw]).map((v) => (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v).trim() : '')).filter(Boolean);
  if (labels.length === 0) labels = [spec.labelValue ?? spec.name];
  return [...new Set(labels.map((l) => `${spec.labelPrefix}${l}`))];
}

/** A list label: a JSON array, or a Python-style string "['a', 'b']", or a single value. */
function listOf(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw !== 'string') return [raw];
  const s = raw.trim();
  if (!s.startsWith('[')) return [s];
  const items: string[] = [];
  for (const m of s.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)) items.push((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'));
  return items;
}

function passes(record: Record<string, unknown>, filter: Record<string, Condition>): boolean {
  for (const [field, condition] of Object.entries(filter)) {
    const v = get(record, field);
    const text = v === undefined || v === null ? '' : String(v).trim();
    if (typeof condition !== 'object') {
      if (text !== String(condition)) return false;
      continue;
    }
    if (condition.in && !condition.in.map(String).includes(text)) return false;
    if (condition.not_in && condition.not_in.map(String).includes(text)) return false;
    if (condition.empty !== undefined && (text === '') !== condition.empty) return false;
  }
  return true;
}

/** Whether a label matches a selector: the label itself, or a pattern with * wildcards. */
export function matchesSelector(label: string, selector: string): boolean {
  if (!selector.includes('*')) return label === selector;
  const re = new RegExp(`^${selector.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(label);
}

export function matchesAny(labels: readonly string[], selectors: readonly string[]): boolean {
  return labels.some((l) => selectors.some((s) => matchesSelector(l, s)));
}
