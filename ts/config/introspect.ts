/**
 * Reading the config schema through its JSON Schema (zod's `toJSONSchema`, input side): which keys
 * exist where, what type each option has, its default and description. Used by `--set` key checks,
 * error messages and the generated documentation, so all three agree with the zod schema.
 */
import { z } from 'zod';
import { TsfmConfigSchema } from './schema.js';

export interface JsonNode {
  type?: string | string[];
  properties?: Record<string, JsonNode>;
  additionalProperties?: boolean | JsonNode;
  required?: string[];
  items?: JsonNode;
  enum?: unknown[];
  const?: unknown;
  oneOf?: JsonNode[];
  anyOf?: JsonNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
  [key: string]: unknown;
}

let cached: JsonNode | undefined;

/** The JSON Schema of what a config may contain (input side: defaults shown, nothing required). */
export function schemaRoot(): JsonNode {
  cached ??= z.toJSONSchema(TsfmConfigSchema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
  return cached;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function variantsOf(node: JsonNode): JsonNode[] | undefined {
  return node.oneOf ?? node.anyOf;
}

/** The variant of a discriminated union selected by the value's discriminator, if any. */
function selectVariant(variants: JsonNode[], value: unknown): JsonNode | undefined {
  if (!isPlainObject(value)) return undefined;
  return variants.find((v) => {
    const props = v.properties ?? {};
    return Object.entries(props).some(([k, p]) => p.const !== undefined && value[k] === p.const);
  });
}

/** Option names valid directly under `node` (for a union: those of the selected variant, or of all). */
export function keysOf(node: JsonNode, value?: unknown): string[] | undefined {
  const variants = variantsOf(node);
  if (variants) {
    const chosen = selectVariant(variants, value);
    if (chosen) return keysOf(chosen);
    const all = new Set<string>();
    for (const v of variants) for (const k of keysOf(v) ?? []) all.add(k);
    return [...all];
  }
  if (node.properties && node.additionalProperties === false) return Object.keys(node.properties);
  return undefined; // open: a record or anything
}

/**
 * The schema of `key` under `node`, or undefined when `node` admits no such key.
 * `value` (the current value at `node`) picks the variant of a discriminated union.
 */
export function childNode(node: JsonNode, key: string | number, value?: unknown): JsonNode | undefined {
  const variants = variantsOf(node);
  if (variants) {
    const chosen = selectVariant(variants, value);
    if (chosen) return childNode(chosen, key, value);
    const found = variants.map((v) => childNode(v, key, value)).filter((n): n is JsonNode => n !== undefined);
    if (found.length === 0) return undefined;
    if (found.every((n) => n.const !== undefined)) return { type: 'string', enum: found.map((n) => n.const) };
    return found[0];
  }
  if (typeof key === 'number' || /^\d+$/.test(key)) {
    if (node.items) return node.items;
  }
  const k = String(key);
  if (node.properties && Object.hasOwn(node.properties, k)) return node.properties[k];
  if (isPlainObject(node.additionalProperties)) return node.additionalProperties;
  if (node.additionalProperties === false) return undefined;
  if (isAnything(node)) return {};
  return undefined;
}

/** A node that constrains nothing (e.g. `z.unknown()`). */
export function isAnything(node: JsonNode): boolean {
  return (
    node.type === undefined &&
    node.properties === undefined &&
    node.enum === undefined &&
    node.const === undefined &&
    variantsOf(node) === undefined &&
    node.items === undefined
  );
}

/** Walk `path` from the root, following the union variants selected by `config`'s values. */
export function nodeAt(path: ReadonlyArray<string | number>, config?: unknown): JsonNode | undefined {
  let node: JsonNode | undefined = schemaRoot();
  let value: unknown = config;
  for (const seg of path) {
    if (!node) return undefined;
    node = childNode(node, seg, value);
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<string, unknown>)[seg as string] : undefined;
  }
  return node;
}

/** Does the node accept strings only (so a `--set` value like `0123` must stay a string)? */
export function isStringNode(node: JsonNode): boolean {
  if (node.type === 'string') return true;
  if (node.enum) return node.enum.every((e) => typeof e === 'string');
  return false;
}

const fmtNum = (n: number) => String(n);
const quote = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/**
 * A human description of what a node accepts: `an integer ≥ 1`, `a number in (0, 1)`,
 * `one of 'point', 'quantile'`. With `article: false` the leading article is dropped (for tables).
 */
export function describeNode(node: JsonNode, article = true): string {
  const a = (s: string, an = false) => (article ? `${an ? 'an' : 'a'} ${s}` : s);
  if (node.const !== undefined) return quote(node.const);
  if (node.enum) {
    const vals = node.enum.map(quote);
    return vals.length === 1 ? vals[0]! : `one of ${vals.join(', ')}`;
  }
  const variants = variantsOf(node);
  if (variants) {
    const disc = discriminatorOf(variants);
    if (disc) return a(`mapping with '${disc.key}' one of ${disc.values.map(quote).join(', ')}`);
    return variants.map((v) => describeNode(v, article)).join(' or ');
  }
  const type = Array.isArray(node.type) ? node.type[0] : node.type;
  switch (type) {
    case 'integer':
    case 'number': {
      const word = type === 'integer' ? 'integer' : 'number';
      return a(`${word}${boundsText(node)}`, type === 'integer');
    }
    case 'string':
      if (node.pattern) return a(`string matching /${node.pattern}/`);
      return node.minLength && node.minLength > 0 ? a('non-empty string') : a('string');
    case 'boolean':
      return 'true or false';
    case 'array': {
      const items = node.items ? describeNode(node.items, true) : 'any value';
      const list = node.minItems && node.minItems > 0 ? 'non-empty list' : 'list';
      return `${a(list)} (each entry ${items})`;
    }
    case 'object':
      if (isPlainObject(node.additionalProperties)) {
        const v = node.additionalProperties;
        return a(`mapping of names to ${isAnything(v) ? 'any values' : plural(describeNode(v, false))}`);
      }
      return a('mapping of options');
    default:
      return 'any value';
  }
}

function plural(s: string): string {
  return s.replace(/^(integer|number|string)/, '$1s');
}

function boundsText(node: JsonNode): string {
  const big = (n: number | undefined) => n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER;
  const lo = node.exclusiveMinimum ?? node.minimum;
  const hi = node.exclusiveMaximum ?? node.maximum;
  const loOpen = node.exclusiveMinimum !== undefined;
  const hiOpen = node.exclusiveMaximum !== undefined;
  const hasLo = !big(lo);
  const hasHi = !big(hi);
  if (hasLo && hasHi) return ` in ${loOpen ? '(' : '['}${fmtNum(lo!)}, ${fmtNum(hi!)}${hiOpen ? ')' : ']'}`;
  if (hasLo) return ` ${loOpen ? '>' : '≥'} ${fmtNum(lo!)}`;
  if (hasHi) return ` ${hiOpen ? '<' : '≤'} ${fmtNum(hi!)}`;
  return '';
}

export function discriminatorOf(variants: JsonNode[]): { key: string; values: unknown[] } | undefined {
  const first = variants[0]?.properties ?? {};
  for (const [key, p] of Object.entries(first)) {
    if (p.const === undefined) continue;
    if (variants.every((v) => v.properties?.[key]?.const !== undefined)) {
      return { key, values: variants.map((v) => v.properties![key]!.const) };
    }
  }
  return undefined;
}

/** Levenshtein distance (for did-you-mean suggestions). */
export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `key`, when it is close enough to be a plausible typo. */
export function didYouMean(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(key.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(2, Math.floor(Math.max(key.length, best.length) / 3));
  return bestD <= limit ? best : undefined;
}
