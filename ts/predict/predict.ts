/**
 * Forecasts with a trained run on new data: the run's resolved config, its train-fitted scaler
 * (scaler.json) and weights (checkpoints/best.pt, else last.pt); the data file is read with the run's
 * dataset mapping (its columns, units, interval), or given as a dataset YAML.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot, parseConfigYaml, type TsfmConfig } from '../config/index.js';
import { datasetConfigPath } from '../data/resolve.js';
import { loadDataset } from '../data/load.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { loadNative } from '../native/loader.js';
import type { ForecastColumns } from './output.js';
import { runModelParams } from '../pretrained/index.js';

export interface PredictOptions {
  /** 'last': one forecast from the end of each series (the future); 'rolling': every `stride` steps, with actuals. */
  origins?: 'last' | 'rolling';
  stride?: number;
  threads?: number;
}

interface ScalerFile {
  kind: 'none' | 'global' | 'per_series';
  mean: number[];
  std: number[];
  channels: string[];
  series: string[];
  global?: { mean: number[]; std: number[] };
}

function readJson<T>(file: string): T {
  if (!existsSync(file)) throw new Error(`${file}: missing (the run did not save it; was it trained by an older tsfm?)`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
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
  const base = cfgFile ? ({ ...(parseYaml(readFileSync(cfgFile, 'utf8')) as object), ...(config.data.overrides ?? {}) } as Record<string, unknown>) : {};
  if (base.format === 'simulated' || !cfgFile) {
    // Simulated data has no source file: read a long table with the channels as columns (as `tsfm` exports them).
    return { name: 'predict', format: 'long', path: file, id: 'id', time: 'time', target: channels[0], past_covariates: channels.slice(1),
      fill: Object.fromEntries(channels.slice(1).map((c) => [c, 'zero'])), interval: base.interval ?? undefined };
  }
  return { ...base, path: path.resolve(file) };
}

/** Loads a run and forecasts `dataFile`. */
export async function predictWithRun(runDir: string, dataFile: string, opts: PredictOptions = {}): Promise<ForecastColumns> {
  const config = parseConfigYaml(readFileSync(path.join(runDir, 'config.yaml'), 'utf8'), path.join(runDir, 'config.yaml'));
  const scaler = readJson<ScalerFile>(path.join(runDir, 'scaler.json'));
  const weights = ['best.pt', 'last.pt'].map((f) => path.join(runDir, 'checkpoints', f)).find((f) => existsSync(f));
  if (!weights) throw new Error(`${runDir}/checkpoints: no best.pt or last.pt to load`);
  if (!existsSync(dataFile)) throw new Error(`--data ${dataFile}: file not found`);
  const { context_length: L, horizon: H } = config.model;
  const raw = datasetForFile(config, dataFile, scaler.channels);
  const { dataset } = await loadDataset(raw, { baseDir: packageRoot(), minSegmentLength: L }, dataFile);
  return forecast(config, scaler, weights, dataset, L, H, opts);
}

async function forecast(config: TsfmConfig, scaler: ScalerFile, weights: string, ds: TimeSeriesDataset, L: number, H: number, opts: PredictOptions): Promise<ForecastColumns> {
  // Channels in the order the model was trained on, found by name.
  const C = scaler.channels.length;
  const srcIndex = scaler.channels.map((name) => {
    const i = ds.channels.findIndex((c) => c.name === name);
    if (i < 0) throw new Error(`--data: channel '${name}' the model was trained with is missing (the data has: ${ds.channels.map((c) => c.name).join(', ')})`);
    return i;
  });
  const targets = (config.data.target_channels ?? scaler.channels.filter((n) => ds.channels[srcIndex[scaler.channels.indexOf(n)]!]!.role === 'target')).map((n) => scaler.channels.indexOf(n));
  const inputs = config.data.covariates ? scaler.channels.map((_, i) => i) : targets;
  // Series statistics: the series' own training statistics when the run saw it, else the train-wide ones.
  const mean = new Float32Array(ds.series.length * C);
  const std = new Float32Array(ds.series.length * C).fill(1);
  ds.series.forEach((s, si) => {
    const k = scaler.series.indexOf(s.id);
    for (let c = 0; c < C; c++) {
      const [m, sd] = k >= 0 ? [scaler.mean[k * C + c]!, scaler.std[k * C + c]!]
        : scaler.global ? [scaler.global.mean[c]!, scaler.global.std[c]!] : [scaler.mean[c]!, scaler.std[c]!];
      mean[si * C + c] = m;
      std[si * C + c] = sd;
    }
  });
  // Pad every segment with H empty rows so a window may forecast past the end of the data.
  const segs = ds.segments.filter((s, i) => opts.origins === 'rolling' || i === ds.segments.length - 1 || ds.segments[i + 1]!.series !== s.series);
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
  const nds = new native.NativeDataset({ columns, segmentOffsets: offsets, segmentLengths: segs.map((s) => s.length + H), segmentSeries: segs.map((s) => s.series), numSeries: ds.series.length });
  const quantiles = config.model.output === 'quantile' ? config.model.quantiles : [];
  const model = new native.NativeModel({ family: config.model.family, contextLength: L, horizon: H, channels: inputs.length, quantiles: quantiles.length ? quantiles : undefined, params: runModelParams(config.model), seed: config.training.seed });
  const trainer = new native.NativeTrainer(model, { epochs: 1, batchSize: 256, lr: 1e-3, loss: config.model.loss, device: 'cpu', threads: opts.threads ?? config.training.threads });
  try {
    await trainer.loadWeights(weights);
    const pred = await trainer.predict({ dataset: nds, windows: { context: L, horizon: H, stride, spanStart: Float64Array.from(spanStart), spanCount: Float64Array.from(spanCount) },
      scaling: scaler.kind === 'none' ? null : { kind: scaler.kind, mean, std, channels: C }, inputChannels: inputs, targetChannels: targets });
    return toColumns(pred, { ds, segs, offsets, spanStart, spanCount, stride, targets, channels: scaler.channels, columns, L, H, quantiles });
  } finally {
    trainer.dispose();
    model.dispose();
    nds.dispose();
  }
}

function toColumns(pred: { data: Float32Array }, a: {
  ds: TimeSeriesDataset; segs: TimeSeriesDataset['segments']; offsets: number[]; spanStart: number[]; spanCount: number[]; stride: number;
  targets: number[]; channels: string[]; columns: Float32Array[]; L: number; H: number; quantiles: number[];
}): ForecastColumns {
  const K = a.targets.length;
  const Q = Math.max(1, a.quantiles.length);
  let median = 0;
  a.quantiles.forEach((q, i) => { if (Math.abs(q - 0.5) < Math.abs(a.quantiles[median]! - 0.5)) median = i; });
  const out: ForecastColumns = { series: [], origin_time: [], time: [], step: new Int32Array(0), channel: [], forecast: new Float32Array(0), actual: new Float32Array(0), quantiles: [] };
  const step: number[] = [], fc: number[] = [], actual: number[] = [];
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
