/**
 * The bedtime-anchored nocturnal task on a trained run (`tsfm evaluate --split nocturnal`): one forecast per
 * night from the anchor (context strictly before it, horizon covering the whole night), turned into calibrated
 * probabilities of the night's minimum falling below 70 and 54 mg/dL, beside the baselines (night-task.ts).
 */
import type { Night, NightsResult } from '../data/nights.js';
import type { SplitResult } from '../data/splits.js';
import type { TimeSeriesDataset } from '../data/types.js';
import { EvalError } from '../metrics/errors.js';
import { formatDiscrimination } from '../metrics/night-metrics.js';
import type { Tensor } from '../metrics/tensors.js';
import type { NativeDataset, NativeSplit } from '../native/types.js';
import type { TrainedModel } from '../pipeline/trained-model.js';
import {
  evaluateNightTask,
  nightForecastWindows,
  nightTaskSets,
  type NightForecast,
  type NightTaskEvaluation,
  type NightTaskSets,
} from './night-task.js';

export interface NightRunOptions {
  /** Local anchor time, HH:MM (default 00:00). */
  anchor?: string;
  /** Night length in hours (default 6, as Vu et al. and Jensen et al.). */
  nightHours?: number;
  seed?: number;
}

/** Nights whose forecast window (context + the model's horizon) would run past the dataset's last row are dropped. */
function fitting(r: NightsResult, context: number, horizon: number, rows: number): { result: NightsResult; dropped: number } {
  const nights = r.nights.filter((n: Night) => n.context[0] + context + horizon <= rows);
  return { result: { ...r, nights }, dropped: r.nights.length - nights.length };
}

/** The model's forecasts of the glucose channel over each night: point [nights, steps], quantiles [nights, Q, steps]. */
async function forecastNights(
  trained: TrainedModel,
  split: Omit<NativeSplit, 'windows'>,
  nights: readonly Night[],
  k: number,
  steps: number,
): Promise<NightForecast> {
  const { context: C, horizon: H } = trained;
  const N = nights.length;
  if (N === 0) return { point: new Float64Array(0) };
  const pred = (await trained.predict({ ...split, windows: nightForecastWindows(nights, C, H) }, { unscale: true })) as Tensor;
  const K = split.targetChannels.length;
  const levels = trained.quantiles;
  const Q = levels?.length ?? 1;
  // [N, K, H] or [N, Q, K, H] -> the night's first `steps` of channel k
  const at = (n: number, q: number, h: number) => pred.data[((n * Q + q) * K + k) * H + h];
  if (!levels) {
    const point = new Float64Array(N * steps);
    for (let n = 0; n < N; n++) for (let h = 0; h < steps; h++) point[n * steps + h] = at(n, 0, h);
    return { point };
  }
  const values = new Float64Array(N * Q * steps);
  const point = new Float64Array(N * steps);
  const median = levels.reduce((best, l, i) => (Math.abs(l - 0.5) < Math.abs(levels[best]! - 0.5) ? i : best), 0);
  for (let n = 0; n < N; n++)
    for (let q = 0; q < Q; q++)
      for (let h = 0; h < steps; h++) {
        values[(n * Q + q) * steps + h] = at(n, q, h);
        if (q === median) point[n * steps + h] = at(n, q, h);
      }
  return { point, quantiles: { levels, values } };
}

/** Runs the task; throws one line when the model's horizon cannot cover the night or the data has no glucose target. */
export async function evaluateNightsOfRun(args: {
  trained: TrainedModel;
  ds: TimeSeriesDataset;
  nativeDs: NativeDataset;
  scaling: NativeSplit['scaling'];
  splits: SplitResult;
  inputChannels: number[];
  targetChannels: number[];
  options?: NightRunOptions;
}): Promise<{ night: NightTaskEvaluation; sets: NightTaskSets }> {
  const { trained, ds, splits, targetChannels } = args;
  const o = args.options ?? {};
  const { context: C, horizon: H } = trained;
  const k = targetChannels.findIndex((c) => ds.channels[c]!.unit === 'mg/dL');
  if (k < 0) throw new EvalError(`--split nocturnal: dataset '${ds.name}' has no glucose (mg/dL) target channel to find hypoglycaemia in`);
  const hours = o.nightHours ?? 6;
  const all = nightTaskSets(ds, splits.blocks, { context: C, anchor: o.anchor, nightHours: hours, channel: targetChannels[k] });
  const steps = all.test.nightSteps;
  if (H < steps) {
    const minutes = ds.intervalMs / 60_000;
    throw new EvalError(
      `--split nocturnal: the task forecasts the whole ${hours} h night from bedtime (${steps} steps of ${minutes} min), but model.horizon is ${H} ` +
        `(${(H * minutes) / 60} h); train with model.horizon >= ${steps}, or shorten the night with --night-hours ${(H * minutes) / 60} (the rolling variant is --split nocturnal-rolling)`,
    );
  }
  const rows = ds.values[0]!.length;
  const parts = { train: fitting(all.train, C, H, rows), val: fitting(all.val, C, H, rows), test: fitting(all.test, C, H, rows) };
  const sets: NightTaskSets = { train: parts.train.result, val: parts.val.result, test: parts.test.result, channel: all.channel };
  const split = { dataset: args.nativeDs, scaling: args.scaling, inputChannels: args.inputChannels, targetChannels };
  const forecasts = {
    val: await forecastNights(trained, split, sets.val.nights, k, steps),
    test: await forecastNights(trained, split, sets.test.nights, k, steps),
  };
  const night = evaluateNightTask({ ds, sets, forecasts, options: { seed: o.seed } });
  const dropped = parts.val.dropped + parts.test.dropped;
  if (dropped) night.notes.push(`${dropped} validation/test night(s) dropped: the model's ${H}-step window would run past the data's end`);
  return { night, sets };
}

/** Log lines: per threshold and window, the model and each baseline (AUROC only with >= 10 positive nights). */
export function formatNightTask(dsName: string, e: NightTaskEvaluation): string[] {
  const lines = [
    `tsfm: ${dsName} nocturnal (${e.counts.test_nights} test nights, ${e.counts.val_nights} validation nights for calibration):`,
  ];
  for (const r of e.results) {
    lines.push(`  < ${r.threshold} mg/dL, ${r.window} (${r.positives} positive):`);
    for (const [name, s] of Object.entries(r.forecasters)) {
      if (name === 'model_raw' || name === 'model_max_step') continue;
      lines.push(
        `    ${name.padEnd(18)} ${formatDiscrimination(s.discrimination)}; Brier ${s.brier.brier.toFixed(3)}, ECE ${s.ece.toFixed(3)}`,
      );
    }
  }
  return lines;
}
