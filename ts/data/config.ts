/**
 * Dataset configuration (YAML under configs/datasets/) and how it maps source columns to channels.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DataError } from './errors.js';
import { SUPPORTED_EXTENSIONS } from './readers.js';
import { didYouMean } from '../config/introspect.js';

export const FillKindSchema = z.enum(['interpolate', 'zero', 'ffill']);

export const DatasetConfigSchema = z
  .object({
    /** Dataset name (cache directory prefix, reports). */
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" and "-" only'),
    /** Source layout: a known adapter (a dataset or a CGM device export), or a generic long/wide mapping. */
    format: z.enum(['shanghai', 'iglu', 'ett', 'long', 'wide', 'dexcom_clarity', 'libreview', 'nightscout', 'tidepool', 'ohiot1dm']),
    /** File, directory (all supported files in it) or glob (`*`, `?`, `**`); or a list of these. */
    path: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Series id column (long). Absent: one series per file, named after the file. */
    id: z.string().optional(),
    /** Time column. */
    time: z.string().optional(),
    /** Target column(s). ETT/wide: default all numeric columns. */
    target: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** Covariates known only up to the forecast origin. Shanghai: names of its derived channels. */
    past_covariates: z.array(z.string()).optional(),
    /** Covariates known into the future (calendar, planned doses). */
    future_covariates: z.array(z.string()).optional(),
    /** Columns constant within a series, stored as series attributes. */
    static: z.array(z.string()).optional(),
    /** Attributes added to every series (e.g. diabetes_type: 1). */
    static_attributes: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
    /** How covariate gaps are filled: 'interpolate' (continuous, default), 'zero' (events), 'ffill' (rates/states). */
    fill: z.record(z.string(), FillKindSchema).optional(),
    /** Wide layout: columns are channels of one series (default, ETT) or separate univariate series. */
    wide_as: z.enum(['channels', 'series']).optional(),
    /** 'YYYY-MM-DD HH:MM:SS' (default; flexible ISO incl. 'T', fractions, offsets), 'epoch_s', 'epoch_ms', or a pattern like 'DD/MM/YYYY HH:mm'. */
    time_format: z.string().optional(),
    /** IANA zone of the source's local timestamps. Default UTC (Shanghai: Asia/Shanghai). */
    time_zone: z.string().optional(),
    /** Glucose unit of the target in the source; converted to mg/dL. Declares the target to be glucose. */
    units: z.enum(['mg/dL', 'mmol/L']).optional(),
    /** Sampling interval, e.g. '5min', '15min', '1h'. Inferred as the median step when absent. */
    interval: z.string().optional(),
    /** Longest step between two observations that is bridged by interpolation, e.g. '45min'. Default: the interval (no interpolation). */
    max_gap: z.string().optional(),
    /** Rows moved onto the grid by at most this fraction of the interval (default 1/3) count as 'snapped', further (up to 1/2) as 'off_grid'. */
    snap_tolerance: z.number().min(0).max(0.5).optional(),
    /** Rows that land on the same grid slot: 'mean' (default) of the values, or keep 'first'/'last'. Events are always summed. */
    duplicates: z.enum(['mean', 'first', 'last']).optional(),
    /** Segments shorter than this many rows are dropped (the caller passes context + horizon). */
    min_segment_length: z.number().int().min(1).optional(),
    /** Malformed rows: 'error' (default; message names file, line, column) or 'skip' (counted). */
    on_error: z.enum(['error', 'skip']).optional(),
    /** CSV delimiter (default ',' or tab for .tsv). */
    delimiter: z.string().length(1).optional(),
  })
  .strict();

export type DatasetConfigInput = z.input<typeof DatasetConfigSchema>;
export type DatasetConfig = z.output<typeof DatasetConfigSchema>;

/** One issue as `key: problem`, with a did-you-mean for unknown keys. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(DatasetConfigSchema.shape);
    return issue.keys
      .map((k) => {
        const best = didYouMean(k, known);
        return `${where ? where + '.' : ''}${k}: unknown key${best ? ` (did you mean '${best}'?)` : ''}`;
      })
      .join('; ');
  }
  return `${where || '(top level)'}: ${issue.message}`;
}

/** Validates a config object; errors are one-line DataErrors listing every problem. */
export function parseDatasetConfig(raw: unknown, source = 'dataset config'): DatasetConfig {
  const r = DatasetConfigSchema.safeParse(raw);
  if (!r.success) {
    throw new DataError(`${source}: ${r.error.issues.map(describeIssue).join('; ')}`, { file: source });
  }
  return r.data;
}

/** Reads and validates a YAML dataset config. */
export async function loadDatasetConfig(file: string): Promise<DatasetConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new DataError(`dataset config not found: ${file}`, { file });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new DataError(`${file}: invalid YAML: ${(e as Error).message}`, { file });
  }
  return parseDatasetConfig(resolveConfigPaths(raw, path.dirname(path.resolve(file))), file);
}

/**
 * A dataset YAML's relative `path`s resolve against the YAML's own folder: returns a copy of the parsed
 * config with each relative `path` made absolute against `dir` (anything that is not a config object is returned as is).
 */
export function resolveConfigPaths<T>(raw: T, dir: string): T {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const p = (raw as { path?: unknown }).path;
  const abs = (x: unknown): unknown => (typeof x === 'string' && x.length > 0 ? path.resolve(dir, x) : x);
  if (typeof p === 'string') return { ...raw, path: abs(p) };
  if (Array.isArray(p)) return { ...raw, path: p.map(abs) };
  return raw;
}

/** Default time zone of a format. */
export function defaultTimeZone(cfg: DatasetConfig): string {
  return cfg.time_zone ?? (cfg.format === 'shanghai' ? 'Asia/Shanghai' : 'UTC');
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/**
 * Expands `path` (file, directory, glob, or list) against baseDir into absolute, sorted,
 * de-duplicated file paths. A missing file, or a directory/glob with no data files, is an error.
 */
export async function resolveDataPaths(
  spec: string | string[],
  baseDir: string = process.cwd(),
  dataFiles: RegExp = SUPPORTED_EXTENSIONS,
): Promise<string[]> {
  const specs = Array.isArray(spec) ? spec : [spec];
  const out = new Set<string>();
  for (const s of specs) {
    const abs = path.resolve(baseDir, s);
    if (/[*?]/.test(s)) {
      const parts = abs.split(path.sep);
      const firstGlob = parts.findIndex((p) => /[*?]/.test(p));
      const root = parts.slice(0, firstGlob).join(path.sep) || path.sep;
      const re = globToRegExp(parts.slice(firstGlob).join('/'));
      const files: string[] = [];
      try {
        await walk(root, files);
      } catch {
        throw new DataError(`dataset path not found: ${root} (from pattern ${abs})`, { file: abs });
      }
      const matched = files.filter((f) => re.test(path.relative(root, f).split(path.sep).join('/')));
      if (matched.length === 0) throw new DataError(`no files match ${abs}`, { file: abs });
      matched.forEach((f) => out.add(f));
      continue;
    }
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new DataError(`dataset path not found: ${abs}`, { file: abs });
    }
    if (st.isDirectory()) {
      const files: string[] = [];
      await walk(abs, files);
      const data = files.filter((f) => dataFiles.test(f));
      if (data.length === 0)
        throw new DataError(
          `no data files (${dataFiles === SUPPORTED_EXTENSIONS ? '.csv, .csv.gz, .arrow, .feather, .parquet' : dataFiles.source}) in directory ${abs}`,
          { file: abs },
        );
      data.forEach((f) => out.add(f));
    } else out.add(abs);
  }
  return [...out].sort();
}
