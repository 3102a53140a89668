/**
 * Forecasts with a trained run on new data: the run's resolved config, its train-fitted scaler
 * (scaler.json) and weights (checkpoints/best.pt, else last.pt); the data file is read with the run's
 * dataset mapping (its columns, units, interval), or given as a dataset YAML.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot, type TsfmConfig } from '../config/index.js';
import { datasetConfigPath } from '../data/resolve.js';
import { loadDataset } from '../data/load.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { loadNative } from '../native/loader.js';
import { statisticsForSeries } from '../pipeline/scaler-file.js';
import { TrainedModel } from '../pipeline/trained-model.js';
import type { ForecastColumns } from './output.js';

export interface PredictOptions {
  /** 'last': one forecast from the end of each series (the future); 'rolling': every `stride` steps, with actuals. */
  origins?: 'last' | 'rolling';
  stride?: number;
  threads?: number;
}

/** The run's dataset config with `path` replaced by the file, or a generic long-format mapping for simulated data. */
function datasetForFile(config: TsfmConfig, file: string, channels: string[]): Record<string, unknown> {
  if (/\.ya?ml$/i.test(file)) {
    const raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (typeof raw?.path === 'string') raw.path = path.resolve(path.dirname(file), raw.path);
    return raw;
  }
  let cfgFile: string | undefined;
  try {
    cfgFile = datasetConfigPath(config.data.dataset);
  } catch {
    cfgFile = undefined; // an ingested directory: no source mapping to reuse
  }
  const base = cfgFile
    ? ({ ...(parseYaml(readFileSync(cfgFile, 'utf8')) as object), ...(config.data.overrides ?? {}) } as Record<string, unknown>)
    : {};
  if (base.format === 'simulated' || !cfgFile) {
    // Simulated data has no source file: read a long table with the channels as columns (as `tsfm` exports them).
    return {
      name: 'predict',
      format: 'long',
      path: file,
      id: 'id',
      time: 'time',
      target: channels[0],
      past_covariates: channels.slice(1),
      fill: Object.fromEntries(channels.slice(1).map((c) => [c, 'zero'])),
      interval: base.interval ?? undefined,
    };
  }
  return { ...base, path: path.resolve(file) };
}

/** Loads a run and forecasts `dataFile`. */
export async function predictWithRun(runDir: string, dataFile: string, opts: PredictOptions = {}): Promise<ForecastColumns> {
  const trained = TrainedModel.open(runDir, { threads: opts.threads, batchSize: 256 });
  try {
    if (!existsSync(dataFile)) throw new Error(`--data ${dataFile}: file not found`);
    const raw = datasetForFile(trained.config, dataFile, trained.scaler.channels);
    const { dataset } = await loadDataset(raw, { baseDir: packageRoot(), minSegmentLength: trained.context }, dataFile);
    return await forecast(trained, dataset, opts);
  } finally {
    trained.dispose();
  }
}

async function forecast(trained: TrainedModel, ds: TimeSeriesDataset, opts: PredictOptions): Promise<ForecastColumns> {
  const { config, scaler, context: L, horizon: H } = trained;
  // Channels in the order the model was trained on, found by name.
  const C = scaler.channels.length;
  const srcIndex = scaler.channels.map((name) => {
    const i = ds.channels.findIndex((c) => c.name === name);
    if (i < 0)
      throw new Error(
        `--data: channel '${name}' the model was trained with is missing (the data has: ${ds.channels.map((c) => c.name).join(', ')})`,
      );
    return i;
  });
  const targets = (
    config.data.target_channels ?? scaler.channels.filter((n) => ds.channels[srcIndex[scaler.channels.indexOf(n)]!]!.role === 'target')
  ).map((n) => scaler.channels.indexOf(n));
  const inputs = config.data.covariates ? scaler.channels.map((_, i) => i) : targets;
  const { mean, std } = statisticsForSeries(
    scaler,
    ds.series.map((s) => s.id),
  );
  // Pad every segment with H empty rows so a window may forecast past the end of the data.
  const segs = ds.segments.filter(
    (s, i) => opts.origins === 'rolling' || i === ds.segments.length - 1 || ds.segments[i + 1]!.series !== s.series,
  );
  const rows = segs.reduce((a, s) => a + s.length + H, 0);
  const columns = scaler.channels.map(() => new Float32Array(rows).fill(Number.NaN));
  const offsets: number[] = [];
  let o = 0;
  for (const s of segs) {
    offsets.push(o);
    srcIndex.forEach((src, c) => columns[c]!.set(ds.values[src]!.subarray(s.offset, s.offset + s.length), o));
    o += s.length + H;
  }
  const stride = opts.stride ?? H;
  const spanStart = segs.map((s, i) => (opts.origins === 'rolling' ? offsets[i]! : offsets[i]! + s.length - L));
  const spanCount = segs.map((s) => (opts.origins === 'rolling' ? Math.floor((s.length - L) / stride) + 1 : 1));

  const native = loadNative();
  const nds = new native.NativeDataset({
    columns,
    segmentOffsets: offsets,
    segmentLengths: segs.map((s) => s.length + H),
    segmentSeries: segs.map((s) => s.series),
    numSeries: ds.series.length,
  });
  const quantiles = trained.quantiles ?? [];
  try {
    const pred = await trained.predict({
      dataset: nds,
      windows: { context: L, horizon: H, stride, spanStart: Float64Array.from(spanStart), spanCount: Float64Array.from(spanCount) },
      scaling: scaler.kind === 'none' ? null : { kind: scaler.kind, mean, std, channels: C },
      inputChannels: inputs,
      targetChannels: targets,
    });
    return toColumns(pred, {
      ds,
      segs,
      offsets,
      spanStart,
      spanCount,
      stride,
      targets,
      channels: scaler.channels,
      columns,
      L,
      H,
      quantiles,
    });
  } finally {
    nds.dispose();
  }
}

function toColumns(
  pred: { data: Float32Array },
  a: {
    ds: TimeSeriesDataset;
    segs: TimeSeriesDataset['segments'];
    offsets: number[];
    spanStart: number[];
    spanCount: number[];
    stride: number;
    targets: number[];
    channels: string[];
    columns: Float32Array[];
    L: number;
    H: number;
    quantiles: number[];
  },
): ForecastColumns {
  const K = a.targets.length;
  const Q = Math.max(1, a.quantiles.length);
  let median = 0;
  a.quantiles.forEach((q, i) => {
    if (Math.abs(q - 0.5) < Math.abs(a.quantiles[median]! - 0.5)) median = i;
  });
  const out: ForecastColumns = {
    series: [],
    origin_time: [],
    time: [],
    step: new Int32Array(0),
    channel: [],
    forecast: new Float32Array(0),
    actual: new Float32Array(0),
    quantiles: [],
  };
  const step: number[] = [],
    fc: number[] = [],
    actual: number[] = [];
  const qv: number[][] = a.quantiles.map(() => []);
  const iso = (ms: number) => new Date(ms).toISOString();
  let w = 0;
  a.segs.forEach((seg, si) => {
    for (let k = 0; k < a.spanCount[si]!; k++, w++) {
      const start = a.spanStart[si]! + k * a.stride; // padded row of the first context step
      const rel = start - a.offsets[si]!; // row within the segment
      const originMs = seg.startMs + (rel + a.L - 1) * a.ds.intervalMs;
      for (let c = 0; c < K; c++) {
        for (let h = 0; h < a.H; h++) {
          const at = (q: number) => pred.data[((w * Q + q) * K + c) * a.H + h]!;
          out.series.push(a.ds.series[seg.series]!.id);
          out.origin_time.push(iso(originMs));
          out.time.push(iso(originMs + (h + 1) * a.ds.intervalMs));
          out.channel.push(a.channels[a.targets[c]!]!);
          step.push(h + 1);
          fc.push(at(a.quantiles.length ? median : 0));
          actual.push(a.columns[a.targets[c]!]![start + a.L + h]!);
          a.quantiles.forEach((_, q) => qv[q]!.push(at(q)));
        }
      }
    }
  });
  out.step = Int32Array.from(step);
  out.forecast = Float32Array.from(fc);
  out.actual = Float32Array.from(actual);
  out.quantiles = a.quantiles.map((level, q) => ({ level, values: Float32Array.from(qv[q]!) }));
  return out;
}
