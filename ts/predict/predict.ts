/**
 * Forecasts with a trained run on new data: the run's resolved config, its train-fitted scaler
 * (scaler.json) and weights (checkpoints/best.pt, else last.pt). The data is a file (see source.ts for how it
 * is read), a directory written by `tsfm data ingest|simulate --out`, a dataset YAML or name, or arrays in
 * memory; channels are matched to the model's by name (a lone target by its role), every missing input named.
 */
import type { FileMappingOptions } from '../data/autodetect.js';
import type { SeriesArrays } from '../data/in-memory.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { formatDuration } from '../data/units.js';
import { loadNative } from '../native/loader.js';
import { statisticsForSeries } from '../pipeline/scaler-file.js';
import { TrainedModel } from '../pipeline/trained-model.js';
import type { ForecastColumns } from './output.js';
import { predictionDataset } from './source.js';

export interface PredictOptions {
  /** 'last': one forecast from the end of each series (the future); 'rolling': every `stride` steps, with actuals. */
  origins?: 'last' | 'rolling';
  stride?: number;
  threads?: number;
  /** 'auto' (default: the run's training.device), 'cpu', 'cuda', 'cuda:N'. */
  device?: string;
  /** Mapping of a data file (`--time`, `--target`, ...): wins over the run's recorded mapping and detection. */
  file?: FileMappingOptions;
  /** In-memory arrays: grid step in milliseconds (default: the median step). */
  intervalMs?: number;
  /** One-line notes (series skipped as too short, a target read under the model's name); default: none. */
  onNote?: (line: string) => void;
}

/**
 * Loads the run in `runDir` and forecasts `data`: a path (data file, YAML, dataset name, ingested directory), or
 * in-memory arrays `{ series, times, values, covariates? }`. Forecasts come back as typed arrays.
 */
export async function predictWithRun(runDir: string, data: string | SeriesArrays, opts: PredictOptions = {}): Promise<ForecastColumns> {
  const trained = TrainedModel.open(runDir, { threads: opts.threads, batchSize: 256, device: opts.device });
  try {
    const ds = await predictionDataset(trained, data, modelTargets(trained), { file: opts.file, intervalMs: opts.intervalMs });
    return await forecastDataset(trained, ds, opts, typeof data === 'string' ? `--data ${data}` : 'predict');
  } finally {
    trained.dispose();
  }
}

/** The model's target channels: the config's, else those the data marks as targets, else the first channel. */
function modelTargets(trained: TrainedModel, ds?: TimeSeriesDataset): string[] {
  if (trained.config.data.target_channels) return trained.config.data.target_channels;
  const names = trained.scaler.channels;
  const byRole = ds ? names.filter((n) => ds.channels.find((c) => c.name === n)?.role === 'target') : [];
  return byRole.length ? byRole : [names[0]!];
}

interface Matched {
  /** Per model channel: its channel in the data, -1 when the model does not read it. */
  src: number[];
  targets: number[];
  inputs: number[];
}

/** Matches the model's channels to the data's; throws one line naming every missing input. */
function matchChannels(trained: TrainedModel, ds: TimeSeriesDataset, where: string, note: (l: string) => void): Matched {
  const names = trained.scaler.channels;
  const targetNames = modelTargets(trained, ds);
  const src = names.map((n) => ds.channels.findIndex((c) => c.name === n));
  const dataTargets = ds.channels.map((c, i) => (c.role === 'target' ? i : -1)).filter((i) => i >= 0);
  const t0 = names.indexOf(targetNames[0]!);
  // One target each side under different names (gl vs glucose): the data's target is the model's.
  if (targetNames.length === 1 && src[t0]! < 0 && dataTargets.length === 1 && !names.includes(ds.channels[dataTargets[0]!]!.name)) {
    src[t0] = dataTargets[0]!;
    note(`${where}: the data's target '${ds.channels[dataTargets[0]!]!.name}' is read as the model's '${targetNames[0]}'`);
  }
  const targets = targetNames.map((n) => names.indexOf(n));
  const inputs = trained.config.data.covariates ? names.map((_, i) => i) : targets;
  const has = ds.channels.map((c) => `'${c.name}'`).join(', ');
  const missingTargets = targets.filter((c) => src[c]! < 0).map((c) => `'${names[c]}'`);
  if (missingTargets.length)
    throw new Error(
      `${where}: the model forecasts ${missingTargets.join(', ')}, which the data lacks (it has: ${has}); name the column with --target COL`,
    );
  const missing = inputs.filter((c) => src[c]! < 0).map((c) => `'${names[c]}'`);
  if (missing.length)
    throw new Error(
      `${where}: run ${trained.runId} reads ${missing.length > 1 ? 'covariates' : 'covariate'} ${missing.join(', ')} as ${missing.length > 1 ? 'inputs' : 'input'}, which the data lacks (it has: ${has}); add ${missing.length > 1 ? 'these columns' : 'this column'}, or use a run trained with data.covariates: false`,
    );
  return { src: names.map((_, c) => (inputs.includes(c) ? src[c]! : -1)), targets, inputs };
}

/** The segments to forecast from, and the series left out as shorter than the context (reported, or thrown if all). */
function usableSegments(ds: TimeSeriesDataset, L: number, rolling: boolean, where: string, note: (l: string) => void) {
  const segs: TimeSeriesDataset['segments'] = [];
  const skipped: Array<{ series: string; rows: number }> = [];
  const labels: string[] = [];
  ds.series.forEach((s, si) => {
    const own = ds.segments.filter((g) => g.series === si);
    const candidates = rolling ? own : own.slice(-1);
    const ok = candidates.filter((g) => g.length >= L);
    if (ok.length) {
      segs.push(...ok);
      return;
    }
    const rows = Math.max(0, ...candidates.map((g) => g.length));
    skipped.push({ series: s.id, rows });
    const part = own.length <= 1 ? `${rows} rows` : rolling ? `longest gap-free part ${rows} rows` : `last ${rows} rows, after a gap`;
    labels.push(`'${s.id}' (${part})`);
  });
  if (skipped.length) {
    const list = labels.slice(0, 10).join(', ') + (skipped.length > 10 ? ` and ${skipped.length - 10} more` : '');
    const what = `shorter than the model's context of ${L} steps (${formatDuration(L * ds.intervalMs)})`;
    if (segs.length === 0) throw new Error(`${where}: every series is ${what}: ${list}; nothing to forecast`);
    note(`${where}: ${skipped.length} series ${what}, not forecast: ${list}`);
  }
  return { segs, skipped };
}

/** Forecasts an already-read dataset with an open trained model. */
export async function forecastDataset(
  trained: TrainedModel,
  ds: TimeSeriesDataset,
  opts: PredictOptions = {},
  where = 'predict',
): Promise<ForecastColumns> {
  const { config, scaler, context: L, horizon: H } = trained;
  const note = opts.onNote ?? (() => {});
  const rolling = opts.origins === 'rolling';
  const m = matchChannels(trained, ds, where, note);
  const { segs, skipped } = usableSegments(ds, L, rolling, where, note);
  const C = scaler.channels.length;
  const { mean, std } = statisticsForSeries(
    scaler,
    ds.series.map((s) => s.id),
  );
  // Pad every segment with H empty rows so a window may forecast past the end of the data.
  const rows = segs.reduce((a, s) => a + s.length + H, 0);
  const columns = scaler.channels.map((_, c) => new Float32Array(rows).fill(m.src[c]! < 0 ? 0 : Number.NaN));
  const offsets: number[] = [];
  let o = 0;
  for (const s of segs) {
    offsets.push(o);
    m.src.forEach((src, c) => {
      if (src >= 0) columns[c]!.set(ds.values[src]!.subarray(s.offset, s.offset + s.length), o);
    });
    o += s.length + H;
  }
  const stride = opts.stride ?? H;
  const spanStart = segs.map((s, i) => (rolling ? offsets[i]! : offsets[i]! + s.length - L));
  const spanCount = segs.map((s) => (rolling ? Math.floor((s.length - L) / stride) + 1 : 1));

  const native = loadNative();
  const nds = new native.NativeDataset({
    columns,
    segmentOffsets: offsets,
    segmentLengths: segs.map((s) => s.length + H),
    segmentSeries: segs.map((s) => s.series),
    numSeries: ds.series.length,
  });
  try {
    const pred = await trained.predict({
      dataset: nds,
      windows: { context: L, horizon: H, stride, spanStart: Float64Array.from(spanStart), spanCount: Float64Array.from(spanCount) },
      scaling: scaler.kind === 'none' ? null : { kind: scaler.kind, mean, std, channels: C },
      inputChannels: m.inputs,
      targetChannels: m.targets,
    });
    const out = toColumns(pred, {
      ds,
      segs,
      offsets,
      spanStart,
      spanCount,
      stride,
      targets: m.targets,
      channels: scaler.channels,
      columns,
      L,
      H,
      quantiles: trained.quantiles ?? [],
      rolling,
    });
    const unit = ds.channels[m.src[m.targets[0]!]!]?.unit;
    return {
      ...out,
      skipped,
      meta: {
        runId: trained.runId,
        model: config.model.family,
        output: config.model.output,
        context: L,
        horizon: H,
        intervalMs: ds.intervalMs,
        origins: rolling ? 'rolling' : 'last',
        ...(unit ? { unit } : {}),
      },
    };
  } finally {
    nds.dispose();
  }
}

interface Layout {
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
  rolling: boolean;
}

function toColumns(pred: { data: Float32Array }, a: Layout): Omit<ForecastColumns, 'meta' | 'skipped'> {
  const K = a.targets.length;
  const Q = Math.max(1, a.quantiles.length);
  let median = 0;
  a.quantiles.forEach((q, i) => {
    if (Math.abs(q - 0.5) < Math.abs(a.quantiles[median]! - 0.5)) median = i;
  });
  const windows = a.spanCount.reduce((s, n) => s + n, 0);
  const N = windows * K * a.H;
  const series: string[] = new Array<string>(N);
  const channel: string[] = new Array<string>(N);
  const origin = new Float64Array(N);
  const time = new Float64Array(N);
  const step = new Int32Array(N);
  const forecast = new Float32Array(N);
  const actual = new Float32Array(N);
  const qv = a.quantiles.map(() => new Float32Array(N));
  let w = 0;
  let r = 0;
  a.segs.forEach((seg, si) => {
    for (let k = 0; k < a.spanCount[si]!; k++, w++) {
      const start = a.spanStart[si]! + k * a.stride; // padded row of the first context step
      const rel = start - a.offsets[si]!; // row within the segment
      const originMs = seg.startMs + (rel + a.L - 1) * a.ds.intervalMs;
      for (let c = 0; c < K; c++) {
        for (let h = 0; h < a.H; h++, r++) {
          const at = (q: number) => pred.data[((w * Q + q) * K + c) * a.H + h]!;
          series[r] = a.ds.series[seg.series]!.id;
          origin[r] = originMs;
          time[r] = originMs + (h + 1) * a.ds.intervalMs;
          channel[r] = a.channels[a.targets[c]!]!;
          step[r] = h + 1;
          forecast[r] = at(a.quantiles.length ? median : 0);
          actual[r] = a.columns[a.targets[c]!]![start + a.L + h]!;
          qv.forEach((v, q) => (v[r] = at(q)));
        }
      }
    }
  });
  return {
    series,
    origin,
    time,
    step,
    channel,
    forecast,
    ...(a.rolling ? { actual } : {}),
    quantiles: a.quantiles.map((level, q) => ({ level, values: qv[q]! })),
  };
}
