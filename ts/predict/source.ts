/**
 * What `predict` reads: a data file (device export, or a table mapped by the mapping flags, the run's recorded
 * mapping, then auto-detection), a dataset YAML or name, a directory written by `tsfm data ingest|simulate
 * --out`, or arrays in memory. Every path goes through the data layer's resolver (data/resolve.ts) or its
 * regularisation, as training did; segments of any length are kept, so short series can be reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../config/index.js';
import type { FileMappingOptions } from '../data/autodetect.js';
import { isDataFile } from '../data/autodetect.js';
import { mappingFromOverrides } from '../data/file-mapping.js';
import { datasetFromArrays, type SeriesArrays } from '../data/in-memory.js';
import { loadDataset } from '../data/load.js';
import { readTable } from '../data/readers.js';
import { datasetConfigPath, listDatasetNames, openDataset } from '../data/resolve.js';
import { sniffFile } from '../data/sniff.js';
import type { TimeSeriesDataset } from '../data/types.js';
import type { TrainedModel } from '../pipeline/trained-model.js';

export interface SourceOptions {
  /** Mapping flags of a data file (win over the run's recorded mapping and over detection). */
  file?: FileMappingOptions;
  /** In-memory arrays: grid step in ms (default: the median step). */
  intervalMs?: number;
}

/** Whether the run was trained on a data file named directly (it need not exist any more). */
function trainedOnDataFile(trained: TrainedModel): boolean {
  const ref = trained.config.data.dataset;
  return isDataFile(ref) || /\.(csv|tsv|txt|json|xml|arrow|feather|ipc|parquet|pq)(\.gz)?$/i.test(ref);
}

/** The run's dataset YAML when it was trained on a named/YAML dataset read from files (not simulated, not a file). */
function runDatasetYaml(trained: TrainedModel): Record<string, unknown> | undefined {
  const ref = trained.config.data.dataset;
  if (trainedOnDataFile(trained)) return undefined;
  let file: string;
  try {
    file = datasetConfigPath(ref);
  } catch {
    return undefined; // an ingested directory: no source mapping to reuse
  }
  const raw = { ...(parseYaml(readFileSync(file, 'utf8')) as object), ...(trained.config.data.overrides ?? {}) } as Record<string, unknown>;
  return raw.format === 'simulated' ? undefined : raw;
}

/** The model's covariate inputs that a plain table has as columns, as dataset overrides (events filled with 0). */
async function covariateColumns(trained: TrainedModel, file: string, targets: string[]): Promise<Record<string, unknown>> {
  if (!trained.config.data.covariates) return {};
  const wanted = trained.scaler.channels.filter((c) => !targets.includes(c));
  if (wanted.length === 0) return {};
  const header = (await readTable(file)).header;
  const present = wanted.filter((c) => header.includes(c));
  // Missing ones are reported together, by name, when the channels are matched (predict.ts).
  return present.length ? { past_covariates: present, fill: Object.fromEntries(present.map((c) => [c, 'zero'])) } : {};
}

const given = (m: FileMappingOptions = {}) => Object.values(m).some((v) => v !== undefined);

async function dataFileDataset(trained: TrainedModel, file: string, opts: SourceOptions, targets: string[]): Promise<TimeSeriesDataset> {
  const yaml = runDatasetYaml(trained);
  if (yaml && !given(opts.file)) {
    // Same layout as the run's dataset (its columns, units, interval): its YAML with the path replaced.
    const { dataset } = await loadDataset({ ...yaml, path: path.resolve(file) }, { baseDir: packageRoot() }, file);
    return dataset;
  }
  const sniffed = await sniffFile(file);
  // A run trained on a data file recorded its mapping and other ingest options (e.g. max_gap) in data.overrides:
  // the options apply to any file, the column mapping to a table only.
  const run = trainedOnDataFile(trained) ? mappingFromOverrides(trained.config.data.overrides) : { file: {}, rest: {} };
  const recorded = sniffed.kind === 'table' ? run.file : {};
  const covariates = sniffed.kind === 'table' ? await covariateColumns(trained, file, targets) : {};
  const { dataset } = await openDataset(file, {
    cacheDir: false,
    file: { ...recorded, ...Object.fromEntries(Object.entries(opts.file ?? {}).filter(([, v]) => v !== undefined)) },
    overrides: { ...run.rest, ...covariates },
  });
  return dataset;
}

/** Reads `data` for forecasting with `trained`; `targets` are the model's target channel names. */
export async function predictionDataset(
  trained: TrainedModel,
  data: string | SeriesArrays,
  targets: string[],
  opts: SourceOptions = {},
): Promise<TimeSeriesDataset> {
  if (typeof data !== 'string') return datasetFromArrays(data, { targetName: data.target ?? targets[0]!, intervalMs: opts.intervalMs });
  if (!existsSync(data) && !listDatasetNames().includes(data)) throw new Error(`--data ${data}: file not found`);
  if (isDataFile(data)) return dataFileDataset(trained, data, opts, targets);
  // A dataset YAML or name, or an ingested/simulated directory (mapping flags are refused there, in one line).
  const { dataset } = await openDataset(data, { cacheDir: false, file: opts.file });
  return dataset;
}
