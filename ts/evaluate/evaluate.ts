/**
 * `evaluateRun()`: a trained run -> its forecasts on one or more datasets and tasks -> every metric,
 * beside the baselines on the same windows -> `<run>/eval/<dataset>-<split>/` (summary.json,
 * windows.arrow, steps.arrow, forecasts.arrow).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../runs/atomic.js';
import { resolveRunDir as resolveRun } from '../runs/resolve.js';
import type { TsfmConfig } from '../config/index.js';
import { selectSeries } from '../data/select.js';
import { applyScaler } from '../data/scaler.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { rowSeries } from '../data/windows.js';
import { toNativeDataset } from '../native/dataset.js';
import { loadConfiguredDataset } from '../pipeline/dataset.js';
import { prepareDataset } from '../pipeline/prepare.js';
import { scalerForDataset } from '../pipeline/scaler-file.js';
import { TrainedModel } from '../pipeline/trained-model.js';
import { EvalError } from '../metrics/errors.js';
import { BASELINES, fitLinReg, lastValueForecast, linRegForecast, seasonalNaiveForecast, type BaselineName } from '../metrics/baselines.js';
import { comparePaired, type PairedComparison } from '../metrics/compare.js';
import { evaluateForecasts, medianFromQuantiles, type ForecasterMetrics, type WindowColumns } from '../metrics/metrics.js';
import { limitWindows, taskWindows, type EvalSplit, type TaskWindows } from './tasks.js';
import { evaluateNightsOfRun, formatNightTask } from './night-run.js';
import type { NightTaskEvaluation } from './night-task.js';
import { channelOf, quantileChannelOf, type Tensor } from '../metrics/tensors.js';
import { writeArrowTable, type Columns } from './tables.js';
import { formatPooled, poolChannels, withoutPercentageErrors, type PooledMetrics } from './all-channels.js';

export interface ChannelEvaluation {
  channel: string;
  unit?: string;
  glucose: boolean;
  /** 'model' and each baseline. */
  forecasters: Record<string, ForecasterMetrics>;
  /** Model minus each baseline, per-window RMSE (negative favours the model). */
  comparisons: PairedComparison[];
  /** A few windows for fan charts. */
  samples: ForecastSample[];
  /** Up to 1000 (truth, forecast) pairs of the model, for error-grid plots. */
  gridSample: { forecaster: string; truth: number[]; forecast: number[] };
}

export interface ForecastSample {
  title: string;
  /** Minutes from the forecast origin of each context / target point. */
  contextMinutes: number[];
  context: number[];
  minutes: number[];
  truth: number[];
  forecast: number[];
  baseline?: { name: string; values: number[] };
  /** Central intervals: lower and upper quantile values per target point. */
  bands: Array<{ nominal: number; lo: number[]; hi: number[] }>;
}

export interface EvaluationSummary {
  run: string;
  dataset: { name: string; version: string };
  split: EvalSplit;
  created: string;
  model: { family: string; context: number; horizon: number; quantiles?: number[]; checkpoint: string };
  intervalMinutes: number;
  counts: Record<string, number>;
  notes: string[];
  linregLags: number;
  /** 'original' units, or 'scaled' (evaluation.scale: scaled, the ETT convention: no percentage errors there). */
  scale?: 'original' | 'scaled';
  /** Per forecaster, the point metrics pooled over every target channel (the figure `tsfm train` prints). */
  allChannels?: Record<string, PooledMetrics>;
  channels: ChannelEvaluation[];
  /** The bedtime-anchored nocturnal task: night-level probabilities, metrics and baselines (channels is empty). */
  night?: NightTaskEvaluation;
}

export interface EvaluateRunOptions {
  /** Dataset names or config files (default: the run's dataset). */
  datasets?: string[];
  /** Tasks (default ['test']). */
  splits?: EvalSplit[];
  /** Where run ids are looked up (default: the current config default 'runs'). */
  runsDir?: string;
  nightStart?: string;
  nightHours?: number;
  /** LinReg lags (default: the model's context length, capped at 288). */
  linregLags?: number;
  /** Also write forecasts.arrow (default: the run's output.save_predictions). */
  saveForecasts?: boolean;
  /** Also log one line per target channel after the all-channel line. */
  perChannel?: boolean;
  onLog?: (line: string) => void;
}

/** A run id, unique prefix or run directory (as every command takes it). */
export function resolveRunDir(ref: string, runsDir?: string): string {
  return resolveRun(ref, runsDir);
}

/** Time (epoch ms) of each row's sample. */
function rowTimes(ds: TimeSeriesDataset): (row: number) => number {
  const offs = ds.segments.map((s) => s.offset);
  return (row: number) => {
    let lo = 0,
      hi = offs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (offs[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    const s = ds.segments[lo];
    return s.startMs + (row - s.offset) * ds.intervalMs;
  };
}

function gather(values: Float32Array, starts: Float64Array, offset: number, length: number): Float64Array {
  const out = new Float64Array(starts.length * length);
  for (let w = 0; w < starts.length; w++) for (let k = 0; k < length; k++) out[w * length + k] = values[starts[w] + offset + k];
  return out;
}

function round(xs: ArrayLike<number>, digits = 2): number[] {
  const f = 10 ** digits;
  return Array.from(xs, (x) => Math.round(x * f) / f);
}

function pickSamples(task: TaskWindows, nightly: boolean, truth: Float64Array, H: number, count: number): number[][] {
  const N = task.starts.length;
  if (!N) return [];
  if (nightly && task.night) {
    const byNight = new Map<number, number[]>();
    task.night.forEach((n, w) => {
      let a = byNight.get(n);
      if (!a) byNight.set(n, (a = []));
      a.push(w);
    });
    const nights = [...byNight.values()];
    const low = nights.filter((ws) => ws.some((w) => truth.subarray(w * H, (w + 1) * H).some((v) => v < 70)));
    const rest = nights.filter((ws) => !low.includes(ws));
    return [...low.slice(0, Math.ceil(count / 2)), ...rest].slice(0, count);
  }
  const k = Math.min(count, N);
  return Array.from({ length: k }, (_, i) => [Math.floor(((i + 0.5) * N) / k)]);
}

/** Evaluates given forecasts (and the baselines) on task windows of `ds`: the addon-free core of `evaluateRun`. */
// eslint-disable-next-line max-lines-per-function -- one pass per target channel computing every forecaster on the same windows
export function evaluateTask(args: {
  ds: TimeSeriesDataset;
  task: TaskWindows;
  context: number;
  horizon: number;
  /** Target channel indices into ds.channels. */
  targetChannels: number[];
  /** Model point forecasts per target channel [N, H]; omit for baselines only. */
  point?: Array<Float32Array | Float64Array>;
  quantiles?: { levels: number[]; values: Array<Float32Array | Float64Array> };
  trainWindows: Parameters<typeof fitLinReg>[1];
  linregLags: number;
  baselines?: readonly BaselineName[];
}): {
  channels: ChannelEvaluation[];
  perWindow: Record<string, Record<string, WindowColumns>>;
  forecasts: Record<string, Record<string, Float64Array | Float32Array>>;
  truth: Record<string, Float64Array>;
} {
  const { ds, task, context: C, horizon: H } = args;
  const N = task.starts.length;
  const rs = rowSeries(ds);
  const series = Float64Array.from(task.starts, (s) => rs[s]);
  const seriesNames = ds.series.map((s) => s.id);
  const channels: ChannelEvaluation[] = [];
  const perWindow: Record<string, Record<string, WindowColumns>> = {};
  const forecasts: Record<string, Record<string, Float64Array | Float32Array>> = {};
  const truths: Record<string, Float64Array> = {};
  const timeOf = rowTimes(ds);
  // eslint-disable-next-line max-lines-per-function -- the per-channel body of evaluateTask
  args.targetChannels.forEach((ci, k) => {
    const info = ds.channels[ci];
    const values = ds.values[ci];
    const truth = gather(values, task.starts, C, H);
    const context = { values: gather(values, task.starts, 0, C), length: C };
    const glucose = info.unit === 'mg/dL';
    const fc: Record<string, Float64Array | Float32Array> = {};
    if (args.point) fc.model = args.point[k];
    const wanted = args.baselines ?? BASELINES;
    if (wanted.includes('last_value')) fc.last_value = lastValueForecast(values, task.starts, C, H);
    if (wanted.includes('seasonal_naive')) fc.seasonal_naive = seasonalNaiveForecast(ds, ci, task.starts, C, H);
    if (wanted.includes('linreg'))
      fc.linreg = linRegForecast(fitLinReg(values, args.trainWindows, args.linregLags, H), values, task.starts, C);
    const forecasters: Record<string, ForecasterMetrics> = {};
    const pw: Record<string, WindowColumns> = {};
    for (const [name, f] of Object.entries(fc)) {
      const q = name === 'model' && args.quantiles ? { levels: args.quantiles.levels, values: args.quantiles.values[k] } : undefined;
      const r = evaluateForecasts({
        windows: N,
        horizon: H,
        truth,
        point: f,
        quantiles: q,
        context,
        series,
        seriesNames,
        night: task.night,
        glucose,
        allowMissingForecast: name === 'seasonal_naive',
        label: name === 'model' ? 'model' : `baseline ${name}`,
      });
      forecasters[name] = r.metrics;
      pw[name] = r.perWindow;
    }
    const comparisons = fc.model
      ? Object.keys(fc)
          .filter((n) => n !== 'model')
          .map((n) => comparePaired({ name: 'model', perWindow: pw.model.rmse }, { name: n, perWindow: pw[n].rmse }, 'rmse'))
      : [];
    // fan-chart samples: the last 2 horizons of context, the forecast and its central intervals
    const mainName = fc.model ? 'model' : fc.linreg ? 'linreg' : 'last_value';
    const main = fc[mainName];
    const shown = Math.min(C, 2 * H);
    const samples: ForecastSample[] = pickSamples(task, task.split === 'nocturnal-rolling', truth, H, 4).map((ws) => {
      const w0 = ws[0];
      const origin = timeOf(task.starts[w0] + C);
      const minutes = (row: number) => (timeOf(row) - origin) / 60_000;
      const s: ForecastSample = {
        title: `${seriesNames[series[w0]]} ${new Date(origin).toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        contextMinutes: Array.from({ length: shown }, (_, j) => minutes(task.starts[w0] + C - shown + j)),
        context: round(context.values.subarray(w0 * C + C - shown, w0 * C + C)),
        minutes: [],
        truth: [],
        forecast: [],
        bands: [],
      };
      if (fc.model && fc.linreg) s.baseline = { name: 'linreg', values: [] };
      const levels = args.quantiles?.levels ?? [];
      const pairs = [0.5, 0.8, 0.9]
        .map((c) => ({
          c,
          lo: levels.findIndex((l) => Math.abs(l - (1 - c) / 2) < 1e-9),
          hi: levels.findIndex((l) => Math.abs(l - (1 + c) / 2) < 1e-9),
        }))
        .filter((p) => p.lo >= 0 && p.hi >= 0);
      for (const p of pairs) s.bands.push({ nominal: p.c, lo: [], hi: [] });
      for (const w of ws)
        for (let h = 0; h < H; h++) {
          s.minutes.push(minutes(task.starts[w] + C + h));
          s.truth.push(Math.round(truth[w * H + h] * 100) / 100);
          s.forecast.push(Math.round(main[w * H + h] * 100) / 100);
          if (s.baseline) s.baseline.values.push(Math.round(fc.linreg[w * H + h] * 100) / 100);
          pairs.forEach((p, b) => {
            const qv = args.quantiles!.values[k];
            const Q = levels.length;
            s.bands[b].lo.push(Math.round(qv[(w * Q + p.lo) * H + h] * 100) / 100);
            s.bands[b].hi.push(Math.round(qv[(w * Q + p.hi) * H + h] * 100) / 100);
          });
        }
      return s;
    });
    const gridTruth: number[] = [],
      gridForecast: number[] = [];
    const step = Math.max(1, Math.ceil((N * H) / 1000));
    for (let i = 0; i < N * H; i += step) {
      if (Number.isFinite(truth[i]) && Number.isFinite(main[i])) {
        gridTruth.push(Math.round(truth[i] * 10) / 10);
        gridForecast.push(Math.round(main[i] * 10) / 10);
      }
    }
    channels.push({
      channel: info.name,
      unit: info.unit,
      glucose,
      forecasters,
      comparisons,
      samples,
      gridSample: { forecaster: mainName, truth: gridTruth, forecast: gridForecast },
    });
    perWindow[info.name] = pw;
    forecasts[info.name] = fc;
    truths[info.name] = truth;
  });
  return { channels, perWindow, forecasts, truth: truths };
}

// eslint-disable-next-line max-lines-per-function -- the three Arrow tables of an evaluation, written in one pass over the results
function writeTables(
  dir: string,
  ds: TimeSeriesDataset,
  task: TaskWindows,
  C: number,
  H: number,
  r: ReturnType<typeof evaluateTask>,
  quantiles: { levels: number[]; values: Array<Float32Array | Float64Array> } | undefined,
  targetChannels: number[],
  saveForecasts: boolean,
): void {
  const rs = rowSeries(ds);
  const timeOf = rowTimes(ds);
  const N = task.starts.length;
  // per window
  const win: {
    window: number[];
    series: string[];
    origin_ms: number[];
    night: number[];
    channel: string[];
    forecaster: string[];
    mse: number[];
    rmse: number[];
    mae: number[];
    mase: number[];
  } = { window: [], series: [], origin_ms: [], night: [], channel: [], forecaster: [], mse: [], rmse: [], mae: [], mase: [] };
  for (const [ch, byF] of Object.entries(r.perWindow))
    for (const [f, cols] of Object.entries(byF))
      for (let w = 0; w < N; w++) {
        win.window.push(w);
        win.series.push(ds.series[rs[task.starts[w]]].id);
        win.origin_ms.push(timeOf(task.starts[w] + C));
        win.night.push(task.night ? task.night[w] : -1);
        win.channel.push(ch);
        win.forecaster.push(f);
        win.mse.push(cols.mse[w]);
        win.rmse.push(cols.rmse[w]);
        win.mae.push(cols.mae[w]);
        win.mase.push(cols.mase[w]);
      }
  writeArrowTable(path.join(dir, 'windows.arrow'), {
    window: Int32Array.from(win.window),
    series: win.series,
    origin_ms: Float64Array.from(win.origin_ms),
    night: Int32Array.from(win.night),
    channel: win.channel,
    forecaster: win.forecaster,
    mse: Float64Array.from(win.mse),
    rmse: Float64Array.from(win.rmse),
    mae: Float64Array.from(win.mae),
    mase: Float64Array.from(win.mase),
  });
  // per step
  const metricNames = new Set<string>();
  for (const ch of r.channels) for (const m of Object.values(ch.forecasters)) for (const k of Object.keys(m.perStep)) metricNames.add(k);
  const steps: Record<string, number[] | string[]> = { channel: [], forecaster: [], step: [] };
  for (const k of metricNames) steps[k] = [];
  for (const ch of r.channels)
    for (const [f, m] of Object.entries(ch.forecasters))
      for (let h = 0; h < H; h++) {
        (steps.channel as string[]).push(ch.channel);
        (steps.forecaster as string[]).push(f);
        (steps.step as number[]).push(h + 1);
        for (const k of metricNames) (steps[k] as number[]).push(m.perStep[k]?.[h] ?? NaN);
      }
  const stepCols: Columns = {
    channel: steps.channel as string[],
    forecaster: steps.forecaster as string[],
    step: Int32Array.from(steps.step as number[]),
  };
  for (const k of metricNames) stepCols[k] = Float64Array.from(steps[k] as number[]);
  writeArrowTable(path.join(dir, 'steps.arrow'), stepCols);
  if (!saveForecasts) return;
  // forecasts: one row per (window, channel, step)
  const rows = N * H * targetChannels.length;
  const cols: Columns = {
    window: new Int32Array(rows),
    channel: new Array<string>(rows),
    step: new Int32Array(rows),
    origin_ms: new Float64Array(rows),
    truth: new Float32Array(rows),
  };
  const names = Object.keys(Object.values(r.forecasts)[0] ?? {});
  for (const n of names) cols[n] = new Float32Array(rows);
  const Q = quantiles?.levels.length ?? 0;
  for (let q = 0; q < Q; q++) cols[`q${quantiles!.levels[q]}`] = new Float32Array(rows);
  let i = 0;
  targetChannels.forEach((ci, k) => {
    const ch = ds.channels[ci].name;
    for (let w = 0; w < N; w++) {
      const origin = timeOf(task.starts[w] + C);
      for (let h = 0; h < H; h++, i++) {
        (cols.window as Int32Array)[i] = w;
        (cols.channel as string[])[i] = ch;
        (cols.step as Int32Array)[i] = h + 1;
        (cols.origin_ms as Float64Array)[i] = origin;
        (cols.truth as Float32Array)[i] = r.truth[ch][w * H + h];
        for (const n of names) (cols[n] as Float32Array)[i] = r.forecasts[ch][n][w * H + h];
        for (let q = 0; q < Q; q++) (cols[`q${quantiles!.levels[q]}`] as Float32Array)[i] = quantiles!.values[k][(w * Q + q) * H + h];
      }
    }
  });
  writeArrowTable(path.join(dir, 'forecasts.arrow'), cols);
}

function writeJson(file: string, v: unknown): void {
  writeFileAtomic(
    file,
    JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2),
  );
}

export interface RunEvaluation {
  dir: string;
  summary: EvaluationSummary;
}

/** Evaluates a trained run on each dataset x task and saves the results under `<run>/eval/`. */
export async function evaluateRun(runRef: string, opts: EvaluateRunOptions = {}): Promise<RunEvaluation[]> {
  const runDir = resolveRunDir(runRef, opts.runsDir);
  const trained = TrainedModel.open(runDir);
  try {
    return await evaluateOnDatasets(trained, runDir, opts);
  } finally {
    trained.dispose();
  }
}

// eslint-disable-next-line max-lines-per-function -- the dataset x task loop of evaluateRun (load, scale, forecast, score, write)
async function evaluateOnDatasets(trained: TrainedModel, runDir: string, opts: EvaluateRunOptions): Promise<RunEvaluation[]> {
  const log = opts.onLog ?? (() => {});
  const runId = path.basename(runDir);
  const { config, checkpoint, scaler: saved } = trained;
  const { context_length: C, horizon: H } = config.model;
  const quantileLevels = trained.quantiles;
  const results: RunEvaluation[] = [];
  for (const dsName of opts.datasets?.length ? opts.datasets : [config.data.dataset]) {
    const cfg: TsfmConfig = {
      ...config,
      data: { ...config.data, dataset: dsName, overrides: dsName === config.data.dataset ? config.data.overrides : undefined },
    };
    const loaded = await loadConfiguredDataset(cfg);
    // The run's own dataset: the series it was trained on (data.series); another dataset: all of its series.
    const ds = dsName === config.data.dataset && config.data.series ? selectSeries(loaded, config.data.series) : loaded;
    const { protocol, splits, targetChannels, inputChannels } = prepareDataset(cfg, ds);
    if (config.data.covariates && saved.channels && saved.channels.join(',') !== ds.channels.map((c) => c.name).join(',')) {
      throw new EvalError(
        `dataset '${dsName}' has channels [${ds.channels.map((c) => c.name).join(', ')}] but run ${runId} was trained with covariates [${saved.channels.join(', ')}]`,
      );
    }
    const scalerNotes: string[] = [];
    const scaler = scalerForDataset(saved, ds, splits.train, scalerNotes);
    const nativeDs = toNativeDataset(ds);
    const scaling = scaler.kind === 'none' ? null : { kind: scaler.kind, mean: scaler.mean, std: scaler.std, channels: ds.channels.length };
    try {
      for (const split of opts.splits?.length ? opts.splits : (['test'] as EvalSplit[])) {
        const base = {
          run: runId,
          dataset: { name: ds.name, version: ds.version },
          created: new Date().toISOString(),
          model: { family: config.model.family, context: C, horizon: H, quantiles: quantileLevels, checkpoint: path.basename(checkpoint) },
          intervalMinutes: ds.intervalMs / 60_000,
        };
        if (split === 'nocturnal') {
          const { night } = await evaluateNightsOfRun({
            trained,
            ds,
            nativeDs,
            scaling,
            splits,
            inputChannels,
            targetChannels,
            options: { anchor: opts.nightStart, nightHours: opts.nightHours, seed: config.training.seed },
          });
          const dir = path.join(runDir, 'eval', `${ds.name}-${split}`);
          mkdirSync(dir, { recursive: true });
          const summary: EvaluationSummary = {
            ...base,
            split,
            counts: night.counts,
            notes: [...splits.warnings, ...scalerNotes, ...night.notes],
            linregLags: 0,
            channels: [],
            night,
          };
          writeJson(path.join(dir, 'summary.json'), summary);
          for (const line of formatNightTask(ds.name, night)) log(line);
          results.push({ dir, summary });
          continue;
        }
        const all = taskWindows(ds, splits, protocol, split, {
          context: C,
          horizon: H,
          stride: cfg.data.stride,
          nightStart: opts.nightStart,
          nightHours: opts.nightHours,
        });
        const task = config.evaluation.max_windows ? limitWindows(all, config.evaluation.max_windows, config.training.seed) : all;
        const dir = path.join(runDir, 'eval', `${ds.name}-${split}`);
        mkdirSync(dir, { recursive: true });
        const N = task.starts.length;
        const notes = [...task.notes, ...scalerNotes];
        if (N === 0) {
          notes.push(`no ${split} windows on ${ds.name}`);
          log(`tsfm: ${ds.name} ${split}: no windows (${JSON.stringify(task.counts)})`);
          const empty: EvaluationSummary = {
            run: runId,
            dataset: { name: ds.name, version: ds.version },
            split,
            created: new Date().toISOString(),
            model: {
              family: config.model.family,
              context: C,
              horizon: H,
              quantiles: quantileLevels,
              checkpoint: path.basename(checkpoint),
            },
            intervalMinutes: ds.intervalMs / 60_000,
            counts: task.counts,
            notes,
            linregLags: 0,
            channels: [],
          };
          writeJson(path.join(dir, 'summary.json'), empty);
          results.push({ dir, summary: empty });
          continue;
        }
        const splitArg = { dataset: nativeDs, windows: task.windows, scaling, inputChannels, targetChannels };
        // evaluation.scale 'scaled' (the ETT convention): forecasts, truths and baselines all on the scaler's axis
        const unscale = config.evaluation.scale !== 'scaled';
        const pred = (await trained.predict(splitArg, { unscale })) as Tensor;
        const point = targetChannels.map((_, k) =>
          quantileLevels ? medianFromQuantiles({ levels: quantileLevels, values: quantileChannelOf(pred, k) }, N, H) : channelOf(pred, k),
        );
        const quantiles = quantileLevels
          ? { levels: quantileLevels, values: targetChannels.map((_, k) => quantileChannelOf(pred, k)) }
          : undefined;
        const linregLags = opts.linregLags ?? Math.min(C, 288);
        const evalDs: TimeSeriesDataset = unscale
          ? ds
          : { ...ds, values: applyScaler(ds, scaler), channels: ds.channels.map((c) => ({ ...c, unit: undefined })) };
        if (!unscale)
          notes.push('metrics on the scaled axis (evaluation.scale: scaled); clinical metrics need original units and are omitted');
        const r = evaluateTask({
          ds: evalDs,
          task,
          context: C,
          horizon: H,
          targetChannels,
          point,
          quantiles,
          trainWindows: splits.train,
          linregLags,
        });
        if (!unscale)
          for (const ch of r.channels)
            for (const k of Object.keys(ch.forecasters)) ch.forecasters[k] = withoutPercentageErrors(ch.forecasters[k]!);
        const summary: EvaluationSummary = {
          run: runId,
          dataset: { name: ds.name, version: ds.version },
          split,
          created: new Date().toISOString(),
          model: { family: config.model.family, context: C, horizon: H, quantiles: quantileLevels, checkpoint: path.basename(checkpoint) },
          intervalMinutes: ds.intervalMs / 60_000,
          counts: task.counts,
          notes,
          linregLags,
          scale: unscale ? 'original' : 'scaled',
          allChannels: poolChannels(r.channels),
          channels: r.channels,
        };
        writeTables(dir, evalDs, task, C, H, r, quantiles, targetChannels, opts.saveForecasts ?? config.output.save_predictions);
        writeJson(path.join(dir, 'summary.json'), summary);
        const scaledNote = unscale ? '' : ', scaled axis';
        log(
          formatPooled(
            `tsfm: ${ds.name} ${split} (${N} windows, ${r.channels.length} channel${r.channels.length === 1 ? '' : 's'}${scaledNote})`,
            summary.allChannels!,
          ),
        );
        if (opts.perChannel)
          for (const ch of r.channels) log(formatPooled(`  ${ch.channel}${ch.unit ? ` (${ch.unit})` : ''}`, poolChannels([ch])));
        results.push({ dir, summary });
      }
    } finally {
      nativeDs.dispose();
    }
  }
  return results;
}
