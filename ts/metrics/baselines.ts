/**
 * Reference forecasts computed on the very windows a model is evaluated on, from the dataset's
 * unscaled values of one channel: last value, seasonal (daily) naive, and GlucoBench's "LinReg"
 * (one linear regression from the last `lags` context values to every horizon step, fitted on the
 * training windows, as darts' LinearRegressionModel(lags, output_chunk_length) does).
 */
import type { TimeSeriesDataset, WindowSet } from '../data/types.js';
import { forEachWindow, rowSeries, segmentsBySeries } from '../data/windows.js';
import { EvalError, type Numeric } from './errors.js';

export const BASELINES = ['last_value', 'seasonal_naive', 'linreg'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** Last context value repeated over the horizon: [windows, horizon]. */
export function lastValueForecast(values: Numeric, starts: Numeric, context: number, horizon: number): Float64Array {
  const out = new Float64Array(starts.length * horizon);
  for (let w = 0; w < starts.length; w++) out.fill(values[starts[w] + context - 1], w * horizon, (w + 1) * horizon);
  return out;
}

/**
 * Seasonal naive: each target takes the value observed one period (default one day) earlier in the
 * same series, or k periods earlier when the horizon is longer than a period, so that only data
 * up to the forecast origin is used. NaN where that time is not in the series (the point is then
 * skipped and counted by the point metrics).
 */
export function seasonalNaiveForecast(
  ds: TimeSeriesDataset,
  channel: number,
  starts: Numeric,
  context: number,
  horizon: number,
  periodMs = 86_400_000,
): Float64Array {
  const I = ds.intervalMs;
  const values = ds.values[channel];
  const rs = rowSeries(ds);
  const segBy = segmentsBySeries(ds);
  const out = new Float64Array(starts.length * horizon);
  for (let w = 0; w < starts.length; w++) {
    const last = starts[w] + context - 1;
    const si = rs[last];
    const segs = segBy[si];
    const seg = segs.find((s) => last >= s.offset && last < s.offset + s.length)!;
    const tLast = seg.startMs + (last - seg.offset) * I;
    for (let h = 0; h < horizon; h++) {
      const t = tLast + (h + 1) * I;
      const lag = periodMs * Math.ceil((t - tLast) / periodMs);
      const src = t - lag;
      let v = NaN;
      for (const s of segs) {
        const j = Math.round((src - s.startMs) / I);
        if (j >= 0 && j < s.length && Math.abs(s.startMs + j * I - src) < I / 2) {
          v = values[s.offset + j];
          break;
        }
      }
      out[w * horizon + h] = v;
    }
  }
  return out;
}

export interface LinRegModel {
  lags: number;
  horizon: number;
  /** [horizon][lags + 1]: intercept then the weight of each lag, oldest first. */
  weights: Float64Array[];
  trainWindows: number;
}

/** Solves the symmetric positive-definite system A x = b in place (Cholesky); A is d x d row-major. */
function choleskySolve(A: Float64Array, d: number, B: Float64Array[], what: string): void {
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j];
    for (let k = 0; k < j; k++) s -= A[j * d + k] * A[j * d + k];
    if (!(s > 0)) throw new EvalError(`${what}: the normal equations are singular (constant or too few training windows)`);
    const l = Math.sqrt(s);
    A[j * d + j] = l;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j];
      for (let k = 0; k < j; k++) t -= A[i * d + k] * A[j * d + k];
      A[i * d + j] = t / l;
    }
  }
  for (const b of B) {
    for (let i = 0; i < d; i++) {
      let t = b[i];
      for (let k = 0; k < i; k++) t -= A[i * d + k] * b[k];
      b[i] = t / A[i * d + i];
    }
    for (let i = d - 1; i >= 0; i--) {
      let t = b[i];
      for (let k = i + 1; k < d; k++) t -= A[k * d + i] * b[k];
      b[i] = t / A[i * d + i];
    }
  }
}

/**
 * Least squares fit of y_{t+h} = b_h + sum_l w_{h,l} x_{t-lags+l} on every training window (window
 * starts `starts`, context `context` >= lags). Centred normal equations with a ridge of 1e-8 times
 * the mean variance, which only matters when lags are exactly collinear.
 */
export function fitLinReg(values: Numeric, trainWindows: WindowSet, lags: number, horizon: number, maxWindows = 500_000): LinRegModel {
  const C = trainWindows.context;
  if (lags > C) throw new EvalError(`linreg: lags (${lags}) exceed the context length (${C})`);
  if (horizon > trainWindows.horizon)
    throw new EvalError(
      `linreg: horizon ${horizon} is longer than the training windows' (${trainWindows.horizon}); their targets would leave the training rows`,
    );
  const L = lags;
  const starts: number[] = [];
  forEachWindow(trainWindows, (s) => starts.push(s));
  const step = Math.max(1, Math.ceil(starts.length / maxWindows));
  const mx = new Float64Array(L),
    my = new Float64Array(horizon);
  let n = 0;
  const use: number[] = [];
  for (let i = 0; i < starts.length; i += step) {
    const s = starts[i] + C - L;
    let ok = true;
    for (let k = 0; k < L + horizon && ok; k++) if (!Number.isFinite(values[s + k])) ok = false;
    if (ok) use.push(s);
  }
  for (const s of use) {
    for (let l = 0; l < L; l++) mx[l] += values[s + l];
    for (let h = 0; h < horizon; h++) my[h] += values[s + L + h];
    n++;
  }
  if (n <= L + 1) throw new EvalError(`linreg: ${n} training windows are too few to fit ${L} lags`);
  for (let l = 0; l < L; l++) mx[l] /= n;
  for (let h = 0; h < horizon; h++) my[h] /= n;
  const A = new Float64Array(L * L);
  const B = Array.from({ length: horizon }, () => new Float64Array(L));
  const xc = new Float64Array(L);
  for (const s of use) {
    for (let l = 0; l < L; l++) xc[l] = values[s + l] - mx[l];
    for (let i = 0; i < L; i++) {
      const xi = xc[i];
      const row = i * L;
      for (let j = 0; j <= i; j++) A[row + j] += xi * xc[j];
    }
    for (let h = 0; h < horizon; h++) {
      const yc = values[s + L + h] - my[h];
      const b = B[h];
      for (let l = 0; l < L; l++) b[l] += xc[l] * yc;
    }
  }
  let tr = 0;
  for (let i = 0; i < L; i++) {
    tr += A[i * L + i];
    for (let j = 0; j < i; j++) A[j * L + i] = A[i * L + j];
  }
  const ridge = 1e-8 * (tr / L);
  for (let i = 0; i < L; i++) A[i * L + i] += ridge;
  choleskySolve(A, L, B, 'linreg');
  const weights = B.map((b, h) => {
    const w = new Float64Array(L + 1);
    let icpt = my[h];
    for (let l = 0; l < L; l++) {
      w[l + 1] = b[l];
      icpt -= b[l] * mx[l];
    }
    w[0] = icpt;
    return w;
  });
  return { lags: L, horizon, weights, trainWindows: n };
}

/** LinReg forecasts [windows, horizon] for windows starting at `starts` with context `context`. */
export function linRegForecast(model: LinRegModel, values: Numeric, starts: Numeric, context: number): Float64Array {
  const { lags: L, horizon: H, weights } = model;
  if (L > context) throw new EvalError(`linreg: the model uses ${L} lags but the windows have a context of ${context}`);
  const out = new Float64Array(starts.length * H);
  for (let w = 0; w < starts.length; w++) {
    const s = starts[w] + context - L;
    for (let h = 0; h < H; h++) {
      const wt = weights[h];
      let y = wt[0];
      for (let l = 0; l < L; l++) y += wt[l + 1] * values[s + l];
      out[w * H + h] = y;
    }
  }
  return out;
}
