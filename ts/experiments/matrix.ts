/**
 * Expands an experiment into its cells (one training run each) and resolves every cell's full
 * training config up front, so that a bad entry fails before any cell starts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, configsDir, defaultConfigPath, loadConfig, MODEL_FAMILIES, resolveConfigRef, type TsfmConfig } from '../config/index.js';
import { datasetConfigPath, listDatasetNames } from '../data/resolve.js';
import { entryName, ExperimentConfigError, type ExperimentConfig } from './config.js';

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
}

function yamlNames(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, '')).sort() : [];
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
    if (existsSync(candidate)) presetFile = candidate;
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
    throw new ExperimentConfigError([`${file}: datasets[${i}]: unknown dataset '${ref}' (known: ${listDatasetNames().join(', ')}, or a dataset YAML or ingested directory)`]);
  }
}

function checkUnique(names: string[], what: string, file: string): void {
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (seen.has(n)) throw new ExperimentConfigError([`${file}: ${what}[${i}]: duplicate name '${n}'`]);
    seen.add(n);
  });
}

/** Every cell of the experiment with its resolved config; throws ExperimentConfigError naming the entry. */
export function expandCells(exp: ExperimentConfig, file: string, opts: { runsDir?: string } = {}): Cell[] {
  const runsDir = opts.runsDir ?? exp.runs_dir;
  checkUnique(exp.models.map(entryName), 'models', file);
  checkUnique(exp.datasets.map(entryName), 'datasets', file);
  checkUnique(exp.strategies.map(entryName), 'strategies', file);
  let base: string;
  try {
    base = exp.base ? resolveConfigRef(exp.base, path.dirname(file)) : defaultConfigPath();
  } catch (e) {
    throw new ExperimentConfigError([`${file}: base: ${(e as Error).message}`]);
  }
  const models = exp.models.map((_, i) => modelOverrides(exp, i, file));
  const datasets = exp.datasets.map((_, i) => datasetRef(exp, i, file));
  const cells: Cell[] = [];
  exp.models.forEach((m, mi) => {
    exp.datasets.forEach((d, di) => {
      for (const s of exp.strategies) {
        for (const ctx of exp.context_lengths ?? [undefined]) {
          for (const seed of exp.seeds) {
            const sets = [
              ...models[mi]!, ...exp.set, ...(typeof m === 'object' ? m.set : []),
              `data.dataset=${datasets[di]}`, ...(typeof d === 'object' ? d.set : []),
              ...(typeof s === 'object' ? s.set : []),
              ...(ctx !== undefined ? [`model.context_length=${ctx}`] : []),
              `training.seed=${seed}`, `training.threads=${exp.threads_per_worker}`,
              ...(runsDir ? [`output.runs_dir=${path.resolve(runsDir)}`] : []),
            ];
            const key = [entryName(m), entryName(d), entryName(s), ...(ctx !== undefined ? [`ctx${ctx}`] : []), `s${seed}`].join('.');
            let config: TsfmConfig;
            try {
              config = loadConfig(base, { overrides: sets }).config;
            } catch (e) {
              const issues = e instanceof ConfigError ? e.issues : [(e as Error).message];
              throw new ExperimentConfigError(issues.map((i) => `${file}: cell ${key} (models[${mi}] × datasets[${di}]): ${i}`));
            }
            cells.push({ key, model: entryName(m), dataset: entryName(d), strategy: entryName(s), contextLength: config.model.context_length, seed, config, ...(typeof s === 'object' && s.init_from ? { initFrom: s.init_from } : {}) });
          }
        }
      }
    });
  });
  return cells;
}
