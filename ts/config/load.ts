/**
 * Loading a tsfm config: YAML files composed through `defaults:` lists, then command-line flags, then
 * `--set path=value` overrides, validated against the zod schema with one clear line per problem.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ConfigError, formatIssues, formatPath, formatValue, unknownKeyText, valueAt, type PathSeg } from './errors.js';
import { childNode, isPlainObject, isStringNode, schemaRoot } from './introspect.js';
import { TsfmConfigSchema, type TsfmConfig, type TsfmConfigInput } from './schema.js';

export { ConfigError } from './errors.js';

type Obj = Record<string, unknown>;

export type DeepPartial<T> = T extends ReadonlyArray<unknown> ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

export interface LoadOptions {
  /** `--set` overrides, each `dotted.path=value`; the value is parsed as a YAML scalar or flow collection. */
  overrides?: readonly string[];
  /** Values from dedicated command-line flags (e.g. `--epochs`); applied after files, before `overrides`. */
  flags?: DeepPartial<TsfmConfigInput>;
  /** Directory relative paths are resolved against and sources are shown relative to. Default: process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: TsfmConfig;
  /** Config files in the order they were merged (absolute paths), then the applied `--set` overrides. */
  sources: string[];
}

// ------------------------------------------------------------------------------------------ locations

let packageRootCache: string | undefined;

/** The directory holding tsfm's package.json (works from ts/config/ and from dist/ts/config/). */
export function packageRoot(): string {
  if (packageRootCache) return packageRootCache;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  let firstFound: string | undefined;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      firstFound ??= dir;
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'tsfm') return (packageRootCache = dir);
      } catch {
        /* not ours */
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (firstFound) return (packageRootCache = firstFound);
  throw new Error(`tsfm: cannot find package.json above ${start}`);
}

/** configs/ in the package root. */
export function configsDir(): string {
  return join(packageRoot(), 'configs');
}

/** configs/default.yaml in the package root. */
export function defaultConfigPath(): string {
  return join(configsDir(), 'default.yaml');
}

function withExtensions(p: string): string[] {
  return /\.ya?ml$/i.test(p) ? [p] : [p, `${p}.yaml`, `${p}.yml`];
}

/**
 * Resolve a config reference: a path relative to `baseDir` (`.yaml` optional), else a name under the
 * package's configs/ directory (`models/ttm`, `examples/etth1-dlinear`).
 */
export function resolveConfigRef(ref: string, baseDir: string): string {
  const tried: string[] = [];
  const candidates = [...withExtensions(resolve(baseDir, ref))];
  if (!isAbsolute(ref)) candidates.push(...withExtensions(resolve(configsDir(), ref)));
  for (const c of candidates) {
    tried.push(c);
    if (existsSync(c) && statSync(c).isFile()) return c;
  }
  throw new ConfigError([`config file '${ref}' not found (looked for ${[...new Set(tried)].join(', ')})`]);
}

// ---------------------------------------------------------------------------------------- composition

/** Merged raw config plus, for every path written, the source that wrote it last. */
class Layered {
  readonly value: Obj = {};
  readonly origins = new Map<string, string>();

  sourceOf = (path: ReadonlyArray<PathSeg>): string | undefined => {
    for (let i = path.length; i >= 1; i--) {
      const o = this.origins.get(key(path.slice(0, i)));
      if (o) return o;
    }
    return undefined;
  };

  clearOrigins(path: ReadonlyArray<PathSeg>): void {
    const k = key(path);
    for (const o of [...this.origins.keys()]) if (o === k || o.startsWith(`${k}\u0000`)) this.origins.delete(o);
  }

  markAll(path: PathSeg[], v: unknown, source: string): void {
    this.origins.set(key(path), source);
    if (isPlainObject(v)) for (const [k, c] of Object.entries(v)) this.markAll([...path, k], c, source);
  }
}

const key = (path: ReadonlyArray<PathSeg>) => path.map(String).join('\u0000');

function clone<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Some objects are unions keyed by a field: when a later layer changes that field, the earlier
 * layer's options no longer apply. `data.split` is replaced whole when `protocol` changes;
 * `model.params` is dropped when `model.family` changes.
 */
function discriminatorReset(path: ReadonlyArray<PathSeg>, base: Obj, overlay: Obj, layered: Layered): 'replace' | 'merge' {
  const p = path.join('.');
  if (p === 'data.split' && 'protocol' in overlay && overlay.protocol !== (base.protocol ?? 'temporal')) return 'replace';
  if (p === 'model' && 'family' in overlay && overlay.family !== (base.family ?? 'ttm') && 'params' in base) {
    delete base.params;
    layered.clearOrigins([...path, 'params']);
  }
  return 'merge';
}

/** Deep-merge `overlay` into `base` in place: objects merge, everything else (arrays too) replaces; null deletes. */
function mergeInto(layered: Layered, base: Obj, overlay: Obj, path: PathSeg[], source: string): void {
  for (const [k, ov] of Object.entries(overlay)) {
    const p = [...path, k];
    if (ov === null || ov === undefined) {
      delete base[k];
      layered.clearOrigins(p);
      layered.origins.set(key(p), source);
      continue;
    }
    const bv = base[k];
    if (isPlainObject(ov) && isPlainObject(bv) && discriminatorReset(p, bv, ov, layered) === 'merge') {
      layered.origins.set(key(p), source);
      mergeInto(layered, bv, ov, p, source);
    } else {
      layered.clearOrigins(p);
      base[k] = clone(ov);
      layered.markAll(p, ov, source);
    }
  }
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split(sep).join('/') : file;
}

/** The first YAML error (later ones usually cascade from it), on one line. */
function yamlErrorLine(label: string, e: Error): string {
  return `${label}: invalid YAML: ${e.message.split('\n')[0]!.replace(/:\s*$/, '')}`;
}

function readYamlFile(file: string, label: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError([`${label}: cannot read: ${(e as Error).message}`]);
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError([yamlErrorLine(label, doc.errors[0]!)]);
  }
  const v: unknown = doc.toJS();
  // An empty file is a mistake (a truncated copy, a wrong path), not a request for the default model.
  if (v === null || v === undefined)
    throw new ConfigError([`${label}: the file is empty (no config sections); to train the default config, give no file`]);
  if (!isPlainObject(v)) throw new ConfigError([`${label}: expected a mapping of config sections at the top level, got ${formatValue(v)}`]);
  return v;
}

function composeFile(file: string, layered: Layered, stack: string[], files: string[], cwd: string): void {
  const label = displayPath(file, cwd);
  if (stack.includes(file)) {
    const chain = [...stack.slice(stack.indexOf(file)), file].map((f) => displayPath(f, cwd));
    throw new ConfigError([`${label}: config composition cycle: ${chain.join(' -> ')}`]);
  }
  const doc = readYamlFile(file, label);
  const { defaults, ...own } = doc;
  let refs: string[] = [];
  if (defaults !== undefined && defaults !== null) {
    const list = Array.isArray(defaults) ? defaults : [defaults];
    if (!list.every((d): d is string => typeof d === 'string' && d.length > 0)) {
      throw new ConfigError([`${label}: defaults: expected a list of config file paths, got ${formatValue(defaults)}`]);
    }
    refs = list;
  }
  const next = [...stack, file];
  for (const ref of refs) {
    let child: string;
    try {
      child = resolveConfigRef(ref, dirname(file));
    } catch (e) {
      if (e instanceof ConfigError) throw new ConfigError(e.issues.map((i) => `${label}: defaults: ${i}`));
      throw e;
    }
    composeFile(child, layered, next, files, cwd);
  }
  mergeInto(layered, layered.value, own, [], label);
  files.push(file);
}

// ------------------------------------------------------------------------------------------ overrides

/** Parse `a.b.c=value` into its path and YAML-parsed value. */
export function parseOverride(arg: string): { path: string[]; value: unknown; text: string } {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new ConfigError([`--set ${arg}: expected path=value (e.g. training.lr=3e-4)`]);
  const pathText = arg.slice(0, eq).trim();
  const text = arg.slice(eq + 1);
  const path = pathText.split('.');
  if (path.some((s) => s === '')) throw new ConfigError([`--set ${arg}: malformed path '${pathText}'`]);
  let value: unknown;
  try {
    value = text.trim() === '' ? '' : YAML.parse(text);
  } catch (e) {
    throw new ConfigError([`--set ${arg}: cannot parse value: ${(e as Error).message.split('\n')[0]}`]);
  }
  return { path, value, text };
}

function applyOverride(layered: Layered, arg: string): void {
  const { path, value: parsed, text } = parseOverride(arg);
  const source = `--set ${arg}`;
  // Check every segment exists in the schema (records accept any name).
  let node = schemaRoot();
  for (let i = 0; i < path.length; i++) {
    const parentPath = path.slice(0, i);
    const child = childNode(node, path[i]!, valueAt(layered.value, parentPath));
    if (!child) {
      const full = formatPath(path);
      throw new ConfigError([
        `${source}: unknown key '${full}'${unknownKeyText(parentPath, path[i]!, layered.value).replace(/^unknown key/, '')}`,
      ]);
    }
    node = child;
  }
  // Strings stay strings (`output.run_id=0123`, `data.dataset=true`).
  let value = parsed;
  if (isStringNode(node) && (typeof parsed === 'number' || typeof parsed === 'boolean')) value = text.trim();
  // Build the overlay object and merge it like a file layer, so the union resets apply.
  const overlay: Obj = {};
  let cur = overlay;
  for (let i = 0; i < path.length - 1; i++) {
    const next: Obj = {};
    cur[path[i]!] = next;
    cur = next;
  }
  cur[path[path.length - 1]!] = value;
  mergeInto(layered, layered.value, overlay, [], source);
}

// ---------------------------------------------------------------------------------------------- load

/**
 * Load, compose and validate a config. `path` is a YAML file (relative to `cwd`, `.yaml` optional) or a
 * name under configs/ (`examples/etth1-dlinear`); without it, configs/default.yaml of the package.
 * Order (later wins): the `defaults:` of a file (in order, recursively), the file, `flags`, `overrides`.
 */
export function loadConfig(path?: string, options: LoadOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const file = path === undefined ? defaultConfigPath() : resolveConfigRef(path, cwd);
  const layered = new Layered();
  const files: string[] = [];
  composeFile(file, layered, [], files, cwd);
  if (options.flags && Object.keys(options.flags).length > 0) {
    mergeInto(layered, layered.value, clone(options.flags as Obj), [], 'command-line flags');
  }
  for (const arg of options.overrides ?? []) applyOverride(layered, arg);
  const config = validateConfig(layered.value, layered.sourceOf);
  return { config, sources: [...files, ...(options.overrides ?? []).map((o) => `--set ${o}`)] };
}

/**
 * Validate a raw config object (e.g. one built in code). `sourceOf` names where each path came from.
 * Throws ConfigError listing every problem.
 */
export function validateConfig(raw: unknown, sourceOf: (path: ReadonlyArray<PathSeg>) => string | undefined = () => undefined): TsfmConfig {
  const result = TsfmConfigSchema.safeParse(normalizeRaw(raw));
  if (result.success) return result.data;
  throw new ConfigError(formatIssues(result.error.issues, raw, sourceOf));
}

/** A `data.split` without `protocol` is a temporal split (the default protocol). */
function normalizeRaw(raw: unknown): unknown {
  if (!isPlainObject(raw) || !isPlainObject(raw.data) || !isPlainObject(raw.data.split) || 'protocol' in raw.data.split) return raw;
  return { ...raw, data: { ...raw.data, split: { protocol: 'temporal', ...raw.data.split } } };
}

/** Parse a config from YAML text (no `defaults:` composition). */
export function parseConfigYaml(text: string, label = '<yaml>'): TsfmConfig {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) throw new ConfigError([yamlErrorLine(label, doc.errors[0]!)]);
  const v: unknown = doc.toJS() ?? {};
  return validateConfig(v, () => label);
}

// ------------------------------------------------------------------------------------------- output

/** The resolved config as YAML (for run directories and `--dry-run`); loads back to the same config. */
export function renderConfigYaml(config: TsfmConfig): string {
  return YAML.stringify(config, { lineWidth: 0 });
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isPlainObject(v)) {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
    return out;
  }
  return v;
}

/** sha256 of the canonical JSON (sorted keys, no undefined) of the config, first 12 hex digits. */
export function configHash(config: TsfmConfig, length = 12): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, length);
}
