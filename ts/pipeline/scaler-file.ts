/**
 * `scaler.json`, the train-fitted scaler that travels with a run: one writer (training) and one reader
 * (evaluation, prediction, the pipeline's TrainedModel).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fitScaler, scalerFromJSON, scalerToJSON, type ScalerKind } from '../data/scaler.js';
import type { ScalerState, TimeSeriesDataset, WindowSet } from '../data/types.js';

export interface ScalerFile {
  kind: ScalerKind;
  /** Per channel (global) or per series x channel (per_series), over every channel of the training dataset. */
  mean: number[];
  std: number[];
  /** The training dataset's channels and series, in order. */
  channels: string[];
  series: string[];
  /** Train-wide statistics of a per-series scaler: used for series the run never saw. */
  global?: { mean: number[]; std: number[] };
}

/** The scaler file of a run trained on `ds` with `scaler` fitted on `train`. */
export function scalerFileOf(ds: TimeSeriesDataset, train: WindowSet, scaler: ScalerState): ScalerFile {
  const C = ds.channels.length;
  const global = scaler.kind === 'per_series' ? scalerToJSON(fitScaler(ds, train, 'global')) : undefined;
  return {
    ...scalerToJSON(scaler),
    channels: ds.channels.map((c) => c.name),
    series: ds.series.map((s) => s.id),
    global: global && { mean: global.mean.slice(0, C), std: global.std.slice(0, C) },
  };
}

/** Reads `<runDir>/scaler.json`; throws one line when it is missing or unreadable. */
export function readScalerFile(runDir: string): ScalerFile {
  const file = path.join(runDir, 'scaler.json');
  if (!existsSync(file))
    throw new Error(`${file}: missing (the run stopped before training started, or was trained by a tsfm that did not save its scaler)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ScalerFile;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/**
 * The run's scaler for `ds`: as saved when `ds` has the run's series and channels; on another dataset the same
 * kind of scaler fitted on that dataset's training windows (leak-free, and the only statistics that exist for
 * its series), with a note.
 */
export function scalerForDataset(saved: ScalerFile, ds: TimeSeriesDataset, train: WindowSet, notes: string[]): ScalerState {
  const key = (xs: readonly string[]) => xs.join('\u0000');
  const same =
    !saved.channels ||
    !saved.series ||
    (key(saved.channels) === key(ds.channels.map((c) => c.name)) && key(saved.series) === key(ds.series.map((s) => s.id)));
  if (same) return scalerFromJSON(saved);
  if (saved.kind !== 'none')
    notes.push(`scaler '${saved.kind}' refitted on ${ds.name}'s training windows (the run's statistics are for other series or channels)`);
  return fitScaler(ds, train, saved.kind);
}

/**
 * Per series of `ds` x the run's channels: the series' own training statistics when the run saw the series,
 * else the train-wide ones (for new data given to `tsfm predict`).
 */
export function statisticsForSeries(saved: ScalerFile, seriesIds: readonly string[]): { mean: Float32Array; std: Float32Array } {
  const C = saved.channels.length;
  const mean = new Float32Array(seriesIds.length * C);
  const std = new Float32Array(seriesIds.length * C).fill(1);
  seriesIds.forEach((id, si) => {
    const k = saved.series.indexOf(id);
    for (let c = 0; c < C; c++) {
      const [m, sd] =
        k >= 0
          ? [saved.mean[k * C + c]!, saved.std[k * C + c]!]
          : saved.global
            ? [saved.global.mean[c]!, saved.global.std[c]!]
            : [saved.mean[c]!, saved.std[c]!];
      mean[si * C + c] = m;
      std[si * C + c] = sd;
    }
  });
  return { mean, std };
}
