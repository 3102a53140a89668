/**
 * How well a forecaster draws the night itself: point error per hour of the night (errors grow
 * with the distance from bedtime, and an overall RMSE hides where), and the error of the predicted
 * night minimum, in value (mg/dL) and in time (minutes), the two things a hypoglycaemia alarm acts on.
 */
import { EvalError, type Numeric } from './errors.js';

export interface HourError {
  /** Hour of the night from the anchor: 0 = the first hour. */
  hour: number;
  rmse: number;
  mae: number;
  /** Mean forecast - truth. */
  bias: number;
  /** (night, step) points with a finite forecast and truth. */
  points: number;
}

export interface ErrorSummary {
  /** Mean predicted - true. */
  bias: number;
  mae: number;
  rmse: number;
}

export interface NightMinimum {
  predictedMin: number;
  trueMin: number;
  /** Minutes from the anchor to the first step at the minimum. */
  predictedMinute: number;
  trueMinute: number;
}

export interface NightTrajectoryErrors {
  perHour: HourError[];
  /** Predicted minus true night minimum, mg/dL, over nights with both. */
  minValue: ErrorSummary;
  /** Predicted minus true time of the night minimum, minutes. */
  minTime: ErrorSummary;
  /** Per night (NaN where the night has no finite forecast or truth). */
  minima: NightMinimum[];
  nights: number;
}

function summarise(errors: number[]): ErrorSummary {
  if (!errors.length) return { bias: NaN, mae: NaN, rmse: NaN };
  let s = 0,
    a = 0,
    q = 0;
  for (const e of errors) {
    s += e;
    a += Math.abs(e);
    q += e * e;
  }
  const n = errors.length;
  return { bias: s / n, mae: a / n, rmse: Math.sqrt(q / n) };
}

/** Minimum of a night's finite values and the first step reaching it (NaN, NaN when none is finite). */
function argMin(v: Numeric, from: number, steps: number): [number, number] {
  let min = Infinity,
    at = -1;
  for (let h = 0; h < steps; h++) {
    const x = v[from + h];
    if (Number.isFinite(x) && x < min) {
      min = x;
      at = h;
    }
  }
  return at < 0 ? [NaN, NaN] : [min, at];
}

/** Per-hour point errors and night-minimum errors of forecasts and truths [nights, steps], `intervalMinutes` apart from the anchor. */
export function nightTrajectoryErrors(
  forecast: Numeric,
  truth: Numeric,
  nights: number,
  steps: number,
  intervalMinutes: number,
): NightTrajectoryErrors {
  if (forecast.length !== nights * steps || truth.length !== nights * steps)
    throw new EvalError(
      `night trajectory: expected nights*steps = ${nights}*${steps} forecasts and truths, got ${forecast.length} and ${truth.length}`,
    );
  if (!(intervalMinutes > 0)) throw new EvalError(`night trajectory: intervalMinutes must be positive (got ${intervalMinutes})`);
  const hours = Math.ceil((steps * intervalMinutes) / 60 - 1e-9);
  const sq = new Float64Array(hours),
    ab = new Float64Array(hours),
    sum = new Float64Array(hours),
    cnt = new Float64Array(hours);
  const minima: NightMinimum[] = [];
  const valueErr: number[] = [],
    timeErr: number[] = [];
  for (let k = 0; k < nights; k++) {
    for (let h = 0; h < steps; h++) {
      const e = forecast[k * steps + h] - truth[k * steps + h];
      if (!Number.isFinite(e)) continue;
      // step h covers minutes [h, h + 1) * interval: it belongs to the hour it starts in
      const hour = Math.floor((h * intervalMinutes) / 60 + 1e-9);
      sq[hour] += e * e;
      ab[hour] += Math.abs(e);
      sum[hour] += e;
      cnt[hour]++;
    }
    const [pMin, pAt] = argMin(forecast, k * steps, steps);
    const [tMin, tAt] = argMin(truth, k * steps, steps);
    minima.push({ predictedMin: pMin, trueMin: tMin, predictedMinute: pAt * intervalMinutes, trueMinute: tAt * intervalMinutes });
    if (pMin === pMin && tMin === tMin) {
      valueErr.push(pMin - tMin);
      timeErr.push((pAt - tAt) * intervalMinutes);
    }
  }
  const perHour = Array.from(cnt, (n, hour) => ({
    hour,
    rmse: Math.sqrt(sq[hour] / n),
    mae: ab[hour] / n,
    bias: sum[hour] / n,
    points: n,
  }));
  return { perHour, minValue: summarise(valueErr), minTime: summarise(timeErr), minima, nights };
}
