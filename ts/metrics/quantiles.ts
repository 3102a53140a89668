/**
 * Quantile forecasts as a distribution: the quantile function is piecewise linear through the
 * forecast's (level, value) knots; below the lowest and above the highest level it is extended
 * linearly with the slope of the outermost segment down to level 0 and up to level 1. The implied
 * CDF is therefore 0 below q(0), 1 above q(1), and uniform (constant density) in each tail, with
 * the density of the neighbouring segment. A single level is a point mass.
 *
 * Crossing quantiles (q at a higher level below q at a lower one) are repaired by sorting the
 * values of each point (monotone rearrangement, Chernozhukov et al. 2010) and counted; with
 * `crossing: 'error'` they are rejected instead. NaN quantile values are an error.
 */
import { EvalError, type Numeric } from './errors.js';

/** Quantile forecasts [windows, levels, horizon] (row-major), for one channel. */
export interface QuantileForecast {
  levels: readonly number[];
  values: Numeric;
}

export interface PreparedQuantiles {
  levels: Float64Array;
  /** [windows, levels, horizon], non-decreasing over levels at every (window, step). */
  values: Numeric;
  /** Points (window, step) whose quantiles crossed and were sorted. */
  crossedPoints: number;
}

export function checkLevels(levels: readonly number[]): Float64Array {
  if (!levels.length) throw new EvalError('quantile forecast has no levels');
  for (let i = 0; i < levels.length; i++) {
    if (!(levels[i] > 0 && levels[i] < 1)) throw new EvalError(`quantile level ${levels[i]} (index ${i}) is not strictly between 0 and 1`);
    if (i && !(levels[i] > levels[i - 1])) throw new EvalError(`quantile levels must be strictly increasing (got ${levels.join(', ')})`);
  }
  return Float64Array.from(levels);
}

/** Validates shape and NaNs and sorts crossing quantiles (copying only when some cross). */
export function prepareQuantiles(
  qf: QuantileForecast,
  windows: number,
  horizon: number,
  crossing: 'sort' | 'error' = 'sort',
): PreparedQuantiles {
  const levels = checkLevels(qf.levels);
  const Q = levels.length;
  const H = horizon;
  if (qf.values.length !== windows * Q * H)
    throw new EvalError(`quantile forecast has ${qf.values.length} values, expected windows*levels*horizon = ${windows}*${Q}*${H}`);
  let values: Numeric = qf.values;
  let copy: Float64Array | null = null;
  let crossed = 0;
  const buf = new Float64Array(Q);
  for (let w = 0; w < windows; w++) {
    const base = w * Q * H;
    for (let h = 0; h < H; h++) {
      let bad = false;
      let prev = -Infinity;
      for (let q = 0; q < Q; q++) {
        const v = values[base + q * H + h];
        if (v !== v) throw new EvalError(`quantile forecast is NaN at window ${w}, level ${levels[q]}, step ${h + 1}`);
        if (v < prev) bad = true;
        prev = v;
      }
      if (!bad) continue;
      if (crossing === 'error')
        throw new EvalError(`quantile forecast crosses at window ${w}, step ${h + 1} (levels ${levels.join(', ')})`);
      if (!copy) values = copy = Float64Array.from(qf.values as ArrayLike<number>);
      for (let q = 0; q < Q; q++) buf[q] = copy[base + q * H + h];
      buf.sort();
      for (let q = 0; q < Q; q++) copy[base + q * H + h] = buf[q];
      crossed++;
    }
  }
  return { levels, values, crossedPoints: crossed };
}

/**
 * Knots of one point's quantile function, including the tail ends at levels 0 and 1:
 * writes levels to `tau` and values to `x` (length Q + 2).
 */
export function knots(levels: Float64Array, q: Numeric, tau: Float64Array, x: Float64Array): void {
  const Q = levels.length;
  tau[0] = 0;
  tau[Q + 1] = 1;
  for (let i = 0; i < Q; i++) {
    tau[i + 1] = levels[i];
    x[i + 1] = q[i];
  }
  if (Q === 1) {
    x[0] = x[2] = q[0];
    return;
  }
  const sLo = (q[1] - q[0]) / (levels[1] - levels[0]);
  const sHi = (q[Q - 1] - q[Q - 2]) / (levels[Q - 1] - levels[Q - 2]);
  x[0] = q[0] - levels[0] * sLo;
  x[Q + 1] = q[Q - 1] + (1 - levels[Q - 1]) * sHi;
}

/** Quantile at level p (0..1) from knots. */
export function quantileFromKnots(tau: Float64Array, x: Float64Array, p: number): number {
  const K = tau.length;
  if (p <= 0) return x[0];
  if (p >= 1) return x[K - 1];
  let i = 1;
  while (i < K - 1 && tau[i] < p) i++;
  const t0 = tau[i - 1],
    t1 = tau[i];
  return x[i - 1] + ((p - t0) / (t1 - t0)) * (x[i] - x[i - 1]);
}

/**
 * CDF at v from knots: P(Y < v) when `strict`, else P(Y <= v). The two differ only where the
 * quantile function is flat (a point mass), e.g. a single-level forecast.
 */
export function cdfFromKnots(tau: Float64Array, x: Float64Array, v: number, strict: boolean): number {
  const K = tau.length;
  if (strict ? v <= x[0] : v < x[0]) return 0;
  if (strict ? v > x[K - 1] : v >= x[K - 1]) return 1;
  // last knot with x < v (strict) or x <= v
  let i = 0;
  while (i + 1 < K && (strict ? x[i + 1] < v : x[i + 1] <= v)) i++;
  if (i + 1 >= K) return 1;
  const x0 = x[i],
    x1 = x[i + 1];
  if (x1 === x0) return tau[strict ? i : i + 1];
  return tau[i] + ((v - x0) / (x1 - x0)) * (tau[i + 1] - tau[i]);
}
