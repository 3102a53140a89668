/**
 * Expands an experiment into its cells (one training run each) and resolves every cell's full
 * training config up front, so that a bad entry fails before any cell starts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  ConfigError,
  configHash,
  configsDir,
  defaultConfigPath,
  loadConfig,
  MODEL_FAMILIES,
  resolveConfigRef,
  type TsfmConfig,
} from '../config/index.js';
import { datasetConfigPath, listDatasetNames } from '../data/resolve.js';
import { entryName, ExperimentConfigError, strategyKind, type ExperimentConfig } from './config.js';

export interface Cell {
  /** Stable identity of the cell within the experiment (tag `cell`), e.g. `ttm.broll.global.s1`. */
  key: string;
  model: string;
  dataset: string;
  strategy: string;
  contextLength: number;
  seed: number;
  /** The resolved training config (output.run_id is set per attempt by the scheduler). */
  config: TsfmConfig;
  /** Weights to fine-tune from (run id or checkpoint), from the strategy. */
  initFrom?: string;
  /** The series this cell trains on (per_series, per_patient_finetune); config.data.series holds it too. */
  series?: string;
  /** data.train_fraction of the cell (default 1: all training windows). */
  trainFraction?: number;
  /** Key of the cell whose best weights this cell starts from (per_patient_finetune); it runs after it. */
  dependsOn?: string;
  /** Transfer: datasets the trained model is also evaluated on (label, and the reference for `tsfm evaluate --data`). */
  testDatasets?: Array<{ name: string; ref: string }>;
}

/**
 * What decides whether a finished cell still stands: the hash of its resolved training config, without
 * what the runner sets per attempt (run id) or per slot (device). A changed cell runs again.
 */
export function cellHash(cell: Cell): string {
  const { output, training } = cell.config;
  return configHash({ ...cell.config, output: { ...output, run_id: undefined }, training: { ...training, device: 'auto' } } as TsfmConfig);
}

/** Series ids of each dataset (by its label in the experiment), for the per-series strategies. */
export type SeriesIds = Map<string, string[]>;

/** Keys may name files: a series id is kept to letters, digits, '.', '_' and '-'. */
const keyPart = (id: string) => id.replace(/[^A-Za-z0-9_.-]/g, '_');

function yamlNames(dir: string): string[] {
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => f.replace(/\.ya?ml$/, ''))
        .sort()
    : [];
}

/** `a.b.c=value` overrides for every leaf of a config object (arrays whole), in document order. */
function toOverrides(v: unknown, prefix = ''): string[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    return Object.entries(v).flatMap(([k, c]) => (k === 'defaults' && !prefix ? [] : toOverrides(c, prefix ? `${prefix}.${k}` : k)));
  }
  return [`${prefix}=${typeof v === 'string' ? v : JSON.stringify(v)}`];
}

function modelOverrides(exp: ExperimentConfig, i: number, file: string): string[] {
  const e = exp.models[i]!;
  const label = `${file}: models[${i}]`;
  const knownText = () => `known: ${[...new Set([...yamlNames(path.join(configsDir(), 'models')), ...MODEL_FAMILIES])].join(', ')}`;
  let presetFile: string | undefined;
  if (typeof e === 'object' && e.config) {
    try {
      presetFile = resolveConfigRef(e.config, path.dirname(file));
    } catch {
      throw new ExperimentConfigError([`${label}: model config '${e.config}' not found (relative to ${path.dirname(file)} or configs/)`]);
    }
  } else {
    const candidate = path.join(configsDir(), 'models', `${entryName(e)}.yaml`);
    // A named entry whose own `set` chooses the family needs no preset (e.g. a pretrained checkpoint's variants).
    const setsFamily = typeof e === 'object' && (e.set ?? []).some((s) => s.startsWith('model.family='));
    if (existsSync(candidate)) presetFile = candidate;
    else if (setsFamily) return [];
    else if (!(MODEL_FAMILIES as readonly string[]).includes(entryName(e))) {
      throw new ExperimentConfigError([`${label}: unknown model '${entryName(e)}' (${knownText()})`]);
    }
  }
  const preset = presetFile ? toOverrides(YAML.parse(readFileSync(presetFile, 'utf8')) ?? {}) : [`model.family=${entryName(e)}`];
  return preset;
}

function datasetRef(exp: ExperimentConfig, i: number, file: string): string {
  const e = exp.datasets[i]!;
  const ref = typeof e === 'object' && e.dataset ? e.dataset : entryName(e);
  // A name under configs/datasets/, a dataset YAML or an ingested dataset directory (relative to the experiment file).
  const asPath = path.resolve(path.dirname(file), ref);
  if (existsSync(asPath) && (statSync(asPath).isDirectory() || /\.ya?ml$/.test(ref))) return asPath;
  try {
    datasetConfigPath(ref);
    return ref;
  } catch {
    throw new ExperimentConfigError([
      `${file}: datasets[${i}]: unknown dataset '${ref}' (known: ${listDatasetNames().join(', ')}, or a dataset YAML or ingested directory)`,
    ]);
  }
}

function checkUnique(names: string[], what: string, file: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new ExperimentConfigError([`${file}: ${what}[${i}]: duplicate name '${n}'`]);
    seen.add(n);
  });
}

/** Whether the experiment has strategies that need each dataset's series ids (expandCells' seriesIds). */
export function needsSeriesIds(exp: ExperimentConfig): boolean {
  return exp.strategies.some((s) => strategyKind(s) !== 'overrides');
}

function testDatasetRefs(exp: ExperimentConfig, file: string): Array<{ name: string; ref: string }> {
  if (!exp.test_datasets) return [];
  checkUnique(exp.test_datasets.map(entryName), 'test_datasets', file);
  return exp.test_datasets.map((_, i) => {
    try {
      return { name: entryName(exp.test_datasets![i]!), ref: datasetRef({ ...exp, datasets: exp.test_datasets! }, i, file) };
    } catch (e) {
      throw new ExperimentConfigError([(e as Error).message.replace(`${file}: datasets[`, `${file}: test_datasets[`)]);
    }
  });
}

/** What every cell of one expansion shares: the experiment, its resolved entries and the keys taken so far. */
interface Expansion {
  exp: ExperimentConfig;
  file: string;
  runsDir?: string;
  base: string;
  /** Overrides of each model entry (its preset or family), by index. */
  models: string[][];
  /** Reference of each dataset entry, by index. */
  datasets: string[];
  testDatasets: Array<{ name: string; ref: string }>;
  keys: Set<string>;
}

/** Where a cell sits in the matrix: entry indices and the values of the optional axes. */
interface Coordinates {
  mi: number;
  di: number;
  si: number;
  ctx: number | undefined;
  frac: number | undefined;
  seed: number;
}

type Role = 'global' | 'series' | 'finetune';

/**
 * Every cell of the experiment with its resolved config; throws ExperimentConfigError naming the entry.
 * Strategies per_series and per_patient_finetune expand over the series of each dataset, given in
 * `seriesIds` (planExperiment loads the datasets and passes them).
 */
export function expandCells(exp: ExperimentConfig, file: string, opts: { runsDir?: string; seriesIds?: SeriesIds } = {}): Cell[] {
  checkUnique(exp.models.map(entryName), 'models', file);
  checkUnique(exp.datasets.map(entryName), 'datasets', file);
  checkUnique(exp.strategies.map(entryName), 'strategies', file);
  const x: Expansion = {
    exp,
    file,
    runsDir: opts.runsDir ?? exp.runs_dir,
    base: baseConfigPath(exp, file),
    models: exp.models.map((_, i) => modelOverrides(exp, i, file)),
    datasets: exp.datasets.map((_, i) => datasetRef(exp, i, file)),
    testDatasets: testDatasetRefs(exp, file),
    keys: new Set<string>(),
  };
  const cells: Cell[] = [];
  // In order: models x datasets x strategies, then context lengths x train fractions x seeds.
  exp.models.forEach((_m, mi) => {
    exp.datasets.forEach((_d, di) => {
      exp.strategies.forEach((_s, si) => {
        const series = strategySeries(exp, di, si, file, opts.seriesIds);
        for (const ctx of exp.context_lengths ?? [undefined])
          for (const frac of exp.train_fractions ?? [undefined])
            for (const seed of exp.seeds) cells.push(...seedCells(x, { mi, di, si, ctx, frac, seed }, series));
      });
    });
  });
  return cells;
}

function baseConfigPath(exp: ExperimentConfig, file: string): string {
  try {
    return exp.base ? resolveConfigRef(exp.base, path.dirname(file)) : defaultConfigPath();
  } catch (e) {
    throw new ExperimentConfigError([`${file}: base: ${(e as Error).message}`]);
  }
}

/** The series a strategy expands over on a dataset: [undefined] = one cell over all series. */
function strategySeries(
  exp: ExperimentConfig,
  di: number,
  si: number,
  file: string,
  seriesIds: SeriesIds | undefined,
): Array<string | undefined> {
  const d = exp.datasets[di]!,
    s = exp.strategies[si]!;
  const kind = strategyKind(s);
  if (kind === 'overrides') return [undefined];
  const ids = seriesIds?.get(entryName(d));
  if (!ids)
    throw new ExperimentConfigError([
      `${file}: strategies[${si}]: ${kind} needs the series of dataset '${entryName(d)}' (expand with planExperiment(), which loads the datasets)`,
    ]);
  const wanted = typeof s === 'object' && s.series ? s.series : ids;
  for (const id of wanted) {
    if (!ids.includes(id))
      throw new ExperimentConfigError([
        `${file}: strategies[${si}].series: unknown series '${id}' in dataset '${entryName(d)}' (series: ${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', ...' : ''})`,
      ]);
  }
  return wanted;
}

/** The cells of one seed: per_patient_finetune trains a global cell first, then one fine-tune per series from it. */
function seedCells(x: Expansion, at: Coordinates, series: Array<string | undefined>): Cell[] {
  if (strategyKind(x.exp.strategies[at.si]!) === 'per_patient_finetune') {
    const g = makeCell(x, at, undefined, 'global');
    return [g, ...series.map((id) => makeCell(x, at, id, 'finetune', g.key))];
  }
  return series.map((id) => makeCell(x, at, id, id === undefined ? 'global' : 'series'));
}

/** The config overrides of a cell, later ones winning: model preset, experiment, entries, then the cell's axes. */
function cellOverrides(x: Expansion, at: Coordinates, serie: string | undefined): string[] {
  const { exp } = x;
  const m = exp.models[at.mi]!,
    d = exp.datasets[at.di]!,
    s = exp.strategies[at.si]!;
  return [
    ...x.models[at.mi]!,
    ...exp.set,
    ...(typeof m === 'object' ? m.set : []),
    `data.dataset=${x.datasets[at.di]}`,
    ...(typeof d === 'object' ? d.set : []),
    ...(typeof s === 'object' ? s.set : []),
    ...(serie !== undefined ? [`data.series=${JSON.stringify([serie])}`] : []),
    ...(at.ctx !== undefined ? [`model.context_length=${at.ctx}`] : []),
    ...(at.frac !== undefined ? [`data.train_fraction=${at.frac}`] : []),
    `training.seed=${at.seed}`,
    `training.threads=${exp.threads_per_worker}`,
    ...(x.runsDir ? [`output.runs_dir=${path.resolve(x.runsDir)}`] : []),
  ];
}

/** The cell's key, e.g. `ttm.broll.global.s1`; throws when another cell of the expansion already has it. */
function cellKey(x: Expansion, at: Coordinates, serie: string | undefined): string {
  const { exp, file } = x;
  const s = exp.strategies[at.si]!;
  const where =
    strategyKind(s) === 'per_patient_finetune' && serie === undefined ? ['global'] : serie !== undefined ? [keyPart(serie)] : [];
  const key = [
    entryName(exp.models[at.mi]!),
    entryName(exp.datasets[at.di]!),
    entryName(s),
    ...where,
    ...(at.ctx !== undefined ? [`ctx${at.ctx}`] : []),
    ...(at.frac !== undefined ? [`f${at.frac}`] : []),
    `s${at.seed}`,
  ].join('.');
  if (x.keys.has(key))
    throw new ExperimentConfigError([
      `${file}: strategies[${at.si}]: two cells would share the key '${key}' (series ids that differ only in characters other than letters, digits, '.', '_' and '-'?)`,
    ]);
  x.keys.add(key);
  return key;
}

/** One cell with its resolved config; a config error names the cell and its entries. */
function makeCell(x: Expansion, at: Coordinates, serie: string | undefined, role: Role, dependsOn?: string): Cell {
  const sets = cellOverrides(x, at, serie);
  const key = cellKey(x, at, serie);
  let config: TsfmConfig;
  try {
    config = loadConfig(x.base, { overrides: sets }).config;
  } catch (e) {
    const issues = e instanceof ConfigError ? e.issues : [(e as Error).message];
    throw new ExperimentConfigError(issues.map((i) => `${x.file}: cell ${key} (models[${at.mi}] × datasets[${at.di}]): ${i}`));
  }
  const s = x.exp.strategies[at.si]!;
  return {
    key,
    model: entryName(x.exp.models[at.mi]!),
    dataset: entryName(x.exp.datasets[at.di]!),
    strategy: strategyKind(s) === 'per_patient_finetune' && role === 'global' ? `${entryName(s)}/global` : entryName(s),
    contextLength: config.model.context_length,
    seed: at.seed,
    config,
    trainFraction: config.data.train_fraction,
    testDatasets: x.testDatasets,
    ...(serie !== undefined ? { series: serie } : {}),
    ...(dependsOn ? { dependsOn } : {}),
    ...(typeof s === 'object' && s.init_from ? { initFrom: s.init_from } : {}),
  };
}
