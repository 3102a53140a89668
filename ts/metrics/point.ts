/**
 * Point-forecast metrics over forecasts laid out as [windows, horizon] (row-major).
 *
 * NaN handling: a point whose truth is NaN is skipped and counted (`skippedTruth`); a NaN forecast
 * where the truth is known is an error unless `allowMissingForecast` (baselines that cannot forecast
 * a point, e.g. seasonal naive without data one day earlier), in which case it is skipped and counted.
 */
import { EvalError, type Numeric } from './errors.js';

export interface PointSummary {
  mse: number;
  rmse: number;
  mae: number;
  /** Mean absolute percentage error, in %, over points with truth != 0. */
  mape: number;
  /** Symmetric MAPE in % (0..200): 200 |e| / (|y| + |ŷ|); 0 when both are 0. */
  smape: number;
  /** Mean over windows of (window MAE / in-sample one-step naive MAE of its context); NaN without contexts. */
  mase: number;
  /** Points that entered the metrics. */
  n: number;
}

export interface PointEvaluation {
  /** Mean over all points (pooled). */
  pooled: PointSummary;
  /** Mean of the per-window metrics. */
  meanPerWindow: PointSummary;
  /** Median of the per-window metrics (the form GlucoBench reports: RMSE per window, then the median). */
  medianPerWindow: PointSummary;
  perStep: { mse: Float64Array; rmse: Float64Array; mae: Float64Array; mape: Float64Array; smape: Float64Array; n: Float64Array };
  /** Per window: sums for regrouping (per series) and the window's own metrics (NaN for a window with no points). */
  perWindow: {
    sse: Float64Array;
    sae: Float64Array;
    n: Float64Array;
    mse: Float64Array;
    rmse: Float64Array;
    mae: Float64Array;
    mape: Float64Array;
    smape: Float64Array;
    mase: Float64Array;
  };
  skippedTruth: number;
  skippedForecast: number;
}

export interface PointOptions {
  /** Per-window MASE denominators (mean |x_t - x_{t-1}| over the context); see `naiveScale`. */
  maseScale?: Numeric;
  allowMissingForecast?: boolean;
  /** Names the forecast in error messages (e.g. 'model', 'baseline last_value'). */
  label?: string;
}

/** Median of the finite values (NaN when none). */
export function median(xs: Numeric): number {
  const v = new Float64Array(xs.length);
  let n = 0;
  for (let i = 0; i < xs.length; i++) if (Number.isFinite(xs[i])) v[n++] = xs[i];
  if (!n) return NaN;
  const a = v.subarray(0, n).sort(); // typed-array sort: numeric, no comparator calls
  const m = n >> 1;
  return n % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

/** Mean of the finite values (NaN when none). */
export function finiteMean(xs: Numeric): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++)
    if (Number.isFinite(xs[i])) {
      s += xs[i];
      n++;
    }
  return n ? s / n : NaN;
}

/** MASE denominator of each window: mean |x_t - x_{t-1}| over its context [windows, context]. */
export function naiveScale(context: Numeric, windows: number, contextLength: number): Float64Array {
  const out = new Float64Array(windows);
  for (let w = 0; w < windows; w++) {
    let s = 0;
    let n = 0;
    const o = w * contextLength;
    for (let t = 1; t < contextLength; t++) {
      const d = context[o + t] - context[o + t - 1];
      if (Number.isFinite(d)) {
        s += Math.abs(d);
        n++;
      }
    }
    out[w] = n ? s / n : NaN;
  }
  return out;
}

/** Sums of the one pass over the points: per horizon step and per window. */
interface PointSums {
  stepSe: Float64Array;
  stepAe: Float64Array;
  stepApe: Float64Array;
  stepSape: Float64Array;
  stepN: Float64Array;
  /** Points with truth != 0 per step (the MAPE denominator). */
  stepNape: Float64Array;
  wSe: Float64Array;
  wAe: Float64Array;
  wN: Float64Array;
  wApe: Float64Array;
  wNape: Float64Array;
  wSape: Float64Array;
  skippedTruth: number;
  skippedForecast: number;
}

type PerWindow = PointEvaluation['perWindow'];

export function evaluatePoint(truth: Numeric, pred: Numeric, windows: number, horizon: number, opts: PointOptions = {}): PointEvaluation {
  const N = windows;
  const H = horizon;
  if (truth.length !== N * H) throw new EvalError(`truth has ${truth.length} values, expected windows*horizon = ${N}*${H}`);
  if (pred.length !== N * H)
    throw new EvalError(`${opts.label ?? 'forecast'} has ${pred.length} values, expected windows*horizon = ${N}*${H}`);
  if (opts.maseScale && opts.maseScale.length !== N)
    throw new EvalError(`maseScale has ${opts.maseScale.length} values, expected one per window (${N})`);
  const sums = sumPoints(truth, pred, N, H, opts);
  const { perWindow, pooled } = windowMetrics(sums, N, opts.maseScale);
  const n = pooled.n;
  const meanPerWindow: PointSummary = {
    mse: finiteMean(perWindow.mse),
    rmse: finiteMean(perWindow.rmse),
    mae: finiteMean(perWindow.mae),
    mape: finiteMean(perWindow.mape),
    smape: finiteMean(perWindow.smape),
    mase: pooled.mase,
    n,
  };
  const medianPerWindow: PointSummary = {
    mse: median(perWindow.mse),
    rmse: median(perWindow.rmse),
    mae: median(perWindow.mae),
    mape: median(perWindow.mape),
    smape: median(perWindow.smape),
    mase: median(perWindow.mase),
    n,
  };
  const perStep = stepMetrics(sums, H);
  return {
    pooled,
    meanPerWindow,
    medianPerWindow,
    perStep,
    perWindow,
    skippedTruth: sums.skippedTruth,
    skippedForecast: sums.skippedForecast,
  };
}

/** The one pass over every point: squared, absolute and percentage errors summed per step and per window. */
function sumPoints(truth: Numeric, pred: Numeric, N: number, H: number, opts: PointOptions): PointSums {
  const stepSe = new Float64Array(H),
    stepAe = new Float64Array(H),
    stepApe = new Float64Array(H),
    stepSape = new Float64Array(H);
  const stepN = new Float64Array(H),
    stepNape = new Float64Array(H);
  const wSe = new Float64Array(N),
    wAe = new Float64Array(N),
    wN = new Float64Array(N),
    wApe = new Float64Array(N),
    wNape = new Float64Array(N),
    wSape = new Float64Array(N);
  let skippedTruth = 0;
  let skippedForecast = 0;
  for (let w = 0; w < N; w++) {
    let se = 0,
      ae = 0,
      n = 0,
      ape = 0,
      nape = 0,
      sape = 0;
    const o = w * H;
    for (let h = 0; h < H; h++) {
      const y = truth[o + h];
      const p = pred[o + h];
      if (y !== y) {
        skippedTruth++;
        continue;
      }
      if (p !== p) {
        if (!opts.allowMissingForecast)
          throw new EvalError(`${opts.label ?? 'forecast'} is NaN at window ${w}, step ${h + 1} where the truth is ${y}`);
        skippedForecast++;
        continue;
      }
      const e = p - y;
      const a = Math.abs(e);
      se += e * e;
      ae += a;
      n++;
      stepSe[h] += e * e;
      stepAe[h] += a;
      stepN[h]++;
      const den = Math.abs(y) + Math.abs(p);
      const s = den === 0 ? 0 : (200 * a) / den;
      sape += s;
      stepSape[h] += s;
      if (y !== 0) {
        const pe = (100 * a) / Math.abs(y);
        ape += pe;
        nape++;
        stepApe[h] += pe;
        stepNape[h]++;
      }
    }
    wSe[w] = se;
    wAe[w] = ae;
    wN[w] = n;
    wApe[w] = ape;
    wNape[w] = nape;
    wSape[w] = sape;
  }
  return { stepSe, stepAe, stepApe, stepSape, stepN, stepNape, wSe, wAe, wN, wApe, wNape, wSape, skippedTruth, skippedForecast };
}

/** Each window's own metrics, and the pooled ones from the window sums (in window order). */
function windowMetrics(sums: PointSums, N: number, maseScale: Numeric | undefined): { perWindow: PerWindow; pooled: PointSummary } {
  const { wSe, wAe, wN, wApe, wNape, wSape } = sums;
  const perWindow = {
    sse: wSe,
    sae: wAe,
    n: wN,
    mse: new Float64Array(N),
    rmse: new Float64Array(N),
    mae: new Float64Array(N),
    mape: new Float64Array(N),
    smape: new Float64Array(N),
    mase: new Float64Array(N),
  };
  let se = 0,
    ae = 0,
    n = 0,
    ape = 0,
    nape = 0,
    sape = 0;
  for (let w = 0; w < N; w++) {
    const k = wN[w];
    perWindow.mse[w] = k ? wSe[w] / k : NaN;
    perWindow.rmse[w] = Math.sqrt(perWindow.mse[w]);
    perWindow.mae[w] = k ? wAe[w] / k : NaN;
    perWindow.mape[w] = wNape[w] ? wApe[w] / wNape[w] : NaN;
    perWindow.smape[w] = k ? wSape[w] / k : NaN;
    const sc = maseScale ? maseScale[w] : NaN;
    perWindow.mase[w] = sc > 0 ? perWindow.mae[w] / sc : NaN;
    se += wSe[w];
    ae += wAe[w];
    n += k;
    ape += wApe[w];
    nape += wNape[w];
    sape += wSape[w];
  }
  const mase = finiteMean(perWindow.mase);
  return { perWindow, pooled: { mse: se / n, rmse: Math.sqrt(se / n), mae: ae / n, mape: ape / nape, smape: sape / n, mase, n } };
}

/** Metrics per horizon step from the step sums. */
function stepMetrics(sums: PointSums, H: number): PointEvaluation['perStep'] {
  const { stepSe, stepAe, stepApe, stepSape, stepN, stepNape } = sums;
  const perStep = {
    mse: new Float64Array(H),
    rmse: new Float64Array(H),
    mae: new Float64Array(H),
    mape: new Float64Array(H),
    smape: new Float64Array(H),
    n: stepN,
  };
  for (let h = 0; h < H; h++) {
    perStep.mse[h] = stepSe[h] / stepN[h];
    perStep.rmse[h] = Math.sqrt(perStep.mse[h]);
    perStep.mae[h] = stepAe[h] / stepN[h];
    perStep.mape[h] = stepApe[h] / stepNape[h];
    perStep.smape[h] = stepSape[h] / stepN[h];
  }
  return perStep;
}

/** Pooled RMSE / MAE per group (e.g. series) from the per-window sums of `evaluatePoint`. */
export function groupPointMetrics(
  pw: PointEvaluation['perWindow'],
  group: Numeric,
  names: readonly string[],
): Array<{ group: string; windows: number; n: number; rmse: number; mae: number; medianRmse: number }> {
  const out: Array<{ group: string; windows: number; n: number; rmse: number; mae: number; medianRmse: number }> = [];
  const members = new Map<number, number[]>();
  for (let w = 0; w < group.length; w++) {
    let m = members.get(group[w]);
    if (!m) members.set(group[w], (m = []));
    m.push(w);
  }
  for (const [g, ws] of [...members].sort((a, b) => a[0] - b[0])) {
    let se = 0,
      ae = 0,
      n = 0;
    const r: number[] = [];
    for (const w of ws) {
      se += pw.sse[w];
      ae += pw.sae[w];
      n += pw.n[w];
      r.push(pw.rmse[w]);
    }
    out.push({ group: names[g] ?? String(g), windows: ws.length, n, rmse: Math.sqrt(se / n), mae: ae / n, medianRmse: median(r) });
  }
  return out;
}
