/** Config errors: one line per problem, naming the source, the option path, the value and what was expected. */
import type { z } from 'zod';
import { describeNode, didYouMean, isPlainObject, keysOf, nodeAt } from './introspect.js';

export class ConfigError extends Error {
  /** One line per problem, e.g. `configs/x.yaml: training.batch_size: expected an integer ≥ 1, got "abc"`. */
  readonly issues: string[];

  constructor(issues: string[]) {
    super(issues.length === 1 ? issues[0]! : `${issues.length} configuration problems:\n${issues.map((i) => `  ${i}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export type PathSeg = string | number;

/** `model.quantiles[2]`, `training.early_stopping.patience`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(top level)' : out;
}

export function formatValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (!(isPlainObject(v) || Array.isArray(v))) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** `unknown key (did you mean 'model.family'?)` for key `key` under `parent`. */
export function unknownKeyText(parent: ReadonlyArray<PathSeg>, key: string, raw: unknown): string {
  const node = nodeAt(parent, raw);
  const siblings = node ? (keysOf(node, valueAt(raw, parent)) ?? []) : [];
  const best = didYouMean(key, siblings);
  if (best) return `unknown key (did you mean '${formatPath([...parent, best])}'?)`;
  if (siblings.length > 0 && siblings.length <= 12) return `unknown key (expected one of ${siblings.map((s) => `'${s}'`).join(', ')})`;
  return 'unknown key';
}

/**
 * Turn zod issues on `raw` into lines. `sourceOf(path)` names where the value at `path` came from
 * (a file, `--set ...`), or undefined for defaults.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  raw: unknown,
  sourceOf: (path: ReadonlyArray<PathSeg>) => string | undefined,
): string[] {
  const lines: string[] = [];
  const push = (path: ReadonlyArray<PathSeg>, text: string) => {
    const src = sourceOf(path);
    lines.push(`${src ? `${src}: ` : ''}${formatPath(path)}: ${text}`);
  };
  for (const issue of issues) {
    const path = issue.path.filter((p): p is PathSeg => typeof p !== 'symbol');
    const value = valueAt(raw, path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) push([...path, key], unknownKeyText(path, key, raw));
        break;
      case 'custom':
        push(path, issue.message);
        break;
      case 'invalid_union': {
        const disc = issue as typeof issue & { discriminator?: string; options?: unknown[] };
        if (disc.options && disc.discriminator !== undefined) {
          const p = path[path.length - 1] === disc.discriminator ? path : [...path, disc.discriminator];
          const opts = disc.options.map((o) => (typeof o === 'string' ? `'${o}'` : JSON.stringify(o))).join(', ');
          push(p, `expected one of ${opts}, got ${formatValue(valueAt(raw, p))}`);
          break;
        }
        push(path, expectedText(path, raw, value, issue.message));
        break;
      }
      case 'invalid_type':
      case 'invalid_value':
      case 'too_small':
      case 'too_big':
      case 'invalid_format':
      case 'not_multiple_of':
        push(path, expectedText(path, raw, value, issue.message));
        break;
      default:
        push(path, `${issue.message}, got ${formatValue(value)}`);
    }
  }
  return [...new Set(lines)];
}

function expectedText(path: ReadonlyArray<PathSeg>, raw: unknown, value: unknown, fallback: string): string {
  const node = nodeAt(path, raw);
  if (!node) return `${fallback}, got ${formatValue(value)}`;
  return `expected ${describeNode(node)}, got ${formatValue(value)}`;
}
